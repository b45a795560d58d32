"""Streamlit blocks for the hot spots page: filters (in the URL), map, caveats, top table, persistence, drill-down."""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from cspdash.analysis import hotspots as gi
from cspdash.analysis.change import CHANGE_RULE_TEXT
from cspdash.analysis.harm import HARM_NOTE, load_harm_weights
from cspdash.analysis.spc import SPC_RULE_TEXT
from cspdash.charts import maps, theme
from cspdash.charts.trends import xmr_figure
from cspdash.config import settings
from cspdash.metrics import context, crime
from cspdash.metrics import hotspots as hs
from cspdash.metrics.disclosure import HIDDEN_TEXT
from cspdash.metrics.hidden_cells import HiddenCells
from cspdash.metrics.period import add_months
from cspdash.metrics.public import cell_masks, hotspot_protection, month_masks, published
from cspdash.ui import blocks, filters, params
from cspdash.ui.db import query

ALL_TYPES = "All crime types"
HARM_CITATION = ("Weights derived from the Cambridge Crime Harm Index 2020 (Cambridge Centre for Evidence-Based "
                 "Policing) and the Home Office police recorded crime offence mix for 2017/18.")
_WEIGHTS_KEY = "hotspot_harm_weights"
TOP_AREAS = 15


@dataclass(frozen=True)
class Choice:
    """The hot spot page's own filters (all mirrored in the URL)."""

    measure: str
    level: str
    crime_types: tuple[str, ...]
    confidence: str
    method: str
    points: bool
    basemap: bool
    scheme: str


def choose() -> Choice:
    """Filter widgets in a row above the map; every value lives in the URL and bad values fall back."""
    top = st.columns(4)
    measure = filters.url_choice("Measure", list(hs.MAP_MEASURES), params.MEASURE, "count", container=top[0],
                                 format_func=lambda m: {"count": "Count of crimes", "rate": "Rate per 1,000 residents",
                                                        "harm": "Harm score (estimate)"}[m])
    level = filters.url_choice("Areas", list(hs.LEVELS), params.AREA_LEVEL, "lsoa", format_func=lambda v: hs.LEVELS[v], container=top[1])
    types = [ALL_TYPES, *query(context.crime_types_present)]
    crime_type = filters.url_choice("Crime type", types, params.CRIME_TYPE, ALL_TYPES, container=top[2])
    confidence = filters.url_choice("Hot spot confidence", list(hs.CONFIDENCE), params.CONFIDENCE, "95", container=top[3],
                                    format_func=lambda c: f"{c}% or more",
                                    help="Show hot and cold spots whose false-discovery-rate adjusted p value is "
                                         "below 1 − confidence.")
    # two and two: four in a row cut "each of the last four quarters" off at 1,366 px (tests/e2e/test_labels_fit.py)
    more = [*st.columns(2), *st.columns(2)]
    method = filters.url_choice("Neighbours", list(hs.NEIGHBOURS), params.NEIGHBOURS, "boundary", format_func=lambda v: hs.NEIGHBOURS[v],
                                container=more[0], help="Which areas count as each area's neighbours for Gi*.")
    scheme = filters.url_choice("Persistence over", list(hs.PERSISTENCE_SCHEMES), params.PERSISTENCE, "quarters",
                                container=more[1], format_func=lambda s: hs.PERSISTENCE_SCHEMES[s][2])
    points = filters.url_choice("Crime locations layer", ["off", "on"], params.POINTS, "off", container=more[2],
                                format_func=lambda v: {"off": "Hidden", "on": "Shown (anonymised points)"}[v])
    basemap = filters.url_choice("Street map background", ["off", "on"], params.TILES, "off", container=more[3],
                                 format_func=lambda v: {"off": "Off (works offline)", "on": "On (needs internet)"}[v],
                                 help="Street-map tiles come from the internet; without a connection the background "
                                      "stays blank but the areas still draw.")
    filters.show_url_notes()
    return Choice(measure, level, () if crime_type == ALL_TYPES else (crime_type,), confidence, method,
                  points == "on", basemap == "on", scheme)


