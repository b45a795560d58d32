"""Meeting preparation queries: meetings, what changed since the previous one, recommendations, Community
Trigger / CCfA cases, partnership health, stored questions, and the briefing that gathers them for a pack.

Every query takes the connection first and hashable arguments, so the UI can cache it per store version.
"What changed" compares the months since the previous meeting with the same months a year earlier (so
seasonality cancels out), and lists SPC signals and RAG moves in that window.

Reference rows that no choice of meeting changes (partnerships, their councils and meetings, published months,
the last load, partner names, a partnership's LSOAs and their neighbours) are read once per store version file;
everything else is read and worked out afresh on every call, with plain single-table reads where DuckDB's
planning would cost more than the rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from cspdash.analysis.change import CHANGE_METHOD_TEXT, HISTORY_MONTHS, compare_frame, window_series
from cspdash.analysis.hotspots import (
    PERSISTENCE_EXPLANATIONS,
    classify,
    gi_star_rows,
    is_hot_spot,
    persistence_classes,
)
from cspdash.analysis.rag import (
    AMBER,
    RED,
    SEVERITY,
    action_rag,
    indicator_rag,
    normalise_status,
    priority_rag,
)
from cspdash.analysis.spc import series_signals
from cspdash.metrics.context import store_file
from cspdash.metrics.disclosure import blank_small, count_columns, count_text, is_small
from cspdash.metrics.hotspots import neighbours as boundary_neighbours
from cspdash.metrics.memo import per_store_version
from cspdash.metrics.period import add_months, month_label
from cspdash.vocab import HALLMARKS, MINIMUM_STANDARDS

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

WINDOW_RULE_TEXT = (
    "What changed: the months since the previous meeting (at least 3, at most 12; the last 12 when there is "
    "no previous meeting) compared with the same months a year earlier, so seasonal patterns cancel out. "
    f"Crime changes are judged {CHANGE_METHOD_TEXT}; SPC signals are those ending in the window."
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
    found = _meeting(meeting_id, _reference(con))
    return found[0] if found is not None else None


def _meeting(meeting_id: str, ref: _Reference) -> tuple[Meeting, dict[str, date]] | None:
    """meeting() with the dates of the partnership's meetings by id."""
    found = ref.meetings.get(meeting_id)
    if found is None:
        return None
    code, committee, when = found
    rows = [(other, *ref.meetings[other]) for other in ref.partnership_meetings.get(code, [])]
    name, force = ref.partnerships.get(code, (code, ""))
    previous = None
    for row in rows:  # the latest earlier meeting of the partnership
        if row[3] < when and (previous is None or row[3] > previous[3]):
            previous = row
    data_end = ref.data_end(force, when)
    window_start = None
    if data_end is not None:
        if previous is None:
            window_start = add_months(data_end, -(DEFAULT_WINDOW_MONTHS - 1))
        else:
            start = previous[3].replace(day=1)
            length = (data_end.year - start.year) * 12 + data_end.month - start.month + 1
            length = min(max(length, MIN_WINDOW_MONTHS), MAX_WINDOW_MONTHS)
            window_start = add_months(data_end, -(length - 1))
    info = Meeting(meeting_id, code, name, force, committee, when, previous[0] if previous else None,
                   previous[3] if previous else None, data_end, window_start, ref.loaded)
    return info, {row[0]: row[3] for row in rows}


def _data_end(con: duckdb.DuckDBPyConnection, force: str, meeting_date: date) -> date | None:
    """The last published month that ended before the meeting's month."""
    return _reference(con).data_end(force, meeting_date)


# ---------------------------------------------------------------------------------------------- reference rows
@dataclass(frozen=True)
class _Reference:
    """Reference rows of one store version that no meeting's choice changes: partnerships (name, force), their
    councils and meetings, the published street months of each force, the last load and the partners' names."""

    partnerships: dict[str, tuple[str, str]]
    councils: dict[str, list[str]]
    street_months: dict[str, list[date]]        # force → months oldest first; '' → any force's months
    street_sets: dict[str, frozenset[date]]
    loaded: datetime | None
    partners: dict[str, str]
    file: str                                   # the store version file ('' for an in-memory store)
    meetings: dict[str, tuple[str, str, date]] = field(default_factory=dict)  # id → partnership, committee, date
    partnership_meetings: dict[str, list[str]] = field(default_factory=dict)  # partnership → its meetings' ids

    def published(self, force: str) -> frozenset[date]:
        """The force's published street months (any force's for '')."""
        return self.street_sets.get(force, frozenset())

    def data_end(self, force: str, meeting_date: date) -> date | None:
        """The last published month that ended before the meeting's month."""
        months = self.street_months.get(force, [])
        at = bisect_right(months, add_months(meeting_date.replace(day=1), -1))
        return months[at - 1] if at else None


