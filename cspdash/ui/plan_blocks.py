"""Page blocks for the action plan and partners pages: RAG with its rule beside it, never colour alone."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from cspdash.analysis.rag import (
    ACTION_RULE_TEXT,
    COMMENTARY_MAX_CHARS,
    INDICATOR_RULE_TEXT,
    PRIORITY_RULE_TEXT,
    RAG_ORDER,
    RAG_STATUSES,
    SEVERITY_TEXT,
)
from cspdash.charts.plan import rag_timeline, timeline_summary
from cspdash.ingest.action_plan import export_action_plan
from cspdash.ingest.plan_updates import UPDATE_RULE_TEXT, update_action
from cspdash.metrics import plan
from cspdash.ui import auth, blocks, db, params
from cspdash.ui.filters import Selection, url_choice

#: Streamlit's named text colours per status (the icon and the word always come with the colour)
_MARKDOWN_COLOUR = {key: status.markdown_colour for key, status in RAG_STATUSES.items()}
STALE_AFTER_DAYS = plan.STALE_AFTER_DAYS
FLASH_KEY = "plan_edit_flash"
#: £ and FTE columns as people read them
MONEY = {name: st.column_config.NumberColumn(format="£%,.0f") for name in
         ("Cash funding (£)", "In-kind (£)", "In-kind support (£)", "Amount (£)")} | {
    "Staff (FTE)": st.column_config.NumberColumn(format="%.1f")}
#: MONEY for a table whose staff column is text (fte_text)
MONEY_FTE_TEXT = {name: config for name, config in MONEY.items() if name not in ("Staff (FTE)", "Amount (£)")}
FTE_NOT_GIVEN = "—"


def fte_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The staff and amount columns as people read them: '1.5' and '£150,000', or '—' where none is given (never
    'None': a staff row has no amount, a cash row no FTE)."""
    from cspdash.report.readable import money

    out = frame
    if "Staff (FTE)" in out.columns:
        out = out.assign(**{"Staff (FTE)": [FTE_NOT_GIVEN if pd.isna(v) else f"{float(v):.1f}"
                                            for v in out["Staff (FTE)"]]})
    if "Amount (£)" in out.columns and out["Amount (£)"].isna().any():
        amounts = out["Amount (£)"]
        out = out.assign(**{"Amount (£)": [FTE_NOT_GIVEN if pd.isna(v) else text
                                           for v, text in zip(amounts, money(amounts.fillna(0)), strict=True)]})
    return out


def badge_markdown(status: str | None) -> str:
    """Coloured symbol and word for markdown, e.g. ':orange[▲ Amber]'; 'no evidence' when blank."""
    if not status:
        return "no evidence"
    look = RAG_STATUSES[status]
    return f":{_MARKDOWN_COLOUR[status]}[**{look.icon} {look.label}**]"


def legend_line() -> str:
    """One line explaining every RAG symbol: '✖ Red = significant issues… · ▲ Amber = …'."""
    return " · ".join(f"{s.icon} **{s.label}** = {s.rule.rstrip('.').lower()}" for s in RAG_STATUSES.values())


def rag_legend(rule: str) -> None:
    """The legend of symbols and the rule that produced the statuses, beside a RAG table or symbol."""
    st.caption(f"Key: {legend_line()}.  \n**Rule:** {rule}")


# ---------------------------------------------------------------------------------------------- priorities page
def judgement_date(selection: Selection) -> dt.date:
    """The date statuses are judged at (?asat=today|latest): today, or the plan's latest reporting round.

    The default is today unless the reporting round (the date by which most actions were last updated) is older
    than plan.STALE_AFTER_DAYS, when judging against today would show every unfinished action as overdue.
    """
    today = dt.date.today()
    info = db.query(plan.plan_info, selection.partnership_code)
    if not info.has_plan:
        return today
    judging = plan.default_judging_date(db.query(plan.last_updates, selection.partnership_code), today)
    round_date = judging.reporting_round
    if round_date is None or round_date >= today:
        return today
    labels = {"today": f"today ({today:%d %b %Y})",
              "latest": f"the latest reporting round ({round_date:%d %b %Y})"}
    default = "latest" if judging.date < today else "today"
    choice = url_choice("Judge statuses as at", list(labels), params.AS_AT, default, format_func=lambda k: labels[k],
                        container=st.sidebar, help="RAG rules depend on the date: an action past its due date "
                        "is Red. The reporting round is the date by which most actions were last updated; one "
                        "action updated later does not move it.")
    return today if choice == "today" else round_date


