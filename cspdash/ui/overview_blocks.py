"""Blocks of the overview page: freshness banner, headline tiles, exceptions, action-plan RAG, the headline chart."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cspdash.analysis.change import CHANGE_RULE_TEXT
from cspdash.analysis.rag import PRIORITY_RULE_TEXT, RAG_ORDER, RAG_STATUSES
from cspdash.analysis.spc import RULES, SPC_RULE_TEXT
from cspdash.charts.trends import event_key, xmr_figure
from cspdash.config import settings
from cspdash.metrics import compare, crime, plan, public_rates
from cspdash.metrics.catalogue import measure
from cspdash.metrics.disclosure import HIDDEN_TEXT, count_text, is_small, ward_change_text
from cspdash.metrics.period import add_months, month_label
from cspdash.metrics.rates import rate_texts
from cspdash.ui import blocks, plan_blocks
from cspdash.ui import params as url
from cspdash.ui.db import query
from cspdash.ui.filters import Selection
from cspdash.vocab import ALL_CRIME

#: direction → symbol shown with every change, so direction never rests on colour
DIRECTION_ICON = {"up": "▲", "down": "▼", "flat": "●"}
VERDICT_ICON = {"significant": "⚠️", "possible": "👀", "noise": "≈"}
TILE_ALL_CRIME = "All crime (excl. ASB)"
#: signals listed in full per crime type, and crime types listed in full; the rest sit behind "and N more"
SHOWN_SIGNALS_PER_TYPE = 2
SHOWN_SIGNAL_TYPES = 6


def link_params(selection: Selection, **extra: str) -> dict[str, str]:
    """URL parameters that keep the sidebar choice when following a link to another page."""
    params = {url.PARTNERSHIP: selection.partnership_code, url.PERIOD_END: selection.period.end.strftime("%Y-%m"),
              url.PERIOD_LENGTH: str(selection.period.months)}
    return {**params, **extra}


def freshness_banner(selection: Selection) -> None:
    """Data freshness and any incomplete months in the last three years, in one banner."""
    fresh = query(crime.freshness, selection.force)
    horizon = add_months(selection.period.end, -35)
    recent = [(m, s) for m, s in fresh.incomplete if horizon <= m <= selection.period.end]
    if recent:
        listed = ", ".join(f"{month_label(m)} ({'not published' if s == 'missing' else 'far fewer rows than usual'})"
                           for m, s in recent)
        st.warning(f"{fresh.sentence} Incomplete months: {listed}. They are shown as gaps, never as zero.",
                   icon=":material/warning:")
    else:
        st.info(f"{fresh.sentence} Every month in the last three years is complete.", icon=":material/update:")


def headline_tiles(selection: Selection) -> None:
    """Tiles for all crime, ASB and the priorities' crime types: count, change and the verdict in words."""
    period = selection.period
    named = query(crime.priority_crime_types, selection.partnership_code)
    extra = named or query(crime.largest_crime_types, selection.partnership_code, period)
    public = settings().public_output
    if public:  # the totals Crime trends and Hot spots hide are hidden here too (metrics.public_overview)
        from cspdash.metrics import public_overview

        with st.spinner(f"Working out which counts public output hides for {selection.partnership_name} (once "
                        "per data update; up to about 20 seconds)…"):
            frame = query(public_overview.headline_changes, selection.partnership_code, selection.force, period,
                          tuple(extra))
    else:
        frame = query(crime.headline_changes, selection.partnership_code, period, tuple(extra))
    counts = measure("crimes")
    st.subheader("What has changed")
    basis = ("crime types named by the partnership's priorities" if named
             else "the largest crime types (no action plan with priorities is loaded)")
    st.caption(f"{period.label} against {period.previous_label}. Tiles: all recorded crime, anti-social behaviour "
               f"and {basis}.")
    rates = query(public_rates.headline_rates if public else compare.headline_rates, selection.partnership_code,
                  period, tuple(frame["crime_type"]))
    shown = []
    for tile in frame.itertuples():
        label = TILE_ALL_CRIME if tile.crime_type == ALL_CRIME else tile.label
        if public:  # each total as shown: '<5' (1–4) or '[c]' (hidden beside small counts; public_overview)
            figures = f"{tile.current_shown} in {period.label}, {tile.previous_shown} in {period.previous_label}"
        else:
            figures = f"{count_text(tile.current, False)} in {period.label}, {count_text(tile.previous, False)} in " \
                f"{period.previous_label}"
        if public and (is_small(tile.current) or is_small(tile.previous)):
            # '<5', and no change or z: either would give the small count back
            shown.append(blocks.Tile(label, tile.current_shown, "Too few crimes to compare in public output.",
                                     f"{figures}. Public output shows counts of 1–4 as <5 and leaves out their change."
                                     + (f" {HIDDEN_TEXT}" if tile.current_hidden or tile.previous_hidden else "")))
            continue
        if public and (tile.current_hidden or tile.previous_hidden):  # '[c]': no change, rate or verdict either
            shown.append(blocks.Tile(label, tile.current_shown, "Change hidden in public output.",
                                     f"{figures}. {HIDDEN_TEXT}"))
            continue
        current_rate, previous_rate = rates.get(str(tile.crime_type), (None, None))
        if current_rate is not None:  # rates beside counts, printed so that two different rates never look alike
            now, before = rate_texts([current_rate, previous_rate])
            figures += f"; {now} against {before} {compare.RATE_UNIT}"
        pct = "new" if tile.previous == 0 else f"{tile.pct_change:+.0f}%"
        spread = (f" Month to month this count varies {tile.dispersion:.1f} times as much as a steady count would "
                  "(variance ÷ mean)."
                  if tile.verdict is not None and tile.dispersion > 1.05 else "")
        whole = not tile.published  # a period with months not loaded: no coloured change (the verdict says why)
        shown.append(blocks.Tile(
            label, counts.format(tile.current), tile.sentence, f"{figures}.{spread}",
            change=pct if whole else None, direction=tile.direction, symbol=DIRECTION_ICON.get(tile.direction, ""),
            note=f"on previous {period.months} months"))
    blocks.tiles(shown, "Headline changes")
    st.caption("**Is the change real?** " + CHANGE_RULE_TEXT + " Fewer crimes is better: a rise shows in red with ▲, "
               "a fall in blue with ▼, no change with ●.")
    if st.toggle("Show the tile figures as a table", key="tile_table"):
        if public:  # the totals as shown ('<5', '[c]'), the worked figures already blank beside them
            frame = frame.assign(current=frame["current_shown"], previous=frame["previous_shown"])
        table = frame[["label", "current", "previous", "pct_change", "dispersion", "p_value", "sentence"]].rename(
            columns={"label": "Crime type", "current": period.label, "previous": period.previous_label,
                     "pct_change": "Change (%)", "dispersion": "Variation (× a steady count)",
                     "p_value": "Chance if nothing changed", "sentence": "Verdict"}).round(
            {"Change (%)": 1, "Variation (× a steady count)": 1, "Chance if nothing changed": 4})
        blocks.table(table, "headline changes", small_count_columns=[period.label, period.previous_label],
                     derived_columns=["Change (%)", "Chance if nothing changed"])


