"""Blocks for the 'Prepare for a meeting' page: meeting picker, what changed, editable questions and
recommendations, the Community Trigger log, partnership health and the exports (with progress)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from cspdash.analysis.rag import rag_badge
from cspdash.config import settings
from cspdash.ingest.meeting_updates import (
    EditError,
    rename_recommendation,
    save_questions,
    save_recommendations,
    save_trigger,
)
from cspdash.ingest.template import RECOMMENDATION_STATUSES, TRIGGER_KINDS
from cspdash.metrics import meeting as mm
from cspdash.report import questions as qs
from cspdash.report import readable
from cspdash.report.briefing_text import TRIGGER_LOG_LEFT_OUT, export_file_name, what_changed_lines
from cspdash.ui import auth, blocks, db, export_process, params
from cspdash.ui.filters import url_choice


def pick_meeting(partnership: str) -> mm.Briefing | None:
    """A meeting picker (in the URL as ?meeting=) and the briefing for the chosen meeting."""
    held = db.query(mm.meetings, partnership)
    if held.empty:
        st.info("No meetings are recorded for this partnership. Add them on the Meetings sheet of the action-plan "
                "workbook and load it on the Data page.", icon=":material/event_busy:")
        return None
    labels = {r.meeting_id: f"{r.committee}, {pd.Timestamp(r.meeting_date):%-d %B %Y}" for r in held.itertuples()}
    chosen = url_choice("Meeting", list(labels), params.MEETING, list(labels)[0], format_func=lambda m: labels[m])
    # public output: the "what changed" lines and suggested questions write small counts as <5
    return db.query(mm.briefing, chosen, public=settings().public_output)  # type: ignore[no-any-return]


def freshness(b: mm.Briefing) -> None:
    """What data the meeting looks at."""
    m = b.meeting
    if m.data_end is None:
        st.warning("No police.uk data was published before this meeting.")
        return
    since = f"since the previous meeting on {m.previous_date:%-d %B %Y}" if m.previous_date else "(no previous meeting)"
    st.caption(f"police.uk data to **{m.data_end:%B %Y}** · comparing **{m.window_label}** {since} with "
               f"{m.compare_label} · {mm.WINDOW_RULE_TEXT}")


def what_changed(b: mm.Briefing) -> None:
    """Headline counts and the bullet lists of what changed, then the tables behind them."""
    lines = what_changed_lines(b)
    cols = st.columns(4)
    cols[0].metric("New Red or Amber", len(lines["New Red and Amber items"]))
    cols[1].metric("Real crime changes", len(lines["Real changes in crime"]))
    cols[2].metric("New or intensifying hot spots", len(lines["New or intensifying hot spots"]))
    cols[3].metric("Overdue recommendations", len(lines["Overdue recommendations"]))
    withheld = ("Public output leaves out crime types whose totals are hidden beside small counts ([c]: no verdict) "
                "or which have a hidden month (no SPC signal), so these lists may be shorter than the committee's."
                if b.public else "")
    for title, items in lines.items():
        with st.expander(f"{title} ({len(items)})", expanded=bool(items) and title != "Improved"):
            if items:
                st.markdown("\n".join(f"- {blocks.literal(item)}" for item in items))
            else:
                st.caption("Nothing to report.")
    if withheld:
        st.caption(withheld)
    with st.expander("Tables behind these lists"):
        # public output: counts as shown ('<5', '[c]'); the % and z beside them are blank already
        blocks.table(b.counts(b.crime_changes, ["current", "previous"]), "crime changes since the previous meeting")
        blocks.table(b.spc_signals, "SPC signals since the previous meeting")
        blocks.table(b.rag_changes, "RAG moves since the previous meeting")
        blocks.table(b.counts(b.hot_spots, ["crimes_latest", "crimes_before"]), "hot spots and persistence")


def _user() -> auth.User:
    return auth.current_user()


def question_list_markdown(rows: list[dict[str, Any]]) -> str:
    """Questions as a numbered markdown list that wraps: the question, then whom it is for, framing, evidence."""
    lines = []
    for number, row in enumerate(rows, start=1):
        extra = [f"for {row['partner']}" if _filled(row.get("partner")) else "",
                 str(row["framing"]) if _filled(row.get("framing")) else "",
                 f"evidence: {row['evidence']}" if _filled(row.get("evidence")) else ""]
        note = " · ".join(e for e in extra if e)
        lines.append(f"{number}. {blocks.literal(row['question'])}"
                     + (f"  \n   *{blocks.literal(note)}*" if note else ""))
    return "\n".join(lines)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and value != value) and str(value).strip() != ""


def questions(b: mm.Briefing) -> None:
    """Saved questions as a numbered list (editors edit them in a form), or the suggestions."""
    meeting_id = b.meeting.meeting_id
    saved = db.query(mm.stored_questions, meeting_id)
    suggested = qs.as_frame(qs.suggest(b))
    user = _user()
    if saved.empty:
        st.caption("Suggested from the data by stated rules; no list has been saved for this meeting yet.")
        st.markdown(question_list_markdown(suggested.to_dict("records")))
        _download(suggested, "suggested questions")
        if user.can("editor") and st.button("Save these as the meeting's questions", key="q_adopt",
                                            icon=":material/playlist_add:"):
            _save_questions(meeting_id, suggested.to_dict("records"))
        with st.expander("How the questions are chosen"):
            st.markdown("\n".join(f"- {text}" for text in qs.RULES_TEXT.values()))
        return
    records = saved.to_dict("records")
    st.markdown(question_list_markdown(records))
    _download(saved.drop(columns=["question_id", "edited_by"]), "questions for the meeting")
    if not user.can("editor"):
        st.caption(f"Editing questions needs the editor role; you are {blocks.literal(user.name)} ({user.role}).")
        return
    with st.expander("Edit the questions", icon=":material/edit:"):
        st.caption("Change the wording, the order (position numbers) or whom a question is for; tick Delete to "
                   "remove one; write a new question at the bottom. Save records every change with your name.")
        with st.form(f"q_form_{meeting_id}"):
            edited: list[dict[str, Any]] = []
            for row in records:
                qid = row["question_id"]
                text = st.text_area(f"Question {row['position']}", value=row["question"], key=f"q_text_{qid}",
                                    height=90)
                cols = st.columns([1, 2, 2, 1])
                position = cols[0].number_input("Position", min_value=1, step=1, value=int(row["position"]),
                                                key=f"q_pos_{qid}")
                partner = cols[1].text_input("For", value=row["partner"] or "", key=f"q_for_{qid}")
                framing_options = ["", *qs.FRAMINGS]
                framing = cols[2].selectbox("Framing", framing_options, key=f"q_framing_{qid}",
                                            index=framing_options.index(row["framing"])
                                            if row["framing"] in framing_options else 0)
                delete = cols[3].checkbox("Delete", key=f"q_del_{qid}")
                if not delete:
                    edited.append({"question_id": qid, "position": position, "question": text,
                                   "evidence": row["evidence"], "partner": partner, "framing": framing})
            new_text = st.text_area("New question (optional)", key=f"q_new_{meeting_id}", height=90)
            submitted = st.form_submit_button("Save questions", type="primary", icon=":material/save:", key="q_save")
        if submitted:
            if new_text.strip():
                edited.append({"question_id": None, "position": 10_000, "question": new_text, "evidence": None,
                               "partner": None, "framing": None})
            order = sorted(range(len(edited)), key=lambda i: (edited[i]["position"], i))
            _save_questions(meeting_id, [edited[i] for i in order])
    if st.button("Add the suggestions not yet listed", key="q_merge", icon=":material/add:"):
        listed = set(saved["question"])
        extra = [r for r in suggested.to_dict("records") if r["question"] not in listed]
        _save_questions(meeting_id, records + extra)
    with st.expander("Who changed the questions"):
        blocks.table(db.query(mm.audit_trail, "question", tuple(saved["question_id"])), "question changes")


def _download(frame: pd.DataFrame, name: str) -> None:
    blocks.download(blocks.for_people(frame), name)


def _edit(save: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one audited edit as the signed-in editor; show each problem and return None when it is refused."""
    who = auth.require("editor")
    try:
        return save(db.store(), *args, user_name=who.name, user_role=who.role, **kwargs)
    except EditError as exc:
        for problem in exc.problems:
            st.error(problem)
    except PermissionError as exc:
        st.error(str(exc))
    return None