#: a weights file is one short row per crime type (about 1 KB): a viewer's upload may hold no more than this
WEIGHTS_UPLOAD_MAX_BYTES = 64 << 10


def read_weights_upload(name: str | None, data: bytes) -> pd.DataFrame:
    """A viewer's harm-weights CSV, checked (ValueError with the reason): at most WEIGHTS_UPLOAD_MAX_BYTES, only
    its crime_type and harm_weight_days columns read, one row per police.uk crime type."""
    if len(data) > WEIGHTS_UPLOAD_MAX_BYTES:
        raise ValueError(f"the file is {len(data) / 1024:,.0f} KB; a weights file has one short row per crime type "
                         f"and may be at most {WEIGHTS_UPLOAD_MAX_BYTES >> 10} KB")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name or "weights.csv").name
        path.write_bytes(data)
        frame = load_harm_weights(path)
    hs.check_weights_cover(frame)
    return frame


def harm_weights() -> hs.Weights:
    """The session's harm weights: the shipped estimate, or a user's replacement CSV (validated)."""
    with st.expander("Harm weights (estimates) — view or replace", icon=":material/balance:"):
        st.caption(f"{HARM_NOTE} {HARM_CITATION}")
        upload = st.file_uploader("Replace the weights for this session (CSV with columns crime_type, "
                                  "harm_weight_days)", type=["csv"], key="harm_upload", max_upload_size=1)
        if upload is not None:
            try:
                frame = read_weights_upload(upload.name, upload.getvalue())
            except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                st.error(f"These weights were not used: {blocks.literal(exc)}", icon=":material/error:")
            else:
                st.session_state[_WEIGHTS_KEY] = hs.weights_tuple(frame)
                st.success(f"Using your weights from {blocks.literal(upload.name)} for this session.")
        if st.session_state.get(_WEIGHTS_KEY) and st.button("Use the shipped weights again"):
            st.session_state.pop(_WEIGHTS_KEY, None)
        weights: hs.Weights = st.session_state.get(_WEIGHTS_KEY) or hs.default_weights()
        shown = pd.DataFrame(weights, columns=["crime_type", "harm_weight_days"])
        blocks.table(shown, "harm weights in use", caption="Days of imprisonment per crime (estimate).")
    return weights


@dataclass(frozen=True)
class View:
    """Everything the page's blocks draw, for one selection and choice."""

    selection: filters.Selection
    choice: Choice
    weights: hs.Weights
    geometry: hs.MapGeometry
    spots: pd.DataFrame
    map_areas: pd.DataFrame
    public: bool


def load(selection: filters.Selection, choice: Choice, weights: hs.Weights) -> View:
    """Run the cached queries for the map and its statistics."""
    period = selection.period
    geometry = query(hs.map_geometry, selection.partnership_code, choice.level)
    spots = query(hs.hot_spots, selection.partnership_code, choice.level, period.start, period.end,
                  period.previous_start, period.previous_end, choice.measure, choice.method, choice.crime_types,
                  weights)
    public = settings().public_output
    if public:  # small counts hidden with all that is worked out from them, before anything is drawn
        # the cells Crime trends hides too (LSOA, ward and partnership; months, quarters, years and periods)
        primary, secondary = protection(selection, choice)
        codes = spots["area_code"].tolist()
        masks = {"crimes": cell_masks(primary, secondary, choice.level, codes, "window", (period.start, period.end)),
                 "previous_crimes": cell_masks(primary, secondary, choice.level, codes, "window",
                                               (period.previous_start, period.previous_end))}
        spots = hs.disclose(spots, choice.level, choice.confidence, masks=masks)
    map_areas = hs.map_frame(spots, choice.measure, choice.confidence, geometry.centroids, public)
    return View(selection, choice, weights, geometry, spots, map_areas, public)


def series_start(selection: filters.Selection) -> date:
    """The first month of the drill-down's series (as Crime trends': up to 36 months to the period's end)."""
    end = selection.period.end
    first = selection.months[0] if selection.months else add_months(end, -35)
    return max(first, add_months(end, -35))