#: store versions are immutable files, so their reference rows are read once per file (never for in-memory stores)
@per_store_version(maxsize=16)
def _reference(con: duckdb.DuckDBPyConnection) -> _Reference:
    key = store_file(con)
    partnerships = {code: (name if name is not None else code, force if force is not None else "")
                    for code, name, force in con.execute(
                        "SELECT partnership_code, partnership_name, force FROM partnership").fetchall()}
    councils: dict[str, list[str]] = {}
    for code, council in con.execute("SELECT partnership_code, la_code FROM partnership_la").fetchall():
        councils.setdefault(code, []).append(council)
    by_force: dict[str, set[date]] = {"": set()}
    for force, month in con.execute("SELECT force, month FROM published_month WHERE source = 'street'").fetchall():
        by_force.setdefault(force, set()).add(month)
        by_force[""].add(month)
    loaded = con.execute("SELECT max(loaded_at) FROM load_log").fetchone()
    meetings: dict[str, tuple[str, str, date]] = {}
    partnership_meetings: dict[str, list[str]] = {}
    for meeting_id, code, committee, when in con.execute(
            "SELECT meeting_id, partnership_code, committee, meeting_date FROM meeting").fetchall():
        if meeting_id not in meetings:
            meetings[meeting_id] = (code, committee, when)
            partnership_meetings.setdefault(code, []).append(meeting_id)
    ref = _Reference(
        partnerships=partnerships, councils=councils,
        street_months={force: sorted(months) for force, months in by_force.items()},
        street_sets={force: frozenset(months) for force, months in by_force.items()},
        loaded=loaded[0] if loaded else None,
        partners=dict(con.execute("SELECT partner_code, partner_name FROM partner").fetchall()), file=key,
        meetings=meetings, partnership_meetings=partnership_meetings,
    )
    return ref


@per_store_version(maxsize=64)
def _lsoas(con: duckdb.DuckDBPyConnection, partnership: str,
           file: str) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """The partnership's LSOA codes (sorted), names (the code when unnamed) and boundary neighbours (as the hot
    spots page's metrics keep them), kept per store version file."""
    rows = con.execute(
        "SELECT b.area_code, coalesce(b.area_name, b.area_code) FROM boundary b"
        " JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND b.area_type = 'lsoa' ORDER BY b.area_code", [partnership],
    ).fetchall()
    names = dict(rows)
    # queen contiguity of the same LSOA boundaries (not needed below three areas, where there is no Gi*)
    links = boundary_neighbours(con, partnership, "lsoa", "boundary") if len(names) >= 3 else {}
    return (list(names), list(names.values()), links)


# ---------------------------------------------------------------------------------------------- crime changes
def _published(con: duckdb.DuckDBPyConnection, force: str) -> AbstractSet[date]:
    return _reference(con).published(force)


def _months(start: date, end: date) -> list[date]:
    out, month = [], start
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def crime_changes(con: duckdb.DuckDBPyConnection, partnership: str, force: str, start: date, end: date,
                  public: bool = False) -> pd.DataFrame:
    """Per crime type: crimes in start..end vs the same months a year earlier, by the change test (which reads
    each type's 36 months to ``end``).

    Columns: crime_type, current, previous, z, pct_change, verdict, direction, sentence. No verdict when either
    window has unpublished months (the sentence says how many were published). With ``public`` the sentences write small
    counts as '<5' (the numeric columns keep their values for sorting and tests; exports suppress them).
    """
    first = min(add_months(start, -12), add_months(end, -(HISTORY_MONTHS - 1)))
    return _crime_changes(_type_months(con, partnership, first, end), _published(con, force), start, end,
                          public)


#: the partnership's rows of agg_crime_month_lsoa (as monthly_crime_counts gives them: partnership_la's key is
#: (partnership, council), so no row is counted twice); filtering by council lets DuckDB skip row groups
_COUNCILS = "la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = ?)"


def _type_months(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
                 councils: list[str] | None = None) -> list[tuple]:
    """(crime_type, month, crimes) of the partnership from start to end: what the change test and the SPC scan
    of the briefing both read (one query for both). ``councils``: the partnership's councils, if known."""
    if councils is None:
        councils = _reference(con).councils.get(partnership, [])
    if not councils:
        return []
    # the council list as a value (not a join) lets DuckDB skip row groups and plan less
    return con.execute(
        "SELECT crime_type, month, sum(crimes)::DOUBLE AS crimes FROM agg_crime_month_lsoa"
        " WHERE list_contains(?, la_code) AND month BETWEEN ? AND ? GROUP BY crime_type, month",
        [councils, start, end],
    ).fetchall()


