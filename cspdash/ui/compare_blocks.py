"""Blocks of the "How do we compare?" page and its Overview section: the answer in words, the partnerships side by
side, the funnel plot, every crime type against its comparators, and the similar partnerships."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cspdash.analysis.funnel import FUNNEL_RULE_TEXT, MIN_UNITS, POSITION_SHORT, funnel_curve
from cspdash.charts.funnel import funnel_figure, rate_bars
from cspdash.charts.trends import trend_lines
from cspdash.config import settings
from cspdash.metrics import compare, crime
from cspdash.metrics import public as public_output
from cspdash.metrics.crime import crime_type_label
from cspdash.metrics.disclosure import is_small, small
from cspdash.metrics.period import add_months
from cspdash.metrics.rates import rate_texts
from cspdash.ui import blocks, params
from cspdash.ui.db import query
from cspdash.ui.filters import Selection, url_choice
from cspdash.vocab import ALL_CRIME, CRIME_TYPES

RATE_WORDS = f"{compare.RATE_UNIT} in the period"


def crime_type_choice() -> str:
    """The crime type compared (kept in the URL as ``ct``)."""
    return str(url_choice("Crime type", [ALL_CRIME, *CRIME_TYPES], params.CRIME_TYPE, ALL_CRIME,
                          format_func=crime_type_label))


def _result(selection: Selection, crime_type: str) -> compare.Comparison:
    """The comparison; in public output with the pooled rates whose totals are hidden left out
    (metrics.public.comparison)."""
    read = public_output.comparison if settings().public_output else compare.comparison
    return query(read, selection.partnership_code, selection.period, crime_type)


def _public_small(result: compare.Comparison, selection: Selection) -> bool:
    """In public output, a partnership whose count is 1–4 (or hidden beside one: metrics.public.compare_protection)
    gets no rate or verdict (either gives the count back)."""
    if not settings().public_output or result.own is None:
        return False
    return is_small(result.own["crimes_with_population"]) or bool(query(
        public_output.compare_hidden, selection.partnership_code, selection.period, result.crime_type))


def _hidden(selection: Selection) -> frozenset[object]:
    """Compare's hidden cells in public output (metrics.public.compare_protection); none otherwise."""
    if not settings().public_output:
        return frozenset()
    return frozenset(query(public_output.compare_protection, selection.period.start, selection.period.end))


def answer(selection: Selection, crime_type: str) -> None:
    """The one-sentence answer, why it is fair, and the population behind the rates."""
    result = _result(selection, crime_type)
    if _public_small(result, selection):
        st.markdown(f"**{blocks.literal(result.partnership_name)}**: too few {result.label.lower()} to compare in public output "
                    "(counts of 1–4 are not shown).")
        return
    st.markdown(f"**{blocks.literal(result.sentence)}**")
    st.markdown(blocks.literal(result.similar_sentence))
    residents = query(compare.partnership_residents)
    source = residents["population_source"].dropna()
    own = residents[residents["partnership_code"] == selection.partnership_code]
    coverage = ""
    if not own.empty and int(own["lsoas_with_population"].iloc[0]) < int(own["lsoas"].iloc[0]):
        missing = int(own["lsoas"].iloc[0]) - int(own["lsoas_with_population"].iloc[0])
        coverage = (f" {missing} of its {int(own['lsoas'].iloc[0])} neighbourhoods (LSOAs) have no population figure: "
                    "their crimes are left out of its rate as well as their residents.")
    st.caption(f"**Why this is fair:** rates are crimes per 1,000 residents, so areas of different sizes compare; "
               f"the funnel allows for small areas varying more by chance and for how much areas normally differ. "
               f"Residents: {source.iloc[0] if not source.empty else 'not loaded'}.{coverage} Rates per resident "
               "run high in town and city centres that many visitors come to.")
    if result.funnel.units < MIN_UNITS:
        st.info(f"Only {result.funnel.units} partnership{'s' if result.funnel.units != 1 else ''} with police.uk "
                f"data {'is' if result.funnel.units == 1 else 'are'} loaded: a funnel needs at least {MIN_UNITS} "
                "to judge how much areas normally differ, so there is no verdict. Load more forces' files on the "
                "Data page.", icon=":material/info:")
    elif result.funnel.units < 10:
        st.caption(f"With only {result.funnel.units} partnerships loaded, how much areas normally differ is "
                   "estimated from those few, so the limits are wide: an area must differ a great deal to fall "
                   "outside them. Loading the similar partnerships' forces makes the comparison firmer.")