def protection(selection: filters.Selection, choice: Choice) -> tuple[HiddenCells, HiddenCells]:
    """(primary, secondary) hidden area × month cells in public output (metrics.public.hotspot_protection)."""
    return query(hotspot_protection, selection.partnership_code, selection.force, choice.crime_types,
                 series_start(selection), selection.period.end)


def map_block(view: View) -> None:
    """The choropleth with hot/cold spot circles, its summary, caveats beside it and a CSV of the values."""
    chosen = view.choice.crime_types[0] if view.choice.crime_types else None
    title, scale_title = hs.map_titles(view.choice.measure, chosen, hs.LEVEL_NOUNS[view.choice.level])
    warning = hs.few_areas_warning(view.spots, view.choice.measure, view.choice.level)
    if warning:
        st.warning(warning, icon=":material/warning:")
    left, right = st.columns([3, 1.15])
    points = None
    with left:
        if view.choice.points:
            raw = query(hs.crime_points, view.selection.partnership_code, view.selection.period.start,
                        view.selection.period.end, view.choice.crime_types)
            points = hs.points_frame(raw, view.public)
        figure = maps.area_map(
            view.geometry.feature_collection, view.map_areas, "value", scale_title,
            (view.geometry.center_lat, view.geometry.center_lon), view.geometry.zoom,
            title=title,
            spots=view.map_areas[view.map_areas["hot_spot"] != gi.NOT_SIGNIFICANT], points=points,
            basemap=view.choice.basemap,
            no_value="No value (count hidden in public output, or population unknown)" if view.public else
            "No value (e.g. population unknown)",
        )
        if view.public:  # the counts as shown ('<5', '[c]'); no Gi* z or q (together they give the values back)
            data = view.spots[["area_code", "area_name", "ward_name", "crimes_shown", "rate", "harm", "hot_spot"]]
            data = data.rename(columns={"crimes_shown": "crimes"})
        else:
            data = view.spots[["area_code", "area_name", "ward_name", "crimes", "rate", "harm", "hot_spot_class",
                               "z", "fdr_q"]]
        figure.update_layout(title_subtitle_text=theme.plain(view.selection.period.label))
        blocks.chart(figure, hs.map_summary(view.map_areas, view.choice.measure, view.choice.level,
                                            view.choice.confidence, chosen), data, "hot spot map")
        cap = maps.colour_cap(view.map_areas["value"])
        if cap is not None:
            st.caption(f"The colour scale tops out at {cap:,.0f} (the 95th percentile) so that one or two extreme "
                       "areas do not wash out the rest; areas above it share the darkest colour.")
        if points is not None:
            total = int(raw["points_total"].iat[0]) if len(raw) else 0
            st.caption(f"Crime locations: the {len(raw):,} busiest of {total:,} anonymised points (dark dots).")
    with right:
        st.markdown("**Read this map with care**")
        figures = query(hs.caveats, view.selection.partnership_code, view.selection.force,
                        view.selection.period.start, view.selection.period.end)
        for line in hs.caveat_lines(figures, view.choice.level):
            st.markdown(f"- {line}")
        if view.choice.measure == "harm":
            st.markdown(f"- **Harm is an estimate:** {HARM_NOTE} {HARM_CITATION}")
        if view.public:
            st.markdown("- **Public output:** counts of 1–4 are shown as “<5”, with no rate, harm or change "
                        f"worked out from them (grey on the map). {HIDDEN_TEXT}")
    with st.expander("How hot spots are found", icon=":material/help:"):
        st.markdown(gi.GI_STAR_RULE_TEXT)
        if view.choice.method == "distance":
            metres = hs.distance_threshold(view.geometry.centroids)
            st.markdown(f"Neighbours: areas whose centres lie within {metres / 1000:.1f} km (the smallest distance "
                        "that gives every area at least one neighbour).")
        else:
            st.markdown("Neighbours: areas that share a boundary (or a corner).")


