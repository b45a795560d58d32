"""The meeting queries as they were before the fast paths (commit 659527a, plus 3b5de9d's public-output SPC
sentences), kept as the oracle that tests/report/test_meeting_fast.py compares the current
cspdash.metrics.meeting with. Not used by the app."""
# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
from shapely.geometry import shape

from cspdash.analysis.change import compare_frame, window_series
from cspdash.analysis.hotspots import gi_star, persistence, queen_neighbours
from cspdash.analysis.rag import (
    AMBER,
    COMPLETE,
    GREEN,
    NOT_STARTED,
    RED,
    action_rag,
    indicator_rag,
    normalise_status,
    priority_rag,
)
from cspdash.analysis.spc import signals, xmr
from cspdash.metrics.disclosure import count_columns, count_text, is_small
from cspdash.metrics.period import add_months, month_label

#: window used when there is no previous meeting, and its bounds otherwise (months)
DEFAULT_WINDOW_MONTHS = 12
MIN_WINDOW_MONTHS = 3
MAX_WINDOW_MONTHS = 12
#: SPC history length (months) ending with the last month of data
SPC_HISTORY_MONTHS = 36
#: hot spot persistence: this many periods of this many months each
HOT_SPOT_PERIODS = 4
HOT_SPOT_PERIOD_MONTHS = 3
#: recommendation statuses that close it (anything else past its due date is overdue)
CLOSED_RECOMMENDATION_STATUSES = ("achieved",)
MINIMUM_STANDARDS: tuple[str, ...] = (
    "Strategy group", "Strategic assessment", "Information-sharing protocol", "Partnership plan refreshed",
    "Community consultation",
)
HALLMARKS: tuple[str, ...] = (
    "Empowered and effective leadership", "Intelligence-led business processes",
    "Effective and responsive delivery structures", "Community engagement",
    "Visible and constructive accountability", "Appropriate skills and knowledge",
)
#: how bad a RAG status is, for "worse" / "better" moves
_SEVERITY = {COMPLETE: 0, GREEN: 1, NOT_STARTED: 1, AMBER: 2, RED: 3}

WINDOW_RULE_TEXT = (
    "What changed: the months since the previous meeting (at least 3, at most 12; the last 12 when there is "
    "no previous meeting) compared with the same months a year earlier, so seasonal patterns cancel out. "
    "Crime changes use the Poisson test; SPC signals are those ending in the window."
)


@dataclass(frozen=True)
class Meeting:
    """One committee meeting and the data window it looks at."""

    meeting_id: str
    partnership_code: str
    partnership_name: str
    force: str
    committee: str
    meeting_date: date
    previous_id: str | None
    previous_date: date | None
    data_end: date | None           # the last month of police.uk data the meeting looks at
    window_start: date | None       # first month of "since the previous meeting"
    last_loaded: datetime | None

    @property
    def title(self) -> str:
        """'Crime and Disorder Scrutiny Committee, 16 July 2025'."""
        return f"{self.committee}, {self.meeting_date:%-d %B %Y}"

    @property
    def window_label(self) -> str:
        """'Mar 2025 – Jun 2025' (or '' without data)."""
        if self.window_start is None or self.data_end is None:
            return ""
        return f"{month_label(self.window_start)} – {month_label(self.data_end)}"

    @property
    def compare_label(self) -> str:
        """The same months a year earlier."""
        if self.window_start is None or self.data_end is None:
            return ""
        return f"{month_label(add_months(self.window_start, -12))} – {month_label(add_months(self.data_end, -12))}"


