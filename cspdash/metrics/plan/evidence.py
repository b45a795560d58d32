"""Each priority's evidence: linked partner indicators and police.uk crime types judged by rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.change import Dispersion, compare_counts, level_dispersion, window_series
from cspdash.analysis.rag import (
    AMBER,
    GREEN,
    NOT_STARTED,
    RED,
    SEVERITY,
    indicator_rag,
    rag_badge,
)
from cspdash.analysis.spc import series_signals
from cspdash.metrics.period import Period, add_months
from cspdash.metrics.plan.rules import RECENT_POINTS, _as_date


# ---------------------------------------------------------------------------------------------- evidence
def _recent_signal(values: list[float], dates: list[dt.date]) -> tuple[str | None, str]:
    """Direction and sentence of the latest SPC signal reaching one of the last RECENT_POINTS points."""
    if len(values) < 3:
        return None, "too few points for an SPC chart"
    found = [s for s in series_signals(values, dates=dates, step_months=None)
             if s.end_index >= len(values) - RECENT_POINTS]
    if not found:
        return None, "no SPC signal in the latest points"
    latest = max(found, key=lambda s: (s.end_index, s.start_index))
    return latest.direction, latest.sentence


class IndicatorDef(NamedTuple):
    """A partner indicator linked to a priority, as the evidence reads it."""

    priority_id: str
    indicator_id: str
    name: str | None
    unit: str | None
    higher_is_better: bool | None
    source: str | None          # the source partner's name (its code when unnamed)


class SeriesPoint(NamedTuple):
    """One point of a series the evidence judges: an indicator's period (value, baseline, target summed over the
    partnership's areas) or a crime type's month (crimes; no baseline or target)."""

    key: str                    # the indicator id or the crime type
    period: dt.date
    value: float | None
    baseline: float | None
    target: float | None


@dataclass(frozen=True)
class _Sources:
    """What the evidence of some priorities is read from: their linked crime types and indicators, and the
    partnership's councils and force."""

    #: (priority_id, crime_types) in priority order
    linked: list[tuple[str, str | None]]
    #: in priority and indicator order
    indicators: list[IndicatorDef]
    councils: list[str]
    force: str | None


def _sources(con: duckdb.DuckDBPyConnection, partnership: str, priority_ids: list[str] | None = None) -> _Sources:
    """_Sources of the listed priorities (of every priority of the partnership when None), in one query of
    plain filtered scans: the priorities, the partnership's councils and force, partner names, indicators."""
    own = "list_contains($ids, priority_id)" if priority_ids is not None else "partnership_code = $p"
    linked_to = "list_contains($ids, priority_id)" if priority_ids is not None else (
        "priority_id IN (SELECT priority_id FROM priority WHERE partnership_code = $p)")
    params: dict[str, object] = {"p": partnership}
    if priority_ids is not None:
        params["ids"] = priority_ids
    rows = con.execute(
        f"""
        SELECT 0 AS part, priority_id, crime_types, NULL, NULL, NULL::BOOLEAN, NULL FROM priority WHERE {own}
        UNION ALL SELECT 1, la_code, NULL, NULL, NULL, NULL, NULL FROM partnership_la WHERE partnership_code = $p
        UNION ALL SELECT 2, force, NULL, NULL, NULL, NULL, NULL FROM partnership WHERE partnership_code = $p
        UNION ALL SELECT 3, partner_code, partner_name, NULL, NULL, NULL, NULL FROM partner
        UNION ALL SELECT 4, priority_id, indicator_id, name, unit, higher_is_better, source_partner
        FROM indicator WHERE {linked_to}
        """,
        params,
    ).fetchall()
    names = {r[1]: r[2] for r in rows if r[0] == 3}
    indicators = sorted((IndicatorDef(r[1], r[2], r[3], r[4], r[5], names.get(r[6], r[6])) for r in rows if r[0] == 4),
                        key=lambda d: (d.priority_id, d.indicator_id))
    return _Sources(
        linked=sorted((r[1], r[2]) for r in rows if r[0] == 0),  # (priority_id, ...): ids are unique
        indicators=indicators,
        councils=[r[1] for r in rows if r[0] == 1],
        force=next((r[1] for r in rows if r[0] == 2), None),
    )


