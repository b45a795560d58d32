"""Action plan: every priority's status by a stated rule, who leads it, what changed and what the data says."""

from datetime import date

from cspdash.ui import plan_blocks, shell

selection = shell.page_header(
    "Action plan", "Is each priority on track by a stated rule, who leads it, and does the data agree?"
)
today = date.today()
if plan_blocks.plan_intro(selection, today):
    plan_blocks.priority_overview(selection, today)
    plan_blocks.evidence_vs_plan(selection, today)
    plan_blocks.overdue_and_slipping(selection, today)
    plan_blocks.changes_since(selection, today)
    priority_id = plan_blocks.choose_priority(selection, today)
    plan_blocks.priority_detail(selection, priority_id, today)
    plan_blocks.edit_form(selection, today)
    plan_blocks.audit_trail(selection)
    plan_blocks.export_download(selection)
