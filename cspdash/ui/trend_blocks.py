"""Blocks of the crime trends page: filters in the URL, the trend chart, SPC, outcomes, stop and search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from cspdash.analysis.spc import RULE_TEXT, SPC_RULE_TEXT
from cspdash.charts.trends import (
    event_key,
    linked_share_bars,
    outcome_bars,
    stop_search_bars,
    trend_lines,
    xmr_figure,
)
from cspdash.config import settings
from cspdash.metrics import crime, public
from cspdash.metrics.catalogue import measure
from cspdash.metrics.disclosure import HIDDEN, HIDDEN_TEXT, SUPPRESSED
from cspdash.metrics.period import add_months, month_label, parse_month
from cspdash.ui import blocks, params
from cspdash.ui.db import query
from cspdash.ui.filters import Selection, url_choice
from cspdash.vocab import ALL_CRIME, CRIME_TYPES

COMPARE = {"none": "No comparison", "last_year": "Same period last year", "rolling": "Rolling 12 months",
           "force": "Partnership against its force"}
MEASURES = {"count": "Number of crimes", "rate": "Crimes per 1,000 residents"}
HISTORY_MONTHS = 36
MAX_AREAS = 6


@dataclass(frozen=True)
class TrendView:
    """What the trends page shows: the filters, all read from (and written to) the URL."""

    crime_type: str
    level: str
    areas: tuple[str, ...]
    area_names: tuple[tuple[str, str], ...]
    grain: str
    measure: str
    compare: str
    start: date
    end: date

    @property
    def what(self) -> str:
        return crime.crime_type_label(self.crime_type)


def url_multi_choice(label: str, options: Sequence[Any], param: str, default: Sequence[Any],
                     format_func: Callable[[Any], str] = str, max_selections: int | None = None) -> list[Any]:
    """A multiselect bound to repeated URL parameter ``param``; unknown URL values are dropped with a note."""
    options = list(options)
    key = f"flt_{param}"
    if key not in st.session_state:
        raw = st.query_params.get_all(param)
        chosen = [o for o in options if str(o) in raw][:max_selections]
        unknown = [r for r in raw if r not in {str(o) for o in options}]
        if unknown:
            st.session_state.setdefault("_url_notes", []).append(
                f"The link asked for {label.lower()} “{blocks.literal(', '.join(unknown)[:60])}”, which isn't available here; "
                "showing the default areas instead.")
        st.session_state[key] = chosen or [d for d in default if d in options]
    else:
        st.session_state[key] = [v for v in st.session_state[key] if v in options] or \
            [d for d in default if d in options]
    value = st.multiselect(label, options, key=key, format_func=format_func, max_selections=max_selections)
    st.query_params[param] = [str(v) for v in value]
    return list(value)


def trend_filters(selection: Selection) -> TrendView:
    """The filter row: crime type, area level, areas, granularity, measure and comparison (all in the URL)."""
    end = selection.period.end
    first = selection.months[0] if selection.months else add_months(end, -(HISTORY_MONTHS - 1))
    start = max(first, add_months(end, -(HISTORY_MONTHS - 1)))
    # two rows of three: in one row of five, "LSOA (neighbourhood)", "Crimes per 1,000 residents" and "Partnership
    # against its force" were cut off at 1,366 px (tests/e2e/test_labels_fit.py)
    top = [*st.columns(3), *st.columns(3)]
    crime_type = url_choice("Crime type", [ALL_CRIME, *CRIME_TYPES], params.CRIME_TYPE, ALL_CRIME,
                            format_func=crime.crime_type_label, container=top[0])
    level = url_choice("Area level", list(crime.AREA_LEVELS), params.AREA_LEVEL, "partnership",
                       format_func=crime.AREA_LEVELS.__getitem__, container=top[1])
    grain = url_choice("Granularity", list(crime.GRAINS), params.GRAIN, "month", format_func=crime.GRAINS.__getitem__,
                       container=top[2])
    shown = url_choice("Measure", list(MEASURES), params.MEASURE, "count", format_func=MEASURES.__getitem__, container=top[3])
    compare = url_choice("Compare with", list(COMPARE), params.COMPARE, "none", format_func=COMPARE.__getitem__,
                         container=top[4], help="Rolling 12 months needs the month granularity; the force "
                         "comparison uses rates, because a force and a partnership differ in size.")
    areas: tuple[str, ...] = ()
    names: dict[str, str] = {selection.partnership_code: selection.partnership_name}
    if level != "partnership":
        options = query(crime.area_options, selection.partnership_code, level)
        names = dict(zip(options["area_code"], options["area_name"], strict=True))
        default = query(crime.largest_areas, selection.partnership_code, level, crime_type,
                        selection.period.start, end)
        areas = tuple(url_multi_choice(f"{crime.AREA_LEVELS[level].split(' ')[0]}s side by side (up to {MAX_AREAS})",
                                       list(names), params.AREAS, default, format_func=lambda c: names.get(c, c),
                                       max_selections=MAX_AREAS))
        if not areas:
            st.info("Choose at least one area to compare; showing the partnership meanwhile.")
            level = "partnership"
    return TrendView(crime_type, level, areas, tuple(names.items()), grain, shown, compare, start, end)


def trend_chart(selection: Selection, view: TrendView) -> None:
    """The trend chart with its comparison, events as annotations, a sentence and the data."""
    compare = view.compare
    if compare == "rolling" and view.grain != "month":
        st.caption("Rolling 12 months is a monthly view: switch granularity to Month to see it. Showing no "
                   "comparison.")
        compare = "none"
    with_force = compare == "force"
    if with_force and view.level != "partnership":
        st.caption("The force comparison is for the whole partnership; choose the Partnership area level.")
        with_force, compare = False, "none"
    rate = view.measure == "rate" or with_force
    if settings().public_output and not public.published(view.level, "month"):  # every point would be a gap
        st.info(public.UNPUBLISHED_RULE, icon=":material/visibility_off:")
        return
    frame = query(public.trend_series if settings().public_output else crime.trend_series, selection.partnership_code, selection.force, view.level, view.areas,
                  view.crime_type, view.start, view.end, view.grain, with_force)
    value = "rate" if rate else "crimes"
    if compare == "rolling":
        value = "rolling_12_rate" if rate else "rolling_12"
    chosen = measure("crime_rate" if rate else "crimes")
    what_shown = chosen.label.lower() if rate else "number recorded"
    title = f"{view.what}: {'rolling 12-month total, ' if compare == 'rolling' else ''}{what_shown}, by " \
        f"{crime.GRAINS[view.grain].lower()}"
    events = query(crime.plan_events, selection.partnership_code, view.start, view.end)
    show_events = st.toggle("Show action-plan events on the charts", value=True, key="events",
                            disabled=events.empty, help="Campaigns and interventions from the loaded action plan.")
    compare_column = ("last_year_rate" if rate else "last_year") if compare == "last_year" else None
    figure = trend_lines(frame, value, title, chosen.unit.capitalize(), compare=compare_column,
                         compare_label="same period last year", events=events if show_events else None,
                         shade=(selection.period.start, selection.period.end))
    sentence = crime.trend_sentence(frame, value, view.what, chosen.unit)
    blocks.chart(figure, sentence, frame, "crime trend")
    if "crimes_shown" in frame and frame["crimes_shown"].isin([SUPPRESSED, HIDDEN]).any():
        st.caption(f"Public output: gaps in the lines are counts of 1–4 ({SUPPRESSED}) or counts hidden beside them "
                   f"({HIDDEN}), with their rates and the rolling sums over them; the sentence above reads the "
                   "counts shown only. " + HIDDEN_TEXT)
    if with_force and settings().public_output:
        from cspdash.metrics.public_force import FORCE_LINE_RULE

        st.caption(FORCE_LINE_RULE)
    if events.empty:
        st.caption("No action-plan events (campaigns, interventions) are loaded for this period.")
    elif show_events:
        st.caption(event_key(events.assign(title=events["title"].map(blocks.literal))))
    if rate and settings().public_output:
        from cspdash.metrics.public_rates import UNCOUNTED_RULE

        st.caption(UNCOUNTED_RULE)
    if rate:
        cover = query(crime.population_coverage, selection.partnership_code)
        missing = (f" {cover['without_population']} of {cover['lsoas']} neighbourhoods (LSOAs) in the partnership "
                   "have no population figure and are left out of rates." if cover["without_population"] else "")
        st.caption(f"Rates use {query(crime.population_source)} usual residents.{missing} Resident rates overstate "
                   "risk in town centres with many visitors.")
    if view.grain != "month":
        st.caption("Open markers are incomplete quarters or years (a month not yet published or outside the "
                   "range): compare only complete periods.")


def spc_block(selection: Selection, view: TrendView) -> None:
    """XmR chart for the chosen series with a break point from the URL; each signal in a sentence."""
    st.subheader("Is it real? Statistical process control")
    if settings().public_output and not public.published(view.level, "month"):
        st.info("No process control chart at LSOA level in public output: it would give the neighbourhood's months "
                "back (see the note above).", icon=":material/visibility_off:")
        return
    area = view.areas[0] if view.areas else selection.partnership_code
    area_name = dict(view.area_names).get(area, selection.partnership_name)
    months = crime.month_range(view.start, view.end)
    events = query(crime.plan_events, selection.partnership_code, view.start, view.end)
    starts = {date(d.year, d.month, 1): t for d, t in zip(events["start_date"], events["title"], strict=True)}
    candidates = ["none", *(m.strftime("%Y-%m") for m in months[3:-2])]

    def label(key: str) -> str:
        if key == "none":
            return "No break: one set of limits"
        month = parse_month(key)
        return f"{month_label(month)} — {starts[month]}" if month in starts else month_label(month)

    chosen = url_choice("Recalculate the limits from (a known change)", candidates, params.SPC_BREAK, "none",
                        format_func=label, help="Pick the month an intervention started; limits before and after "
                        "are drawn separately.")
    breaks = None if chosen == "none" else parse_month(chosen)
    result = query(public.spc_series if settings().public_output else crime.spc_series, selection.partnership_code,
                   selection.force, view.level, area, view.crime_type, view.start, view.end, breaks)
    what = f"{view.what} in {area_name}"
    if result is None:  # public output: a month of 1–4 (or hidden beside one); limits would give it back
        st.info(f"No process control chart for {blocks.literal(what)} in public output: some "
                "months have too few crimes to show (<5), and the chart's average and limits would give them "
                "back.", icon=":material/visibility_off:")
        return
    figure = xmr_figure(result.chart, f"{what}: monthly count with process limits", "Crimes a month",
                        events=events if st.session_state.get("events", True) else None,
                        break_month=result.break_month)
    blocks.chart(figure, crime.spc_sentence(result, what), result.chart, "process control chart")
    if result.signals:
        st.markdown("**Signals**\n" + "\n".join(
            f"- {'▲' if s.direction == 'up' else '▼'} {s.sentence}" for s in result.signals))
    with st.expander("How to read this chart"):
        st.markdown(SPC_RULE_TEXT + "\n\n" + "\n".join(f"- {text}" for text in RULE_TEXT.values()))
    if len(view.areas) > 1:
        st.caption(f"The process chart shows the first area chosen ({blocks.literal(area_name)}).")


def outcomes_block(selection: Selection, view: TrendView) -> None:
    """Share of crimes reaching each outcome group, by crime type and over time."""
    st.subheader("Outcomes: what happened to the crimes")
    period = selection.period
    source = public if settings().public_output else crime
    by_type = query(source.outcomes_by_crime_type, selection.partnership_code, period.start, period.end)
    if by_type.empty:
        st.info("No outcomes data is loaded for this partnership and period.", icon=":material/info:")
        return
    share = measure("outcome_share")
    st.caption("Each crime counts once, under its latest outcome. Recent months are still open: many crimes are "
               "still under investigation and their outcomes will change as police.uk publishes updates.")
    left, right = st.columns(2)
    with left:
        figure = outcome_bars(by_type, "crime_type", f"By crime type, {period.label}", share.unit)
        blocks.chart(figure, crime.outcome_sentence(by_type, "crimes", period.label), by_type, "outcomes by crime type")
    with right:
        by_month = query(source.outcomes_by_month, selection.partnership_code, view.crime_type, view.start, view.end)
        if by_month.empty:
            st.info(f"No outcomes for {view.what.lower()}: police.uk publishes outcomes for crimes only, not for "
                    "anti-social behaviour.", icon=":material/info:")
            return
        figure = outcome_bars(by_month, "month", f"{view.what}, by month recorded", share.unit)
        blocks.chart(figure, crime.outcome_sentence(by_month, f"crimes ({view.what.lower()})", f"{month_label(view.start)} – "
                     f"{month_label(view.end)}"), by_month, "outcomes by month")


def stop_search_block(selection: Selection) -> None:
    """Stop and search by object and outcome, and how often the outcome was linked to the object."""
    st.subheader("Stop and search")
    period = selection.period
    rows = query(crime.stop_search_rows, selection.force, period.start, period.end)
    if rows == 0:
        st.info(f"No stop-and-search data loaded for {selection.force or 'this force'} in {period.label}. "
                "Load the police.uk stop-and-search files on the Data page to see it here.", icon=":material/info:")
        return
    source = public if settings().public_output else crime
    by_object = query(source.stop_search_by_object, selection.force, period.start, period.end)
    linked = query(source.stop_search_linked, selection.force, period.start, period.end)
    st.caption(f"Stop and search is published per force: these are all of {blocks.literal(selection.force)}'s searches.")
    left, right = st.columns(2)
    sentence = crime.stop_search_sentence(linked, selection.force, period.label)
    with left:
        figure = stop_search_bars(by_object, f"{measure('stop_searches').label} by object and outcome")
        blocks.chart(figure, sentence, by_object, "stop and search by object")
    with right:
        share = measure("stop_search_linked")
        figure = linked_share_bars(linked, share.label)
        blocks.chart(figure, sentence, linked, "stop and search linked to object")