#: every listed indicator's series summed over the listed areas (the partnership's own code and its councils'):
#: 0, indicator_id, period, value, baseline, target
_INDICATOR_SERIES_SQL = """
        SELECT 0 AS part, indicator_id, period, sum(value), sum(baseline), sum(target)
        FROM indicator_value
        WHERE list_contains($ids, indicator_id) AND list_contains($areas, area_code)
        GROUP BY indicator_id, period
"""


#: the listed councils' monthly counts of the listed crime types over 36 months to $end (the sum of
#: agg_crime_month_lsoa = monthly_crime_counts for the partnership): 1, crime_type, month, crimes, NULL, NULL.
#: The councils are listed, not joined, so the scan skips the row groups of other councils by their min/max.
_CRIME_SERIES_SQL = """
        SELECT 1 AS part, c.crime_type, c.month, sum(c.crimes)::DOUBLE, NULL::DOUBLE, NULL::DOUBLE
        FROM agg_crime_month_lsoa c
        WHERE list_contains($councils, c.la_code) AND list_contains($types, c.crime_type)
          AND c.month BETWEEN $first AND $end
        GROUP BY ALL
"""


#: the months the force published street data for: 2, NULL, month, NULL, NULL, NULL
_PUBLISHED_SQL = """
        SELECT DISTINCT 2, NULL, month, NULL, NULL, NULL FROM published_month
        WHERE source = 'street' AND force = $force
"""


def _series(con: duckdb.DuckDBPyConnection, partnership: str, sources: _Sources, indicator_ids: list[str],
            crime_types: list[str], end: dt.date | None) -> tuple[dict[str, list[SeriesPoint]],
                                                                   dict[str, list[SeriesPoint]], set[dt.date]]:
    """In one query: the indicators' series (indicator_id, period, value, baseline, target) and the crime
    types' monthly counts over 36 months to ``end`` (crime_type, month, crimes, ...), each oldest first by
    id, and the months the partnership's force published street data for."""
    parts: list[str] = []
    params: dict[str, object] = {}
    if indicator_ids:
        parts.append(_INDICATOR_SERIES_SQL)
        params.update(ids=indicator_ids, areas=[partnership, *sources.councils])
    if crime_types and end is not None and sources.councils:  # no councils: no counts (and nothing to gap)
        parts.append(_CRIME_SERIES_SQL)
        params.update(councils=sources.councils, types=crime_types, first=add_months(end, -35), end=end)
        if sources.force is not None:
            parts.append(_PUBLISHED_SQL)
            params["force"] = sources.force
    rows = con.execute(" UNION ALL ".join(parts), params).fetchall() if parts else []
    by_part: tuple[dict[str, list[SeriesPoint]], dict[str, list[SeriesPoint]]] = ({}, {})
    published: set[dt.date] = set()
    for part, key, period, value, baseline, target in sorted(rows, key=lambda r: (r[0], r[1] or "", r[2])):
        if part == 2:
            published.add(period)
        else:
            by_part[part].setdefault(key, []).append(SeriesPoint(key, period, value, baseline, target))
    return by_part[0], by_part[1], published


def _judge_indicators(defs: list[IndicatorDef],
                      series: dict[str, list[SeriesPoint]]) -> dict[str, list[dict[str, object]]]:
    """Evidence rows by priority from the indicators' definitions (priority_id, indicator_id, name, unit,
    higher_is_better, source) and their series (rows of _INDICATOR_SERIES_SQL by indicator, oldest first)."""
    out: dict[str, list[dict[str, object]]] = {}
    for priority_id, indicator_id, name, unit, higher_is_better, source in defs:
        points = series.get(indicator_id)
        if not points:
            continue
        values = [float("nan") if p.value is None else float(p.value) for p in points]
        dates = [_as_date(p.period) for p in points]
        baselines = [p.baseline for p in points if p.baseline is not None]
        targets = [p.target for p in points if p.target is not None]
        base = float(baselines[-1]) if baselines else None
        goal = float(targets[-1]) if targets else None
        direction, sentence = _recent_signal(values, dates)  # type: ignore[arg-type]
        is_count = _looks_like_count(unit, values)
        better_up = bool(higher_is_better) if higher_is_better is not None else False
        rag, reason = indicator_rag(values[-1], base, goal, better_up, direction,  # type: ignore[arg-type]
                                    is_count=is_count, dispersion=level_dispersion(values))
        out.setdefault(priority_id, []).append({
            "Evidence": name, "Kind": "partner indicator", "Source": source or "",
            "Latest": f"{_num(values[-1])} {unit or ''} ({dates[-1]:%b %Y})".replace("  ", " "),
            "Compared with": "" if base is None else f"baseline {_num(base)}",
            "Target": "" if goal is None else _num(goal),
            "Better when": "higher" if better_up else "lower",
            "Trend": sentence, "RAG": rag, "RAG (by rule)": rag_badge(rag), "Why": reason, "id": indicator_id,
        })
    return out


