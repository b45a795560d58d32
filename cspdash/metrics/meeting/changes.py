"""What changed since the previous meeting: crime changes, SPC signals, monthly counts and hot spots."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import HISTORY_MONTHS, compare_frame, window_series
from cspdash.analysis.hotspots import (
    PERSISTENCE_EXPLANATIONS,
    classify,
    gi_star_rows,
    is_hot_spot,
    persistence_classes,
)
from cspdash.analysis.spc import series_signals
from cspdash.metrics.columns import _objects, _text
from cspdash.metrics.disclosure import count_text, is_small
from cspdash.metrics.meeting.reference import (
    HOT_SPOT_PERIOD_MONTHS,
    HOT_SPOT_PERIODS,
    SPC_HISTORY_MONTHS,
    _lsoas,
    _reference,
)
from cspdash.metrics.period import add_months

if TYPE_CHECKING:
    from cspdash.metrics.meeting.reference import _Reference


class TypeMonth(NamedTuple):
    """The partnership's crimes of one type in one month (what _type_months reads)."""

    crime_type: str
    month: date
    crimes: float


class SignalRow(NamedTuple):
    """One SPC signal line of the briefing: the latest signal of one rule for one crime type."""

    crime_type: str
    rule: str
    direction: str
    first_month: date
    last_month: date
    sentence: str


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
                 councils: list[str] | None = None) -> list[TypeMonth]:
    """(crime_type, month, crimes) of the partnership from start to end: what the change test and the SPC scan
    of the briefing both read (one query for both). ``councils``: the partnership's councils, if known."""
    if councils is None:
        councils = _reference(con).councils.get(partnership, [])
    if not councils:
        return []
    # the council list as a value (not a join) lets DuckDB skip row groups and plan less
    return [TypeMonth(*row) for row in con.execute(
        "SELECT crime_type, month, sum(crimes)::DOUBLE AS crimes FROM agg_crime_month_lsoa"
        " WHERE list_contains(?, la_code) AND month BETWEEN ? AND ? GROUP BY crime_type, month",
        [councils, start, end],
    ).fetchall()]


def _crime_changes(rows: list[TypeMonth], published: AbstractSet[date], start: date, end: date, public: bool) -> pd.DataFrame:
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


def _spc_signals(monthly: list[TypeMonth], published: AbstractSet[date], since: date, end: date, public: bool) -> pd.DataFrame:
    """spc_signals_since from _type_months rows (rows before the SPC history are not used)."""
    start = add_months(end, -(SPC_HISTORY_MONTHS - 1))
    monthly = [row for row in monthly if start <= row.month <= end]
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
    latest: dict[tuple[str, str], SignalRow] = {}
    for crime_type in sorted(grid):
        values = grid[crime_type]
        if len(values) < 12 or values.sum() == 0:
            continue
        for signal in series_signals(values, dates=months, count_format=lambda v: count_text(v, public)):
            last = months[signal.end_index]
            seen = latest.get((crime_type, signal.rule))
            if last >= since and (seen is None or last >= seen.last_month):
                latest[(crime_type, signal.rule)] = SignalRow(crime_type, signal.rule, signal.direction,
                                                              months[signal.start_index], last,
                                                              f"{crime_type}: {signal.sentence}")
    rows = [latest[key] for key in sorted(latest)]
    return pd.DataFrame({
        "crime_type": _text([r.crime_type for r in rows]), "rule": _text([r.rule for r in rows]),
        "direction": _text([r.direction for r in rows]), "first_month": _objects([r.first_month for r in rows]),
        "last_month": _objects([r.last_month for r in rows]), "sentence": _text([r.sentence for r in rows]),
    }, columns=columns)


def monthly_crimes(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date) -> pd.DataFrame:
    """All crime and ASB by month for the partnership: month, crimes, asb."""
    return con.execute(
        "SELECT month, sum(crimes) FILTER (WHERE crime_type <> 'Anti-social behaviour')::BIGINT AS crimes,"
        " coalesce(sum(crimes) FILTER (WHERE crime_type = 'Anti-social behaviour'), 0)::BIGINT AS asb"
        f" FROM agg_crime_month_lsoa WHERE {_COUNCILS} AND month BETWEEN ? AND ?"
        " GROUP BY month ORDER BY month", [partnership, start, end],
    ).df()


def _monthly_from(rows: list[TypeMonth], start: date, end: date) -> pd.DataFrame | None:
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