def exceptions(selection: Selection) -> None:
    """SPC signals in the last three months and wards with a real change: where to look next."""
    period = selection.period
    st.subheader("Exceptions: where to look next")
    spc_col, ward_col = st.columns(2)
    with spc_col:
        st.markdown("**Unusual months (SPC signals in the last three months)**")
        withheld: tuple[str, ...] = ()
        if settings().public_output:  # '<5' in sentences; no signal for a type with a hidden month (its limits)
            from cspdash.metrics import public_overview

            signals, withheld = query(public_overview.recent_signals, selection.partnership_code, selection.force,
                                      period.end)
        else:
            signals = query(crime.recent_signals, selection.partnership_code, selection.force, period.end)
        if signals.empty:
            st.markdown(f"No crime type{' public output can judge' if withheld else ''} shows an SPC signal in the "
                        "last three months: recent months are within "
                        "normal variation.")
        groups = list(signals.groupby("crime_type", sort=False))
        for crime_type, group in groups[:SHOWN_SIGNAL_TYPES]:
            _signal_group(selection, str(crime_type), group)
        if len(groups) > SHOWN_SIGNAL_TYPES:
            rest = groups[SHOWN_SIGNAL_TYPES:]
            count = sum(len(g) for _t, g in rest)
            with st.expander(f"…and {count} more signal{'s' if count != 1 else ''} in {len(rest)} more crime "
                             f"type{'s' if len(rest) != 1 else ''}"):
                for crime_type, group in rest:
                    _signal_group(selection, str(crime_type), group)
        held_back = (f" Public output gives no signals for {len(withheld)} crime type{'s' if len(withheld) != 1 else ''}"
                     f" ({', '.join(w.lower() for w in withheld)}): some of their months are hidden beside small "
                     "counts, and a signal's limits would give them back." if withheld else "")
        if not signals.empty:
            total = len(signals)
            st.caption(f"{total} signal{'s' if total != 1 else ''} in all, every one listed. " + SPC_RULE_TEXT
                       + held_back)
        else:
            st.caption(SPC_RULE_TEXT + held_back)
    with ward_col:
        st.markdown("**Wards with a real change in all recorded crime**")
        if settings().public_output:  # a ward total Crime trends hides is '[c]' here too
            from cspdash.metrics import public_overview

            wards = query(public_overview.ward_changes, selection.partnership_code, selection.force, period)
        else:
            wards = query(crime.ward_changes, selection.partnership_code, period)
        real = wards[wards["verdict"] == "significant"] if not wards.empty else wards
        if not wards.empty and wards["verdict"].isna().all():
            st.markdown(f"No verdicts for wards: {wards['published'].iloc[0] or 'not enough months published'}.")
        elif real.empty:
            st.markdown("No ward shows a real change against the previous period, allowing for how much each "
                        "ward's count normally varies from month to month.")
        if not real.empty:  # one list, one element to draw
            st.markdown("\n".join(f"- {DIRECTION_ICON[ward.direction]} **{blocks.literal(ward.ward_name)}**: "
                                   + ward_change_text(ward, settings().public_output) for ward in real.head(8).itertuples()))
        if len(real) > 8:
            st.caption(f"…and {len(real) - 8} more wards; see the crime trends page at ward level.")
        _link("trends.py", "Compare wards on the trends page", ":material/show_chart:",
              link_params(selection, **{url.AREA_LEVEL: "ward"}))


