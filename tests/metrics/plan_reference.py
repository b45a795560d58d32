"""The action-plan metrics as they were before the fast paths (commit c283762), kept as the oracle that
tests/metrics/test_plan_fast.py compares the current cspdash.metrics.plan with. Not used by the app."""
# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import Dispersion, compare_counts, level_dispersion, window_series
from cspdash.analysis.rag import (
    AMBER,
    AMBER_PCT_THRESHOLD,
    AMBER_WINDOW_DAYS,
    COMPLETE,
    GREEN,
    NOT_STARTED,
    RAG_STATUSES,
    RED,
    action_rag,
    indicator_rag,
    priority_rag,
    rag_badge,
)
from cspdash.analysis.spc import gap_starts, signals, xmr
from cspdash.metrics.catalogue import format_value, measure
from cspdash.metrics.period import Period, add_months, month_label

#: how bad a status is, for "got worse" (Not started counts like Green: nothing is wrong yet)
SEVERITY: dict[str, int] = {COMPLETE: 0, GREEN: 1, NOT_STARTED: 1, AMBER: 2, RED: 3}

OVERDUE_RULE_TEXT = "Overdue: past its due date and not complete."
SLIPPING_RULE_TEXT = (
    "Slipping (not yet overdue, not complete): its RAG got worse at the latest update compared with the "
    f"update before (e.g. Green → Amber), or it is due within {AMBER_WINDOW_DAYS} days with less than "
    f"{AMBER_PCT_THRESHOLD:.0f}% done."
)
#: SPC signals count for the evidence RAG only if they reach one of the latest points
RECENT_POINTS = 6
EVIDENCE_RULE_TEXT = (
    "Each linked measure gets a RAG by the indicator rule: partner indicators compare the latest value with "
    "the baseline and the target; police.uk crime types compare the last period with the one before (no "
    f"target). An SPC signal counts if it reaches one of the latest {RECENT_POINTS} points. The priority's "
    "evidence RAG is Red if any linked measure is Red, Green if at least half are Green and none is Red, "
    "Amber otherwise, and blank (no evidence) when nothing is linked."
)
AGREEMENT_RULE_TEXT = (
    "The plan's self-reported RAG (from its actions) and the evidence RAG (from the data) disagree when they "
    "are two steps apart (Green/Complete against Red); they differ when one step apart."
)
CONTRIBUTION_TEXT = (
    "Funding (£) and staff (full-time equivalents) are as recorded on the plan's Contributions sheet; "
    "in-kind support and data sharing are listed, not valued."
)
PARTNER_MATRIX_TEXT = (
    "Led: actions the partner owns. Supported: actions naming it as a supporting partner. On track, slipping "
    "and overdue count the actions it leads. " + CONTRIBUTION_TEXT
)


# ---------------------------------------------------------------------------------------------- lookups
def partner_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Partner code → partner name."""
    return dict(con.execute("SELECT partner_code, partner_name FROM partner").fetchall())


def _text(value: object) -> str:
    """A cell as text: '' for NULL/NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    return str(value)


def _codes(value: object) -> list[str]:
    """';'-separated partner codes as a list ([] for NULL)."""
    return [code.strip() for code in _text(value).split(";") if code.strip()]


def _names(codes: object, names: dict[str, str]) -> str:
    """'A;B' codes → 'Name A; Name B'."""
    return "; ".join(names.get(code, code) for code in _codes(codes))


def _as_date(value: object) -> dt.date | None:
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):  # type: ignore[arg-type]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def has_plan(con: duckdb.DuckDBPyConnection, partnership: str) -> bool:
    """True when the partnership has at least one priority loaded."""
    row = con.execute("SELECT count(*) FROM priority WHERE partnership_code = ?", [partnership]).fetchone()
    return bool(row and row[0])


def plan_names(con: duckdb.DuckDBPyConnection, partnership: str) -> tuple[str, bool]:
    """The plan's name and whether it is made-up sample data."""
    row = con.execute(
        "SELECT any_value(plan_name), bool_or(is_sample) FROM priority WHERE partnership_code = ?", [partnership]
    ).fetchone()
    return (row[0] or "Action plan", bool(row[1])) if row else ("Action plan", False)


