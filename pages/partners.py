"""Partners: who leads each priority, what every partner does and contributes, and each partner's own view."""

from datetime import date

from cspdash.ui import plan_blocks, shell

selection = shell.page_header(
    "Partners", "Who leads each priority, and what does each partner do and put in?"
)
today = date.today()
if plan_blocks.plan_intro(selection, today):
    plan_blocks.lead_bodies(selection)
    plan_blocks.partner_overview(selection, today)
    plan_blocks.partner_matrix(selection, today)
    plan_blocks.partner_view(selection, today)
