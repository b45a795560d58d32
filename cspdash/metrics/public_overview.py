"""Public output on the Overview and the meeting briefing: they hide what Crime trends and Hot spots hide.

The Overview used to hide counts of 1–4 only. A councillor's walk (Dec 2026) found it drew every month of
Monmouthshire's all-crime series, with the process limits, while Crime trends hid 8 of those months (hidden beside
small counts, so that a small count cannot be worked out from a total) and said why. The Overview now reads the same
protection (metrics.public): a period total the protection hides is '[c]' with no change worked from it; a crime
type with a hidden month in its history gives no SPC signal (its limits would give the month back, as on Crime
trends) and no variation figure; the headline chart is public.spc_series, or the months as Crime trends shows them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.metrics import crime
from cspdash.metrics.area_disclosure import ALL_TYPES, month_masks
from cspdash.metrics.disclosure import HIDDEN, PERIOD_LENGTHS, count_text, is_small
from cspdash.metrics.hidden_cells import EMPTY, HiddenCells
from cspdash.metrics.period import Period, add_months
from cspdash.metrics.public import month_protection, partnership_protection, protected_choice
from cspdash.vocab import ASB, CRIME_TYPES

#: what a tile or a ward line says when the protection hides one of its two totals
HIDDEN_CHANGE = "hidden in public output (a total beside small counts; its change would give them back)"
#: the figures worked out from the two totals, or from the months within them
_DERIVED = ["pct_change", "z", "p_value", "dispersion"]


def _cells(con: duckdb.DuckDBPyConnection, partnership: str, force: str, crime_type: str, windows: bool
           ) -> tuple[HiddenCells, HiddenCells]:
    """(primary, secondary) of a crime type choice ('All crime' = every type but ASB); ``windows``: with the
    period totals (partnership_protection), else its months alone (month_protection, quicker on a first visit)."""
    choice = protected_choice(crime.crime_types_for(crime_type))
    protection = (partnership_protection if windows else month_protection)(con, partnership, force)
    return protection.get(choice or "", (EMPTY, EMPTY))


def _hidden(cells: tuple[HiddenCells, HiddenCells], level: str, area: str, grain: str, key: object) -> bool:
    cell = (level, area, grain, key)
    return cell in cells[0] or cell in cells[1]


def _any_month_hidden(cells: tuple[HiddenCells, HiddenCells], level: str, area: str, months: list[date]) -> bool:
    primary, secondary = month_masks(cells[0], cells[1], level, area, months)
    return any(primary) or any(secondary)


def _shown(value: object, hidden: bool) -> str:
    """A total as public output writes it: '<5' for a count of 1–4, '[c]' for one hidden beside small counts."""
    return HIDDEN if hidden and not is_small(value) else count_text(value)


def _mark(frame: pd.DataFrame, now_hidden: list[bool], before_hidden: list[bool], months_hidden: list[bool]
          ) -> pd.DataFrame:
    """``frame`` (current, previous and the figures worked from them) with current_hidden/previous_hidden flags,
    the totals as shown (current_shown, previous_shown: '1,234', '<5' or '[c]'), and the worked figures blank
    where a total is small or hidden; the variation figure also where a month within is hidden."""
    out = frame.copy()
    out["current_hidden"], out["previous_hidden"] = now_hidden, before_hidden
    out["current_shown"] = [_shown(v, h) for v, h in zip(out["current"], now_hidden, strict=True)]
    out["previous_shown"] = [_shown(v, h) for v, h in zip(out["previous"], before_hidden, strict=True)]
    small = np.array([is_small(a) or is_small(b) for a, b in zip(out["current"], out["previous"], strict=True)],
                     dtype=bool)
    hidden = np.array(now_hidden, dtype=bool) | np.array(before_hidden, dtype=bool)
    for column in [c for c in _DERIVED if c in out]:
        out[column] = out[column].astype(float).mask(hidden | small)
    if "dispersion" in out:
        out["dispersion"] = out["dispersion"].mask(np.array(months_hidden, dtype=bool))
    if "sentence" in out:
        out["sentence"] = out["sentence"].where(~hidden, HIDDEN_CHANGE)
    if "verdict" in out:  # no verdict or direction either: "a real rise" would bound the hidden total
        out["verdict"] = out["verdict"].astype(object).where(~hidden, None)
        out["direction"] = out["direction"].astype(object).where(~hidden, None)
    return out


def headline_changes(con: duckdb.DuckDBPyConnection, partnership: str, force: str, period: Period,
                     extra_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """crime.headline_changes as public output may show it (``_mark``): a partnership total the protection hides
    (this period's or the previous one's) is '[c]' with no change."""
    frame = crime.headline_changes(con, partnership, period, extra_types)
    now, before, months_hidden = [], [], []
    months = crime.month_range(period.previous_start, period.end)
    for crime_type in frame["crime_type"]:
        cells = _cells(con, partnership, force, str(crime_type), windows=True)
        now.append(_hidden(cells, "partnership", partnership, "window", (period.start, period.end)))
        before.append(_hidden(cells, "partnership", partnership, "window", (period.previous_start, period.previous_end)))
        months_hidden.append(_any_month_hidden(cells, "partnership", partnership, months))
    return _mark(frame, now, before, months_hidden)


def ward_changes(con: duckdb.DuckDBPyConnection, partnership: str, force: str, period: Period) -> pd.DataFrame:
    """crime.ward_changes (all crime) as public output may show it: a ward total the protection hides is '[c]'
    with no change (``_mark``)."""
    frame = crime.ward_changes(con, partnership, period)
    if frame.empty:
        return _mark(frame.assign(current=pd.Series(dtype=float), previous=pd.Series(dtype=float)), [], [], [])
    cells = _cells(con, partnership, force, crime.ALL_CRIME, windows=True)
    months = crime.month_range(period.previous_start, period.end)
    codes = [str(c) for c in frame["ward_code"]]
    now = [_hidden(cells, "ward", c, "window", (period.start, period.end)) for c in codes]
    before = [_hidden(cells, "ward", c, "window", (period.previous_start, period.previous_end)) for c in codes]
    return _mark(frame, now, before, [_any_month_hidden(cells, "ward", c, months) for c in codes])


def recent_signals(con: duckdb.DuckDBPyConnection, partnership: str, force: str, end: date, history_months: int = 36
                   ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """(crime.recent_signals in public output, the labels of the crime types left out): a type with a month the
    protection hides in the signals' history gives no signal, as Crime trends draws no process chart for it."""
    signals = crime.recent_signals(con, partnership, force, end, history_months, public=True)
    months = crime.month_range(add_months(end, -(history_months - 1)), end)
    withheld = [t for t in (crime.ALL_CRIME, *CRIME_TYPES)
                if _any_month_hidden(_cells(con, partnership, force, t, windows=False), "partnership", partnership,
                                     months)]
    kept = signals[~signals["crime_type"].isin(withheld)].reset_index(drop=True)
    return kept, tuple(crime.crime_type_label(t) for t in withheld)


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _total_hidden(cells: tuple[HiddenCells, HiddenCells], level: str, area: str, first: date, last: date) -> bool:
    """A total over ``first``..``last`` public output may not show: where the protection holds that period (a length a
    page offers) it decides; any other length is hidden when a month within is (with every month shown, the total
    tells nothing the months do not)."""
    if _months_between(first, last) in PERIOD_LENGTHS:
        return _hidden(cells, level, area, "window", (first, last))
    return _any_month_hidden(cells, level, area, crime.month_range(first, last))