def side_by_side(selection: Selection, crime_type: str) -> None:
    """The force's partnerships, the whole force and the loaded similar group, as bars and a table."""
    result = _result(selection, crime_type)
    frame = compare.side_by_side(result)
    st.subheader(f"{result.force}'s partnerships side by side")
    if frame.empty:
        st.info("No partnership of this force has both police.uk data and a population figure.")
        return
    public = settings().public_output
    if public:  # a partnership of 1–4 hidden, and one beside it (the whole force's row is their sum)
        hidden, ct = _hidden(selection), result.crime_type
        code_of = dict(zip(result.table["partnership_name"], result.table["partnership_code"], strict=True))
        cells = {"partnership": lambda name: (code_of.get(name), ct), "force": lambda _n: ("force", result.force, ct),
                 "group": lambda _n: ("group", selection.partnership_code, ct)}
        frame = public_output.side_by_side(frame, [cells[k](n) in hidden for k, n in zip(frame["kind"], frame["name"],
                                                                                          strict=True)])
        frame = frame.assign(crimes=frame["crimes_shown"]).drop(columns=["crimes_shown", "hidden"])
    shown = frame[frame["rate"].notna()] if public else frame
    figure = blocks.cached_figure(rate_bars, shown, selection.partnership_name,
                                  f"{result.label}: rate {RATE_WORDS} ({result.period_label})",
                                  f"Crimes {compare.RATE_UNIT}")
    summary = (f"{result.label}, {result.period_label}: "
               + "; ".join(f"{r.name} {r.rate_text}" for r in shown.itertuples()) + f" ({compare.RATE_UNIT}).")
    blocks.chart(figure, summary, frame.drop(columns=["kind"]), "rates side by side")
    st.caption("Striped bars are comparators (the whole force, the loaded similar partnerships: all their crimes "
               "over all their residents). Rank 1 = the highest rate; quartile 1 = the highest quarter.")
    frame = frame.assign(rank=[f"{v:.0f}" if pd.notna(v) else "" for v in frame["rank"]],
                         quartile=[f"{v:.0f}" if pd.notna(v) else "" for v in frame["quartile"]])
    table = frame.drop(columns=["kind", "rate"]).rename(columns={
        "name": "Area", "crimes": "Crimes", "residents": "Residents", "rate_text": f"Rate {compare.RATE_UNIT}",
        "rank": "Rank (1 = highest)", "quartile": "Quartile", "verdict": "Funnel"})
    blocks.table(table, "rates side by side", small_count_columns=["Crimes"],
                 derived_columns=[f"Rate {compare.RATE_UNIT}"])


def funnel_block(selection: Selection, crime_type: str) -> None:
    """The funnel plot of every loaded partnership, the chosen one marked, and its verdict in words."""
    result = _result(selection, crime_type)
    st.subheader("Funnel plot: is the rate unusual for an area of its size?")
    points = result.table[result.table["rate"].notna()]
    if settings().public_output and query(public_output.funnel_hidden, selection.period, crime_type):
        st.info("No funnel plot for this crime type in public output: its centre line (every loaded partnership's "
                "pooled rate) would give a count of 1–4 back.", icon=":material/visibility_off:")
        return
    if settings().public_output:
        hidden = _hidden(selection)
        points = points[~small(points["crimes_with_population"])
                        & ~points["partnership_code"].map(lambda c: (c, crime_type) in hidden).astype(bool)]
    if points.empty:
        st.info("No partnership has both police.uk data and a population figure for this period.")
        return
    curve = funnel_curve(result.funnel, float(points["residents"].min()), float(points["residents"].max()))
    figure = blocks.cached_figure(funnel_figure, points, curve, selection.partnership_code,
                                  f"{result.label}: rate against residents, {result.period_label}",
                                  f"Crimes {compare.RATE_UNIT}")
    limits = ""
    if result.own is not None:
        low, high = rate_texts([result.own["lower_998"], result.own["upper_998"]])
        limits = f" At its size the 99.8% limits are {low} to {high}."
    wide = (f" With only {result.funnel.units} partnerships the limits are wide." if
            MIN_UNITS <= result.funnel.units < compare.FIRM_UNITS else "")
    summary = f"{result.partnership_name}: {result.verdict}.{limits}{wide}"
    data = points[["partnership_code", "partnership_name", "force", "crimes_with_population", "residents", "rate",
                   "lower_95", "upper_95", "lower_998", "upper_998", "verdict"]]
    blocks.chart(figure, summary, data, "funnel plot")
    st.caption(FUNNEL_RULE_TEXT)