def _judging_caption(code: str, as_at: dt.date) -> str:
    """'Statuses are judged as at 30 Jun 2025 — why.'"""
    today = dt.date.today()
    judging = plan.default_judging_date(db.query(plan.last_updates, code), today)
    if as_at == judging.date:
        why = judging.reason
    elif as_at == today:
        why = "today, as chosen under *Judge statuses as at* in the sidebar"
    else:
        why = ("the plan's latest reporting round, as chosen under *Judge statuses as at* in the sidebar "
               "(most actions were last updated by then)")
    return f"Statuses are judged as at **{as_at.day} {as_at:%b %Y}** — {why}."


def plan_intro(selection: Selection, as_at: dt.date) -> bool:
    """Plan name, sample and freshness notes, headline tiles; False (with a message) when no plan is loaded."""
    code = selection.partnership_code
    info = db.query(plan.plan_info, code)
    if not info.has_plan:
        st.info(f"No action plan is loaded for {blocks.literal(selection.partnership_name)}. An analyst loads the action-plan "
                "workbook (template in data/templates) on the Data page.", icon=":material/checklist:")
        return False
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    st.markdown(f"**{blocks.literal(info.name)}**")
    if info.is_sample:
        st.warning("SAMPLE plan: made-up demonstration data, not the partnership's real action plan.",
                   icon=":material/science:")
    latest = info.latest_update
    today = dt.date.today()
    caption = _judging_caption(code, as_at)
    if latest is None:
        st.caption("No progress updates have been recorded yet. " + caption)
    elif as_at < today:
        st.warning(f"{caption} Choose “today” under *Judge statuses as at* in the sidebar to judge against "
                   "today's date; ask for an update before the meeting.", icon=":material/schedule:")
    elif (today - latest).days > STALE_AFTER_DAYS:
        st.warning(f"{caption} The latest progress update is from {latest:%d %b %Y}, {(today - latest).days} days "
                   "ago: actions past their due date show as overdue even if they have moved on since. Ask for an "
                   "update before the meeting.", icon=":material/schedule:")
    else:
        st.caption(f"Latest progress update: {latest:%d %b %Y}. {caption}")
    columns = st.columns(4)
    for column, (label, value, help_text) in zip(columns, db.query(plan.plan_view, code, as_at).headline, strict=False):
        column.metric(label, value, help=help_text)
    return True


def priority_overview(selection: Selection, today: dt.date) -> None:
    """Every priority: lead body, RAG by the priority rule with its reason, action counts."""
    st.subheader("Priorities at a glance")
    table = db.query(plan.plan_view, selection.partnership_code, today).priorities
    counts = table["rag"].value_counts()
    st.markdown(" · ".join(f"{badge_markdown(k)}: {int(counts.get(k, 0))}" for k in RAG_ORDER if counts.get(k, 0))
                + f" — of {len(table)} priorities")
    shown = pd.DataFrame({
        "Status": table["rag_badge"], "Priority": table["priority"], "Lead partner": table["lead"],
        "Actions": table["actions"], "Overdue": table["overdue"], "Slipping": table["slipping"],
        "Why this status": table["rag_reason"], "Priority ID": table["priority_id"],
    })
    blocks.table(shown, "priorities")
    rag_legend(PRIORITY_RULE_TEXT + " Each action's status comes from the action rule below.")


