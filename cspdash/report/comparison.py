"""The comparison page of the pack and the slides, and the summary's sentence on how the partnership compares.

The figures are those of the "How do we compare?" page (cspdash.metrics.compare): rates per 1,000 residents over
the 12 months to the meeting's last month of police.uk data, the funnel of every loaded partnership with its 95%
and 99.8% limits (allowing for over-dispersion), and every crime type against the force, the loaded similar
partnerships and all loaded ones. In public output the figures are the Compare page's own (metrics.public, its
compare_protection): a count of 1–4 is written '<5', one hidden beside it '[c]', and the rate, rank, quartile,
verdict and pooled rates worked from them are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from cspdash.analysis.funnel import MIN_UNITS, POSITION_SHORT, POSITION_WORDS, funnel_curve
from cspdash.analysis.similar import possessive
from cspdash.charts.funnel import funnel_figure
from cspdash.metrics import compare, public
from cspdash.metrics.disclosure import HIDDEN, SUPPRESSED, is_small
from cspdash.metrics.meeting import Briefing
from cspdash.metrics.period import Period
from cspdash.metrics.rates import rate_texts
from cspdash.vocab import ALL_CRIME

#: the comparison looks at the 12 months to the meeting's last month of police.uk data
PERIOD_MONTHS = 12
TITLE = "How the partnership compares"
NOT_AVAILABLE_NO_DATA = "No comparison: no police.uk data is loaded for the months before this meeting."


def ordinal(n: int) -> str:
    """1 → '1st', 2 → '2nd', 11 → '11th', 23 → '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_words(rank: int, of: int) -> str:
    """'the highest', 'the 2nd highest', 'the lowest' of ``of``."""
    if rank <= 1:
        return "the highest"
    if rank >= of:
        return "the lowest"
    return f"the {ordinal(rank)} highest"


def no_verdict_words(units: int) -> str:
    """Why there is no funnel verdict with fewer than MIN_UNITS partnerships loaded."""
    return (f"no funnel verdict: only {units} partnership{'s' if units != 1 else ''} loaded (a funnel needs at "
            f"least {MIN_UNITS} to judge how much areas normally differ)")


@dataclass(frozen=True)
class ComparisonView:
    """What the pack's comparison page and the slides show, and the summary's lines."""

    partnership_code: str
    partnership_name: str
    period_label: str
    summary: list[str]  # the page-1 lines (the first is the one-sentence answer)
    method: str  # the method in one plain sentence
    points: pd.DataFrame = field(default_factory=pd.DataFrame)  # the funnel's partnerships (public: small ones out)
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)  # the funnel's limits
    chart_title: str = ""
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # every crime type, as people read it
    table_note: str = ""

    @property
    def sentence(self) -> str:
        """The one-sentence answer."""
        return self.summary[0]

    @property
    def has_chart(self) -> bool:
        return not self.points.empty

    def figure(self) -> go.Figure | None:
        """The funnel plot (None when no partnership has a rate to draw)."""
        if not self.has_chart:
            return None
        return funnel_figure(self.points, self.curve, self.partnership_code, self.chart_title,
                             f"Crimes {compare.RATE_UNIT}")


def period_for(data_end: date | None) -> Period | None:
    """The 12 months to the meeting's last month of data (None without data)."""
    return Period(end=data_end.replace(day=1), months=PERIOD_MONTHS) if data_end else None