def _save_questions(meeting_id: str, rows: list[dict[str, Any]]) -> None:
    result = _edit(save_questions, meeting_id, rows)
    if result is None:
        return
    for key in [k for k in st.session_state if str(k).startswith(("q_text_", "q_pos_", "q_for_", "q_framing_",
                                                                   "q_del_", "q_new_"))]:
        del st.session_state[key]
    st.toast(f"Questions saved: {blocks.literal(result.summary)}.")
    st.rerun()


def recommendations(b: mm.Briefing) -> None:
    """The recommendations tracker: overdue flagged; editors update, add (explicitly) and rename references."""
    recs = b.recommendations
    code = b.meeting.partnership_code
    overdue = int(recs["overdue"].sum())
    if overdue:
        st.warning(f"{overdue} recommendation{'s are' if overdue != 1 else ' is'} past the due date and not achieved.",
                   icon=":material/schedule:")
    shown = recs.assign(lead=[b.partner(c) for c in recs["lead_partner"]],
                        flag=["⚠ overdue" if o else "" for o in recs["overdue"]])
    tracker = shown[["reference", "recommendation", "lead", "due_date", "status", "flag", "response", "meeting_id"]]
    blocks.table(tracker.rename(columns={"flag": "overdue"}), "recommendations tracker")
    user = _user()
    if not user.can("editor"):
        return
    with st.expander("Update recommendations", icon=":material/edit:"):
        st.caption("Change a status, response, due date or lead here; a reference is changed with 'Rename a "
                   "reference' and a new recommendation is added with 'Add a recommendation', so an edit never "
                   "creates a second recommendation.")
        editable = recs[["reference", "meeting_id", "recommendation", "lead_partner", "response", "due_date", "status"]]
        edited = st.data_editor(
            editable.assign(lead_partner=[b.partner(c) if isinstance(c, str) else None
                                          for c in editable["lead_partner"]]),
            key=f"rec_editor_{code}", num_rows="fixed", hide_index=True, width="stretch",
            column_config={
                "reference": st.column_config.TextColumn("Reference", disabled=True, width=95),
                "meeting_id": st.column_config.TextColumn("Meeting", disabled=True, width=100),
                "recommendation": st.column_config.TextColumn("Recommendation", width=200, required=True),
                "lead_partner": st.column_config.TextColumn("Lead partner (code or name)", width=125),
                "response": st.column_config.TextColumn("Response", width=145),
                "due_date": st.column_config.DateColumn("Due", format="D MMM YYYY", width=90),
                "status": st.column_config.SelectboxColumn("Status", options=list(RECOMMENDATION_STATUSES),
                                                           required=True, width=90),
            })
        if st.button("Save recommendations", key="rec_save", type="primary", icon=":material/save:"):
            _save_recommendations(code, edited.to_dict("records"), adding=False)
    with st.expander("Add a recommendation", icon=":material/add:"):
        meetings = db.query(mm.meetings, code)
        with st.form(f"rec_add_{code}", clear_on_submit=False):
            cols = st.columns(2)
            reference = cols[0].text_input("Reference (new, unique)", key="rec_add_reference",
                                           placeholder="e.g. CAE-R-2026-05")
            meeting = cols[1].selectbox("Meeting", [None, *meetings["meeting_id"]], key="rec_add_meeting",
                                        format_func=lambda m: "none" if m is None else str(m))
            text = st.text_area("Recommendation", key="rec_add_text", height=80)
            third = st.columns(3)
            lead = third[0].text_input("Lead partner (code or name)", key="rec_add_lead")
            due = third[1].date_input("Due", value=None, key="rec_add_due", format="DD/MM/YYYY")
            status = third[2].selectbox("Status", list(RECOMMENDATION_STATUSES), index=1, key="rec_add_status")
            response = st.text_area("Response (optional)", key="rec_add_response", height=68)
            if st.form_submit_button("Add the recommendation", type="primary", key="rec_add"):
                _save_recommendations(code, [{"reference": reference, "meeting_id": meeting, "recommendation": text,
                                              "lead_partner": lead or None, "response": response, "due_date": due,
                                              "status": status}], adding=True)
    with st.expander("Rename a reference", icon=":material/drive_file_rename_outline:"):
        with st.form(f"rec_rename_{code}"):
            old = st.selectbox("Recommendation", list(recs["reference"]), key="rec_rename_old")
            new = st.text_input("New reference", key="rec_rename_new")
            if st.form_submit_button("Rename", key="rec_rename"):
                if _edit(rename_recommendation, code, str(old), new) is not None:
                    st.session_state.pop(f"rec_editor_{code}", None)
                    st.toast(f"Renamed {blocks.literal(old)} to {blocks.literal(new)}: the same recommendation, with its history.")
                    st.rerun()
    with st.expander("Who changed the recommendations"):
        blocks.table(db.query(mm.audit_trail, "recommendation", tuple(recs["reference"])), "recommendation changes")