def _judge_crimes(crime_types: list[str], series: dict[str, list[SeriesPoint]], published: set[dt.date], end: dt.date,
                  months: int) -> dict[str, dict[str, object]]:
    """One evidence row per police.uk crime type (CRIME_EVIDENCE: last ``months`` against the same length
    before, SPC on 36 months) from each type's counts (crime_type, month, crimes), oldest first, and the months
    the force published: months it did not publish are gaps (every month counts when it published none)."""
    period = Period(end, months)
    start, stop, before_start, before_stop = period.start, period.end, period.previous_start, period.previous_end
    out: dict[str, dict[str, object]] = {}
    for crime_type in dict.fromkeys(crime_types):
        points = [p for p in series.get(crime_type, []) if not published or p.period in published]
        if not points:
            out[crime_type] = {"Evidence": crime_type, "Kind": "police.uk crime type", "Source": "police.uk",
                               "Latest": "no records", "Compared with": "", "Target": "", "Better when": "lower",
                               "Trend": "", "RAG": None, "RAG (by rule)": "no data",
                               "Why": "No records in the period.", "id": crime_type}
            continue
        months_seen: list[dt.date] = [p.period for p in points]  # DATE values, never blank
        counts = [float(p.value) for p in points]  # type: ignore[arg-type]  # a month's count is never blank
        # the change test reads the 36 months to the end: unpublished months are gaps, published ones with no
        # record are 0
        calendar = [add_months(end, -35 + i) for i in range(36)]
        by_month = dict(zip(months_seen, counts, strict=True))
        grid = np.array([[by_month.get(m, 0.0) if not published or m in published else np.nan for m in calendar]])
        history = window_series(grid, calendar, start, stop, before_start, before_stop)
        current, previous = float(history.current[0]), float(history.previous[0])
        # the SPC scan reads the same months: every published month (0 when none), gaps left as gaps
        shown = [(m, v) for m, v in zip(calendar, grid[0], strict=True) if not np.isnan(v)]
        direction, sentence = _recent_signal([v for _m, v in shown], [m for m, _v in shown])
        change = compare_counts(current, previous, Dispersion(float(history.phi[0]), float(history.df[0])),
                                float(history.expected_share[0]), history.complete,
                                min(history.current_published, history.previous_published), history.window)
        rag, reason = indicator_rag(current, previous, None, False, direction,  # type: ignore[arg-type]
                                    is_count=True, change=change)
        out[crime_type] = {
            "Evidence": crime_type, "Kind": "police.uk crime type", "Source": "police.uk",
            "Latest": f"{current:,.0f} ({period.label})",
            "Compared with": f"{previous:,.0f} ({period.previous_label}); {change.sentence}",
            "Target": "", "Better when": "lower", "Trend": sentence, "RAG": rag, "RAG (by rule)": rag_badge(rag),
            "Why": reason, "id": crime_type,
        }
    return out


def _types_of(crime_types: object) -> list[str]:
    return [t for t in (crime_types or "").split(";") if t]  # type: ignore[attr-defined]


def _evidence_rows(con: duckdb.DuckDBPyConnection, partnership: str, end: dt.date, months: int,
                   priority_id: str | None = None) -> dict[str, list[dict[str, object]]]:
    """Evidence rows by priority (one priority, or all of the partnership's): indicators, then crime types.
    Each series is read once and judged once, however many priorities link it: one query for what is linked
    (_sources), one for every series (indicators, crime types, published months)."""
    sources = _sources(con, partnership, None if priority_id is None else [priority_id])
    types = [t for _p, found in sources.linked for t in _types_of(found)]
    indicator_series, crime_series, published = _series(con, partnership, sources,
                                                         [d.indicator_id for d in sources.indicators], types, end)
    indicators = _judge_indicators(sources.indicators, indicator_series)
    crimes = _judge_crimes(types, crime_series, published, end, months)
    return {p: indicators.get(p, []) + [crimes[t] for t in _types_of(found)] for p, found in sources.linked}