def choose_priority(selection: Selection, today: dt.date) -> str:
    """A priority chooser bound to the URL (?priority=…), showing each one's status."""
    table = db.query(plan.plan_view, selection.partnership_code, today).priorities
    labels = dict(zip(table["priority_id"], table["rag_badge"] + " — " + table["priority"], strict=True))
    ids = list(labels)
    return str(url_choice("Priority", ids, params.PRIORITY, ids[0], format_func=lambda p: labels[p],
                          help="Choose a priority to see its actions, history and evidence."))


def priority_detail(selection: Selection, priority_id: str, today: dt.date) -> None:
    """One priority: status and reason, lead, actions, RAG timeline, evidence beside the self-reported RAG."""
    code = selection.partnership_code
    view = db.query(plan.plan_view, code, today)
    table = view.priorities
    row = table[table["priority_id"] == priority_id].iloc[0]
    st.subheader(blocks.literal(row["priority"]))
    st.markdown(f"Status: {badge_markdown(row['rag'])} — {blocks.literal(row['rag_reason'])}  \n"
                f"Lead body: **{blocks.literal(row['lead'])}**" + (f" ({blocks.literal(row['lead_type'])})" if isinstance(row["lead_type"], str) else ""))
    if isinstance(row["description"], str) and row["description"]:
        st.caption(blocks.literal(row["description"]))
    officers = db.query(plan.lead_officers, code)
    if priority_id in officers:
        st.markdown(f"Lead officer: **{blocks.literal(officers[priority_id])}**")
    st.markdown("**Actions**")
    blocks.table(plan.with_lead_officer(plan.actions_of(view.actions, priority_id), officers, "Action ID", "Owner"),
                 f"actions {priority_id}")
    rag_legend(ACTION_RULE_TEXT + " 'Reported' is what the owner reported; 'RAG (by rule)' applies the rule.")

    st.markdown("**How the status has moved**")
    history = plan.rag_history_of(view, priority_id)
    blocks.chart(rag_timeline(history, f"{row['priority']}: RAG at each progress update"), timeline_summary(history),
                 history.drop(columns=["level"]), f"rag history {priority_id}")
    st.caption("Each symbol is the status at a progress update: "
               + ", ".join(f"{s.marker_glyph} {s.label}" for s in RAG_STATUSES.values()) + "; the word is printed under it."
               " The priority's row rolls up its actions by the rule above.")

    st.markdown("**Evidence: what the data says**")
    judged = db.query(plan.evidence_view, code, selection.period.end, selection.period.months)
    evidence = judged.evidence_table(priority_id)
    verdict = judged.comparison(table)
    mine = verdict[verdict["priority_id"] == priority_id].iloc[0]
    st.markdown(f"Plan says (from its actions): {badge_markdown(row['rag'])} · Data says (evidence): "
                f"{badge_markdown(mine['evidence_rag'])} — **{blocks.literal(mine['Agreement'])}**. "
                f"{blocks.literal(mine['Why (evidence)'])}")
    if evidence.empty:
        st.info("No indicators or police.uk crime types are linked to this priority. Link them in the plan "
                "workbook (Indicators sheet; the priority's crime types).", icon=":material/link_off:")
    else:
        blocks.table(evidence.drop(columns=["RAG", "id"]), f"evidence {priority_id}")
    rag_legend(f"{INDICATOR_RULE_TEXT} {plan.EVIDENCE_RULE_TEXT}")


def overdue_and_slipping(selection: Selection, today: dt.date) -> None:
    """Overdue actions and slipping actions, each with its rule."""
    st.subheader("Overdue and slipping actions")
    view = db.query(plan.plan_view, selection.partnership_code, today)
    overdue, slipping = view.overdue, view.slipping
    st.markdown(f"**Overdue: {len(overdue)}** — {plan.OVERDUE_RULE_TEXT}")
    if overdue.empty:
        st.caption("No action is overdue.")
    else:
        blocks.table(overdue, "overdue actions")
    st.markdown(f"**Slipping: {len(slipping)}** — {plan.SLIPPING_RULE_TEXT}")
    if slipping.empty:
        st.caption("No action is slipping.")
    else:
        blocks.table(slipping, "slipping actions")
    rag_legend(ACTION_RULE_TEXT)