def _crime_changes(rows: list[tuple], published: AbstractSet[date], start: date, end: date, public: bool) -> pd.DataFrame:
    """crime_changes from _type_months rows covering the year before ``start`` (and the 36 months) to ``end``."""
    prev_start, prev_end = add_months(start, -12), add_months(end, -12)
    first = min(prev_start, add_months(end, -(HISTORY_MONTHS - 1)))
    calendar = _months(first, end)
    column = {m: i for i, m in enumerate(calendar)}
    series: dict[str, np.ndarray] = {}
    for crime_type, month, crimes in rows:
        if month in column:
            series.setdefault(crime_type, np.zeros(len(calendar)))[column[month]] += crimes
    types = sorted({crime_type for crime_type, month, _crimes in rows if prev_start <= month <= end})
    if not types:
        return pd.DataFrame(columns=["crime_type", "current", "previous", "z", "pct_change", "verdict",
                                     "direction", "sentence"])
    grid = np.array([series[t] for t in types])
    grid[:, [m not in published for m in calendar]] = np.nan  # an unpublished month is a gap, never a zero
    history = window_series(grid, calendar, start, end, prev_start, prev_end)
    now, then = history.current, history.previous
    tested = compare_frame(pd.DataFrame({"current": now, "previous": then}), "current", "previous", history.phi,
                           history.df, history.complete, history.expected_share)
    # largest change first, as sort_values("z", key=...) orders the rows (the same sort, on the key alone)
    order = (-tested["z"].abs().fillna(0)).sort_values().index.to_numpy()
    z, pct = tested["z"].to_numpy()[order], tested["pct_change"].to_numpy()[order]
    verdict, direction = tested["verdict"].to_numpy()[order], tested["direction"].to_numpy()[order]
    now, then = now[order], then[order]
    shown = "" if history.complete else history.published_text
    return pd.DataFrame({
        "crime_type": _text([types[i] for i in order]), "current": now, "previous": then, "z": z, "pct_change": pct,
        "verdict": _objects(verdict.tolist()), "direction": _objects(direction.tolist()),
        "sentence": _text([_change_sentence(c, p, g, v, public, shown) for c, p, g, v in
                           zip(now.tolist(), then.tolist(), pct.tolist(), verdict.tolist(), strict=True)]),
    })


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

    Columns: crime_type, rule, direction, first_month, last_month, sentence. With ``public`` the sentences
    write small monthly counts as '<5'.
    """
    start = add_months(end, -(SPC_HISTORY_MONTHS - 1))
    return _spc_signals(_type_months(con, partnership, start, end), _published(con, force), since, end, public)


def _spc_signals(monthly: list[tuple], published: AbstractSet[date], since: date, end: date, public: bool) -> pd.DataFrame:
    """spc_signals_since from _type_months rows (rows before the SPC history are not used)."""
    start = add_months(end, -(SPC_HISTORY_MONTHS - 1))
    monthly = [row for row in monthly if start <= row[1] <= end]
    columns = ["crime_type", "rule", "direction", "first_month", "last_month", "sentence"]
    if not monthly:
        return pd.DataFrame(columns=columns)
    months = [m for m in _months(start, end) if m in published]
    # crime type × published month (a month with no records is 0; unpublished months are left out)
    position = {m: i for i, m in enumerate(months)}
    grid: dict[str, np.ndarray] = {}
    for crime_type, month, crimes in monthly:
        values = grid.setdefault(crime_type, np.zeros(len(months)))
        if month in position:
            values[position[month]] += crimes
    # one line per crime type and rule: the latest signal of that kind (of two ending together, the later found)
    latest: dict[tuple[str, str], tuple] = {}
    for crime_type in sorted(grid):
        values = grid[crime_type]
        if len(values) < 12 or values.sum() == 0:
            continue
        for signal in series_signals(values, dates=months, count_format=lambda v: count_text(v, public)):
            last = months[signal.end_index]
            seen = latest.get((crime_type, signal.rule))
            if last >= since and (seen is None or last >= seen[4]):
                latest[(crime_type, signal.rule)] = (crime_type, signal.rule, signal.direction,
                                                     months[signal.start_index], last,
                                                     f"{crime_type}: {signal.sentence}")
    rows = [latest[key] for key in sorted(latest)]
    return pd.DataFrame({
        "crime_type": _text([r[0] for r in rows]), "rule": _text([r[1] for r in rows]),
        "direction": _text([r[2] for r in rows]), "first_month": _objects([r[3] for r in rows]),
        "last_month": _objects([r[4] for r in rows]), "sentence": _text([r[5] for r in rows]),
    }, columns=columns)


def monthly_crimes(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date) -> pd.DataFrame:
    """All crime and ASB by month for the partnership: month, crimes, asb."""
    return con.execute(
        "SELECT month, sum(crimes) FILTER (WHERE crime_type <> 'Anti-social behaviour')::BIGINT AS crimes,"
        " coalesce(sum(crimes) FILTER (WHERE crime_type = 'Anti-social behaviour'), 0)::BIGINT AS asb"
        f" FROM agg_crime_month_lsoa WHERE {_COUNCILS} AND month BETWEEN ? AND ?"
        " GROUP BY month ORDER BY month", [partnership, start, end],
    ).df()


def _monthly_from(rows: list[tuple], start: date, end: date) -> pd.DataFrame | None:
    """monthly_crimes from _type_months rows covering start..end; None when a month has ASB only (the query's
    blank crime count is left to monthly_crimes)."""
    crimes: dict[date, float] = {}
    asb: dict[date, float] = {}
    for crime_type, month, count in rows:
        if start <= month <= end:
            target = asb if crime_type == "Anti-social behaviour" else crimes
            target[month] = target.get(month, 0.0) + count
    months = sorted(set(crimes) | set(asb))
    if any(m not in crimes for m in months):
        return None
    return pd.DataFrame({
        "month": np.array(months, dtype="datetime64[us]"),
        "crimes": np.array([round(crimes[m]) for m in months], dtype="int64"),
        "asb": np.array([round(asb.get(m, 0.0)) for m in months], dtype="int64"),
    })


# ---------------------------------------------------------------------------------------------- hot spots
def hot_spot_changes(con: duckdb.DuckDBPyConnection, partnership: str, end: date,
                     periods: int = HOT_SPOT_PERIODS, months: int = HOT_SPOT_PERIOD_MONTHS) -> pd.DataFrame:
    """Gi* hot spots of all recorded crime per LSOA in consecutive periods to ``end``, with persistence.

    Columns: area_code, area_name, crimes_latest, crimes_before, z_latest, hot_spot_class, persistence,
    explanation, hot_periods, periods.
    """
    return _hot_spot_changes(con, partnership, end, _reference(con), periods, months)


def _hot_spot_changes(con: duckdb.DuckDBPyConnection, partnership: str, end: date, ref: _Reference,
                      periods: int = HOT_SPOT_PERIODS, months: int = HOT_SPOT_PERIOD_MONTHS) -> pd.DataFrame:
    columns = ["area_code", "area_name", "crimes_latest", "crimes_before", "z_latest", "hot_spot_class",
               "persistence", "explanation", "hot_periods", "periods"]
    codes, names, neighbours = _lsoas(con, partnership, ref.file)
    if len(codes) < 3:
        return pd.DataFrame(columns=columns)
    first = add_months(end, -(periods * months - 1))
    position = {code: i for i, code in enumerate(codes)}
    grid = np.zeros((periods, len(codes)))
    councils = ref.councils.get(partnership, [])
    rows = con.execute(
        "SELECT lsoa_code, date_diff('month', $first, month) // $months AS k, sum(crimes)::DOUBLE"
        " FROM agg_crime_month_lsoa WHERE list_contains($councils, la_code)"
        " AND month BETWEEN $first AND $end AND lsoa_code IS NOT NULL GROUP BY ALL",
        {"councils": councils, "first": first, "end": end, "months": months},
    ).fetchall() if councils else []
    for area_code, index, crimes in rows:
        at = position.get(area_code)
        if at is not None:
            grid[int(index), at] += crimes
    # Gi* of every period at once on the cached weights (gi_star's numbers without its frame); hot as classify has it
    z, q = gi_star_rows(codes, grid, neighbours)
    hot = is_hot_spot(z, q)
    q_latest = q[periods - 1]
    # persistence lists the areas sorted (the codes are read sorted; this keeps the rule if they were not)
    order = np.array(sorted(range(len(codes)), key=codes.__getitem__), dtype=int)
    labels = persistence_classes(hot[:, order].T, z[:, order].T)
    latest_z = z[periods - 1][order]
    before = grid[periods - 2] if periods > 1 else grid[0]
    # sorted by z_latest, largest first, as DataFrame.sort_values would (the same sort, on the column alone)
    ranked = pd.Series(latest_z).sort_values(ascending=False).index.to_numpy()
    at = order[ranked]
    return pd.DataFrame({
        "area_code": _text([codes[i] for i in at]), "area_name": _text([names[i] for i in at]),
        "crimes_latest": grid[periods - 1][at].astype(int), "crimes_before": before[at].astype(int),
        "z_latest": latest_z[ranked], "hot_spot_class": _text([classify(z[periods - 1][i], q_latest[i]) for i in at]),
        "persistence": _text([labels[i] for i in ranked]),
        "explanation": _text([PERSISTENCE_EXPLANATIONS[labels[i]] for i in ranked]),
        "hot_periods": hot.sum(axis=0)[at].astype(int), "periods": np.full(len(codes), periods, dtype="int64"),
    }, columns=columns)


# ---------------------------------------------------------------------------------------------- action plan
@dataclass(frozen=True)
class _Plan:
    """The partnership's plan as read once: actions (by action_id), priorities (by priority_id), and every action
    status with its date (progress updates, then each action's current row, dated by its last update)."""

    actions: dict[str, object]                          # the actions frame's columns as read
    priorities: dict[str, object]                       # the priorities frame's columns as read
    history: list[tuple[str, date, object, object]]     # action_id, as_of, status, pct_complete
    owners: list[str]                                   # each action's owner partner (in the table's order)
    # the actions frame's columns as lists (what the RAG rules read)
    action_ids: list[str] = field(default_factory=list)
    action_priorities: list[str] = field(default_factory=list)
    starts: list[date | None] = field(default_factory=list)
    dues: list[date | None] = field(default_factory=list)
    priority_ids: list[str] = field(default_factory=list)


#: the text dtype DuckDB's frames have ('str': arrow-backed, blank = NaN, when pyarrow is present)
_STR = pd.array([], dtype="str").dtype


def _text(values: list) -> pd.api.extensions.ExtensionArray:
    """Text values as a column reads from DuckDB (blank = NaN); built through arrow, ten times quicker than
    pd.array for the few rows of a briefing table."""
    if getattr(_STR, "storage", None) == "pyarrow":
        try:
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()), dtype=_STR)
        except pa.ArrowException:  # not all text (or None): let pandas convert it
            pass
    return pd.array(values, dtype="str")


