"""Partners: who leads each priority, what every partner does and contributes, and each partner's own view."""

from cspdash.ui import plan_blocks, shell

selection = shell.page_header(
    "Partners", "Who leads each priority, and what does each partner do and put in?"
)
as_at = plan_blocks.judgement_date(selection)
if plan_blocks.plan_intro(selection, as_at):
    plan_blocks.lead_bodies(selection, as_at)
    plan_blocks.partner_overview(selection, as_at)
    plan_blocks.contributions_by_year(selection)
    plan_blocks.partner_matrix(selection, as_at)
    plan_blocks.partner_view(selection, as_at)