def _save_recommendations(code: str, rows: list[dict[str, Any]], adding: bool) -> None:
    result = _edit(save_recommendations, code, rows, adding=adding)
    if result is not None:
        st.session_state.pop(f"rec_editor_{code}", None)
        st.toast(f"Recommendations saved: {blocks.literal(result.summary)}.")
        st.rerun()


def triggers(b: mm.Briefing) -> None:
    """The Community Trigger / CCfA log and counts by quarter; editors record, update and close cases."""
    cases = b.triggers
    code = b.meeting.partnership_code
    open_cases = int(cases["resolved_date"].isna().sum()) if not cases.empty else 0
    if b.public:  # as in the pack: the list and its totals would give away the counts of 1-4 hidden below
        st.caption("Community Trigger threshold: 3 qualifying complaints in 6 months. " + TRIGGER_LOG_LEFT_OUT)
    else:
        st.caption("Community Trigger threshold: 3 qualifying complaints in 6 months. Days to resolve are blank "
                   f"while a case is open. {len(cases)} case{'s' if len(cases) != 1 else ''} recorded, "
                   f"{open_cases} open.")
        blocks.table(cases[["case_id", "kind", "received_date", "threshold_met", "resolved_date", "days_to_resolve",
                            "outcome"]] if not cases.empty else cases, "community trigger and CCfA log")
    blocks.table(b.counts(mm.trigger_counts_by_quarter(cases, b.public), ["cases", "threshold_met", "resolved"]),
                 "cases by quarter")
    user = _user()
    if not user.can("editor"):
        return
    with st.expander("Record a new case", icon=":material/add:"):
        _trigger_form(code, None)
    if not cases.empty:
        with st.expander("Update or close a case", icon=":material/edit:"):
            labels = {r.case_id: f"{r.case_id} — {r.kind}, received {mm_day(r.received_date)}"
                      + ("" if pd.isna(r.resolved_date) else " (closed)") for r in cases.itertuples()}
            chosen = st.selectbox("Case", list(labels), format_func=lambda c: labels[c], key="trigger_pick")
            _trigger_form(code, cases[cases["case_id"] == chosen].iloc[0].to_dict())
        with st.expander("Who changed the cases"):
            blocks.table(db.query(mm.audit_trail, "trigger", tuple(cases["case_id"])), "case changes")


