"""Action plan: every priority's status by a stated rule, who leads it, what changed and what the data says."""

from cspdash.ui import plan_blocks, shell

selection = shell.page_header(
    "Action plan", "Is each priority on track by a stated rule, who leads it, and does the data agree?"
)
as_at = plan_blocks.judgement_date(selection)
if plan_blocks.plan_intro(selection, as_at):
    plan_blocks.priority_overview(selection, as_at)
    plan_blocks.evidence_vs_plan(selection, as_at)
    plan_blocks.overdue_and_slipping(selection, as_at)
    plan_blocks.changes_since(selection, as_at)
    priority_id = plan_blocks.choose_priority(selection, as_at)
    plan_blocks.priority_detail(selection, priority_id, as_at)
    plan_blocks.edit_form(selection, as_at)
    plan_blocks.audit_trail(selection)
    plan_blocks.export_download(selection)