def changes_since(selection: Selection, today: dt.date) -> None:
    """What changed since a chosen meeting or date (?since=meeting id or 'date', ?since_date=YYYY-MM-DD)."""
    st.subheader("What has changed since…")
    past = db.query(plan.meetings, selection.partnership_code, today)
    labels = {m: f"the meeting of {label}" for m, label in zip(past["meeting_id"], past["label"], strict=True)}
    labels["date"] = "a date I choose"
    options = list(labels)
    choice = url_choice("Changes since", options, params.SINCE, options[0], format_func=lambda o: labels[o],
                        help="Compare each action's RAG at that point with its RAG now.")
    if choice == "date":
        default = today - dt.timedelta(days=90)
        raw = st.query_params.get(params.SINCE_DATE)
        try:
            default = dt.date.fromisoformat(raw) if raw else default
        except ValueError:
            st.info(f"The link's date “{blocks.literal(str(raw)[:20])}” is not a date; showing the last 90 days.")
        default = min(default, today)
        since = st.date_input("Since", value=default, max_value=today, key="since_date_input", format="DD/MM/YYYY")
        st.query_params[params.SINCE_DATE] = since.isoformat()
    else:
        since = past.loc[past["meeting_id"] == choice, "meeting_date"].iloc[0]
    changes = plan.changes_since_of(db.query(plan.plan_view, selection.partnership_code, today), since)
    worse = int((changes["Change"] == "worse").sum())
    better = int((changes["Change"] == "better").sum())
    st.markdown(f"Since **{since:%d %b %Y}**: {len(changes)} actions updated — **{worse} worse**, "
                f"**{better} better**, {len(changes) - worse - better} other.")
    if changes.empty:
        st.caption("No progress updates since then.")
    else:
        blocks.table(changes, "changes since")
    st.caption("'Then' is the action's RAG at its latest update on or before that date; 'Now' is its RAG today. "
               f"Worse/better compare severity: {SEVERITY_TEXT}.")


def evidence_vs_plan(selection: Selection, today: dt.date) -> None:
    """Every priority's self-reported RAG beside its evidence RAG, disagreements first."""
    st.subheader("Does the data agree with the plan?")
    judged = db.query(plan.evidence_view, selection.partnership_code, selection.period.end, selection.period.months)
    table = judged.comparison(db.query(plan.plan_view, selection.partnership_code, today).priorities)
    order = {"disagree": 0, "differ": 1, "agree": 2, "not started": 3, "no evidence linked": 4}
    table = table.sort_values("Agreement", key=lambda s: s.map(order)).drop(
        columns=["priority_id", "plan_rag", "evidence_rag"])
    split = table[table["Agreement"].isin(["disagree", "differ"])]
    if len(split):
        st.warning(f"For {len(split)} priorities the plan's status and the data differ: ask the lead partner why.",
                   icon=":material/compare_arrows:")
    blocks.table(table, "plan against evidence")
    rag_legend(f"{plan.AGREEMENT_RULE_TEXT} {plan.EVIDENCE_RULE_TEXT} Evidence period: {selection.period.label}.")