def rate_trend(selection: Selection, crime_type: str) -> None:
    """The monthly rate against the force and the loaded similar partnerships, over up to three years."""
    end = selection.period.end
    start = max(add_months(end, -35), selection.months[0]) if selection.months else add_months(end, -35)
    public = settings().public_output
    frame = query(public_output.rate_trend if public else compare.rate_trend, selection.partnership_code, start, end,
                  crime_type)
    label = crime_type_label(crime_type)
    st.subheader("The rate over time against the force and similar partnerships")
    if frame.empty:
        if public and not query(compare.rate_trend, selection.partnership_code, start, end, crime_type).empty:
            st.info("No monthly rates shown: public output hides every month of these lines. "
                    f"{public_output.RATE_TREND_RULE}", icon=":material/visibility_off:")
        else:
            st.info("No monthly rates: no police.uk data or no population figure for this partnership.")
        return
    figure = blocks.cached_figure(trend_lines, frame, "rate", f"{label}: monthly rate {compare.RATE_UNIT}",
                                  f"Crimes {compare.RATE_UNIT} a month")
    summary = crime.trend_sentence(frame, "rate", label, compare.RATE_UNIT)
    blocks.chart(figure, summary, frame, "rate over time")
    st.caption("Comparators are pooled: all their crimes over all their residents. Months the force did not publish "
               "are gaps." + (f" {public_output.RATE_TREND_RULE}" if public else ""))


def by_type(selection: Selection) -> None:
    """Every crime type: the partnership's rate against the force, the similar group and all loaded ones."""
    st.subheader("Every crime type against its comparators")
    public = settings().public_output
    frame = query(public_output.by_crime_type if public else compare.by_crime_type, selection.partnership_code,
                  selection.period)
    if public:  # a hidden count ('<5', '[c]') and what is worked out from it are blank
        frame = frame.assign(crimes=frame["crimes_shown"])
    texts = {c: rate_texts(frame[c]) for c in ("rate", "force_rate", "group_rate", "all_rate")}
    table = pd.DataFrame({
        "Crime type": frame["label"], "Crimes counted": frame["crimes"],
        f"{selection.partnership_name} {compare.RATE_UNIT}": texts["rate"],
        "Force": texts["force_rate"], "Similar loaded": texts["group_rate"], "All loaded": texts["all_rate"],
        "Rank (1 = highest)": [f"{r:.0f} of {o}" if pd.notna(r) else "" for r, o in zip(frame["rank"], frame["of"],
                                                                                      strict=True)],
        "Quartile": [f"{v:.0f}" if pd.notna(v) else "" for v in frame["quartile"]], "Funnel": [POSITION_SHORT.get(p, p) for p in frame["position"]],
    })
    blocks.table(table, "rates by crime type", caption=f"{selection.period.label}. Rates {compare.RATE_UNIT}; "
                 "'Similar loaded' and 'All loaded' are pooled (all their crimes over all their residents). Crimes "
                 "counted: those in neighbourhoods with a population figure, as in the rate.",
                 small_count_columns=["Crimes counted"],
                 derived_columns=[f"{selection.partnership_name} {compare.RATE_UNIT}", "Rank (1 = highest)",
                                  "Quartile", "Funnel"])