def comparison_view(con: duckdb.DuckDBPyConnection, b: Briefing) -> ComparisonView:
    """The comparison of the meeting's partnership with every loaded one, for the pack, the slides and page 1."""
    m = b.meeting
    period = period_for(m.data_end)
    if period is None:
        return ComparisonView(m.partnership_code, m.partnership_name, "", [NOT_AVAILABLE_NO_DATA], "")
    # public output: the Compare page's own frames (metrics.public: compare_protection), so the pack and the slides
    # hide what the page hides, pooled rates included
    result = (public.comparison if b.public else compare.comparison)(con, m.partnership_code, period, ALL_CRIME)
    by_type = (public.by_crime_type if b.public else compare.by_crime_type)(con, m.partnership_code, period)
    units = result.funnel.units
    method = (f"Method: each rate is crimes {compare.RATE_UNIT} (Census 2021) over {period.label}, and the funnel's "
              f"limits show how far a partnership of each size can sit from the average of the {units} loaded "
              f"partnership{'s' if units != 1 else ''} by chance, allowing for how much areas normally differ "
              "(Spiegelhalter 2005), so only a rate outside the 99.8% limits is called a real difference.")
    hidden = b.public and public.own_hidden(con, result, period)
    lines = [_answer(con, result, hidden), *_outliers(by_type, units, b.public), result.similar_short]
    points = result.table[result.table["rate"].notna()]
    if b.public:  # the funnel's points and centre line as the Compare page draws them
        gone = public.compare_protection(con, period.start, period.end)
        points = points[~points["crimes_with_population"].map(is_small)
                        & ~points["partnership_code"].map(lambda c: (c, ALL_CRIME) in gone).astype(bool)]
        if public.funnel_hidden(con, period, ALL_CRIME):
            points = points.iloc[0:0]
    curve = (funnel_curve(result.funnel, float(points["residents"].min()), float(points["residents"].max()))
             if not points.empty and units else pd.DataFrame())
    title = f"All recorded crime (excluding ASB): rate against residents, {period.label}"
    return ComparisonView(m.partnership_code, m.partnership_name, period.label, lines, method, points, curve, title,
                          _table(by_type, m.partnership_name, b.public), _table_note(result))


def _answer(con: duckdb.DuckDBPyConnection, result: compare.Comparison, hidden: bool) -> str:
    """'Newport's recorded crime rate, 118.3 per 1,000 residents (…), is the 2nd highest of the 5 Gwent Police
    partnerships loaded; within the 95% limits: in line with areas of its size.'"""
    name = result.partnership_name
    what = "recorded crime (excluding ASB)"
    if hidden:
        return f"{name}: too few crimes to compare in public output (counts of 1–4 are not shown)."
    if result.own is None:
        residents = compare.partnership_residents(con)
        own = residents[residents["partnership_code"] == result.partnership_code]["residents"].dropna()
        if own.empty or float(own.iloc[0]) <= 0:
            return (f"{possessive(name)} {what} rate cannot be compared: {name} has no population figure, so it "
                    "has no rate per resident.")
        return (f"{possessive(name)} {what} rate cannot be compared: no police.uk data of {result.force or 'its force'} "
                f"is loaded for {result.period_label}.")
    units = result.funnel.units
    table = result.table[result.table["rate"].notna()]
    one_force = bool(units) and set(table["force"]) == {result.force}
    among = f"{units} {result.force} partnerships loaded" if one_force else f"{units} partnerships loaded"
    rate = rate_texts([result.own["rate"]])[0]
    text = (f"{possessive(name)} {what} rate, {rate} {compare.RATE_UNIT} ({result.period_label}), is "
            f"{rank_words(int(result.own['rank']), units)} of the {among}")
    if not result.funnel.has_verdict:
        return f"{text}; {no_verdict_words(units)}."
    verdict = POSITION_WORDS.get(str(result.own["position"]), str(result.own["verdict"]))
    if units < compare.FIRM_UNITS:
        verdict += f" (with only {units} partnerships to compare the limits are wide)"
    return f"{text}; {verdict}."