# ---------------------------------------------------------------------------------------------- actions
def actions(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Every action of the partnership's plan with its derived RAG, overdue and slipping flags.

    Columns: priority_id, priority, action_id, action, owner_code, owner, supporting_codes, supporting,
    start_date, due_date, milestone, reported_status, pct_complete, commentary, updated_at, updated_by,
    rag, rag_badge, previous_rag, overdue, slipping, slipping_reason, days_to_due.
    """
    frame = con.execute(
        """
        SELECT p.priority_id, p.title AS priority, a.action_id, a.title AS action,
               a.owner_partner AS owner_code, a.supporting_partners AS supporting_codes, a.start_date, a.due_date,
               a.milestone, a.status AS reported_status, a.pct_complete, a.commentary, a.updated_at, a.updated_by
        FROM action a JOIN priority p USING (priority_id)
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id, a.action_id
        """,
        [partnership],
    ).df()
    names = partner_names(con)
    history = action_history(con, partnership)
    previous: dict[str, str] = {}
    last: dict[str, str] = {}
    for action_id, rags_of in history.groupby("action_id", sort=False)["rag"]:
        last[str(action_id)] = str(rags_of.iloc[-1])
        if len(rags_of) >= 2:
            previous[str(action_id)] = str(rags_of.iloc[-2])
    frame["owner"] = [names.get(code, code) for code in frame["owner_code"]]
    frame["supporting"] = [_names(codes, names) for codes in frame["supporting_codes"]]
    rags, overdue, slipping, reasons, days = [], [], [], [], []
    for row in frame.itertuples(index=False):
        rag = action_rag(row.reported_status, row.pct_complete, row.due_date, today)
        due = _as_date(row.due_date)
        is_overdue = rag != COMPLETE and due is not None and due < today
        reason = ""
        if not is_overdue and rag != COMPLETE:
            before, latest = previous.get(row.action_id), last.get(row.action_id)
            # compare the RAGs the rule gave at the last two updates (each judged on its own date)
            if before is not None and latest is not None and SEVERITY[latest] > SEVERITY[before]:
                reason = f"worse at the latest update ({rag_badge(before)} → {rag_badge(latest)})"
            pct = 0.0 if pd.isna(row.pct_complete) else float(row.pct_complete)
            if due is not None and (due - today).days <= AMBER_WINDOW_DAYS and pct < AMBER_PCT_THRESHOLD:
                soon = f"due in {(due - today).days} days with {pct:.0f}% done"
                reason = f"{reason}; {soon}" if reason else soon
        rags.append(rag)
        overdue.append(is_overdue)
        slipping.append(bool(reason))
        reasons.append(reason)
        days.append(None if due is None else (due - today).days)
    frame["rag"] = rags
    frame["rag_badge"] = [rag_badge(r) for r in rags]
    frame["previous_rag"] = [previous.get(a) for a in frame["action_id"]]
    frame["overdue"] = overdue
    frame["slipping"] = slipping
    frame["slipping_reason"] = reasons
    frame["days_to_due"] = pd.array(days, dtype="Int64")
    return frame


def action_history(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Every progress update, oldest first per action, with the RAG the action rule gives on that date.

    Columns: priority_id, action_id, action, update_date, status, pct_complete, commentary, updated_by, source,
    recorded_at, rag.
    """
    frame = con.execute(
        """
        SELECT a.priority_id, u.action_id, a.title AS action, u.update_date, u.status, u.pct_complete,
               u.commentary, u.updated_by, u.source, u.recorded_at, a.due_date
        FROM progress_update u JOIN action a USING (action_id) JOIN priority p USING (priority_id)
        WHERE p.partnership_code = ?
        ORDER BY u.action_id, u.update_date, u.recorded_at
        """,
        [partnership],
    ).df()
    frame["rag"] = [
        action_rag(r.status, r.pct_complete, r.due_date, r.update_date) for r in frame.itertuples(index=False)
    ]
    return frame.drop(columns=["due_date"])


def overdue_actions(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Overdue actions (OVERDUE_RULE_TEXT), most overdue first, in the columns a committee reads."""
    frame = actions(con, partnership, today)
    frame = frame[frame["overdue"]].sort_values("due_date")
    out = _action_columns(frame)
    out.insert(1, "Days overdue", (-frame["days_to_due"]).to_numpy())
    return out


def slipping_actions(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Slipping actions (SLIPPING_RULE_TEXT) with the reason each one is listed."""
    frame = actions(con, partnership, today)
    frame = frame[frame["slipping"]].sort_values("due_date")
    out = _action_columns(frame)
    out.insert(1, "Why slipping", frame["slipping_reason"].to_numpy())
    return out


def action_table(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str | None,
                 today: dt.date) -> pd.DataFrame:
    """The actions of one priority (or all) in the columns a committee reads."""
    frame = actions(con, partnership, today)
    if priority_id:
        frame = frame[frame["priority_id"] == priority_id]
    return _action_columns(frame)


def _action_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Status first, then what and who, then the long text (so narrow screens still show the status)."""
    return pd.DataFrame({
        "RAG (by rule)": frame["rag_badge"].to_numpy(),
        "Reported": [rag_badge(s) for s in frame["reported_status"]],
        "Action": frame["action"].to_numpy(),
        "Owner": frame["owner"].to_numpy(),
        "Due": frame["due_date"].to_numpy(),
        "% complete": frame["pct_complete"].to_numpy(),
        "Latest commentary": frame["commentary"].fillna("").to_numpy(),
        "Supporting": frame["supporting"].to_numpy(),
        "Priority": frame["priority"].to_numpy(),
        "Action ID": frame["action_id"].to_numpy(),
    })


# ---------------------------------------------------------------------------------------------- priorities
def priorities(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Each priority with its lead partner, action counts and overall RAG by PRIORITY_RULE_TEXT with the reason.

    Columns: priority_id, priority, description, lead_code, lead, lead_type, crime_types, actions, overdue,
    slipping, rag, rag_badge, rag_reason.
    """
    frame = con.execute(
        """
        SELECT p.priority_id, p.title AS priority, p.description, p.lead_partner AS lead_code,
               coalesce(pa.partner_name, p.lead_partner) AS lead, pa.partner_type AS lead_type, p.crime_types
        FROM priority p LEFT JOIN partner pa ON pa.partner_code = p.lead_partner
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id
        """,
        [partnership],
    ).df()
    acts = actions(con, partnership, today)
    counts, overdue, slipping, rags, reasons = [], [], [], [], []
    for priority_id in frame["priority_id"]:
        mine = acts[acts["priority_id"] == priority_id]
        rag, reason = priority_rag(list(mine["rag"]))
        counts.append(len(mine))
        overdue.append(int(mine["overdue"].sum()))
        slipping.append(int(mine["slipping"].sum()))
        rags.append(rag)
        reasons.append(reason)
    frame["actions"] = counts
    frame["overdue"] = overdue
    frame["slipping"] = slipping
    frame["rag"] = rags
    frame["rag_badge"] = [rag_badge(r) for r in rags]
    frame["rag_reason"] = reasons
    return frame


def lead_bodies(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """The lead body for every priority: Priority, Lead partner, Partner type, Actions."""
    return con.execute(
        """
        SELECT p.title AS "Priority", coalesce(pa.partner_name, p.lead_partner) AS "Lead partner",
               coalesce(pa.partner_type, '') AS "Partner type",
               (SELECT count(*) FROM action a WHERE a.priority_id = p.priority_id) AS "Actions",
               p.priority_id AS "Priority ID"
        FROM priority p LEFT JOIN partner pa ON pa.partner_code = p.lead_partner
        WHERE p.partnership_code = ?
        ORDER BY p.priority_id
        """,
        [partnership],
    ).df()


# ---------------------------------------------------------------------------------------------- history
def rag_history(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str) -> pd.DataFrame:
    """RAG timeline of one priority and its actions: one row per item and update date.

    The priority's RAG on a date rolls up each action's RAG from its latest update on or before that date
    (an action with no update yet counts by its due date alone). Columns: level (priority/action), item_id,
    item, update_date, rag, badge, detail.
    """
    history = action_history(con, partnership)
    history = history[history["priority_id"] == priority_id]
    acts = con.execute(
        "SELECT action_id, title, due_date FROM action WHERE priority_id = ? ORDER BY action_id", [priority_id]
    ).df()
    title = con.execute("SELECT title FROM priority WHERE priority_id = ?", [priority_id]).fetchone()
    rows: list[dict[str, object]] = []
    dates = sorted(set(history["update_date"].map(_as_date)))
    for day in dates:
        rolled: list[str] = []
        for act in acts.itertuples(index=False):
            before = history[(history["action_id"] == act.action_id) & (history["update_date"].map(_as_date) <= day)]
            if len(before):
                rolled.append(str(before["rag"].iloc[-1]))
            else:
                rolled.append(action_rag(None, None, act.due_date, day))
        rag, reason = priority_rag(rolled)
        rows.append({"level": "priority", "item_id": priority_id, "item": f"Priority: {title[0] if title else ''}",
                     "update_date": day, "rag": rag, "badge": rag_badge(rag), "detail": reason})
    for row in history.itertuples(index=False):
        pct = "" if pd.isna(row.pct_complete) else f"{int(row.pct_complete)}% done. "
        rows.append({"level": "action", "item_id": row.action_id, "item": row.action,
                     "update_date": _as_date(row.update_date), "rag": row.rag, "badge": rag_badge(row.rag),
                     "detail": f"Reported {rag_badge(row.status)}; {pct}{_text(row.commentary)}".strip()})
    return pd.DataFrame(rows, columns=["level", "item_id", "item", "update_date", "rag", "badge", "detail"])


def meetings(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """The partnership's committee meetings held on or before today, latest first: meeting_id, committee,
    meeting_date (a date), label."""
    rows = con.execute(
        "SELECT meeting_id, committee, meeting_date FROM meeting WHERE partnership_code = ? AND meeting_date <= ? "
        "ORDER BY meeting_date DESC, meeting_id",
        [partnership, today],
    ).fetchall()
    return pd.DataFrame(
        [{"meeting_id": m, "committee": c, "meeting_date": _as_date(d), "label": f"{_as_date(d):%d %b %Y} — {c}"}
         for m, c, d in rows],
        columns=["meeting_id", "committee", "meeting_date", "label"],
    )


def changes_since(con: duckdb.DuckDBPyConnection, partnership: str, since: dt.date, today: dt.date) -> pd.DataFrame:
    """Actions with a progress update after ``since``: RAG then (latest update on or before) and now.

    Change is 'worse', 'better' or 'same RAG' by SEVERITY; 'new' when there was no update before. Columns:
    Then, Now, Change, Action, Priority, % then, % now, Latest commentary, Updated by, Last update, Action ID.
    """
    history = action_history(con, partnership)
    current = actions(con, partnership, today).set_index("action_id")
    rows: list[dict[str, object]] = []
    for action_id, updates in history.groupby("action_id", sort=True):
        days = updates["update_date"].map(_as_date)
        after = updates[days > since]
        if after.empty:
            continue
        before = updates[days <= since]
        now = current.loc[action_id]
        then_rag = str(before["rag"].iloc[-1]) if len(before) else None
        if then_rag is None:
            change = "new"
        else:
            delta = SEVERITY[str(now["rag"])] - SEVERITY[then_rag]
            change = "worse" if delta > 0 else "better" if delta < 0 else "same RAG"
        rows.append({
            "Then": rag_badge(then_rag) if then_rag else "no update yet", "Now": now["rag_badge"],
            "Change": change, "Action": now["action"], "Priority": now["priority"],
            "% then": before["pct_complete"].iloc[-1] if len(before) else None, "% now": now["pct_complete"],
            "Latest commentary": _text(now["commentary"]), "Updated by": _text(after["updated_by"].iloc[-1]),
            "Last update": _as_date(after["update_date"].iloc[-1]), "Action ID": action_id,
        })
    columns = ["Then", "Now", "Change", "Action", "Priority", "% then", "% now", "Latest commentary", "Updated by",
               "Last update", "Action ID"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------- evidence
def _partnership_areas(con: duckdb.DuckDBPyConnection, partnership: str) -> list[str]:
    rows = con.execute("SELECT la_code FROM partnership_la WHERE partnership_code = ?", [partnership]).fetchall()
    return [partnership, *(r[0] for r in rows if r[0] != partnership)]


def _recent_signal(values: list[float], dates: list[dt.date]) -> tuple[str | None, str]:
    """Direction and sentence of the latest SPC signal reaching one of the last RECENT_POINTS points."""
    if len(values) < 3:
        return None, "too few points for an SPC chart"
    found = [s for s in signals(xmr(values, run_starts=gap_starts(dates, None)), dates)
             if s.end_index >= len(values) - RECENT_POINTS]
    if not found:
        return None, "no SPC signal in the latest points"
    latest = max(found, key=lambda s: (s.end_index, s.start_index))
    return latest.direction, latest.sentence


def indicator_evidence(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str) -> pd.DataFrame:
    """Partner indicators linked to a priority: latest value, baseline, target, trend and indicator RAG."""
    defs = con.execute(
        """
        SELECT i.indicator_id, i.name, i.unit, i.higher_is_better, coalesce(pa.partner_name, i.source_partner)
        FROM indicator i LEFT JOIN partner pa ON pa.partner_code = i.source_partner
        WHERE i.priority_id = ? ORDER BY i.indicator_id
        """,
        [priority_id],
    ).fetchall()
    areas = _partnership_areas(con, partnership)
    rows: list[dict[str, object]] = []
    for indicator_id, name, unit, higher_is_better, source in defs:
        series = con.execute(
            """
            SELECT period, sum(value) AS value, sum(baseline) AS baseline, sum(target) AS target
            FROM indicator_value WHERE indicator_id = ? AND list_contains(?, area_code)
            GROUP BY period ORDER BY period
            """,
            [indicator_id, areas],
        ).df()
        if series.empty:
            continue
        values = [float(v) for v in series["value"]]
        dates = [_as_date(d) for d in series["period"]]
        baseline = series["baseline"].dropna()
        target = series["target"].dropna()
        base = float(baseline.iloc[-1]) if len(baseline) else None
        goal = float(target.iloc[-1]) if len(target) else None
        direction, sentence = _recent_signal(values, dates)  # type: ignore[arg-type]
        is_count = _looks_like_count(unit, values)
        better_up = bool(higher_is_better) if higher_is_better is not None else False
        rag, reason = indicator_rag(values[-1], base, goal, better_up, direction,  # type: ignore[arg-type]
                                    is_count=is_count, dispersion=level_dispersion(values))
        rows.append({
            "Evidence": name, "Kind": "partner indicator", "Source": source or "",
            "Latest": f"{_num(values[-1])} {unit or ''} ({dates[-1]:%b %Y})".replace("  ", " "),
            "Compared with": "" if base is None else f"baseline {_num(base)}",
            "Target": "" if goal is None else _num(goal),
            "Better when": "higher" if better_up else "lower",
            "Trend": sentence, "RAG": rag, "RAG (by rule)": rag_badge(rag), "Why": reason, "id": indicator_id,
        })
    return pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS)


def crime_evidence(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str, end: dt.date,
                   months: int = 12) -> pd.DataFrame:
    """police.uk crime types the priority names: last ``months`` vs the same length before, with SPC and RAG.

    Counts come from monthly_crime_counts for the partnership; months the force did not publish are left out
    (a gap, never a zero). Lower is better; there is no target, so no real change is Amber.
    """
    row = con.execute("SELECT crime_types FROM priority WHERE priority_id = ?", [priority_id]).fetchone()
    crime_types = [t for t in (row[0] or "").split(";") if t] if row else []
    if not crime_types:
        return pd.DataFrame(columns=_EVIDENCE_COLUMNS)
    period = Period(end, months)
    first = add_months(end, -35)
    counts = con.execute(
        """
        WITH published AS (
            SELECT DISTINCT month FROM published_month pm JOIN partnership p ON p.force = pm.force
            WHERE p.partnership_code = $partnership AND pm.source = 'street'
        )
        SELECT c.crime_type, c.month, sum(c.crimes)::BIGINT AS crimes
        FROM monthly_crime_counts c
        WHERE c.partnership_code = $partnership AND list_contains($types, c.crime_type)
          AND c.month BETWEEN $first AND $end
          AND (c.month IN (SELECT month FROM published) OR NOT EXISTS (SELECT 1 FROM published))
        GROUP BY ALL ORDER BY c.crime_type, c.month
        """,
        {"partnership": partnership, "types": crime_types, "first": first, "end": end},
    ).df()
    rows: list[dict[str, object]] = []
    for crime_type in crime_types:
        series = counts[counts["crime_type"] == crime_type]
        if series.empty:
            rows.append({"Evidence": crime_type, "Kind": "police.uk crime type", "Source": "police.uk",
                         "Latest": "no records", "Compared with": "", "Target": "", "Better when": "lower",
                         "Trend": "", "RAG": None, "RAG (by rule)": "no data", "Why": "No records in the period.",
                         "id": crime_type})
            continue
        months_seen = [pd.Timestamp(m).date() for m in series["month"]]
        published = {pd.Timestamp(m).date() for (m,) in con.execute(
            "SELECT month FROM published_month p JOIN partnership t ON t.force = p.force "
            "WHERE p.source = 'street' AND t.partnership_code = ?", [partnership]).fetchall()}
        calendar = [add_months(end, -35 + i) for i in range(36)]
        by_month = dict(zip(months_seen, series["crimes"].astype(float), strict=True))
        history_grid = np.array([[by_month.get(m, 0.0) if not published or m in published else np.nan
                                  for m in calendar]])
        history = window_series(history_grid, calendar, period.start, period.end, period.previous_start,
                                period.previous_end)
        current, previous = float(history.current[0]), float(history.previous[0])
        shown = [(m, v) for m, v in zip(calendar, history_grid[0], strict=True) if not np.isnan(v)]
        direction, sentence = _recent_signal([v for _m, v in shown], [m for m, _v in shown])  # type: ignore[arg-type]
        change = compare_counts(current, previous, Dispersion(float(history.phi[0]), float(history.df[0])),
                                float(history.expected_share[0]), history.complete,
                                min(history.current_published, history.previous_published), history.window)
        rag, reason = indicator_rag(current, previous, None, False, direction,  # type: ignore[arg-type]
                                    is_count=True, change=change)
        rows.append({
            "Evidence": crime_type, "Kind": "police.uk crime type", "Source": "police.uk",
            "Latest": f"{current:,.0f} ({period.label})",
            "Compared with": f"{previous:,.0f} ({period.previous_label}); {change.sentence}",
            "Target": "", "Better when": "lower", "Trend": sentence, "RAG": rag, "RAG (by rule)": rag_badge(rag),
            "Why": reason, "id": crime_type,
        })
    return pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS)


_EVIDENCE_COLUMNS = ["Evidence", "RAG (by rule)", "Why", "Latest", "Compared with", "Target", "Better when", "Trend",
                     "Kind", "Source", "RAG", "id"]


def priority_evidence(con: duckdb.DuckDBPyConnection, partnership: str, priority_id: str, end: dt.date,
                      months: int = 12) -> pd.DataFrame:
    """Every linked measure of a priority: partner indicators, then police.uk crime types."""
    parts = [indicator_evidence(con, partnership, priority_id), crime_evidence(con, partnership, priority_id, end,
                                                                              months)]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EVIDENCE_COLUMNS)


def evidence_rag(measure_rags: list[str | None]) -> tuple[str | None, str]:
    """Roll measure RAGs up to the priority's evidence RAG by EVIDENCE_RULE_TEXT."""
    known = [r for r in measure_rags if r]
    if not known:
        return None, "No linked evidence with data."
    reds, greens = known.count(RED), known.count(GREEN)
    if reds:
        return RED, f"{reds} of {len(known)} linked measures {'is' if reds == 1 else 'are'} Red."
    if greens * 2 >= len(known):
        return GREEN, f"{greens} of {len(known)} linked measures are Green and none is Red."
    return AMBER, f"{greens} of {len(known)} linked measures are Green (fewer than half); none is Red."


def evidence_comparison(con: duckdb.DuckDBPyConnection, partnership: str, end: dt.date, months: int,
                        today: dt.date) -> pd.DataFrame:
    """Per priority: self-reported RAG beside the evidence RAG and whether they agree (AGREEMENT_RULE_TEXT)."""
    plan = priorities(con, partnership, today)
    rows: list[dict[str, object]] = []
    for row in plan.itertuples(index=False):
        evidence = priority_evidence(con, partnership, row.priority_id, end, months)
        rag, reason = evidence_rag(list(evidence["RAG"]) if len(evidence) else [])
        if rag is None:
            verdict = "no evidence linked"
        else:
            gap = abs(min(SEVERITY[row.rag], 3) - SEVERITY[rag])
            if row.rag == NOT_STARTED:
                verdict = "not started"
            else:
                verdict = "disagree" if gap >= 2 else "differ" if gap == 1 else "agree"
        rows.append({"Priority": row.priority, "Plan says (actions)": row.rag_badge,
                     "Data says (evidence)": rag_badge(rag) if rag else "no evidence", "Agreement": verdict,
                     "Why (evidence)": reason, "Lead partner": row.lead, "priority_id": row.priority_id,
                     "plan_rag": row.rag, "evidence_rag": rag})
    return pd.DataFrame(rows, columns=["Priority", "Plan says (actions)", "Data says (evidence)", "Agreement",
                                       "Why (evidence)", "Lead partner", "priority_id", "plan_rag", "evidence_rag"])


def _looks_like_count(unit: str | None, values: list[float]) -> bool:
    """A Poisson test fits counts only: whole non-negative numbers and a unit that is not a %, rate or score."""
    text = (unit or "").lower()
    if any(word in text for word in ("%", "percent", "rate", "per ", "score", "ratio", "£")):
        return False
    return all(v >= 0 and float(v).is_integer() for v in values)


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


# ---------------------------------------------------------------------------------------------- partners
def partner_matrix(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """Partner × priority: actions led and supported, on track / slipping / overdue (led), funding and staff."""
    acts = actions(con, partnership, today)
    plan = con.execute(
        "SELECT priority_id, title FROM priority WHERE partnership_code = ? ORDER BY priority_id", [partnership]
    ).df()
    money = con.execute(
        """
        SELECT partner_code, coalesce(priority_id, '') AS priority_id, sum(amount_gbp) AS funding, sum(fte) AS fte,
               string_agg(DISTINCT kind, ', ' ORDER BY kind) AS kinds
        FROM partner_contribution WHERE partnership_code = ? GROUP BY ALL
        """,
        [partnership],
    ).df()
    names = partner_names(con)
    roles = [{"partner_code": row.owner_code, "priority_id": row.priority_id, "led": 1, "supported": 0,
              "on_track": int(row.rag in (GREEN, COMPLETE) and not row.slipping), "slipping": int(row.slipping),
              "overdue": int(row.overdue)} for row in acts.itertuples(index=False)]
    roles += [{"partner_code": code, "priority_id": row.priority_id, "led": 0, "supported": 1, "on_track": 0,
               "slipping": 0, "overdue": 0} for row in acts.itertuples(index=False) for code in _codes(row.supporting_codes)]
    counted = pd.DataFrame(roles, columns=["partner_code", "priority_id", "led", "supported", "on_track", "slipping",
                                           "overdue"]).groupby(["partner_code", "priority_id"]).sum()
    cash = money.set_index(["partner_code", "priority_id"])
    titles = dict(zip(plan["priority_id"], plan["title"], strict=True))
    titles[""] = "(whole plan)"
    keys = sorted(set(counted.index) | set(cash.index), key=lambda k: (names.get(k[0], k[0]), k[1] or "~"))
    rows: list[dict[str, object]] = []
    for partner_code, priority_id in keys:
        c = counted.loc[(partner_code, priority_id)] if (partner_code, priority_id) in counted.index else None
        m = cash.loc[(partner_code, priority_id)] if (partner_code, priority_id) in cash.index else None
        rows.append({
            "Partner": names.get(partner_code, partner_code), "Priority": titles.get(priority_id, priority_id),
            "Led": 0 if c is None else int(c["led"]), "Supported": 0 if c is None else int(c["supported"]),
            "On track": 0 if c is None else int(c["on_track"]), "Slipping": 0 if c is None else int(c["slipping"]),
            "Overdue": 0 if c is None else int(c["overdue"]),
            "Funding (£)": 0.0 if m is None or pd.isna(m["funding"]) else float(m["funding"]),
            "Staff (FTE)": 0.0 if m is None or pd.isna(m["fte"]) else float(m["fte"]),
            "Other support": "" if m is None else _text(m["kinds"]),
            "partner_code": partner_code, "priority_id": priority_id,
        })
    return pd.DataFrame(rows, columns=["Partner", "Priority", "Led", "Supported", "On track", "Slipping", "Overdue",
                                       "Funding (£)", "Staff (FTE)", "Other support", "partner_code", "priority_id"])


def partner_totals(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> pd.DataFrame:
    """One row per partner: totals of partner_matrix plus priorities led."""
    matrix = partner_matrix(con, partnership, today)
    leads = con.execute(
        "SELECT lead_partner, count(*) FROM priority WHERE partnership_code = ? GROUP BY ALL", [partnership]
    ).fetchall()
    led_priorities = dict(leads)
    if matrix.empty:
        return matrix
    totals = matrix.groupby(["partner_code", "Partner"], as_index=False)[
        ["Led", "Supported", "On track", "Slipping", "Overdue", "Funding (£)", "Staff (FTE)"]].sum()
    totals.insert(2, "Priorities led", [led_priorities.get(c, 0) for c in totals["partner_code"]])
    return totals.sort_values(["Priorities led", "Led", "Funding (£)"], ascending=False).reset_index(drop=True)


def partner_actions(con: duckdb.DuckDBPyConnection, partnership: str, partner_code: str,
                    today: dt.date) -> pd.DataFrame:
    """The actions one partner leads or supports, with its role in each."""
    frame = actions(con, partnership, today)
    led = frame["owner_code"] == partner_code
    supports = pd.Series([partner_code in _codes(s) for s in frame["supporting_codes"]],
                         index=frame.index)
    mine = frame[led | supports]
    out = _action_columns(mine)
    out.insert(0, "Role", np.where(led[led | supports], "leads", "supports"))
    return out


def partner_contributions(con: duckdb.DuckDBPyConnection, partnership: str, partner_code: str) -> pd.DataFrame:
    """What one partner puts in: kind, priority, description, amount, FTE, period."""
    return con.execute(
        """
        SELECT c.kind AS "Kind", coalesce(p.title, '(whole plan)') AS "Priority", c.description AS "Description",
               c.amount_gbp AS "Amount (£)", c.fte AS "Staff (FTE)", c.period AS "Period"
        FROM partner_contribution c LEFT JOIN priority p USING (priority_id)
        WHERE c.partnership_code = ? AND c.partner_code = ?
        ORDER BY c.kind, p.title
        """,
        [partnership, partner_code],
    ).df()


def plan_partners(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Partners named anywhere in the partnership's plan: partner_code, partner_name, partner_type."""
    return con.execute(
        """
        WITH named AS (
            SELECT lead_partner AS code FROM priority WHERE partnership_code = $p
            UNION SELECT a.owner_partner FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = $p
            UNION SELECT unnest(string_split(a.supporting_partners, ';')) FROM action a JOIN priority p
                  USING (priority_id) WHERE p.partnership_code = $p
            UNION SELECT partner_code FROM partner_contribution WHERE partnership_code = $p
        )
        SELECT pa.partner_code, pa.partner_name, pa.partner_type
        FROM partner pa JOIN named n ON n.code = pa.partner_code ORDER BY pa.partner_name
        """,
        {"p": partnership},
    ).df()


# ---------------------------------------------------------------------------------------------- edits
def latest_update(con: duckdb.DuckDBPyConnection, partnership: str) -> dt.date | None:
    """The date of the plan's latest progress update (None when there is none)."""
    row = con.execute(
        "SELECT max(u.update_date) FROM progress_update u JOIN action a USING (action_id) "
        "JOIN priority p USING (priority_id) WHERE p.partnership_code = ?",
        [partnership],
    ).fetchone()
    return _as_date(row[0]) if row else None


def audit_log(con: duckdb.DuckDBPyConnection, partnership: str, limit: int = 200) -> pd.DataFrame:
    """In-app edits to the partnership's actions, latest first: when, who, role, action, field, old, new."""
    return con.execute(
        """
        SELECT e.edited_at AS "When", e.user_name AS "Who", e.user_role AS "Role", e.entity_id AS "Action ID",
               a.title AS "Action", e.field AS "Field", e.old_value AS "Old value", e.new_value AS "New value"
        FROM edit_audit e JOIN action a ON a.action_id = e.entity_id JOIN priority p USING (priority_id)
        WHERE e.entity = 'action' AND p.partnership_code = ?
        ORDER BY e.edited_at DESC, e.audit_id DESC
        LIMIT ?
        """,
        [partnership, limit],
    ).df()


# ---------------------------------------------------------------------------------------------- headline
def plan_headline(con: duckdb.DuckDBPyConnection, partnership: str, today: dt.date) -> list[tuple[str, str, str]]:
    """Headline tiles from the catalogue's plan measures: (label, formatted value, help)."""
    month = today.replace(day=1).isoformat()
    tiles = []
    for name in ("actions_on_track_share", "actions_overdue", "funding_contributed"):
        item = measure(name)
        frame = item.monthly(con, partnership, month, month)
        value = None if frame.empty or pd.isna(frame["value"].iloc[-1]) else float(frame["value"].iloc[-1])
        tiles.append((item.label, format_value(value, item.fmt), item.description))
    slipping = int(actions(con, partnership, today)["slipping"].sum())
    tiles.insert(2, ("Slipping actions", format_value(slipping, "count"), SLIPPING_RULE_TEXT))
    return tiles


def rag_legend() -> pd.DataFrame:
    """Every RAG status: symbol, label and rule (the legend shown beside RAG symbols)."""
    return pd.DataFrame([{"Symbol": s.icon, "Status": s.label, "Meaning": s.rule} for s in RAG_STATUSES.values()])


def months_label(end: dt.date, months: int) -> str:
    """'Jul 2024 – Jun 2025' for the evidence period."""
    return f"{month_label(add_months(end, -(months - 1)))} – {month_label(end)}"

