"""Blocks for the 'Prepare for a meeting' page: meeting picker, what changed, editable questions and
recommendations, the Community Trigger log, partnership health and the exports (with progress)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from cspdash.analysis.rag import rag_badge
from cspdash.config import settings
from cspdash.ingest.meeting_updates import EditError, save_questions, save_recommendations
from cspdash.ingest.template import RECOMMENDATION_STATUSES
from cspdash.metrics import meeting as mm
from cspdash.metrics.disclosure import suppress
from cspdash.report import questions as qs
from cspdash.report.pack import what_changed_lines
from cspdash.ui import auth, blocks, db, params
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
    for title, items in lines.items():
        with st.expander(f"{title} ({len(items)})", expanded=bool(items) and title != "Improved"):
            if items:
                st.markdown("\n".join(f"- {blocks.literal(item)}" for item in items))
            else:
                st.caption("Nothing to report.")
    with st.expander("Tables behind these lists"):
        changes = suppress(b.crime_changes, ["current", "previous"], derived=["pct_change", "z"]) \
            if b.public else b.crime_changes  # the % and z of a small count would give it away
        blocks.table(changes, "crime changes since the previous meeting")
        blocks.table(b.spc_signals, "SPC signals since the previous meeting")
        blocks.table(b.rag_changes, "RAG moves since the previous meeting")
        blocks.table(b.hot_spots, "hot spots and persistence", small_count_columns=["crimes_latest", "crimes_before"])


def _user() -> auth.User:
    return auth.current_user()


def questions(b: mm.Briefing) -> None:
    """Saved questions (editable by editors: add, edit, reorder by position, delete) or the suggestions."""
    meeting_id = b.meeting.meeting_id
    saved = db.query(mm.stored_questions, meeting_id)
    suggested = qs.as_frame(qs.suggest(b))
    user = _user()
    if saved.empty:
        st.caption("Suggested from the data by stated rules; no list has been saved for this meeting yet.")
        blocks.table(suggested, "suggested questions")
        if user.can("editor") and st.button("Save these as the meeting's questions", key="q_adopt",
                                            icon=":material/playlist_add:"):
            _save_questions(meeting_id, suggested.to_dict("records"))
        with st.expander("How the questions are chosen"):
            st.markdown("\n".join(f"- {text}" for text in qs.RULES_TEXT.values()))
        return
    if not user.can("editor"):
        blocks.table(saved.drop(columns=["question_id"]), "questions for the meeting")
        st.caption(f"Editing questions needs the editor role; you are {blocks.literal(user.name)} ({user.role}).")
        return
    st.caption("Edit in place; add a row at the bottom; delete with the row checkbox; reorder by changing "
               "the position numbers. Save records every change with your name.")
    edited = st.data_editor(
        saved.drop(columns=["edited_by"]), key=f"q_editor_{meeting_id}", num_rows="dynamic", hide_index=True,
        width="stretch",
        column_config={
            "question_id": st.column_config.TextColumn("ID", disabled=True),
            "position": st.column_config.NumberColumn("Position", min_value=1, step=1),
            "question": st.column_config.TextColumn("Question", width="large", required=True),
            "evidence": st.column_config.TextColumn("Figure it comes from", width="medium"),
            "partner": st.column_config.TextColumn("For"),
            "framing": st.column_config.SelectboxColumn("Framing", options=list(qs.FRAMINGS)),
        })
    cols = st.columns([1, 1, 3])
    if cols[0].button("Save questions", key="q_save", type="primary", icon=":material/save:"):
        ordered = edited.assign(_order=pd.to_numeric(edited["position"], errors="coerce").fillna(10_000))
        ordered = ordered.reset_index(drop=True).reset_index().sort_values(["_order", "index"])
        _save_questions(meeting_id, ordered.drop(columns=["_order", "index"]).to_dict("records"))
    if cols[1].button("Add the suggestions not yet listed", key="q_merge", icon=":material/add:"):
        listed = set(saved["question"])
        extra = [r for r in suggested.to_dict("records") if r["question"] not in listed]
        _save_questions(meeting_id, saved.to_dict("records") + extra)
    blocks.table(saved.drop(columns=["question_id"]), "questions for the meeting")
    with st.expander("Who changed the questions"):
        st.dataframe(db.query(mm.audit_trail, "question", tuple(saved["question_id"])), hide_index=True)


def _save_questions(meeting_id: str, rows: list[dict[str, Any]]) -> None:
    user = auth.require("editor")
    try:
        result = save_questions(db.store(), meeting_id, rows, user_name=user.name, user_role=user.role)
    except EditError as exc:
        for problem in exc.problems:
            st.error(problem)
        return
    except PermissionError as exc:
        st.error(str(exc))
        return
    st.session_state.pop(f"q_editor_{meeting_id}", None)
    st.toast(f"Questions saved: {blocks.literal(result.summary)}.")
    st.rerun()


def recommendations(b: mm.Briefing) -> None:
    """The recommendations tracker: overdue flagged; editors can update status, response and due date."""
    recs = b.recommendations
    overdue = int(recs["overdue"].sum())
    if overdue:
        st.warning(f"{overdue} recommendation{'s are' if overdue != 1 else ' is'} past the due date and not achieved.",
                   icon=":material/schedule:")
    shown = recs.assign(lead=[b.partner(c) for c in recs["lead_partner"]],
                        flag=["⚠ overdue" if o else "" for o in recs["overdue"]])
    user = _user()
    if not user.can("editor"):
        blocks.table(shown.drop(columns=["lead_partner"]), "recommendations tracker")
        return
    editable = recs[["reference", "meeting_id", "recommendation", "lead_partner", "response", "due_date", "status"]]
    edited = st.data_editor(
        editable.assign(overdue=shown["flag"]), key=f"rec_editor_{b.meeting.partnership_code}", num_rows="add",
        hide_index=True, width="stretch",
        column_config={
            "reference": st.column_config.TextColumn("Reference", required=True),
            "meeting_id": st.column_config.TextColumn("Meeting"),
            "recommendation": st.column_config.TextColumn("Recommendation", width="large", required=True),
            "lead_partner": st.column_config.TextColumn("Lead partner (code or name)"),
            "response": st.column_config.TextColumn("Response", width="medium"),
            "due_date": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            "status": st.column_config.SelectboxColumn("Status", options=list(RECOMMENDATION_STATUSES),
                                                       required=True),
            "overdue": st.column_config.TextColumn("Overdue", disabled=True),
        })
    if st.button("Save recommendations", key="rec_save", type="primary", icon=":material/save:"):
        who = auth.require("editor")
        try:
            result = save_recommendations(db.store(), b.meeting.partnership_code,
                                          edited.drop(columns=["overdue"]).to_dict("records"),
                                          user_name=who.name, user_role=who.role)
        except EditError as exc:
            for problem in exc.problems:
                st.error(problem)
        except PermissionError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop(f"rec_editor_{b.meeting.partnership_code}", None)
            st.toast(f"Recommendations saved: {blocks.literal(result.summary)}.")
            st.rerun()
    blocks.table(shown.drop(columns=["lead_partner"]), "recommendations tracker")
    with st.expander("Who changed the recommendations"):
        st.dataframe(db.query(mm.audit_trail, "recommendation", tuple(recs["reference"])), hide_index=True)


def triggers(b: mm.Briefing) -> None:
    """The Community Trigger / CCfA log and counts by quarter."""
    cases = b.triggers
    st.caption("Community Trigger threshold: 3 qualifying complaints in 6 months. Days to resolve are blank while a "
               "case is open.")
    blocks.table(cases, "community trigger and CCfA log")
    blocks.table(mm.trigger_counts_by_quarter(cases), "cases by quarter")


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
    """Build the PDF pack and the slides on request, with progress, then offer the downloads."""
    from cspdash.report.pack import build_pack
    from cspdash.report.slides import build_slides

    meeting_id = b.meeting.meeting_id
    stem = f"{meeting_id}-{b.meeting.meeting_date:%Y-%m-%d}"
    cols = st.columns(2)
    for col, kind, label, builder, mime, ext in (
        (cols[0], "pack", "Build the briefing pack (PDF)", build_pack, "application/pdf", "pdf"),
        (cols[1], "slides", "Build the slides (PowerPoint)", build_slides,
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
                        st.session_state[key] = _build(builder, meeting_id, progress)
                    except Exception as exc:  # shown plainly; nothing is changed by a failed export
                        box.update(label=f"Could not build: {blocks.literal(exc)}", state="error")
                    else:
                        box.update(label="Ready to download", state="complete", expanded=False)
            if key in st.session_state:
                st.download_button(f"Download {ext.upper()}", st.session_state[key], file_name=f"{stem}.{ext}",
                                   mime=mime, key=f"dl_{kind}", icon=":material/download:", type="primary")


def _build(builder: Any, meeting_id: str, progress: Any) -> bytes:
    con = db.cursor()
    try:
        return builder(con, meeting_id, progress=progress)  # type: ignore[no-any-return]
    finally:
        con.close()