def _days(values: list) -> np.ndarray:
    """DATE values as a column reads from DuckDB (datetime64, NaT when blank)."""
    try:
        return pa.array(values, type=pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[us]")
    except pa.ArrowException:
        return np.array(values, dtype="datetime64[us]")


def _objects(values: list) -> np.ndarray:
    """Python objects (dates, NaT) as an object column, unconverted."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _flags(values: list) -> pd.arrays.BooleanArray:
    """BOOLEAN values with blanks (pandas' nullable boolean, as DuckDB's frames have them)."""
    mask = np.array([v is None for v in values], dtype=bool)
    return pd.arrays.BooleanArray(np.array([bool(v) for v in values], dtype=bool), mask)


def _whole(values: list) -> pd.arrays.IntegerArray:
    """Whole numbers with blanks (pandas' nullable Int64)."""
    mask = np.array([v is None for v in values], dtype=bool)
    return pd.arrays.IntegerArray(np.array([0 if v is None else v for v in values], dtype="int64"), mask)


def _plan_rows(con: duckdb.DuckDBPyConnection, partnership: str) -> _Plan:
    """The plan as read for plan_status, to judge on one date or several (three plain reads, no joins)."""
    priority_rows = sorted(con.execute(  # by priority_id (sorted here: a sort in SQL costs more than the read)
        "SELECT priority_id, title, lead_partner, crime_types FROM priority WHERE partnership_code = ?", [partnership],
    ).fetchall(), key=lambda row: row[0])
    ids = [row[0] for row in priority_rows]
    action_rows = con.execute(
        "SELECT action_id, title, priority_id, owner_partner, due_date, start_date, commentary, status,"
        " pct_complete, updated_at FROM action WHERE list_contains(?, priority_id)", [ids],
    ).fetchall() if ids else []   # in the table's order, as the status history lists them
    action_ids = [row[0] for row in action_rows]
    updates = con.execute(
        "SELECT action_id, update_date, status, pct_complete FROM progress_update WHERE list_contains(?, action_id)",
        [action_ids],
    ).fetchall() if action_ids else []
    history = [(action_id, as_of, status, pd.NA if pct is None else pct) for action_id, as_of, status, pct in updates]
    history += [(row[0], _as_day(row[9]) if row[9] is not None else date(1900, 1, 1), row[7],
                 pd.NA if row[8] is None else row[8]) for row in action_rows]
    ordered = sorted(action_rows, key=lambda row: row[0])
    actions = {
        "action_id": _text([r[0] for r in ordered]), "title": _text([r[1] for r in ordered]),
        "priority_id": _text([r[2] for r in ordered]), "owner_partner": _text([r[3] for r in ordered]),
        "due_date": _days([r[4] for r in ordered]), "start_date": _days([r[5] for r in ordered]),
        "commentary": _text([r[6] for r in ordered]),
    }
    priorities = {name: _text([r[i] for r in priority_rows])
                  for i, name in enumerate(("priority_id", "title", "lead_partner", "crime_types"))}
    return _Plan(actions, priorities, history, [row[3] for row in action_rows],
                 action_ids=[row[0] for row in ordered], action_priorities=[row[2] for row in ordered],
                 starts=[row[5] for row in ordered], dues=[row[4] for row in ordered],
                 priority_ids=[row[0] for row in priority_rows])


def plan_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(priorities, actions) with the RAG status each had on ``as_of`` by the stated rules.

    actions: action_id, title, priority_id, owner_partner, due_date, status, pct_complete, commentary, rag.
    priorities: priority_id, title, lead_partner, crime_types, rag, reason, actions.
    """
    return _status_on(_plan_rows(con, partnership), as_of)


def _status_on(plan: _Plan, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """plan_status from _plan_rows (the frames read are not changed)."""
    rags, statuses, pcts, rolled = _judge(plan, as_of)
    actions = pd.DataFrame({**plan.actions, "status": statuses, "pct_complete": pcts, "rag": _text(rags)})
    priorities = pd.DataFrame({**plan.priorities, "rag": _text([r[0] for r in rolled]),
                               "reason": _text([r[1] for r in rolled]),
                               "actions": np.array([r[2] for r in rolled], dtype="int64")})
    return priorities, actions


def _judge(plan: _Plan, as_of: date) -> tuple[list[str], list[object], list[object], list[tuple[str, str, int]]]:
    """Each action's RAG, status and percent complete on ``as_of`` (in the actions frame's order), and each
    priority's (RAG, reason, number of actions) (in the priorities frame's order)."""
    # the latest status on or before as_of per action; of two on the same day the later listed (an update, then
    # the action's own row)
    known: dict[str, tuple[date, object, object]] = {}
    for action_id, day, status, pct in plan.history:
        if day <= as_of:
            seen = known.get(action_id)
            if seen is None or day >= seen[0]:
                known[action_id] = (day, status, pct)
    rags: list[str] = []
    statuses: list[object] = []
    pcts: list[object] = []
    for action_id, start_date, due_date in zip(plan.action_ids, plan.starts, plan.dues, strict=True):
        found = known.get(action_id) if start_date is None or start_date <= as_of else None
        status, pct = (found[1], found[2]) if found is not None else (None, None)
        try:
            rag = action_rag(status, pct, due_date, as_of)  # type: ignore[arg-type]
        except ValueError:
            rag = action_rag(None, None, due_date, as_of)  # type: ignore[arg-type]
        rags.append(rag)
        statuses.append(status)
        pcts.append(pct)
    own: dict[str, list[str]] = {}
    for priority_id, rag in zip(plan.action_priorities, rags, strict=True):
        own.setdefault(priority_id, []).append(rag)
    rolled = [(*priority_rag(own.get(pid, [])), len(own.get(pid, []))) for pid in plan.priority_ids]
    return rags, statuses, pcts, rolled  # type: ignore[return-value]


def rag_changes(con: duckdb.DuckDBPyConnection, partnership: str, since: date | None, until: date) -> pd.DataFrame:
    """Priorities and actions whose RAG moved between ``since`` and ``until`` (or all Red/Amber without since).

    Columns: level, item_id, title, lead_partner, rag_then, rag_now, change ('new Red', 'new Amber', 'worse',
    'better'), reason.
    """
    plan = _plan_rows(con, partnership)
    return _rag_changes(con, partnership, since, _status_on(plan, until), plan)


def _rag_changes(con: duckdb.DuckDBPyConnection, partnership: str, since: date | None,
                 status_now: tuple[pd.DataFrame, pd.DataFrame], read: _Plan | None = None) -> pd.DataFrame:
    """rag_changes with the plan's status at ``until`` already computed (and the plan's rows, if read)."""
    columns = ["level", "item_id", "title", "lead_partner", "rag_then", "rag_now", "change", "reason"]
    pri_now, act_now = status_now
    then_priority: dict[str, str] = {}
    then_action: dict[str, str] = {}
    if since is not None:
        plan = read if read is not None else _plan_rows(con, partnership)
        rags, _statuses, _pcts, rolled = _judge(plan, since)
        then_priority = dict(zip(plan.priority_ids, [r[0] for r in rolled], strict=True))
        then_action = dict(zip(plan.action_ids, rags, strict=True))
    rows = []
    for level, now, before, id_col, lead_col, why_col in (
            ("priority", pri_now, then_priority, "priority_id", "lead_partner", "reason"),
            ("action", act_now, then_action, "action_id", "owner_partner", "commentary")):
        for item, title, lead, new, why in zip(now[id_col].tolist(), now["title"].tolist(), now[lead_col].tolist(),
                                               now["rag"].tolist(), now[why_col].tolist(), strict=True):
            old = before.get(item)
            change = _move(old, new)
            if change:
                rows.append((level, item, title, lead, old or "—", new, change, why or ""))
    return pd.DataFrame(rows, columns=columns)


def _move(old: str | None, new: str) -> str | None:
    """How a RAG status moved: new Red / new Amber / worse / better / None (no move worth reporting)."""
    if old == new:
        return None
    if new == RED:
        return "new Red"
    if new == AMBER:
        return "new Amber" if old is None or SEVERITY.get(old, 1) < SEVERITY[AMBER] else "better"
    if old is None:
        return None
    return "worse" if SEVERITY.get(new, 1) > SEVERITY.get(old, 1) else "better"


def indicator_status(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date,
                     priority_ids: list[str] | None = None) -> pd.DataFrame:
    """Each partner indicator's latest value on or before ``as_of`` with its indicator RAG.

    Columns: indicator_id, name, priority_id, source_partner, period, value, baseline, target, rag, reason.
    ``priority_ids``: the partnership's priorities, if already read.
    """
    if priority_ids is None:
        priority_ids = [row[0] for row in con.execute(
            "SELECT priority_id FROM priority WHERE partnership_code = ?", [partnership]).fetchall()]
    read = con.execute(
        "SELECT i.indicator_id, i.name, i.priority_id, i.source_partner, i.higher_is_better, i.unit, v.period,"
        " v.area_code, v.value, v.baseline, v.target FROM indicator i JOIN indicator_value v USING (indicator_id)"
        " WHERE list_contains(?, i.priority_id) AND v.period <= ?", [priority_ids, as_of],
    ).fetchall() if priority_ids else []
    # per indicator its latest period, and of that period the first area by code
    latest: dict[str, tuple] = {}
    for row in read:
        seen = latest.get(row[0])
        if seen is None or row[6] > seen[6] or (row[6] == seen[6] and row[7] < seen[7]):
            latest[row[0]] = row
    indicators = [latest[key][:6] for key in sorted(latest)]
    rows = [(info, latest[info[0]][5:]) for info in indicators]  # (…, period, area_code, value, baseline, target)
    rags, reasons = [], []
    for info, found in rows:
        value, baseline, target = float(found[3]), found[4], found[5]
        baseline = None if baseline is None else float(baseline)
        target = None if target is None else float(target)
        is_count = baseline is not None and value.is_integer() and baseline.is_integer()
        rag, reason = indicator_rag(value, baseline, target, bool(info[4]) if info[4] is not None else False,
                                    is_count=is_count)
        rags.append(rag)
        reasons.append(reason)
    return pd.DataFrame({
        "indicator_id": _text([i[0] for i, _ in rows]), "name": _text([i[1] for i, _ in rows]),
        "priority_id": _text([i[2] for i, _ in rows]), "source_partner": _text([i[3] for i, _ in rows]),
        "higher_is_better": _flags([i[4] for i, _ in rows]),
        "unit": _text([i[5] for i, _ in rows]), "period": _days([v[1] for _, v in rows]),
        "value": np.array([v[3] for _, v in rows], dtype=float),
        "baseline": np.array([np.nan if v[4] is None else v[4] for _, v in rows], dtype=float),
        "target": np.array([np.nan if v[5] is None else v[5] for _, v in rows], dtype=float),
        "rag": _text(rags), "reason": _text(reasons),
    })


def contributions(con: duckdb.DuckDBPyConnection, partnership: str, owners: list[str] | None = None,
                  names: dict[str, str] | None = None) -> pd.DataFrame:
    """Each partner's contribution: partner, actions led, funding (£), staff (FTE), in-kind and data items.

    ``owners``: the owner partner of each of the partnership's actions, and ``names`` the partners' names, if read.
    """
    if owners is None:
        owners = [row[0] for row in con.execute(
            "SELECT a.owner_partner FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = ?",
            [partnership]).fetchall()]
    led: dict[str, int] = {}
    for owner in owners:
        led[owner] = led.get(owner, 0) + 1
    given: dict[str, list] = {}   # funding (None until a funding amount), staff (None until an FTE), in-kind, data,
    # in-kind £ value
    for partner, kind, amount, fte in con.execute(
        "SELECT partner_code, kind, amount_gbp, fte FROM partner_contribution WHERE partnership_code = ?",
        [partnership],
    ).fetchall():
        sums = given.setdefault(partner, [None, None, 0, 0, 0.0])
        if kind == "funding" and amount is not None:
            sums[0] = (sums[0] or 0.0) + amount
        elif kind == "staff" and fte is not None:
            sums[1] = (sums[1] or 0.0) + fte
        elif kind == "in-kind":
            sums[2] += 1
            sums[4] += amount or 0.0
        elif kind == "data":
            sums[3] += 1
    if names is None:
        names = _reference(con).partners
    rows = []
    for code in {**dict.fromkeys(led), **dict.fromkeys(given)}:
        funding, staff, in_kind, data, in_kind_value = given.get(code, [None, None, 0, 0, 0.0])
        rows.append((names.get(code, code), led.get(code, 0), float(funding or 0), float(staff or 0), in_kind, data,
                     float(in_kind_value)))
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))  # ORDER BY actions_led DESC, funding_gbp DESC, partner
    return pd.DataFrame({
        "partner": _text([r[0] for r in rows]), "actions_led": np.array([r[1] for r in rows], dtype="int64"),
        "funding_gbp": np.array([r[2] for r in rows], dtype=float),
        "staff_fte": np.array([r[3] for r in rows], dtype=float),
        "in_kind_items": np.array([r[4] for r in rows], dtype="int64"),
        "data_items": np.array([r[5] for r in rows], dtype="int64"),
        "in_kind_gbp": np.array([r[6] for r in rows], dtype=float),
    })


def partner_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Partner code → name."""
    return dict(_reference(con).partners)