# ---------------------------------------------------------------------------------------------- editing
def edit_form(selection: Selection, today: dt.date) -> None:
    """The progress-update form for editors: status, % complete, commentary; saved, audited, shown at once."""
    st.subheader("Update an action")
    user = auth.current_user()
    if not user.can("editor"):
        st.caption("CSP managers (editor role) update actions here; you are signed in as a viewer.")
        return
    acts = db.query(plan.plan_view, selection.partnership_code, today).actions
    labels = dict(zip(acts["action_id"], acts["action_id"] + " — " + acts["action"] + " (" + acts["rag_badge"] + ")",
                      strict=True))
    action_id = st.selectbox("Action", list(labels), format_func=lambda a: labels[a], key="edit_action")
    current = acts[acts["action_id"] == action_id].iloc[0]
    st.caption(UPDATE_RULE_TEXT)
    shift = _judging_shift_on_save(selection.partnership_code, str(action_id), today)
    if shift:
        st.warning(f"**Saving this update moves the date the plan is judged at**: {shift}. The other actions' "
                   "reports are unchanged; only the date they are judged against moves.", icon=":material/event:")
    with st.form(f"edit_{action_id}"):
        status = st.selectbox("Status", RAG_ORDER, index=list(RAG_ORDER).index(current["reported_status"]),
                              format_func=lambda s: f"{RAG_STATUSES[s].icon} {s} — {RAG_STATUSES[s].rule}",
                              key=f"edit_status_{action_id}")
        pct = st.number_input("% complete", min_value=0, max_value=100, step=5, key=f"edit_pct_{action_id}",
                              value=int(current["pct_complete"]) if pd.notna(current["pct_complete"]) else 0)
        commentary = st.text_area("Commentary (required unless Green or Complete)", key=f"edit_comment_{action_id}",
                                  value="" if pd.isna(current["commentary"]) else str(current["commentary"]),
                                  max_chars=COMMENTARY_MAX_CHARS)
        submitted = st.form_submit_button("Save update", icon=":material/save:")
    if submitted:
        user = auth.require("editor")
        try:
            update_action(db.store(), str(action_id), status, pct, commentary, user.name, user.role)
        except (ValueError, PermissionError) as exc:
            st.error(str(exc), icon=":material/error:")
            return
        st.session_state[FLASH_KEY] = (f"Saved: {action_id} is now {RAG_STATUSES[status].icon} {status}, {pct}% "
                                       f"complete (by {user.name}). The change is in the progress history and "
                                       "the audit log.")
        st.rerun()


def _judging_shift_on_save(code: str, action_id: str, as_at: dt.date) -> str:
    """What saving an update of ``action_id`` today would change by moving the judging date ('' when none)."""
    today = dt.date.today()
    last = db.query(plan.last_updates, code)
    after = plan.judging_after_update(last, action_id, today)
    choice = st.session_state.get("flt_asat")
    if choice == "today" or after.reporting_round is None:
        new = today
    elif choice == "latest":
        new = min(after.reporting_round, today)
    else:
        new = after.date
    if new == as_at:
        return ""
    return plan.judging_shift(db.query(plan.plan_view, code, as_at), db.query(plan.plan_view, code, new), as_at, new)


def audit_trail(selection: Selection) -> None:
    """The latest in-app edits: who changed which field, from what to what."""
    log = db.query(plan.audit_log, selection.partnership_code)
    with st.expander(f"Audit log of in-app edits ({len(log)})"):
        blocks.table(log, "audit log", caption="Append-only: every field changed in the app, who changed it and when.")


def _plan_workbook(con: duckdb.DuckDBPyConnection, partnership: str) -> bytes:
    """The partnership's plan as the template workbook (bytes)."""
    with tempfile.TemporaryDirectory(prefix="cspdash-export-") as tmp:
        path = export_action_plan(con, [partnership], Path(tmp) / "plan.xlsx")
        return path.read_bytes()


def export_download(selection: Selection) -> None:
    """Download the plan (with progress history) as the workbook template, ready to edit and load again.

    The workbook is written only when the button is pressed (Streamlit calls the function then), not on every
    page view; it is cached per store version like every other query."""
    code = selection.partnership_code

    def workbook() -> bytes:
        return db.query(_plan_workbook, code)

    st.download_button("Download the plan as the workbook template (.xlsx)", workbook,
                       file_name=f"action_plan_{selection.partnership_code}.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_plan_xlsx")
    st.caption("The workbook holds every sheet of the template, including the progress history and in-app updates; "
               "it loads back unchanged on the Data page.")


