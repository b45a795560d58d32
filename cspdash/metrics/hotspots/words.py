"""Hot spots in words and hovers: disclosure of small counts, the map's frame, summary and caveat lines."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cspdash.analysis import hotspots as gi
from cspdash.metrics.hotspots.caveats import measure_label
from cspdash.metrics.hotspots.scope import MAP_MEASURES
from cspdash.metrics.hotspots.spots import classify_at

if TYPE_CHECKING:
    from cspdash.metrics.hotspots.caveats import Caveats


# ---------------------------------------------------------------------------------------------- words and hovers
def _count_text(value: float, public: bool) -> str:
    """A count as shown: '<5' for 1–4 in public output (the one rule, metrics.disclosure)."""
    from cspdash.metrics.disclosure import count_text

    return count_text(int(value), public)


#: the figures worked out from an area's count in the period (hidden with it in public output)
_FROM_NOW = ("rate", "harm", "share_of_total")


#: the figures worked out from both periods' counts (hidden when either is)
_FROM_BOTH = ("change_z", "pct_change")


#: Gi* statistics: each is a weighted sum of its neighbours' values, so together they give the values back
_GI_STATS = ("z", "p", "fdr_q")


def exposed_wards(lsoa_spots: pd.DataFrame) -> dict[str, set[str]]:
    """From disclose()'s LSOA frame: the wards whose total would give back one of their LSOAs' hidden counts
    (all a ward's other LSOAs too small to hide beside it), per count column: the ward view hides them."""
    from cspdash.metrics.disclosure import group_exposed

    frame = lsoa_spots.reset_index(drop=True)
    out: dict[str, set[str]] = {"crimes": set(), "previous_crimes": set()}
    for column, mask in (("crimes", "hidden"), ("previous_crimes", "previous_hidden")):
        for ward, rows in frame.groupby("ward_code", dropna=True).groups.items():
            if group_exposed(frame[column], frame[mask], list(rows)):
                out[column].add(str(ward))
    return out


#: per count column ("crimes", "previous_crimes"): (primary, secondary) flags per row, decided elsewhere
Masks = dict[str, tuple[list[bool], list[bool]]]


def disclose(spots: pd.DataFrame, level: str, confidence: str,
             exposed: dict[str, set[str]] | None = None, masks: Masks | None = None) -> pd.DataFrame:
    """hot_spots() as public output may show it: small counts hidden with everything worked out from them.

    Counts of 1–4 are hidden (primary), and further areas (secondary) wherever the partnership's total, or at
    LSOA level a ward's total, and the counts shown beside it would give a hidden count back
    (metrics.disclosure.protect); at ward level also the ``exposed`` wards (exposed_wards of the LSOA view).
    ``masks`` (the page's choice in public output: metrics.public.hotspot_protection, the cells shared with
    Crime trends and the drill-down's months) replaces that rule with the hidden cells given per row.
    For a hidden count the rate, harm and share of the total are blanked, and the
    change wherever either period's count is hidden; the Gi* z, p and q values are blanked everywhere (a
    weighted sum of neighbours' values: all of them together give the values back). Adds the columns
    ``crimes_shown`` and ``previous_shown`` (the counts as text: '12', '<5' or '[c]') and ``hidden`` (the
    period's count is hidden).
    """
    from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, protect

    frame = spots.reset_index(drop=True).copy()
    frame["hot_spot"] = classify_at(frame, confidence)  # at the chosen confidence, before q is blanked
    groups: list[list[object]] = [list(frame.index)]
    if level == "lsoa" and "ward_code" in frame:
        groups += [list(rows) for _ward, rows in frame.groupby("ward_code", dropna=True).groups.items()]
    given, gone = masks, {}
    for column, shown in (("crimes", "crimes_shown"), ("previous_crimes", "previous_shown")):
        if given is not None:
            primary = pd.Series(given[column][0], index=frame.index, dtype=bool)
            secondary = pd.Series(given[column][1], index=frame.index, dtype=bool)
        else:
            forced = frame["area_code"].astype(str).isin((exposed or {}).get(column, set()))
            primary, secondary = protect(frame[column], groups, also=forced)
        gone[column] = primary | secondary
        text = frame[column].map(lambda v: "" if pd.isna(v) else f"{int(v)}")
        frame[shown] = text.mask(primary, SUPPRESSED).mask(secondary, HIDDEN)
    now, before = gone["crimes"], gone["previous_crimes"]
    for column in _FROM_NOW:
        if column in frame:
            frame[column] = frame[column].astype(float).mask(now)
    for column in _FROM_BOTH:
        if column in frame:
            frame[column] = frame[column].astype(float).mask(now | before)
    for column in ("verdict", "verdict_label", "direction"):
        if column in frame:
            frame[column] = frame[column].astype(object).mask(now | before, None)
    for column in _GI_STATS:
        if column in frame:
            frame[column] = np.nan
    frame["hidden"] = now
    frame["previous_hidden"] = before
    return frame


def map_frame(spots: pd.DataFrame, map_measure: str, confidence: str, centroids: pd.DataFrame,
              public: bool = False) -> pd.DataFrame:
    """What the map draws per area: area_code, value, hot_spot (at the confidence), lon, lat and hover text.

    In public output ``spots`` is disclose()'s frame: a hidden area has no value (drawn grey, left out of the
    colour scale) and its hover text gives only '<5' or '[c]'.
    """
    column = MAP_MEASURES[map_measure][1]
    _label, unit, _fmt = measure_label(map_measure)
    frame = spots.merge(centroids, on="area_code", how="left")
    frame["value"] = frame[column]
    hidden = frame["hidden"] if public and "hidden" in frame else pd.Series(False, index=frame.index)
    if public:
        frame["value"] = frame["value"].astype(float).mask(hidden)
    frame["hot_spot"] = classify_at(frame, confidence) if "fdr_q" in frame else gi.NOT_SIGNIFICANT
    hovers = []
    for row, is_hidden in zip(frame.itertuples(), hidden, strict=True):
        ward = f" · {html.escape(row.ward_name)}" if isinstance(row.ward_name, str) and row.ward_name != row.area_name else ""
        name = html.escape(str(row.area_name))  # plotly reads <a href> and <span style> in hover text
        if is_hidden:
            hovers.append(f"<b>{name}</b>{ward}<br>{row.crimes_shown} crimes (hidden in public output)"
                          f"<br>{row.hot_spot}")
            continue
        rate = "population unknown" if pd.isna(row.rate) else f"{row.rate:,.1f} per 1,000 residents"
        hovers.append(
            f"<b>{name}</b>{ward}<br>{_count_text(row.crimes, public)} crimes · {rate}<br>"
            f"harm {row.harm:,.0f} days (estimate)<br>{row.hot_spot}"
        )
    frame["hover"] = hovers
    return frame[["area_code", "area_name", "value", "hot_spot", "lon", "lat", "hover"]]


def points_frame(points: pd.DataFrame, public: bool = False) -> pd.DataFrame:
    """Crime points with hover text (counts of 1–4 as '<5' in public output)."""
    out = points.copy()
    out["hover"] = [f"{html.escape(str(loc))}<br>{_count_text(n, public)} records · mostly {html.escape(str(kind))}"
                    for loc, n, kind in zip(out["location"], out["crimes"], out["main_crime_type"], strict=True)]
    return out


def _sentence_case(label: str) -> str:
    """A catalogue label inside a sentence: its first letter lower-cased unless it starts an acronym ('ASB')."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _with_number(number: str, unit: str) -> str:
    """'11 crimes', '1 crime', '12.3 per 1,000 residents': the unit's first word singular when the number is 1."""
    first, _space, rest = unit.partition(" ")
    if number == "1" and first.endswith("s"):
        first = first[:-1]
    return " ".join(part for part in (number, first, rest) if part)


def _subject(crime_type: str | None) -> tuple[str, str]:
    """(what is counted, its unit) for one crime type or for all: 'Burglary crimes' / 'crimes'; ASB's incidents."""
    from cspdash.metrics.catalogue import measure
    from cspdash.vocab import ASB

    if not crime_type:
        counted = measure("crimes")
        return _sentence_case(counted.label), counted.unit
    noun = "incidents" if crime_type == ASB else "crimes"
    if crime_type.lower().endswith(" crime"):  # 'Vehicle crime', 'Other crime': not 'Vehicle crime crimes'
        return crime_type, noun
    return f"{crime_type} {noun}", noun


def map_titles(map_measure: str, crime_type: str | None, level_noun: str) -> tuple[str, str]:
    """(the map's title, its colour scale's title) naming the chosen crime type: 'Possession of weapons crimes by
    neighbourhood (LSOA)' and 'Crimes'; for every type the catalogue's label ('Recorded crimes and ASB
    incidents'). Short enough to fit above the map beside its notes (the period goes below, as a subtitle)."""
    from cspdash.metrics.hotspots.scope import SCALE_TITLES

    label, _unit, _fmt = measure_label(map_measure)
    if not crime_type:
        return f"{label} by {level_noun}", SCALE_TITLES[map_measure]
    subject, noun = _subject(crime_type)
    if map_measure == "count":
        return f"{subject} by {level_noun}", noun.capitalize()
    if map_measure == "rate":
        return f"{subject} per 1,000 residents by {level_noun}", SCALE_TITLES[map_measure]
    return f"Harm from {subject} (estimate) by {level_noun}", SCALE_TITLES[map_measure]


def highest_words(map_measure: str, crime_type: str | None, area: str, value: float) -> str:
    """Where the chosen measure is highest, naming the crime type: 'the most Burglary crimes were in X (11
    crimes)', 'the highest rate of ... is in X (12.3 per 1,000 residents)', 'the most harm from ... is in X (an
    estimated 1,234 days of imprisonment)'. Labels and units come from the catalogue; acronyms are kept."""
    from cspdash.metrics.catalogue import format_value

    subject, noun = _subject(crime_type)
    _label, unit, fmt = measure_label(map_measure)
    if map_measure == "count":
        verb = "were" if subject.endswith("s") else "was"
        return f"the most {subject} {verb} in {area} ({_with_number(format_value(value, fmt), noun)})"
    if map_measure == "rate":
        return f"the highest rate of {subject} is in {area} ({_with_number(format_value(value, fmt), unit)})"
    estimate = " (estimate)"
    number = _with_number(format_value(value, "count"), unit.removesuffix(estimate))
    harm = f"harm from {subject}" if crime_type else "harm"
    return f"the most {harm} is in {area} ({'an estimated ' if unit.endswith(estimate) else ''}{number})"


def map_summary(frame: pd.DataFrame, map_measure: str, level: str, confidence: str,
                crime_type: str | None = None) -> str:
    """One sentence saying what the map shows, for the chosen crime type (None: all types)."""
    noun = "neighbourhoods (LSOAs)" if level == "lsoa" else "wards"
    hot = frame[frame["hot_spot"].str.startswith("Hot")]
    cold = frame[frame["hot_spot"].str.startswith("Cold")]
    known = frame[frame["value"].notna()]
    if known.empty:
        subject, _noun = _subject(crime_type)
        what = {"count": "a count of", "rate": "a rate of", "harm": "a harm estimate for"}[map_measure]
        return f"No {noun} have {what} {subject} in this period."
    top = known.loc[known["value"].idxmax()]
    return (f"Of {len(frame)} {noun}, {len(hot)} {'is a hot spot' if len(hot) == 1 else 'are hot spots'} and "
            f"{len(cold)} {'is a cold spot' if len(cold) == 1 else 'are cold spots'} at {confidence}% confidence or "
            f"more; {highest_words(map_measure, crime_type, str(top['area_name']), float(top['value']))}.")


def caveat_lines(figures: Caveats, level: str) -> list[str]:
    """The notes to show beside every map, with this selection's figures."""
    lines = [
        "**Locations are approximate.** police.uk moves every crime to the nearest of about 750,000 anonymous map "
        "points (each covering at least eight addresses), so points can fall across a street, ward or force border.",
    ]
    if figures.force_records:
        share = figures.no_location * 100.0 / figures.force_records
        lines.append(f"**{figures.no_location:,} of the force's {figures.force_records:,} records ({share:.1f}%) had no "
                     "location** in this period and cannot be placed in any area: they are missing from every map.")
    vintages = ", ".join(f"{v:,} with {k} codes" for k, v in sorted(figures.lsoa_vintages.items(), reverse=True))
    if figures.old_codes:
        lines.append(f"**LSOA codes:** {vintages}. {figures.old_codes:,} records carry older (2011) LSOA codes that "
                     "have no 2021 boundary; they count in the partnership total but are not drawn on the map.")
    elif figures.lsoa_lookup:
        lines.append(f"**LSOA codes:** all {figures.partnership_records:,} records in the partnership are placed in the "
                     "2021 neighbourhoods drawn here. Records police.uk published under 2011 codes were moved to "
                     "their 2021 neighbourhood with the ONS 2011→2021 lookup (merged neighbourhoods exactly; a split "
                     "one's records go to its 2021 piece with the most residents), so no area is counted twice.")
    else:
        lines.append(f"**LSOA codes:** all {figures.partnership_records:,} records in the partnership use codes that "
                     "match the 2021 boundaries drawn here.")
    missing = figures.areas - figures.areas_with_population
    unknown = (f"; {missing} neighbourhood{'' if missing == 1 else 's'} "
               f"{'has' if missing == 1 else 'have'} no population figure and no rate" if missing else "")
    lines.append(
        f"**Rates use {figures.population_source} residents** ({figures.residents:,} people in "
        f"{figures.areas_with_population} of {figures.areas} neighbourhoods{unknown}). "
        "Residents mislead in town centres, where visitors, shoppers and night-time crowds far outnumber residents."
    )
    if level == "ward":
        lines.append("Wards are electoral wards; each neighbourhood counts towards the ward it lies in (ONS best "
                     "fit).")
    return lines