# ---------------------------------------------------------------------------------------------- recommendations
def recommendations(con: duckdb.DuckDBPyConnection, partnership: str, as_of: date,
                    meeting_dates: dict[str, date] | None = None) -> pd.DataFrame:
    """The committee's recommendations with overdue flagged on ``as_of``.

    Columns: reference, meeting_id, meeting_date, recommendation, lead_partner, response, due_date, status,
    overdue, days_overdue. ``meeting_dates``: meeting id → date of the partnership's meetings, if already read.
    """
    read = con.execute(
        "SELECT reference, meeting_id, recommendation, lead_partner, response, due_date, status FROM recommendation"
        " WHERE partnership_code = ?", [partnership],
    ).fetchall()
    dates = dict(meeting_dates or {})
    missing = sorted({row[1] for row in read if row[1] is not None and row[1] not in dates})
    if missing:  # a meeting of another partnership (or none read yet)
        dates.update(con.execute(
            "SELECT meeting_id, meeting_date FROM meeting WHERE list_contains(?, meeting_id)", [missing]).fetchall())
    # ORDER BY due_date NULLS LAST, reference
    read.sort(key=lambda row: (row[5] is None, row[5] or date.min, row[0]))
    rows = [(r[0], r[1], dates.get(r[1]) if r[1] is not None else None, r[2], r[3], r[4], r[5], r[6]) for r in read]
    text = ("reference", "meeting_id", "recommendation", "lead_partner", "response", "status")
    columns: dict[str, object] = {}
    for index, name in enumerate(("reference", "meeting_id", "meeting_date", "recommendation", "lead_partner",
                                  "response", "due_date", "status")):
        values = [row[index] for row in rows]
        if name in text:
            columns[name] = _text(values)
        else:  # dates as datetime.date, NaT when blank (as pd.to_datetime(...).dt.date gives)
            columns[name] = _objects([pd.NaT if v is None else _as_day(v) for v in values])
    overdue, days = [], []
    for row in rows:
        due, status = row[6], row[7]
        late = (status is None or str(status).lower() not in CLOSED_RECOMMENDATION_STATUSES) and due is not None \
            and _as_day(due) < as_of
        overdue.append(late)
        days.append((as_of - _as_day(due)).days if late else 0)
    columns["overdue"] = np.array(overdue, dtype=bool)
    columns["days_overdue"] = np.array(days, dtype=int)
    return pd.DataFrame(columns)


