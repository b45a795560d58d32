"""The plan's partners: the partner × priority matrix, totals, contributions and lead officers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    COMPLETE,
    GREEN,
)
from cspdash.metrics.plan.actions import _action_columns
from cspdash.metrics.plan.rules import _codes, _frame, _text, partner_names

if TYPE_CHECKING:
    from cspdash.metrics.plan.rows import ActionState


# ---------------------------------------------------------------------------------------------- partners
class Given(NamedTuple):
    """What one partner gives to one priority (or to the whole plan): the sums are None when every value is
    blank; kinds are the distinct kinds in order joined by ', '."""

    cash: float | None
    fte: float | None
    kinds: str | None
    in_kind: float | None


NOTHING_GIVEN = Given(None, None, None, None)


@dataclass
class _Counts:
    """One partner's actions on one priority: led, supported, and of those led on track, slipping, overdue."""

    led: int = 0
    supported: int = 0
    on_track: int = 0
    slipping: int = 0
    overdue: int = 0


def _matrix(con: duckdb.DuckDBPyConnection, partnership: str, states: list[ActionState],
            titles: dict[str, str] | None = None, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Partner × priority: actions led and supported, on track / slipping / overdue (led), funding and staff, from
    the actions' states (priority titles and partner names when already read)."""
    if titles is None:
        titles = dict(con.execute(  # type: ignore[arg-type]
            "SELECT priority_id, title FROM priority WHERE partnership_code = ? ORDER BY priority_id", [partnership]
        ).fetchall())
    titles = dict(titles)
    money = _contributions(con, partnership)
    names = partner_names(con) if names is None else names
    counted: dict[tuple[str, str], _Counts] = {}
    for state in states:
        if state.owner is not None:  # an action without an owner counts for nobody (as a groupby drops it)
            led = counted.setdefault((state.owner, state.priority_id), _Counts())
            led.led += 1
            led.on_track += int(state.rag in (GREEN, COMPLETE) and not state.slipping)
            led.slipping += int(state.slipping)
            led.overdue += int(state.overdue)
        for code in _codes(state.supporting):
            counted.setdefault((code, state.priority_id), _Counts()).supported += 1
    titles[""] = "(whole plan)"
    keys = sorted(set(counted) | set(money), key=lambda k: (names.get(k[0], k[0]), k[1] or "~"))
    columns = ["Partner", "Priority", "Led", "Supported", "On track", "Slipping", "Overdue", "Cash funding (£)",
               "In-kind (£)", "Staff (FTE)", "Other support", "partner_code", "priority_id"]
    if not keys:
        return pd.DataFrame([], columns=columns)
    counts = [counted.get(key, _Counts()) for key in keys]
    given = [money.get(key, NOTHING_GIVEN) for key in keys]
    values: list[list[object]] = [
        [names.get(code, code) for code, _p in keys], [titles.get(p, p) for _c, p in keys],
        [c.led for c in counts], [c.supported for c in counts], [c.on_track for c in counts],
        [c.slipping for c in counts], [c.overdue for c in counts],
        [0.0 if g.cash is None else float(g.cash) for g in given],
        [0.0 if g.in_kind is None else float(g.in_kind) for g in given],
        [0.0 if g.fte is None else float(g.fte) for g in given],
        [_text(g.kinds) for g in given], [code for code, _p in keys], [p for _c, p in keys],
    ]
    return pd.DataFrame(dict(zip(columns, values, strict=True)))


def _contributions(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[tuple[str, str], Given]:
    """(partner, priority_id or '') → what the partner gives (cash funding, FTE, kinds, in-kind value): the sums (None when every value is
    blank) and the distinct kinds in order joined by ', '. Cash is the amounts of kind 'funding' only; the £ value
    of in-kind support is summed apart, never as funding."""
    groups: dict[tuple[str, str], tuple[list[float], list[float], set[str], list[float]]] = {}
    for code, priority_id, kind, amount, fte in con.execute(
        "SELECT partner_code, priority_id, kind, amount_gbp, fte FROM partner_contribution WHERE partnership_code = ?",
        [partnership],
    ).fetchall():
        amounts, ftes, kinds, in_kind = groups.setdefault((code, priority_id or ""), ([], [], set(), []))
        if amount is not None and kind == "funding":
            amounts.append(amount)
        elif amount is not None and kind == "in-kind":
            in_kind.append(amount)
        if fte is not None:
            ftes.append(fte)
        kinds.add(kind)
    return {key: Given(sum(amounts) if amounts else None, sum(ftes) if ftes else None, ", ".join(sorted(kinds)),
                       sum(in_kind) if in_kind else None)
            for key, (amounts, ftes, kinds, in_kind) in groups.items()}


def _totals(con: duckdb.DuckDBPyConnection, partnership: str, matrix: pd.DataFrame,
            led_priorities: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per partner: the partner matrix's totals plus priorities led (and the priorities each partner leads, when already counted)."""
    if led_priorities is None:
        led_priorities = dict(con.execute(  # type: ignore[arg-type]
            "SELECT lead_partner, count(*) FROM priority WHERE partnership_code = ? GROUP BY ALL", [partnership]
        ).fetchall())
    if matrix.empty:
        return matrix
    numbers = ["Led", "Supported", "On track", "Slipping", "Overdue", "Cash funding (£)", "In-kind (£)", "Staff (FTE)"]
    sums: dict[tuple[str, str], dict[str, float]] = {}  # (partner code, name) → column → total
    for code, name, *row in zip(matrix["partner_code"].tolist(), matrix["Partner"].tolist(),
                                *(matrix[c].tolist() for c in numbers), strict=True):
        total = sums.setdefault((code, name), dict.fromkeys(numbers, 0))
        for column, value in zip(numbers, row, strict=True):
            total[column] += value
    # in groupby's order of the groups, then by priorities led, actions led and funding, largest first (a stable
    # sort, as sort_values on several columns is)
    keys = sorted(sorted(sums), key=lambda k: (-led_priorities.get(k[0], 0), -sums[k]["Led"],
                                               -sums[k]["Cash funding (£)"]))
    return pd.DataFrame({"partner_code": [code for code, _name in keys], "Partner": [name for _code, name in keys],
                         "Priorities led": [led_priorities.get(code, 0) for code, _name in keys],
                         **{c: [sums[k][c] for k in keys] for c in numbers}})


def partner_actions_of(frame: pd.DataFrame, partner_code: str) -> pd.DataFrame:
    """The actions one partner leads or supports, with its role in each, from PlanView.actions."""
    led = frame["owner_code"] == partner_code
    supports = pd.Series([partner_code in _codes(s) for s in frame["supporting_codes"]],
                         index=frame.index)
    mine = frame[led | supports]
    out = _action_columns(mine)
    out.insert(0, "Role", np.where(led[led | supports], "leads", "supports"))
    return out


#: how each contribution kind is written for people
KIND_WORDS = {"funding": "Cash funding", "in-kind": "In-kind support", "staff": "Staff", "data": "Data shared"}


def financial_year_of(period: object) -> str:
    """'2024/25' from '2024/25', '2024-25' or '2024'; a span ('2023/24-2024/25') as '2023/24 to 2024/25'; blank
    as 'year not given'."""
    import re

    text = "" if period is None else str(period).strip()
    years = re.findall(r"(20\d\d)\s*[/-]\s*(\d\d)(?!\d)", text)
    if len(years) == 1:
        return f"{years[0][0]}/{years[0][1]}"
    if len(years) > 1:
        return f"{years[0][0]}/{years[0][1]} to {years[-1][0]}/{years[-1][1]}"
    single = re.fullmatch(r"(20\d\d)", text)
    if single:
        start = int(single.group(1))
        return f"{start}/{(start + 1) % 100:02d}"
    return text or "year not given"


def contributions_by_year(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Cash funding and in-kind support per financial year, never added together: Financial year, Cash funding
    (£), In-kind support (£), Staff (FTE), Grants ending (the grants whose end date falls in that year)."""
    rows = con.execute(
        "SELECT period, kind, amount_gbp, fte, grant_end, description FROM partner_contribution"
        " WHERE partnership_code = ?", [partnership]).fetchall()
    years: dict[str, _Year] = {}
    for period, kind, amount, fte, grant_end, description in rows:
        year = years.setdefault(financial_year_of(period), _Year())
        if kind == "funding" and amount is not None:
            year.cash += float(amount)
        elif kind == "in-kind" and amount is not None:
            year.in_kind += float(amount)
        if fte is not None:
            year.fte += float(fte)
        if grant_end is not None:
            year.grants_ending.append(f"{description or 'grant'} ({grant_end.day} {grant_end:%b %Y})")
    order = sorted(years, key=lambda y: (y == "year not given", y))
    return pd.DataFrame({
        "Financial year": order, "Cash funding (£)": [years[y].cash for y in order],
        "In-kind support (£)": [years[y].in_kind for y in order], "Staff (FTE)": [years[y].fte for y in order],
        "Grants ending": ["; ".join(years[y].grants_ending) for y in order],
    })


@dataclass
class _Year:
    """One financial year's contributions (cash and in-kind kept apart)."""

    cash: float = 0.0
    in_kind: float = 0.0
    fte: float = 0.0
    grants_ending: list[str] = field(default_factory=list)


class ContributionLine(NamedTuple):
    """One contribution as read for the contributions list."""

    partner_code: str
    kind: str
    period: str | None
    amount_gbp: float | None
    fte: float | None
    grant_end: dt.date | None
    description: str | None


def contribution_list(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Every contribution: Partner, Kind (Cash funding / In-kind support / Staff / Data shared), Financial year,
    Amount (£), Staff (FTE), Grant ends, What; cash first, then in-kind, largest first."""
    names = partner_names(con)
    rows = [ContributionLine(*row) for row in con.execute(
        "SELECT partner_code, kind, period, amount_gbp, fte, grant_end, description FROM partner_contribution"
        " WHERE partnership_code = ?", [partnership]).fetchall()]
    rank = {"funding": 0, "in-kind": 1, "staff": 2, "data": 3}
    rows.sort(key=lambda r: (rank.get(r.kind, 9), financial_year_of(r.period), -(r.amount_gbp or 0), -(r.fte or 0),
                             r.partner_code))
    return pd.DataFrame({
        "Partner": [names.get(r.partner_code, r.partner_code) for r in rows],
        "Kind": [KIND_WORDS.get(r.kind, r.kind) for r in rows],
        "Financial year": [financial_year_of(r.period) for r in rows],
        "Amount (£)": [np.nan if r.amount_gbp is None else float(r.amount_gbp) for r in rows],
        "Staff (FTE)": [np.nan if r.fte is None else float(r.fte) for r in rows],
        "Grant ends": ["" if r.grant_end is None else f"{r.grant_end.day} {r.grant_end:%B %Y}" for r in rows],
        "What": [r.description or "" for r in rows],
    })


def plan_partners(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """Partners named anywhere in the partnership's plan: partner_code, partner_name, partner_type."""
    rows = con.execute(
        """
        SELECT 0 AS part, partner_code, partner_name, partner_type FROM partner
        UNION ALL SELECT 1, p.lead_partner, a.owner_partner, a.supporting_partners
        FROM priority p LEFT JOIN action a USING (priority_id) WHERE p.partnership_code = $p
        UNION ALL SELECT 1, partner_code, NULL, NULL FROM partner_contribution WHERE partnership_code = $p
        """,
        {"p": partnership},
    ).fetchall()
    named: set[str] = set()
    for part, lead, owner, supporting in rows:
        if part == 1:  # leads, owners, supporting partners split on ';' as string_split does, contributors
            named.update([lead, owner, *(supporting.split(";") if supporting is not None else [])])
    partners = sorted((r[1:] for r in rows if r[0] == 0 and r[1] in named), key=lambda r: r[1])
    return _frame(partners, ["partner_code", "partner_name", "partner_type"], "ttt")


# ---------------------------------------------------------------------------------------------- lead officers
def lead_officers(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, str]:
    """Priority ID and action ID → the named lead officer (only those the plan names)."""
    rows = con.execute(
        "SELECT priority_id, lead_officer FROM priority WHERE partnership_code = $p AND lead_officer IS NOT NULL"
        " UNION ALL SELECT a.action_id, a.lead_officer FROM action a JOIN priority p USING (priority_id)"
        " WHERE p.partnership_code = $p AND a.lead_officer IS NOT NULL", {"p": partnership}).fetchall()
    return {str(k): str(v) for k, v in rows}


def with_lead_officer(table: pd.DataFrame, officers: dict[str, str], id_column: str, after: str) -> pd.DataFrame:
    """``table`` with a 'Lead officer' column (from the record id in ``id_column``) placed after ``after``."""
    if id_column not in table.columns:
        return table
    shown = table.copy()
    names = ["" if not isinstance(i, str) else officers.get(i, "not named") for i in shown[id_column]]
    at = list(shown.columns).index(after) + 1 if after in shown.columns else len(shown.columns)
    shown.insert(at, "Lead officer", names)
    return shown