def _signal_group(selection: Selection, crime_type: str, group: pd.DataFrame) -> None:
    """One crime type's signals: the first two in the list, any others behind 'and N more'."""
    # unusual months first (the strongest evidence), then the other rules in their usual order
    group = group.sort_values("rule", key=lambda rules: rules.map(RULES.index), kind="stable")
    icon = DIRECTION_ICON[group["direction"].iloc[0]]
    lines = "\n".join(f"  - {s}" for s in group["sentence"].head(SHOWN_SIGNALS_PER_TYPE))
    st.markdown(f"- {icon} **{group['label'].iloc[0]}**\n{lines}")
    more = len(group) - SHOWN_SIGNALS_PER_TYPE
    if more > 0:
        with st.expander(f"…and {more} more signal{'s' if more != 1 else ''} for {group['label'].iloc[0].lower()}"):
            st.markdown("\n".join(f"- {s}" for s in group["sentence"].iloc[SHOWN_SIGNALS_PER_TYPE:]))
    _link("trends.py", f"See the {group['label'].iloc[0].lower()} trend", ":material/show_chart:",
          link_params(selection, **{url.CRIME_TYPE: crime_type}))


def plan_summary(selection: Selection) -> None:
    """The action plan's priorities with their RAG status (symbol and word, never colour alone) and reason."""
    st.subheader("Action plan")
    if not query(plan.has_plan, selection.partnership_code):
        st.info("No action plan is loaded for this partnership. Load the action-plan workbook on the Data page.",
                icon=":material/checklist:")
        return
    as_at = plan_blocks.judgement_date(selection)
    summary = query(plan.priorities, selection.partnership_code, as_at)
    counts = summary["rag"].value_counts()
    st.markdown(" · ".join(f"{RAG_STATUSES[k].icon} {RAG_STATUSES[k].label}: **{int(counts.get(k, 0))}**"
                           for k in RAG_ORDER if counts.get(k, 0)) + f" — of {len(summary)} priorities, "
                f"judged as at {as_at:%d %b %Y}")
    shown = summary[["rag_badge", "priority", "lead", "actions", "rag_reason"]].rename(columns={
        "rag_badge": "Status", "priority": "Priority", "lead": "Lead partner", "actions": "Actions",
        "rag_reason": "Why"})
    blocks.static_table(shown, "action plan status", caption="Status rule: " + PRIORITY_RULE_TEXT)
    st.caption(f"Key: {plan_blocks.legend_line()}.")
    _link("priorities.py", "Open the action plan", ":material/checklist:", link_params(selection))