def _as_day(value: object) -> date:
    """A DATE or TIMESTAMP value as a date."""
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------- community trigger
def triggers(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Community Trigger and CCfA cases: case_id, kind, received_date, threshold_met, outcome, resolved_date,
    days_to_resolve (blank while open), quarter (financial-year quarter of receipt, e.g. '2024-25 Q1')."""
    rows = sorted(con.execute(
        "SELECT case_id, kind, received_date, threshold_met, outcome, resolved_date FROM community_trigger"
        " WHERE partnership_code = ?", [partnership],
    ).fetchall(), key=lambda row: (row[2], row[0]))   # ORDER BY received_date, case_id (received is required)
    return pd.DataFrame({
        "case_id": _text([r[0] for r in rows]), "kind": _text([r[1] for r in rows]),
        "received_date": _objects([r[2] for r in rows]),
        "threshold_met": _flags([r[3] for r in rows]),
        "outcome": _text([r[4] for r in rows]),
        "resolved_date": _objects([pd.NaT if r[5] is None else r[5] for r in rows]),
        "days_to_resolve": _whole([None if r[5] is None else (r[5] - r[2]).days for r in rows]),
        "quarter": _text([financial_quarter(r[2]) for r in rows]),
    })


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
    ).fetchall()
    # text as read into a frame (a blank status is NaN, which is kept, as before)
    by_item = {str(item).strip().lower(): (kind, item, _blank_nan(status), _blank_nan(evidence), assessed_on)
               for kind, item, status, evidence, assessed_on in stored}
    rows = []
    for kind, items in (("standard", MINIMUM_STANDARDS), ("hallmark", HALLMARKS)):
        for item in items:
            found = by_item.pop(item.lower(), None)
            rows.append((kind, item, found[2] if found is not None and found[2] else "Not assessed",
                         found[3] if found is not None else None, found[4] if found is not None else None))
    for extra in by_item.values():  # items a partnership added beyond the national lists
        rows.append((extra[0], extra[1], extra[2] or "Not assessed", extra[3], extra[4]))
    return pd.DataFrame({
        "kind": _text([r[0] for r in rows]), "item": _text([r[1] for r in rows]),
        "status": _text([r[2] for r in rows]), "evidence": _text([r[3] for r in rows]),
        "assessed_on": _objects([pd.NaT if r[4] is None else r[4] for r in rows]),
    })


def _blank_nan(value: object) -> object:
    return np.nan if value is None else value


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
    ref = _reference(con)
    found = _meeting(meeting_id, ref)
    if found is None:
        return None
    info, meeting_dates = found
    code, when = info.partnership_code, info.meeting_date
    empty = pd.DataFrame()
    if info.data_end is not None and info.window_start is not None:
        # one read of the crime counts by type and month serves the change test and the SPC scan
        history_start = add_months(info.data_end, -(SPC_HISTORY_MONTHS - 1))
        by_type = _type_months(con, code, min(history_start, add_months(info.window_start, -12)), info.data_end,
                               ref.councils.get(code, []))
        published = ref.published(info.force)
        changes = _crime_changes(by_type, published, info.window_start, info.data_end, public)
        spc = _spc_signals(by_type, published, info.window_start, info.data_end, public)
        hot = _hot_spot_changes(con, code, info.data_end, ref)
        monthly = _monthly_from(by_type, history_start, info.data_end)
        if monthly is None:
            monthly = monthly_crimes(con, code, history_start, info.data_end)
    else:
        changes = spc = hot = monthly = empty
    plan = _plan_rows(con, code)
    priorities, actions = _status_on(plan, when)
    moves = _rag_changes(con, code, info.previous_date, (priorities, actions), plan)
    return Briefing(
        meeting=info, crime_changes=changes, spc_signals=spc, hot_spots=hot,
        rag_changes=moves, priorities=priorities, actions=actions,
        indicators=indicator_status(con, code, when, plan.priority_ids),
        recommendations=recommendations(con, code, when, meeting_dates),
        triggers=triggers(con, code), health=health(con, code), contributions=contributions(con, code, plan.owners, ref.partners),
        monthly=monthly, partner_names=dict(ref.partners), public=public,
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


def lsoa_residents(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, int]:
    """LSOA code → residents (latest year held) for the partnership's LSOAs (for rates in the pack)."""
    return {code: int(residents) for code, residents in con.execute(
        "SELECT p.area_code, arg_max(p.residents, p.year) FROM population p"
        " JOIN boundary b ON b.area_code = p.area_code AND b.area_type = 'lsoa'"
        " JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND p.area_type = 'lsoa' AND p.residents > 0 GROUP BY p.area_code",
        [partnership]).fetchall()}


def top_areas(b: Briefing, residents: dict[str, int], limit: int = 5) -> tuple[pd.DataFrame, str]:
    """The areas a hot spot map should name: the hot spots (highest Gi* z first), or when there are none the
    highest crime rates per 1,000 residents in the latest 3 months, with a sentence saying which it is.

    Columns: rank, area_code, area_name, crimes_latest, rate (per 1,000 residents), hot_spot_class, persistence.
    """
    spots = b.hot_spots
    columns = ["rank", "area_code", "area_name", "crimes_latest", "rate", "hot_spot_class", "persistence"]
    if spots.empty:
        return pd.DataFrame(columns=columns), "No crime is recorded by area for this period, so no areas are named."
    rates = [1000 * c / residents[a] if residents.get(a) else np.nan
             for a, c in zip(spots["area_code"], spots["crimes_latest"], strict=True)]
    frame = spots.assign(rate=blank_small(rates, spots["crimes_latest"], b.public))  # public: no rate of 1–4
    hot = frame[frame["hot_spot_class"].astype(str).str.startswith("Hot")]
    if len(hot):
        chosen = hot.head(limit)
        count = len(hot)
        sentence = (f"{count} hot spot{'s' if count != 1 else ''} (Getis-Ord Gi*, last 3 months); the "
                    f"{min(limit, count)} strongest are numbered on the map.")
    else:
        chosen = frame.sort_values("rate", ascending=False, na_position="last").head(limit)
        sentence = ("No area is a statistically significant hot spot in the last 3 months, so the map shows no "
                    f"hot spot colour; the {len(chosen)} areas with the highest crime rates per 1,000 residents "
                    "are numbered instead.")
    out = chosen.assign(rank=range(1, len(chosen) + 1))[columns].reset_index(drop=True)
    return out, sentence