def protect_briefing(con: duckdb.DuckDBPyConnection, partnership: str, force: str, changes: pd.DataFrame,
                     spc: pd.DataFrame, hot: pd.DataFrame, monthly: pd.DataFrame, window_start: date, end: date,
                     history_start: date, hot_months: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame,
                                                                    pd.DataFrame]:
    """The meeting briefing's crime figures as public output may show them, hiding what the pages hide:
    (changes, spc, hot, monthly). A crime type's total for the meeting's window, or the same months a year earlier,
    that public output hides is blank (NaN: the briefing writes '[c]') with no change, verdict or direction; a crime type with a hidden
    month in the signals' history gives no SPC signal; an area's latest or previous 3-month count the protection
    hides is blank, and no area's Gi* z is given (as on Hot spots); a hidden month of the monthly series is blank (a
    gap in the pack's chart)."""
    previous_start, previous_end = add_months(window_start, -12), add_months(end, -12)  # a year earlier (changes.py)
    if not changes.empty:
        now, before = [], []
        for crime_type in changes["crime_type"]:
            cells = _cells(con, partnership, force, str(crime_type), windows=True)
            now.append(_total_hidden(cells, "partnership", partnership, window_start, end))
            before.append(_total_hidden(cells, "partnership", partnership, previous_start, previous_end))
        changes = _mark(changes, now, before, [False] * len(changes))
        changes["current"] = changes["current"].astype(float).mask(changes["current_hidden"])
        changes["previous"] = changes["previous"].astype(float).mask(changes["previous_hidden"])
        changes = changes.drop(columns=["current_hidden", "previous_hidden", "current_shown", "previous_shown"])
    months = crime.month_range(history_start, end)
    if not spc.empty:
        withheld = {t for t in set(spc["crime_type"].astype(str))
                    if _any_month_hidden(_cells(con, partnership, force, t, windows=False), "partnership", partnership,
                                         months)}
        spc = spc[~spc["crime_type"].astype(str).isin(withheld)].reset_index(drop=True)
    if not hot.empty:
        cells = partnership_protection(con, partnership, force).get(ALL_TYPES, (EMPTY, EMPTY))  # ASB too
        latest = (add_months(end, -(hot_months - 1)), end)
        before_window = (add_months(end, -(2 * hot_months - 1)), add_months(end, -hot_months))
        hot = hot.copy()
        for column, key in (("crimes_latest", latest), ("crimes_before", before_window)):
            gone = [_hidden(cells, "lsoa", str(code), "window", key) and not is_small(value)
                    for code, value in zip(hot["area_code"], hot[column], strict=True)]
            hot[column] = hot[column].astype(float).mask(np.array(gone, dtype=bool))
        if "z_latest" in hot:  # as on Hot spots: no Gi* z in public output (with the counts it gives values back)
            hot["z_latest"] = np.nan
    if not monthly.empty:
        monthly = monthly.copy()
        for column, crime_type in (("crimes", crime.ALL_CRIME), ("asb", ASB)):
            if column in monthly:
                cells = _cells(con, partnership, force, crime_type, windows=False)
                primary, secondary = month_masks(cells[0], cells[1], "partnership", partnership,
                                                 [pd.Timestamp(m).date() for m in monthly["month"]])
                gone = np.array(primary, dtype=bool) | np.array(secondary, dtype=bool)
                monthly[column] = monthly[column].astype(float).mask(gone)
    return changes, spc, hot, monthly