# ---------------------------------------------------------------------------------------------- meetings
def meetings(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """The partnership's meetings, newest first: meeting_id, committee, meeting_date."""
    return con.execute(
        "SELECT meeting_id, committee, meeting_date FROM meeting WHERE partnership_code = ?"
        " ORDER BY meeting_date DESC, meeting_id", [partnership],
    ).df()


def meeting(con: duckdb.DuckDBPyConnection, meeting_id: str) -> Meeting | None:
    """The meeting with its previous meeting, data window and data freshness; None if unknown."""
    row = con.execute(
        "SELECT m.meeting_id, m.partnership_code, coalesce(p.partnership_name, m.partnership_code),"
        " coalesce(p.force, ''), m.committee, m.meeting_date"
        " FROM meeting m LEFT JOIN partnership p USING (partnership_code) WHERE m.meeting_id = ?", [meeting_id],
    ).fetchone()
    if row is None:
        return None
    mid, code, name, force, committee, when = row
    previous = con.execute(
        "SELECT meeting_id, meeting_date FROM meeting WHERE partnership_code = ? AND meeting_date < ?"
        " ORDER BY meeting_date DESC LIMIT 1", [code, when],
    ).fetchone()
    data_end = _data_end(con, force, when)
    window_start = None
    if data_end is not None:
        if previous is None:
            window_start = add_months(data_end, -(DEFAULT_WINDOW_MONTHS - 1))
        else:
            start = previous[1].replace(day=1)
            length = (data_end.year - start.year) * 12 + data_end.month - start.month + 1
            length = min(max(length, MIN_WINDOW_MONTHS), MAX_WINDOW_MONTHS)
            window_start = add_months(data_end, -(length - 1))
    loaded = con.execute("SELECT max(loaded_at) FROM load_log").fetchone()
    return Meeting(mid, code, name, force, committee, when, previous[0] if previous else None,
                   previous[1] if previous else None, data_end, window_start, loaded[0] if loaded else None)


def _data_end(con: duckdb.DuckDBPyConnection, force: str, meeting_date: date) -> date | None:
    """The last published month that ended before the meeting's month."""
    before = add_months(meeting_date.replace(day=1), -1)
    row = con.execute(
        "SELECT max(month) FROM published_month WHERE source = 'street' AND (force = ? OR ? = '') AND month <= ?",
        [force, force, before],
    ).fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------------------------------------- crime changes
def _published(con: duckdb.DuckDBPyConnection, force: str) -> set[date]:
    rows = con.execute(
        "SELECT month FROM published_month WHERE source = 'street' AND (force = ? OR ? = '')", [force, force]
    ).fetchall()
    return {r[0] for r in rows}


def _months(start: date, end: date) -> list[date]:
    out, month = [], start
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def crime_changes(con: duckdb.DuckDBPyConnection, partnership: str, force: str, start: date, end: date,
                  public: bool = False) -> pd.DataFrame:
    """Per crime type: crimes in start..end vs the same months a year earlier, Poisson-tested.

    Columns: crime_type, current, previous, z, pct_change, verdict, direction, sentence. ``previous`` is NaN
    (no verdict) when the earlier months were not all published. With ``public`` the sentences write small
    counts as '<5' (the numeric columns keep their values for sorting and tests; exports suppress them).
    """
    prev_start, prev_end = add_months(start, -12), add_months(end, -12)
    first = min(prev_start, add_months(end, -35))
    monthly = con.execute(
        """SELECT crime_type, month, sum(crimes)::DOUBLE AS crimes FROM monthly_crime_counts
           WHERE partnership_code = $partnership AND month BETWEEN $first AND $end GROUP BY ALL""",
        {"partnership": partnership, "first": first, "end": end},
    ).df()
    columns = ["crime_type", "current", "previous", "z", "pct_change", "verdict", "direction", "sentence"]
    monthly["month"] = [pd.Timestamp(m).date() for m in monthly["month"]]
    types = sorted(set(monthly.loc[[prev_start <= m <= end for m in monthly["month"]], "crime_type"]))
    if not types:
        return pd.DataFrame(columns=columns)
    calendar = _months(first, end)
    published = _published(con, force)
    wide = monthly.pivot_table(index="crime_type", columns="month", values="crimes", aggfunc="sum")
    wide = wide.reindex(index=types, columns=calendar).fillna(0.0)
    for month in calendar:
        if month not in published:
            wide[month] = np.nan
    history = window_series(wide.to_numpy(dtype=float), calendar, start, end, prev_start, prev_end)
    frame = pd.DataFrame({"crime_type": types, "current": history.current, "previous": history.previous})
    tested = compare_frame(frame, "current", "previous", history.phi, history.df, history.complete,
                           history.expected_share)
    shown = "" if history.complete else history.published_text
    tested["sentence"] = [_change_sentence(r.current, r.previous, r.pct_change, r.verdict, public, shown)
                          for r in tested.itertuples()]
    return tested.sort_values("z", key=lambda s: -s.abs().fillna(0)).reset_index(drop=True)[columns]


def _change_sentence(current: float, previous: float, pct: float, verdict: str | None, public: bool = False,
                     published: str = "") -> str:
    now, then = count_text(current, public), count_text(previous, public)
    if verdict is None or pd.isna(previous):
        return f"{now} vs {then} (no verdict: {published or 'earlier months not all published'})"
    label = {"significant": "a real change", "possible": "a possible change", "noise": "within normal variation"}
    if previous == 0:
        return f"{now} vs 0 — {label[verdict]}"
    word = "up" if current > previous else "down" if current < previous else "no change"
    # a percentage between counts either of which is small would give the small count away
    hidden = public and (is_small(current) or is_small(previous))
    pct_text = "" if word == "no change" or hidden else f" {abs(pct):.0f}%"
    return f"{word}{pct_text} ({now} vs {then}) — {label[verdict]}"


def spc_signals_since(con: duckdb.DuckDBPyConnection, partnership: str, force: str, since: date,
                      end: date, public: bool = False) -> pd.DataFrame:
    """SPC signals on each crime type's monthly counts (36 months to ``end``) that end on or after ``since``.

    Columns: crime_type, rule, direction, first_month, last_month, sentence.
    """
    start = add_months(end, -(SPC_HISTORY_MONTHS - 1))
    monthly = con.execute(
        "SELECT crime_type, month, sum(crimes)::DOUBLE AS crimes FROM monthly_crime_counts"
        " WHERE partnership_code = ? AND month BETWEEN ? AND ? GROUP BY crime_type, month",
        [partnership, start, end],
    ).df()
    columns = ["crime_type", "rule", "direction", "first_month", "last_month", "sentence"]
    if monthly.empty:
        return pd.DataFrame(columns=columns)
    published = _published(con, force)
    months = [m for m in _months(start, end) if m in published]
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.date
    grid = monthly.pivot_table(index="month", columns="crime_type", values="crimes", aggfunc="sum")
    grid = grid.reindex(months).fillna(0.0)
    rows = []
    for crime_type in grid.columns:
        values = grid[crime_type].to_numpy(dtype=float)
        if len(values) < 12 or values.sum() == 0:
            continue
        chart = xmr(values)
        for signal in signals(chart, dates=months, count_format=lambda v: count_text(v, public)):
            if months[signal.end_index] >= since:
                rows.append({"crime_type": crime_type, "rule": signal.rule, "direction": signal.direction,
                             "first_month": months[signal.start_index], "last_month": months[signal.end_index],
                             "sentence": f"{crime_type}: {signal.sentence}"})
    frame = pd.DataFrame(rows, columns=columns)
    # one line per crime type and rule: the latest signal of that kind
    return (frame.sort_values("last_month").groupby(["crime_type", "rule"], as_index=False).tail(1)
            .sort_values(["crime_type", "rule"]).reset_index(drop=True))


def monthly_crimes(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date) -> pd.DataFrame:
    """All crime and ASB by month for the partnership: month, crimes, asb."""
    return con.execute(
        "SELECT month, sum(crimes) FILTER (WHERE crime_type <> 'Anti-social behaviour')::BIGINT AS crimes,"
        " coalesce(sum(crimes) FILTER (WHERE crime_type = 'Anti-social behaviour'), 0)::BIGINT AS asb"
        " FROM monthly_crime_counts WHERE partnership_code = ? AND month BETWEEN ? AND ?"
        " GROUP BY month ORDER BY month", [partnership, start, end],
    ).df()


# ---------------------------------------------------------------------------------------------- hot spots
def hot_spot_changes(con: duckdb.DuckDBPyConnection, partnership: str, end: date,
                     periods: int = HOT_SPOT_PERIODS, months: int = HOT_SPOT_PERIOD_MONTHS) -> pd.DataFrame:
    """Gi* hot spots of all recorded crime per LSOA in consecutive periods to ``end``, with persistence.

    Columns: area_code, area_name, crimes_latest, crimes_before, z_latest, hot_spot_class, persistence,
    explanation, hot_periods, periods.
    """
    columns = ["area_code", "area_name", "crimes_latest", "crimes_before", "z_latest", "hot_spot_class",
               "persistence", "explanation", "hot_periods", "periods"]
    shapes = con.execute(
        "SELECT b.area_code, coalesce(b.area_name, b.area_code), b.geometry FROM boundary b"
        " JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND b.area_type = 'lsoa' ORDER BY b.area_code", [partnership],
    ).fetchall()
    if len(shapes) < 3:
        return pd.DataFrame(columns=columns)
    names = {code: name for code, name, _ in shapes}
    neighbours = queen_neighbours({code: shape(json.loads(geometry)) for code, _, geometry in shapes})
    first = add_months(end, -(periods * months - 1))
    counts = con.execute(
        "SELECT lsoa_code AS area_code, month, sum(crimes)::DOUBLE AS crimes FROM monthly_crime_counts"
        " WHERE partnership_code = ? AND month BETWEEN ? AND ? AND lsoa_code IS NOT NULL"
        " GROUP BY lsoa_code, month", [partnership, first, end],
    ).df()
    counts["month"] = pd.to_datetime(counts["month"]).dt.date
    history, latest = [], None
    totals: dict[int, pd.Series] = {}
    for index in range(periods):
        p_start = add_months(first, index * months)
        p_end = add_months(p_start, months - 1)
        in_period = counts[(counts["month"] >= p_start) & (counts["month"] <= p_end)]
        values = in_period.groupby("area_code")["crimes"].sum().reindex(list(names), fill_value=0.0)
        totals[index] = values
        result = gi_star(pd.DataFrame({"area_code": list(names), "value": values.to_numpy()}), neighbours)
        result["period"] = index
        history.append(result[["area_code", "period", "is_hot", "z"]])
        latest = result
    assert latest is not None
    classes = persistence(pd.concat(history, ignore_index=True))
    out = classes.merge(latest[["area_code", "z", "hot_spot_class"]], on="area_code")
    out["area_name"] = out["area_code"].map(names)
    out["crimes_latest"] = out["area_code"].map(totals[periods - 1]).astype(int)
    out["crimes_before"] = out["area_code"].map(totals[periods - 2] if periods > 1 else totals[0]).astype(int)
    out = out.rename(columns={"z": "z_latest"})
    return out[columns].sort_values("z_latest", ascending=False).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- action plan
def _action_history(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Every action status with its date: the progress updates plus the action's current row."""
    return con.execute(
        """WITH acts AS (
               SELECT a.*, p.title AS priority, p.lead_partner FROM action a JOIN priority p USING (priority_id)
               WHERE p.partnership_code = $partnership)
           SELECT action_id, update_date AS as_of, u.status, u.pct_complete FROM progress_update u
           WHERE action_id IN (SELECT action_id FROM acts)
           UNION ALL
           SELECT action_id, coalesce(updated_at::DATE, DATE '1900-01-01'), status, pct_complete FROM acts""",
        {"partnership": partnership},
    ).df()


def plan_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(priorities, actions) with the RAG status each had on ``as_of`` by the stated rules.

    actions: action_id, title, priority_id, owner_partner, due_date, status, pct_complete, commentary, rag.
    priorities: priority_id, title, lead_partner, crime_types, rag, reason, actions.
    """
    actions = con.execute(
        "SELECT a.action_id, a.title, a.priority_id, a.owner_partner, a.due_date, a.start_date, a.commentary"
        " FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = ? ORDER BY a.action_id",
        [partnership],
    ).df()
    priorities = con.execute(
        "SELECT priority_id, title, lead_partner, crime_types FROM priority WHERE partnership_code = ?"
        " ORDER BY priority_id", [partnership],
    ).df()
    history = _action_history(con, partnership)
    history["as_of"] = pd.to_datetime(history["as_of"]).dt.date
    known = history[history["as_of"] <= as_of].sort_values("as_of").groupby("action_id").tail(1)
    known = known.set_index("action_id")
    rags, statuses, pcts = [], [], []
    for row in actions.itertuples():
        started = row.start_date is None or pd.isna(row.start_date) or pd.Timestamp(row.start_date).date() <= as_of
        if row.action_id in known.index and started:
            status, pct = known.at[row.action_id, "status"], known.at[row.action_id, "pct_complete"]
        else:
            status, pct = None, None
        try:
            rag = action_rag(status, pct, row.due_date, as_of)
        except ValueError:
            rag = action_rag(None, None, row.due_date, as_of)
        rags.append(rag)
        statuses.append(status)
        pcts.append(pct)
    actions["status"], actions["pct_complete"], actions["rag"] = statuses, pcts, rags
    rolled = []
    for row in priorities.itertuples():
        own = actions.loc[actions["priority_id"] == row.priority_id, "rag"].tolist()
        rag, reason = priority_rag(own)
        rolled.append((rag, reason, len(own)))
    priorities["rag"] = [r[0] for r in rolled]
    priorities["reason"] = [r[1] for r in rolled]
    priorities["actions"] = [r[2] for r in rolled]
    return priorities, actions


def rag_changes(con: duckdb.DuckDBPyConnection, partnership: str, since: date | None, until: date) -> pd.DataFrame:
    """Priorities and actions whose RAG moved between ``since`` and ``until`` (or all Red/Amber without since).

    Columns: level, item_id, title, lead_partner, rag_then, rag_now, change ('new Red', 'new Amber', 'worse',
    'better'), reason.
    """
    columns = ["level", "item_id", "title", "lead_partner", "rag_then", "rag_now", "change", "reason"]
    pri_now, act_now = plan_status(con, partnership, until)
    if since is not None:
        pri_then, act_then = plan_status(con, partnership, since)
    else:
        pri_then, act_then = pri_now.assign(rag=None), act_now.assign(rag=None)
    rows = []
    for level, now, then, id_col, lead_col in (("priority", pri_now, pri_then, "priority_id", "lead_partner"),
                                               ("action", act_now, act_then, "action_id", "owner_partner")):
        before = dict(zip(then[id_col], then["rag"], strict=True))
        for row in now.itertuples():
            item = getattr(row, id_col)
            old, new = before.get(item), row.rag
            change = _move(old, new)
            if change:
                reason = getattr(row, "reason", None) or getattr(row, "commentary", None) or ""
                rows.append({"level": level, "item_id": item, "title": row.title, "lead_partner": getattr(row, lead_col),
                             "rag_then": old or "—", "rag_now": new, "change": change, "reason": reason})
    return pd.DataFrame(rows, columns=columns)


def _move(old: str | None, new: str) -> str | None:
    """How a RAG status moved: new Red / new Amber / worse / better / None (no move worth reporting)."""
    if old == new:
        return None
    if new == RED:
        return "new Red"
    if new == AMBER:
        return "new Amber" if old is None or _SEVERITY.get(old, 1) < _SEVERITY[AMBER] else "better"
    if old is None:
        return None
    return "worse" if _SEVERITY.get(new, 1) > _SEVERITY.get(old, 1) else "better"


def indicator_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date) -> pd.DataFrame:
    """Each partner indicator's latest value on or before ``as_of`` with its indicator RAG.

    Columns: indicator_id, name, priority_id, source_partner, period, value, baseline, target, rag, reason.
    """
    frame = con.execute(
        """SELECT i.indicator_id, i.name, i.priority_id, i.source_partner, i.higher_is_better, i.unit,
                  v.period, v.value, v.baseline, v.target
           FROM indicator i JOIN indicator_value v USING (indicator_id)
           JOIN priority p ON p.priority_id = i.priority_id
           WHERE p.partnership_code = ? AND v.period <= ?
           QUALIFY row_number() OVER (PARTITION BY i.indicator_id ORDER BY v.period DESC, v.area_code) = 1
           ORDER BY i.indicator_id""", [partnership, as_of],
    ).df()
    rags, reasons = [], []
    for row in frame.itertuples():
        baseline = None if pd.isna(row.baseline) else float(row.baseline)
        target = None if pd.isna(row.target) else float(row.target)
        is_count = baseline is not None and float(row.value).is_integer() and float(baseline).is_integer()
        rag, reason = indicator_rag(float(row.value), baseline, target, bool(row.higher_is_better)
                                    if row.higher_is_better is not None and not pd.isna(row.higher_is_better)
                                    else False, is_count=is_count)
        rags.append(rag)
        reasons.append(reason)
    frame["rag"], frame["reason"] = rags, reasons
    return frame


def contributions(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Each partner's contribution: partner, actions led, funding (£), staff (FTE), in-kind and data items."""
    return con.execute(
        """WITH led AS (
               SELECT a.owner_partner AS partner_code, count(*) AS actions_led
               FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = $p GROUP BY 1),
           given AS (
               SELECT partner_code, sum(amount_gbp) FILTER (WHERE kind = 'funding') AS funding_gbp,
                      sum(fte) FILTER (WHERE kind = 'staff') AS staff_fte,
                      count(*) FILTER (WHERE kind = 'in-kind') AS in_kind_items,
                      count(*) FILTER (WHERE kind = 'data') AS data_items
               FROM partner_contribution WHERE partnership_code = $p GROUP BY 1)
           SELECT coalesce(pt.partner_name, k.partner_code) AS partner, coalesce(led.actions_led, 0) AS actions_led,
                  coalesce(given.funding_gbp, 0) AS funding_gbp, coalesce(given.staff_fte, 0) AS staff_fte,
                  coalesce(given.in_kind_items, 0) AS in_kind_items, coalesce(given.data_items, 0) AS data_items
           FROM (SELECT partner_code FROM led UNION SELECT partner_code FROM given) k
           LEFT JOIN led USING (partner_code) LEFT JOIN given USING (partner_code)
           LEFT JOIN partner pt ON pt.partner_code = k.partner_code
           ORDER BY actions_led DESC, funding_gbp DESC, partner""", {"p": partnership},
    ).df()


def partner_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Partner code → name."""
    return dict(con.execute("SELECT partner_code, partner_name FROM partner").fetchall())


# ---------------------------------------------------------------------------------------------- recommendations
def recommendations(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date) -> pd.DataFrame:
    """The committee's recommendations with overdue flagged on ``as_of``.

    Columns: reference, meeting_id, meeting_date, recommendation, lead_partner, response, due_date, status,
    overdue, days_overdue.
    """
    frame = con.execute(
        """SELECT r.reference, r.meeting_id, m.meeting_date, r.recommendation, r.lead_partner, r.response,
                  r.due_date, r.status
           FROM recommendation r LEFT JOIN meeting m USING (meeting_id)
           WHERE r.partnership_code = ? ORDER BY r.due_date NULLS LAST, r.reference""", [partnership],
    ).df()
    due = pd.to_datetime(frame["due_date"])
    open_ = ~frame["status"].str.lower().isin(CLOSED_RECOMMENDATION_STATUSES)
    overdue = open_ & due.notna() & (due < pd.Timestamp(as_of))
    frame["overdue"] = overdue.astype(bool)
    frame["days_overdue"] = np.where(overdue, (pd.Timestamp(as_of) - due).dt.days, 0).astype(int)
    for column in ("meeting_date", "due_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


# ---------------------------------------------------------------------------------------------- community trigger
def triggers(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Community Trigger and CCfA cases: case_id, kind, received_date, threshold_met, outcome, resolved_date,
    days_to_resolve (blank while open), quarter (financial-year quarter of receipt, e.g. '2024-25 Q1')."""
    frame = con.execute(
        "SELECT case_id, kind, received_date, threshold_met, outcome, resolved_date,"
        " date_diff('day', received_date, resolved_date) AS days_to_resolve"
        " FROM community_trigger WHERE partnership_code = ? ORDER BY received_date, case_id", [partnership],
    ).df()
    frame["days_to_resolve"] = frame["days_to_resolve"].astype("Int64")
    frame["quarter"] = [financial_quarter(pd.Timestamp(d).date()) for d in frame["received_date"]]
    for column in ("received_date", "resolved_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def financial_quarter(day: date) -> str:
    """date(2024, 5, 14) → '2024-25 Q1' (financial years run April to March)."""
    year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return f"{year}-{(year + 1) % 100:02d} Q{quarter}"


def trigger_counts_by_quarter(cases: pd.DataFrame) -> pd.DataFrame:
    """Counts per financial quarter and kind: quarter, kind, cases, threshold_met, resolved, median_days."""
    columns = ["quarter", "kind", "cases", "threshold_met", "resolved", "median_days_to_resolve"]
    if cases.empty:
        return pd.DataFrame(columns=columns)
    grouped = cases.groupby(["quarter", "kind"], as_index=False).agg(
        cases=("case_id", "count"),
        threshold_met=("threshold_met", lambda s: int(s.fillna(False).astype(bool).sum())),
        resolved=("resolved_date", lambda s: int(s.notna().sum())),
        median_days_to_resolve=("days_to_resolve", lambda s: float(s.dropna().median()) if s.notna().any() else np.nan),
    )
    return grouped[columns].sort_values(["quarter", "kind"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- health
def health(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Minimum standards then hallmarks, every one listed (unrecorded = 'Not assessed').

    Columns: kind ('standard'/'hallmark'), item, status, evidence, assessed_on.
    """
    stored = con.execute(
        "SELECT kind, item, status, evidence, assessed_on FROM partnership_health WHERE partnership_code = ?",
        [partnership],
    ).df()
    by_item = {str(r.item).strip().lower(): r for r in stored.itertuples()}
    rows = []
    for kind, items in (("standard", MINIMUM_STANDARDS), ("hallmark", HALLMARKS)):
        for item in items:
            found = by_item.pop(item.lower(), None)
            rows.append({"kind": kind, "item": item,
                         "status": (found.status if found is not None and found.status else "Not assessed"),
                         "evidence": found.evidence if found is not None else None,
                         "assessed_on": found.assessed_on if found is not None else None})
    for extra in by_item.values():  # items a partnership added beyond the national lists
        rows.append({"kind": extra.kind, "item": extra.item, "status": extra.status or "Not assessed",
                     "evidence": extra.evidence, "assessed_on": extra.assessed_on})
    frame = pd.DataFrame(rows, columns=["kind", "item", "status", "evidence", "assessed_on"])
    frame["assessed_on"] = pd.to_datetime(frame["assessed_on"]).dt.date
    return frame


# ---------------------------------------------------------------------------------------------- questions
def stored_questions(con: duckdb.DuckDBPyConnection, meeting_id: str) -> pd.DataFrame:
    """The meeting's saved questions in order: question_id, position, question, evidence, partner, framing."""
    return con.execute(
        "SELECT question_id, position, question, evidence, partner, framing, edited_by FROM meeting_question"
        " WHERE meeting_id = ? ORDER BY position, question_id", [meeting_id],
    ).df()


def audit_trail(con: duckdb.DuckDBPyConnection, entity: str, ids: tuple[str, ...]) -> pd.DataFrame:
    """Edits to the given entities, newest first: edited_at, user_name, user_role, entity_id, field, old, new."""
    return con.execute(
        "SELECT edited_at, user_name, user_role, entity_id, field, old_value, new_value FROM edit_audit"
        " WHERE entity = ? AND list_contains(?, entity_id) ORDER BY edited_at DESC, audit_id DESC",
        [entity, list(ids)],
    ).df()


# ---------------------------------------------------------------------------------------------- the briefing
@dataclass
class Briefing:
    """Everything the page, the PDF pack and the slides show for one meeting."""

    meeting: Meeting
    crime_changes: pd.DataFrame
    spc_signals: pd.DataFrame
    hot_spots: pd.DataFrame
    rag_changes: pd.DataFrame
    priorities: pd.DataFrame
    actions: pd.DataFrame
    indicators: pd.DataFrame
    recommendations: pd.DataFrame
    triggers: pd.DataFrame
    health: pd.DataFrame
    contributions: pd.DataFrame
    monthly: pd.DataFrame
    partner_names: dict[str, str] = field(default_factory=dict)
    #: public output: small counts are written '<5' (metrics.disclosure), in sentences and in export tables
    public: bool = False

    def count(self, value: object) -> str:
        """A count as written in text ('1,234', or '<5' for a small count in public output)."""
        return count_text(value, self.public)

    def hides(self, *values: object) -> bool:
        """In public output, any of the values is a small count (so figures derived from it are left out)."""
        return self.public and any(is_small(v) for v in values)

    def counts(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """The frame with ``columns`` suppressed for print in public output (unchanged otherwise)."""
        return count_columns(frame, columns) if self.public and not frame.empty else frame

    @property
    def overdue_recommendations(self) -> pd.DataFrame:
        """Recommendations past their due date and not achieved."""
        return self.recommendations[self.recommendations["overdue"]]

    @property
    def new_hot_spots(self) -> pd.DataFrame:
        """LSOAs that are new or intensifying hot spots in the latest period."""
        return self.hot_spots[self.hot_spots["persistence"].isin(["new", "intensifying"])]

    def partner(self, code: object) -> str:
        """A partner's name from its code (the code itself when unknown, 'the partnership' when blank)."""
        if code is None or (isinstance(code, float) and np.isnan(code)) or str(code).strip() == "":
            return "the partnership"
        return self.partner_names.get(str(code), str(code))


def briefing(con: duckdb.DuckDBPyConnection, meeting_id: str, public: bool = False) -> Briefing | None:
    """Gather the briefing for a meeting (None when the meeting is unknown); ``public`` for public output."""
    info = meeting(con, meeting_id)
    if info is None:
        return None
    code, when = info.partnership_code, info.meeting_date
    empty = pd.DataFrame()
    if info.data_end is not None and info.window_start is not None:
        changes = crime_changes(con, code, info.force, info.window_start, info.data_end, public)
        spc = spc_signals_since(con, code, info.force, info.window_start, info.data_end, public)
        hot = hot_spot_changes(con, code, info.data_end)
        monthly = monthly_crimes(con, code, add_months(info.data_end, -(SPC_HISTORY_MONTHS - 1)), info.data_end)
    else:
        changes = spc = hot = monthly = empty
    priorities, actions = plan_status(con, code, when)
    return Briefing(
        meeting=info, crime_changes=changes, spc_signals=spc, hot_spots=hot,
        rag_changes=rag_changes(con, code, info.previous_date, when), priorities=priorities, actions=actions,
        indicators=indicator_status(con, code, when), recommendations=recommendations(con, code, when),
        triggers=triggers(con, code), health=health(con, code), contributions=contributions(con, code),
        monthly=monthly, partner_names=partner_names(con), public=public,
    )


def normalise_rag(status: object) -> str | None:
    """A reported status as a RAG key (None when blank or unknown)."""
    try:
        return normalise_status(status)  # type: ignore[arg-type]
    except ValueError:
        return None


def lsoa_geometries(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, str]:
    """LSOA code → GeoJSON geometry text for the partnership's LSOAs (for the pack's hot spot map)."""
    return dict(con.execute(
        "SELECT b.area_code, b.geometry FROM boundary b JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND b.area_type = 'lsoa' ORDER BY b.area_code", [partnership],
    ).fetchall())