def top_table_block(view: View) -> pd.DataFrame:
    """The top hot spots table with change verdicts, top crime types and top locations; returns it."""
    period = view.selection.period
    codes = hs.top_hot_spot_codes(view.spots, view.choice.measure, view.choice.confidence, TOP_AREAS)
    details = query(hs.top_hot_spot_details, view.selection.partnership_code, view.choice.level, period.start,
                    period.end, codes, view.choice.crime_types)
    table = hs.top_hot_spots_table(view.spots, details, view.choice.measure, view.choice.confidence, TOP_AREAS,
                                   view.public)
    label, _unit, _fmt = hs.measure_label(view.choice.measure)
    shown = table.drop(columns=["area_code"]).rename(columns={
        "area": "Area", "ward": "Ward", "crimes": "Crimes", "rate": "Rate per 1,000", "harm": "Harm (days, est.)",
        "previous_crimes": "Previous period", "change": "Change", "verdict": "Is the change real?",
        "share_of_total": "% of partnership", "hot_spot": "Hot spot", "top_crime_types": "Top crime types",
        "top_locations": "Top locations (On or near)",
    })
    blocks.table(shown, "top hot spots", small_count_columns=["Crimes", "Previous period"],
                 derived_columns=["Rate per 1,000", "Harm (days, est.)", "Change", "% of partnership"],
                 caption=f"Significant hot spots first (strongest Gi* z first), then every other area by "
                         f"{label[0].lower() + label[1:]}, highest first. Change compares {period.label} with "
                         f"{period.previous_label}. {CHANGE_RULE_TEXT}")
    return table


def persistence_block(view: View) -> None:
    """A map and table of each area's hot spot persistence class, each class explained in words."""
    periods, length, words = hs.PERSISTENCE_SCHEMES[view.choice.scheme]
    needed = add_months(view.selection.period.end, -(periods * length - 1))
    if view.selection.months and needed < view.selection.months[0]:
        st.info(f"Persistence over {words} needs data from {needed:%b %Y}; the store starts in "
                f"{view.selection.months[0]:%b %Y}. Choose quarters, or an earlier-starting store.")
        return
    classes = query(hs.persistence_classes, view.selection.partnership_code, view.choice.level,
                    view.selection.period.end, view.choice.scheme, view.choice.measure, view.choice.method,
                    view.choice.crime_types, view.weights)
    frame = view.map_areas[["area_code", "area_name"]].merge(classes, on="area_code", how="left")
    frame["persistence"] = frame["persistence"].fillna("not assessed")
    frame["hover"] = "<b>" + frame["area_name"].map(lambda n: html.escape(str(n))) + "</b><br>" + frame["persistence"]
    figure = maps.class_map(view.geometry.feature_collection, frame, "persistence", maps.PERSISTENCE_COLOURS,
                            (view.geometry.center_lat, view.geometry.center_lon), view.geometry.zoom,
                            title=f"Hot spot persistence over {words}", basemap=view.choice.basemap)
    counts = frame["persistence"].value_counts()
    lasting = int(counts.get("persistent", 0) + counts.get("intensifying", 0))
    summary = (f"{lasting} area{'s are' if lasting != 1 else ' is'} a lasting hot spot (persistent or intensifying) "
               f"over {words}; {int(counts.get('new', 0))} new, {int(counts.get('diminishing', 0))} diminishing.")
    table = frame.drop(columns=["hover", "explanation"]).rename(columns={"area_name": "area"})
    blocks.chart(figure, summary, table, "hot spot persistence")
    explained = pd.DataFrame([(k.capitalize(), v, int(counts.get(k, 0))) for k, v in gi.PERSISTENCE_EXPLANATIONS.items()],
                             columns=["Class", "What it means", "Areas"])
    blocks.table(explained, "persistence classes", caption=gi.PERSISTENCE_RULE_TEXT)