def _outliers(by_type: pd.DataFrame, units: int, public: bool) -> list[str]:
    """The crime types outside the 99.8% limits, in one line (none without a verdict)."""
    if units < MIN_UNITS or by_type.empty:
        return []
    rows = by_type
    if public:
        rows = rows[[not h for h in hidden_types(by_type)]]
    rows = rows[rows["crime_type"] != ALL_CRIME]
    high = list(rows.loc[rows["position"] == "above_998", "label"])
    low = list(rows.loc[rows["position"] == "below_998", "label"])
    parts = []
    if high:
        parts.append(f"higher than areas of its size would show by chance (above the 99.8% limit): {_listed(high)}")
    if low:
        parts.append(f"lower than areas of its size would show by chance (below the 99.8% limit): {_listed(low)}")
    if not parts:
        return ["No crime type is outside the 99.8% limits."]
    return ["By crime type, " + "; ".join(parts) + "."]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def hidden_types(by_type: pd.DataFrame) -> list[bool]:
    """Public output: the rows of ``by_type`` whose count is hidden. A count of 1–4, and, since the crime types
    (ASB apart) add up to the 'All recorded crime' row shown beside them, a further type where that total and
    the types shown would give a hidden one back ('[c]'; metrics.disclosure.protect_cells)."""
    from cspdash.metrics.disclosure import Cell, protect_cells
    from cspdash.vocab import ASB

    if "crimes_shown" in by_type:  # metrics.public.by_crime_type: Compare's own hiding (compare_protection)
        return [str(s) in (SUPPRESSED, HIDDEN) for s in by_type["crimes_shown"]]
    values: dict[Cell, float] = {str(t): float(c) if pd.notna(c) else 0.0 for t, c in zip(by_type["crime_type"], by_type["crimes"],
                                                                      strict=True)}
    members: list[Cell] = [t for t in values if t not in (ALL_CRIME, ASB)]
    total: Cell | None = ALL_CRIME if ALL_CRIME in values else None
    primary, secondary = protect_cells(values, [(total, members)])
    return [str(t) in primary or str(t) in secondary for t in by_type["crime_type"]]


def _table(by_type: pd.DataFrame, name: str, public: bool) -> pd.DataFrame:
    """Every crime type: the partnership's rate against the force, the similar group and all loaded ones, its
    rank and quartile and the funnel's verdict. Public output: a count of 1–4 is '<5', its rate etc. left out."""
    if by_type.empty:
        return pd.DataFrame()
    texts = {c: rate_texts(by_type[c]) for c in ("rate", "force_rate", "group_rate", "all_rate")}
    texts = {c: [t if t != "n/a" else "" for t in v] for c, v in texts.items()}
    hide = hidden_types(by_type) if public else [False] * len(by_type)
    rows = []
    for i, r in enumerate(by_type.itertuples()):
        mine = pd.notna(r.rank)
        rows.append({
            "Crime type": r.label,
            "Crimes counted": _hidden_text(r) if hide[i] else (
                f"{int(r.crimes):,}" if pd.notna(r.crimes) else ""),
            f"{name} rate": "" if hide[i] else texts["rate"][i],
            "Force": texts["force_rate"][i], "Similar partnerships": texts["group_rate"][i],
            "All loaded": texts["all_rate"][i],
            "Rank (1 = highest)": "" if hide[i] or not mine else f"{int(r.rank)} of {int(r.of)}",
            "Quartile": "" if hide[i] or not mine else f"{int(r.quartile)}",
            "Funnel verdict": "" if hide[i] else POSITION_SHORT.get(str(r.position), str(r.position)),
        })
    return pd.DataFrame(rows)


def _hidden_text(row: object) -> str:
    """'<5' or '[c]' for a hidden row (as metrics.public.by_crime_type wrote it, else from its count)."""
    shown = getattr(row, "crimes_shown", None)
    if shown in (SUPPRESSED, HIDDEN):
        return str(shown)
    return SUPPRESSED if is_small(getattr(row, "crimes", None)) else HIDDEN


def _table_note(result: compare.Comparison) -> str:
    return (f"Rates {compare.RATE_UNIT}, {result.period_label}. Force: all {result.force or 'force'} partnerships "
            "pooled; Similar partnerships: its most similar partnerships in England and Wales that are loaded, pooled; "
            "All loaded: every loaded partnership pooled. Rank and quartile among all loaded partnerships (quartile 1 "
            "= the highest quarter). Crimes counted: those in neighbourhoods with a population figure, as in the rate.")