def mm_day(value: object) -> str:
    """'2 November 2026' for a date."""
    return readable.day(value)


def _trigger_form(code: str, case: dict[str, Any] | None) -> None:
    """The form that records (case None) or updates one case; closing = giving the resolved date and outcome."""
    suffix = "new" if case is None else str(case["case_id"])
    with st.form(f"trigger_form_{suffix}"):
        cols = st.columns(3)
        kinds = list(TRIGGER_KINDS)
        kind = cols[0].selectbox("Kind", kinds, key=f"trigger_kind_{suffix}",
                                 index=kinds.index(case["kind"]) if case and case["kind"] in kinds else 0)
        received = cols[1].date_input("Received", key=f"trigger_received_{suffix}", format="DD/MM/YYYY",
                                      value=case["received_date"] if case else dt.date.today(),
                                      max_value=dt.date.today())
        met_options = ["Not recorded", "Yes", "No"]
        met_now = case.get("threshold_met") if case else None
        met = cols[2].selectbox("Threshold met? (3 complaints in 6 months)", met_options, key=f"trigger_met_{suffix}",
                                index=0 if met_now is None or pd.isna(met_now) else (1 if met_now else 2))
        outcome = st.text_area("Outcome", key=f"trigger_outcome_{suffix}", height=68,
                               value="" if case is None or pd.isna(case["outcome"]) else str(case["outcome"]))
        resolved_now = None if case is None or pd.isna(case["resolved_date"]) else case["resolved_date"]
        resolved = st.date_input("Resolved (leave blank while the case is open)", value=resolved_now,
                                 key=f"trigger_resolved_{suffix}", format="DD/MM/YYYY", max_value=dt.date.today())
        label = "Record the case" if case is None else "Save the case"
        if not st.form_submit_button(label, type="primary", key=f"trigger_save_{suffix}"):
            return
    row = {"case_id": None if case is None else case["case_id"], "kind": kind, "received_date": received,
           "threshold_met": None if met == "Not recorded" else met == "Yes", "outcome": outcome,
           "resolved_date": resolved}
    result = _edit(save_trigger, code, row)
    if result is None:
        return
    if result.added:
        st.toast(f"Case {blocks.literal(result.added[0])} recorded; the other cases are unchanged.")
    elif result.changed:
        st.toast(f"Case {blocks.literal(result.changed[0])} saved ({result.audit_rows} field{'s' if result.audit_rows != 1 else ''} "
                 "changed, recorded in the audit log).")
    else:
        st.toast("Nothing changed.")
    st.rerun()