def drilldown_block(view: View, top: pd.DataFrame) -> None:
    """One area's trend (XmR), crime mix and outcome mix."""
    names = dict(zip(view.spots["area_code"], view.spots["area_name"], strict=True))
    order = [c for c in top["area_code"] if c in names] + sorted(set(names) - set(top["area_code"]), key=lambda c: str(names[c]))
    if not order:
        st.info("No areas to show.")
        return
    area = filters.url_choice("Area to look into", order, params.AREAS, order[0], format_func=lambda c: names[c],
                              help="Hot spots from the table come first.")
    filters.show_url_notes()
    selection, period = view.selection, view.selection.period
    start = series_start(selection)
    drill = query(hs.area_drilldown, selection.partnership_code, view.choice.level, area, start, period.start,
                  period.end, period.previous_start, period.previous_end, view.choice.crime_types)
    total = int(drill.outcomes["crimes"].sum())  # the outcome groups' total, written in the summary
    if view.public:
        row = view.spots[view.spots["area_code"] == area]
        if len(row) and bool(row["hidden"].iat[0]):
            st.info(f"{blocks.literal(names[area])}'s count is hidden in public output ({row['crimes_shown'].iat[0]}), so its "
                    "monthly figures, crime mix and outcomes are not shown either.", icon=":material/visibility_off:")
            return
        primary, secondary = protection(selection, view.choice)
        months = [m.date() for m in pd.to_datetime(drill.monthly["month"])]
        hidden = month_masks(primary, secondary, view.choice.level, area, months)
        drill = hs.disclose_drilldown(drill, period.start, period.end, period.previous_start, period.previous_end,
                                      hidden)
    monthly = drill.monthly
    left, right = st.columns(2)
    with left:
        if view.public and not published(view.choice.level, "month"):
            st.markdown(f"**{blocks.literal(names[area])}: crimes per month** — public output does not publish a "
                        "single neighbourhood's months; its 12-month total is on the map.")
        elif view.public and monthly["hidden"].any():
            st.markdown(f"**{blocks.literal(names[area])}: crimes per month** — some months hold counts of 1–4, so the chart is not "
                        "drawn in public output; the download gives each month (<5 or [c] where hidden).")
            blocks.download(monthly[["month", "crimes_shown"]].rename(columns={"crimes_shown": "crimes"}),
                            "area trend")
        elif monthly["crimes"].notna().sum() >= 2:
            result = crime.spc_for_series([m.date() for m in monthly["month"]], monthly["crimes"].tolist())
            figure = xmr_figure(result.chart, f"{names[area]}: crimes per month", "Crimes")
            if view.public:
                figure.update_traces(hoverinfo="skip", hovertemplate=None)
            blocks.chart(figure, crime.spc_sentence(result, f"{names[area]}: crimes per month"),
                         blocks.suppress_small_counts(monthly, ["crimes"]), "area trend")
            if result.signals:
                st.markdown("\n".join(f"- {s.sentence}" for s in result.signals))
            st.caption(SPC_RULE_TEXT)
    with right:
        mix = drill.mix
        figure = maps.mix_bars(mix, "crime_type", [("crimes", period.label), ("previous_crimes", period.previous_label)],
                               f"{names[area]}: crime mix", "Crimes")
        counts = mix["crimes_shown"] if view.public else mix["crimes"].map("{:,}".format)
        lead = f"{mix['crime_type'].iat[0]} is the largest type ({counts.iat[0]} crimes)." if len(mix) else \
            "No crimes recorded here in the period."
        data = mix
        if view.public:
            figure.update_traces(hoverinfo="skip", hovertemplate=None)
            data = mix[["crime_type", "crimes_shown", "previous_crimes_shown"]].rename(
                columns={"crimes_shown": "crimes", "previous_crimes_shown": "previous_crimes"})
        blocks.chart(figure, lead, data, "area crime mix")
    outcomes = drill.outcomes
    if len(outcomes):
        figure = maps.mix_bars(outcomes, "outcome_group", [("share", "% of crimes")],
                               f"{names[area]}: latest outcome of crimes recorded {period.label}", "% of crimes")
        top_group = outcomes.iloc[0]
        share = "" if pd.isna(top_group["share"]) else f"{top_group['share']:.0f}% of "
        data = outcomes
        if view.public:
            figure.update_traces(hoverinfo="skip", hovertemplate=None)
            data = outcomes[["outcome_group", "crimes_shown", "share"]].rename(columns={"crimes_shown": "crimes"})
        blocks.chart(figure, f"The most common latest outcome is “{top_group['outcome_group']}” "
                             f"({share}{total:,} crimes; anti-social "
                             "behaviour has no outcome). Recent crimes are still open.",
                     data, "area outcome mix")