# ---------------------------------------------------------------------------------------------- partners page
def lead_bodies(selection: Selection, today: dt.date | None = None) -> None:
    """The lead body for every priority (from the plan already judged on ``today`` when given)."""
    st.subheader("Who leads each priority")
    if today is None:
        table = db.query(plan.lead_bodies, selection.partnership_code)
    else:
        table = plan.lead_bodies_of(db.query(plan.plan_view, selection.partnership_code, today).priorities)
    table = plan.with_lead_officer(table, db.query(plan.lead_officers, selection.partnership_code), "Priority ID",
                                   "Lead partner")
    blocks.table(table, "lead bodies", caption="The lead officer is the named person accountable for the priority.")


def partner_overview(selection: Selection, today: dt.date) -> None:
    """One row per partner: priorities led, actions led and supported, their state, funding and staff."""
    st.subheader("What each partner contributes")
    totals = db.query(plan.plan_view, selection.partnership_code, today).partner_totals
    if totals.empty:
        st.info("No partners are named in this partnership's plan.")
        return
    blocks.table(totals.drop(columns=["partner_code"]), "partner totals", column_config=MONEY)
    st.caption(plan.PARTNER_MATRIX_TEXT + " " + plan.SLIPPING_RULE_TEXT + " " + plan.OVERDUE_RULE_TEXT)


def contributions_by_year(selection: Selection) -> None:
    """Cash funding and in-kind support per financial year (never added together), grant end dates, every item."""
    st.subheader("Funding and in-kind support by financial year")
    years = db.query(plan.contributions_by_year, selection.partnership_code)
    if years.empty:
        st.info("No contributions are recorded on the plan's Contributions sheet.")
        return
    latest = years[years["Financial year"] != "year not given"].tail(1)
    if len(latest):
        row = latest.iloc[0]
        st.markdown(f"In **{row['Financial year']}**: **£{row['Cash funding (£)']:,.0f} cash funding** and "
                    f"**£{row['In-kind support (£)']:,.0f} of in-kind support** (valued by the partners; not cash), "
                    f"{row['Staff (FTE)']:.1f} staff (FTE).")
    blocks.table(years, "contributions by financial year", column_config=MONEY)
    blocks.table(fte_text(db.query(plan.contribution_list, selection.partnership_code)), "every contribution",
                 column_config=MONEY_FTE_TEXT, caption=plan.CONTRIBUTION_TEXT + f" {FTE_NOT_GIVEN}: no staff time given.")


def partner_matrix(selection: Selection, today: dt.date) -> None:
    """Partner × priority matrix."""
    st.subheader("Partner × priority")
    matrix = db.query(plan.plan_view, selection.partnership_code, today).partner_matrix
    blocks.table(matrix.drop(columns=["partner_code", "priority_id"]), "partner by priority", column_config=MONEY)
    st.caption(plan.PARTNER_MATRIX_TEXT + " '(whole plan)': contributions not tied to one priority.")


def partner_view(selection: Selection, today: dt.date) -> None:
    """One partner's own view (?partner=…): the actions it leads or supports and what it contributes."""
    st.subheader("One partner's view")
    partners = db.query(plan.plan_partners, selection.partnership_code)
    names = dict(zip(partners["partner_code"], partners["partner_name"], strict=True))
    code = url_choice("Partner", list(names), params.PARTNER, next(iter(names)), format_func=lambda c: names[c])
    acts = plan.partner_actions_of(db.query(plan.plan_view, selection.partnership_code, today).actions, code)
    led = int((acts["Role"] == "leads").sum())
    st.markdown(f"**{blocks.literal(names[code])}** leads {led} and supports {len(acts) - led} actions.")
    if len(acts):
        blocks.table(acts, f"actions of {code}")
        rag_legend(ACTION_RULE_TEXT)
    every = db.query(plan.contribution_list, selection.partnership_code)
    gifts = every[every["Partner"] == names[code]].drop(columns=["Partner"])
    if gifts.empty:
        st.caption("No funding, staff, in-kind support or data sharing recorded for this partner.")
    else:
        blocks.table(fte_text(gifts), f"contributions of {code}", column_config=MONEY_FTE_TEXT)