def health(b: mm.Briefing) -> None:
    """Minimum standards checklist and the six hallmarks self-assessment."""
    frame = b.health
    cols = st.columns(2)
    for col, kind, title in ((cols[0], "standard", "National minimum standards"),
                             (cols[1], "hallmark", "Six hallmarks of an effective partnership")):
        part = frame[frame["kind"] == kind]
        met = int((part["status"] == "Met").sum())
        col.markdown(f"**{title}** — {met} of {len(part)} met")
        icons = {"Met": "✔", "Partly met": "▲", "Not met": "✖"}
        col.markdown("\n".join(f"- {icons.get(r.status, '○')} {blocks.literal(r.item)}: *{blocks.literal(r.status)}*"
                               + (f" — {blocks.literal(r.evidence)}" if isinstance(r.evidence, str) and r.evidence else "")
                               + (f" ({r.assessed_on:%-d %b %Y})" if not pd.isna(r.assessed_on) else "")
                               for r in part.itertuples()))
    blocks.table(frame, "partnership health")


def priorities(b: mm.Briefing) -> None:
    """Priorities with their RAG on the meeting date (symbol and word, never colour alone)."""
    if b.priorities.empty:
        st.caption("No action plan is loaded for this partnership.")
        return
    shown = b.priorities.assign(status=[rag_badge(r) for r in b.priorities["rag"]],
                                lead=[b.partner(c) for c in b.priorities["lead_partner"]])
    blocks.table(shown[["priority_id", "title", "lead", "status", "reason", "actions"]], "priorities on the meeting date")


def exports(b: mm.Briefing) -> None:
    """Build the PDF pack and the slides on request (in a child process: export_process), with progress, then
    offer the downloads."""
    meeting_id = b.meeting.meeting_id
    cols = st.columns(2)
    for col, kind, label, mime, ext in (
        (cols[0], "pack", "Build the briefing pack (PDF)", "application/pdf", "pdf"),
        (cols[1], "slides", "Build the slides (PowerPoint)",
         "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    ):
        key = f"export_{kind}_{meeting_id}_{db.version()}"
        with col:
            if st.button(label, key=f"btn_{kind}", icon=":material/description:"):
                with st.status(f"{label}…", expanded=True) as box:
                    bar = st.progress(0.0)

                    def progress(done: int, total: int, message: str, bar: Any = bar) -> None:
                        bar.progress(min(done / max(total, 1), 1.0), text=message)

                    try:
                        st.session_state[key] = export_process.build(kind, db.version(), meeting_id, progress)
                    except Exception as exc:  # shown plainly; nothing is changed by a failed export
                        box.update(label=f"Could not build: {blocks.literal(exc)}", state="error")
                    else:
                        box.update(label="Ready to download", state="complete", expanded=False)
            if key in st.session_state:
                name = export_file_name(b, "briefing-pack" if kind == "pack" else "slides", ext)
                st.download_button(f"Download {ext.upper()}", st.session_state[key], file_name=name,
                                   mime=mime, key=f"dl_{kind}", icon=":material/download:", type="primary")