def similar_block(selection: Selection, crime_type: str) -> None:
    """The similar partnerships: how they are chosen, who they are, which are loaded, which forces to load."""
    result = _result(selection, crime_type)
    st.subheader("Similar partnerships")
    st.markdown(compare.similarity_text())
    if result.similar.empty:
        st.info(f"{blocks.literal(selection.partnership_name)} is not in the national partnership list "
                "(data/comparisons/csp_profiles.csv), so it has no similar group.")
        return
    st.markdown(blocks.literal(result.similar_sentence))
    own = query(compare.own_profile, selection.partnership_code)
    hidden = _hidden(selection)
    gone = result.similar["store_code"].map(lambda c: (c, crime_type) in hidden).astype(bool)
    similar = result.similar.assign(crimes=result.similar["crimes"].mask(gone), rate=result.similar["rate"].mask(gone))
    members = similar.assign(
        loaded=["yes" if v else "no — not loaded" for v in result.similar["loaded"]],
        rate=[t if t != "n/a" else "" for t in rate_texts(similar["rate"])],
        crimes=[f"{v:.0f}" if pd.notna(v) else "" for v in similar["crimes"]])
    members = members[["rank", "similar_name", "similar_force", "loaded", "crimes", "rate", "census_residents",
                       "density", "deprived_share", "rural_share"]]
    members = members.assign(rank=[str(v) for v in members["rank"]])
    if own is not None:
        mine_rate = None if (selection.partnership_code, crime_type) in hidden else result.own
        mine = pd.DataFrame([{"rank": "this one", "similar_name": str(own["csp_name"]),
                              "similar_force": own["force"], "loaded": "yes",
                              "crimes": f"{mine_rate['crimes_with_population']:.0f}" if mine_rate is not None else "",
                              "rate": rate_texts([mine_rate["rate"]])[0] if mine_rate is not None else "",
                              "census_residents": own["residents"], "density": own["density"],
                              "deprived_share": own["deprived_share"], "rural_share": own["rural_share"]}])
        members = pd.concat([mine, members], ignore_index=True)
    members = members.assign(deprived_share=(100 * members["deprived_share"]).round(0),
                             rural_share=(100 * members["rural_share"]).round(0))
    members = members.rename(columns={
        "rank": "Similarity rank", "similar_name": "Partnership", "similar_force": "Police force area",
        "loaded": "police.uk data loaded", "crimes": "Crimes", "rate": f"Rate {compare.RATE_UNIT}",
        "census_residents": "Residents (Census 2021)", "density": "Residents per km²",
        "deprived_share": "% in most deprived fifth", "rural_share": "% rural"})
    source = query(compare.partnership_residents)["population_source"].dropna()
    blocks.table(members, "similar partnerships", caption=f"Crimes and rates over {selection.period.label} for the "
                 "loaded ones (residents for the rates: "
                 f"{source.iloc[0] if not source.empty else 'none loaded'}); the last four columns are the inputs of "
                 "the similarity (Census 2021; data/comparisons/csp_profiles.csv).",
                 small_count_columns=["Crimes"], derived_columns=[f"Rate {compare.RATE_UNIT}"])


def overview_section(selection: Selection) -> None:
    """The Overview's one-sentence answer for all recorded crime, with a link to the full comparison."""
    st.subheader("How do we compare?")
    result = _result(selection, ALL_CRIME)
    if _public_small(result, selection):
        st.markdown("Too few crimes to compare in public output.")
    else:
        st.markdown(f"{blocks.literal(result.sentence)} {blocks.literal(result.similar_short)}")
        st.caption("**Why this is fair:** rates per 1,000 residents put areas of different sizes on one scale, and "
                   "the funnel's limits allow for small areas varying more by chance and for how much partnerships "
                   "normally differ; similar partnerships are chosen by size, density, deprivation and rurality.")
    from cspdash.ui.shell import PAGES_DIR

    if (PAGES_DIR / "compare.py").exists():
        params = {"csp": selection.partnership_code, "end": selection.period.end.strftime("%Y-%m"),
                  "len": str(selection.period.months)}
        st.page_link("pages/compare.py", label="Compare every crime type, the funnel plot and similar partnerships",
                     icon=":material/compare_arrows:", query_params=params)
