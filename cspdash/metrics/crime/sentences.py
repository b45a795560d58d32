"""The trends page's figures in plain sentences."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from cspdash.metrics.crime.headline import crime_types_for
from cspdash.metrics.crime.series import area_monthly
from cspdash.metrics.period import month_label
from cspdash.metrics.rates import rate_decimals

if TYPE_CHECKING:
    from cspdash.metrics.crime.signals import SpcResult


# ---------------------------------------------------------------------------------------------- sentences
def _fmt_number(value: float, rate: bool, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}" if rate else f"{value:,.0f}"


def _unit_for(value: float, unit: str, rate: bool) -> str:
    """'incidents', but '1 incident': a count of exactly one takes the singular."""
    return unit[:-1] if not rate and round(value) == 1 and unit.endswith("s") else unit


def trend_sentence(frame: pd.DataFrame, value: str, what: str, unit: str, compare: str | None = None) -> str:
    """One sentence on the latest complete period of each area (up to three), against a year before."""
    if frame.empty or (frame[value].notna().sum() == 0 and not _withheld(frame).any()):
        return f"There is no data for {what} in the areas and months chosen."
    rate = "rate" in value
    # every rate in the sentence with the same decimals, enough that two different rates never print alike
    decimals = rate_decimals(frame[value].dropna().astype(float)) if rate else 0
    # counts carry their rate beside them (crimes per 1,000 residents), when the areas have residents
    beside = value == "crimes" and "rate" in frame and frame["rate"].notna().any()
    beside_decimals = rate_decimals(frame["rate"].dropna().astype(float)) if beside else 0
    parts = []
    for area, group in list(frame.groupby("area_name", sort=False))[:3]:
        complete = group[group.get("complete", True)] if "complete" in group else group
        withheld = _withheld(complete)
        if withheld.any():  # public output: hidden periods are never quoted, ranked or skipped over in silence
            parts.append(_withheld_text(area, complete, withheld, value, unit, rate, decimals))
            continue
        usable = group[group[value].notna() & group.get("complete", True)]
        if usable.empty:
            continue
        latest = usable.iloc[-1]
        text = (f"{area} {_fmt_number(float(latest[value]), rate, decimals)} "
                f"{_unit_for(float(latest[value]), unit, rate)} in {latest['period_label']}")
        before = latest.get("last_year_rate" if rate else "last_year")
        if value.startswith("rolling"):
            year_ago = usable[usable["period"] == date(latest["period"].year - 1, latest["period"].month, 1)]
            before = year_ago[value].iloc[0] if not year_ago.empty else None
        if before is not None and pd.notna(before) and float(before) > 0:
            change = 100.0 * (float(latest[value]) - float(before)) / float(before)
            text += f" ({'up' if change > 0 else 'down'} {abs(change):.0f}% on a year before)"
        if beside and pd.notna(latest["rate"]):
            text += f", {_fmt_number(float(latest['rate']), True, beside_decimals)} per 1,000 residents"
        peak = usable.loc[usable[value].astype(float).idxmax()]
        text += f"; highest {peak['period_label']} ({_fmt_number(float(peak[value]), rate, decimals)})"
        parts.append(text)
    more = frame["area_name"].nunique() - 3
    tail = f"; and {more} more areas in the download" if more > 0 else ""
    return f"{what}: " + "; ".join(parts) + tail + "." if parts else f"No complete period for {what} yet."


def _withheld(frame: pd.DataFrame) -> pd.Series:
    """Periods whose count public output hides ('<5' or '[c]' in ``crimes_shown``; none outside public output)."""
    from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED

    if "crimes_shown" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["crimes_shown"].isin([SUPPRESSED, HIDDEN])


def _withheld_text(area: object, periods: pd.DataFrame, withheld: pd.Series, value: str, unit: str, rate: bool,
                   decimals: int) -> str:
    """An area some of whose periods are hidden in public output: its latest period as shown ('<5', '[c]' or the
    figure), and no highest, lowest or change: naming the highest shown period would rank the hidden ones."""
    from cspdash.metrics.disclosure import SUPPRESSED

    latest = periods.iloc[-1]
    hidden = int(withheld.sum())
    if bool(withheld.iloc[-1]) or pd.isna(latest[value]):
        text = f"{area} {latest['crimes_shown']} crimes in {latest['period_label']}"
    else:
        text = (f"{area} {_fmt_number(float(latest[value]), rate, decimals)} "
                f"{_unit_for(float(latest[value]), unit, rate)} in {latest['period_label']}")
    why = "too few crimes" if (periods.loc[withheld, "crimes_shown"] == SUPPRESSED).all() else \
        "too few crimes, or a count that would give a small one elsewhere back"
    return text + f"; {hidden} of {len(periods)} periods hidden in public output ({why}), so the periods are not ranked"


def spc_sentence(result: SpcResult, what: str) -> str:
    """One sentence: the average and limits of the latest segment and how many signals there are; or why there
    are no limits."""
    chart = result.chart
    if chart.empty or "unpl" not in chart or chart["unpl"].isna().all():
        note = result.limits_note or f"too few months to draw process limits for {what}."
        return f"{what}: {note[0].lower()}{note[1:]}" if result.limits_note else note[0].upper() + note[1:]
    limited = chart[chart["unpl"].notna()]
    last = limited.iloc[-1]
    base = (f"{what}: average {last['mean']:,.0f} a month, process limits {last['lnpl']:,.0f} to "
            f"{last['unpl']:,.0f}")
    if result.break_month is not None:
        base += f" (recalculated from {month_label(result.break_month)})"
    tail = f" {result.limits_note}" if result.limits_note else ""
    if not result.signals:
        return base + "; no signals — the months vary within normal limits." + tail
    count = len(result.signals)
    return base + f"; {count} signal{'s' if count != 1 else ''} of a real change, marked on the chart." + tail


def outcome_sentence(frame: pd.DataFrame, what: str, period_label: str) -> str:
    """One sentence on the main outcome shares of the crimes recorded in a window."""
    if frame.empty:
        return f"No outcomes data for {what} in {period_label}."
    totals = frame.groupby("outcome_group")["crimes"].sum()
    total = int(totals.sum())

    def share(group: str) -> str:
        return f"{100.0 * totals.get(group, 0) / total:.0f}%"

    return (f"Of {total:,} {what} recorded in {period_label}, {share('Charged or summonsed')} were charged "
            f"or summonsed, {share('Out-of-court resolution')} resolved out of court, "
            f"{share('No suspect identified')} closed with no suspect identified, "
            f"{share('Evidential difficulties')} closed with evidential difficulties and "
            f"{share('Still under investigation')} are still under investigation.")


def stop_search_sentence(linked: pd.DataFrame, force: str, period_label: str) -> str:
    """One sentence on stop-and-search volume and how often the outcome was linked to the object."""
    total = int(linked["searches"].sum())
    linked_total = int(linked["linked"].sum())
    top = linked.iloc[0]
    return (f"{force} recorded {total:,} stop and searches in {period_label}; the most common object was "
            f"{str(top['object_of_search']).lower()} ({int(top['searches']):,}); overall "
            f"{100.0 * linked_total / total:.0f}% had an outcome linked to what was searched for.")


def largest_areas(
    con: duckdb.DuckDBPyConnection, partnership: str, level: str, crime_type: str, start: date, end: date,
    n: int = 3,
) -> list[str]:
    """Codes of the n areas of a level with most crimes of the type in the window (a sensible default view)."""
    monthly = area_monthly(con, partnership, level, crime_types_for(crime_type), start, end)
    monthly = monthly[monthly["area_code"] != ""]
    totals = monthly.groupby("area_code")["crimes"].sum().sort_values(ascending=False)
    return [str(code) for code in totals.index[:n]]