def headline_chart(selection: Selection) -> None:
    """All recorded crime by month with its process limits: the picture behind the tiles."""
    end = selection.period.end
    start = max(add_months(end, -35), selection.months[0]) if selection.months else add_months(end, -35)
    what = f"{TILE_ALL_CRIME} in {selection.partnership_name}"  # the tile's name: ASB is not in it
    events = query(crime.plan_events, selection.partnership_code, start, end)
    if settings().public_output:
        from cspdash.metrics import public

        result = query(public.spc_series, selection.partnership_code, selection.force, "partnership",
                       selection.partnership_code, ALL_CRIME, start, end, None)
        if result is None:  # a month hidden beside small counts: the months as Crime trends shows them, no limits
            _public_months_chart(selection, what, start, end, events)
            return
    else:
        result = query(crime.spc_series, selection.partnership_code, selection.force, "partnership",
                       selection.partnership_code, ALL_CRIME, start, end, None)
    figure = blocks.cached_figure(xmr_figure, result.chart, _chart_title(selection), measure("crimes").unit.capitalize(),
                                  events=events)
    blocks.chart(figure, crime.spc_sentence(result, what), result.chart, "all crime by month")
    if not events.empty:
        st.caption(event_key(events.assign(title=events["title"].map(blocks.literal))))


def _chart_title(selection: Selection) -> str:
    """'Caerphilly: all crime (excl. ASB) by month': the partnership first, so a long name breaks after its colon
    (charts.theme.title_lines) rather than leaving 'month' alone on a second line."""
    return f"{selection.partnership_name}: all crime (excl. ASB) by month"


def _public_months_chart(selection: Selection, what: str, start: date, end: date, events: pd.DataFrame) -> None:
    """Public output, when the protection hides a month of the series: the months as Crime trends draws them (hidden
    ones as gaps) and why there are no process limits (their average would give the hidden months back)."""
    from cspdash.charts.trends import trend_lines
    from cspdash.metrics import public
    from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED

    frame = query(public.trend_series, selection.partnership_code, selection.force, "partnership",
                  (selection.partnership_code,), ALL_CRIME, start, end, "month", False)
    figure = trend_lines(frame, "crimes", _chart_title(selection), measure("crimes").unit.capitalize(), events=events)
    blocks.chart(figure, crime.trend_sentence(frame, "crimes", what, measure("crimes").unit), frame,
                 "all crime by month")
    gaps = int(frame["crimes_shown"].isin([SUPPRESSED, HIDDEN]).sum()) if "crimes_shown" in frame else 0
    st.caption(f"Public output: {gaps} of these {len(frame)} months are hidden ({SUPPRESSED} or {HIDDEN}: gaps in "
               "the line), as on Crime trends, so the chart has no process limits: their average would give the "
               f"hidden months back. {HIDDEN_TEXT}")
    if not events.empty:
        st.caption(event_key(events.assign(title=events["title"].map(blocks.literal))))


def _link(file: str, label: str, icon: str, params: dict[str, str]) -> None:
    """A link to another page with the view's parameters, when that page is installed."""
    from cspdash.ui.shell import PAGES_DIR

    if (PAGES_DIR / file).exists():
        st.page_link(f"pages/{file}", label=label, icon=icon, query_params=params)