_EVIDENCE_COLUMNS = ["Evidence", "RAG (by rule)", "Why", "Latest", "Compared with", "Target", "Better when", "Trend",
                     "Kind", "Source", "RAG", "id"]


def _evidence_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Indicator rows then crime rows as one table (the RAG column keeps None for 'no data')."""
    indicators = [r for r in rows if r["Kind"] == "partner indicator"]
    crimes = [r for r in rows if r["Kind"] != "partner indicator"]
    parts = [pd.DataFrame(part, columns=_EVIDENCE_COLUMNS) for part in (indicators, crimes) if part]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EVIDENCE_COLUMNS)


def evidence_rag(measure_rags: list[str | None]) -> tuple[str | None, str]:
    """Roll measure RAGs up to the priority's evidence RAG by EVIDENCE_RULE_TEXT (blank or NaN: no data)."""
    known = [r for r in measure_rags if isinstance(r, str) and r]
    if not known:
        return None, "No linked evidence with data."
    reds, greens = known.count(RED), known.count(GREEN)
    if reds:
        return RED, f"{reds} of {len(known)} linked measures {'is' if reds == 1 else 'are'} Red."
    if greens * 2 >= len(known):
        return GREEN, f"{greens} of {len(known)} linked measures are Green and none is Red."
    return AMBER, f"{greens} of {len(known)} linked measures are Green (fewer than half); none is Red."


@dataclass(frozen=True)
class EvidenceView:
    """Every priority's evidence rows: its table (evidence_table) and, beside the plan's own RAG from
    priorities(), the comparison (comparison). The evidence does not depend on the judgement date."""

    rows: dict[str, list[dict[str, object]]]

    def evidence_table(self, priority_id: str) -> pd.DataFrame:
        """Every linked measure of one priority: partner indicators, then police.uk crime types."""
        return _evidence_frame(self.rows.get(priority_id, []))

    def comparison(self, plan: pd.DataFrame) -> pd.DataFrame:
        """Per priority: the plan's self-reported RAG (PlanView.priorities) beside the evidence RAG and whether they
        agree (AGREEMENT_RULE_TEXT)."""
        rows: list[dict[str, object]] = []
        for row in plan.itertuples(index=False):
            rag, reason = evidence_rag([r["RAG"] for r in self.rows.get(row.priority_id, [])])  # type: ignore[misc]
            if rag is None:
                verdict = "no evidence linked"
            else:
                gap = abs(min(SEVERITY[row.rag], 3) - SEVERITY[rag])
                if row.rag == NOT_STARTED:
                    verdict = "not started"
                else:
                    verdict = "disagree" if gap >= 2 else "differ" if gap == 1 else "agree"
            rows.append({"Priority": row.priority, "Plan says (actions)": row.rag_badge,
                         "Data says (evidence)": rag_badge(rag) if rag else "no evidence", "Agreement": verdict,
                         "Why (evidence)": reason, "Lead partner": row.lead, "priority_id": row.priority_id,
                         "plan_rag": row.rag, "evidence_rag": rag})
        return pd.DataFrame(rows, columns=["Priority", "Plan says (actions)", "Data says (evidence)", "Agreement",
                                           "Why (evidence)", "Lead partner", "priority_id", "plan_rag",
                                           "evidence_rag"])


def evidence_view(con: duckdb.DuckDBPyConnection, partnership: str, end: dt.date, months: int) -> EvidenceView:
    """Every priority's evidence, each series read and judged once (see EvidenceView)."""
    return EvidenceView(_evidence_rows(con, partnership, end, months))


def _looks_like_count(unit: str | None, values: list[float]) -> bool:
    """A Poisson test fits counts only: whole non-negative numbers and a unit that is not a %, rate or score."""
    text = (unit or "").lower()
    if any(word in text for word in ("%", "percent", "rate", "per ", "score", "ratio", "£")):
        return False
    return all(v >= 0 and float(v).is_integer() for v in values)


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
