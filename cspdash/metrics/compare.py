"""How do we compare? Rates per 1,000 residents against the force, similar partnerships and all loaded ones.

Counts come from the pre-aggregate (agg_crime_month_lsoa), residents from ``partnership_residents`` — the one
population lookup of the comparisons. Rates count only crimes in LSOAs with a population figure, over those
LSOAs' residents (as the crime_rate measure does), so an area without residents never inflates a rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis import funnel
from cspdash.analysis.similar import SIMILARITY_TEXT, describe_group, possessive
from cspdash.metrics.catalogue import LSOA_POPULATION
from cspdash.metrics.context import OFFERED_PARTNERSHIPS_SQL
from cspdash.metrics.crime import crime_type_label, crime_types_for
from cspdash.metrics.memo import per_store_version
from cspdash.metrics.partnership_rates import (  # noqa: F401 (the rates' public names are re-exported here)
    _RESIDENTS_SQL,
    FIRM_UNITS,
    RATE_UNIT,
    _profiles_by_code,
    partnership_rates,
    partnership_residents,
    profile_codes,
    profiles,
    similar_groups,
)
from cspdash.metrics.period import Period
from cspdash.metrics.rates import rate_texts
from cspdash.vocab import ALL_CRIME, CRIME_TYPES


# ------------------------------------------------------------------------------------------- the read model
@dataclass(frozen=True)
class Comparison:
    """One partnership's rate for one crime type against its force, its similar group and all loaded ones."""

    partnership_code: str
    partnership_name: str
    force: str
    crime_type: str
    period_label: str
    months: int
    table: pd.DataFrame  # every loaded partnership: rates, rank, quartile, funnel limits and position
    funnel: funnel.Funnel
    own: pd.Series | None  # the partnership's row of ``table`` (None when it has no population)
    force_rate: float | None
    similar: pd.DataFrame  # its similar group: rank, similar_code, similar_name, similar_force, loaded, rate, store_code…
    group_rate: float | None  # pooled rate of the loaded group members
    missing_forces: tuple[str, ...]

    @property
    def label(self) -> str:
        return crime_type_label(self.crime_type)

    @property
    def loaded_similar(self) -> int:
        return int(self.similar["loaded"].sum()) if not self.similar.empty else 0

    @property
    def verdict(self) -> str:
        """The funnel verdict in words for the partnership."""
        if self.own is None:
            return (f"no verdict: {self.partnership_name} has no population figure, so it has no rate to compare")
        return str(self.own["verdict"])

    @property
    def sentence(self) -> str:
        """The one-sentence answer: the rate, its place among the loaded partnerships and the funnel verdict."""
        what = self.label.lower() if self.crime_type != ALL_CRIME else "recorded crime (excluding ASB)"
        if self.own is None:
            return f"{possessive(self.partnership_name)} {what} rate cannot be compared: {self.verdict}."
        rates = rate_texts([self.own["rate"], self.force_rate, self.group_rate])
        force = f"; {self.force} {rates[1]}" if self.force_rate is not None else ""  # None: hidden (public output)
        text = (f"{possessive(self.partnership_name)} {what} rate was {rates[0]} {RATE_UNIT} in {self.period_label} "
                f"(rank {int(self.own['rank'])} of {self.funnel.units} partnerships loaded, highest first{force})")
        verdict = self.verdict
        if verdict.startswith("no verdict"):
            return f"{text}; {verdict}."
        if self.funnel.units < FIRM_UNITS:
            verdict += (f" (with only {self.funnel.units} partnerships to compare, the limits are wide: only a "
                        "very large difference would fall outside them)")
        return f"{text}: {verdict}."

    @property
    def similar_short(self) -> str:
        """The similar group's state in one short clause, for the Overview."""
        if self.similar.empty:
            return f"{self.partnership_name} has no similar group (it is not in the national partnership list)."
        loaded, total = self.loaded_similar, len(self.similar)
        text = (f"{loaded} of its {total} most similar partnerships in England and Wales "
                f"{'is' if loaded == 1 else 'are'} loaded")
        if loaded < funnel.MIN_UNITS:
            text += f", too few for a verdict against them (at least {funnel.MIN_UNITS} needed)"
        if self.missing_forces:
            count = len(self.missing_forces)
            text += f"; loading {count} more force{'s' if count != 1 else ''}' police.uk files would complete it"
        return text + "."

    @property
    def similar_sentence(self) -> str:
        """Which similar partnerships are loaded, and the forces whose files would complete the comparison."""
        if self.similar.empty:
            return f"{self.partnership_name} is not in the national partnership list, so it has no similar group."
        loaded = self.loaded_similar
        total = len(self.similar)
        text = f"{loaded} of {possessive(self.partnership_name)} {total} most similar partnerships "
        text += "has" if loaded == 1 else "have"
        text += " police.uk data loaded"
        if self.group_rate is not None and loaded:
            text += f" (their pooled rate: {rate_texts([self.group_rate])[0]} {RATE_UNIT})"
        if loaded < funnel.MIN_UNITS:
            text += (f"; with fewer than {funnel.MIN_UNITS} loaded there is no verdict against the similar group")
        if self.missing_forces:
            forces = list(self.missing_forces)
            listed = forces[0] if len(forces) == 1 else ", ".join(forces[:-1]) + " and " + forces[-1]
            text += (f". Loading the police.uk files of {listed} would complete the comparison")
        return text + "."


def comparison(con: duckdb.DuckDBPyConnection, partnership: str, period: Period, crime_type: str) -> Comparison:
    """The comparison read model for one partnership, period and crime type (one query for every partnership).
    Kept per store version (its frames are shared: callers must not change them in place)."""
    return _kept_comparison(con, partnership, period, crime_type)


@per_store_version(maxsize=64)
def _kept_comparison(con: duckdb.DuckDBPyConnection, partnership: str, period: Period,
                     crime_type: str) -> Comparison:
    rates = partnership_rates(con, period.start, period.end)
    return _comparison(rates[rates["crime_type"] == crime_type].reset_index(drop=True), profile_codes(con),
                       partnership, period, crime_type)


def _comparison(rates: pd.DataFrame, codes: dict[str, str], partnership: str, period: Period,
                crime_type: str) -> Comparison:
    loaded = rates[rates["months"] > 0].copy()
    usable = loaded[loaded["residents"].fillna(0) > 0]
    fitted = funnel.fit(usable["crimes_with_population"], usable["residents"])
    table = funnel.funnel_frame(loaded.assign(events=loaded["crimes_with_population"],
                                              population=loaded["residents"].fillna(0)), fitted)
    table["rank"] = table["rate"].rank(ascending=False, method="min")
    ranked = table["rate"].notna().sum()
    table["quartile"] = np.where(table["rate"].notna(),
                                 np.ceil(table["rank"] / max(ranked, 1) * 4).clip(1, 4), np.nan)
    table = table.drop(columns=["events", "population"])
    own_rows = table[(table["partnership_code"] == partnership) & table["rate"].notna()]
    own = own_rows.iloc[0] if not own_rows.empty else None
    name_row = rates[rates["partnership_code"] == partnership]
    name = str(name_row["partnership_name"].iloc[0]) if not name_row.empty else partnership
    force = str(name_row["force"].iloc[0]) if not name_row.empty else ""
    in_force = usable[usable["force"] == force]
    force_rate = (float(in_force["crimes_with_population"].sum() * 1000.0 / in_force["residents"].sum())
                  if not in_force.empty else None)
    similar, group_rate, missing = _similar(codes, partnership, usable)
    return Comparison(partnership, name, force, crime_type, period.label, period.months, table, fitted, own,
                      force_rate, similar, group_rate, missing)


def _similar(codes: dict[str, str], partnership: str,
             usable: pd.DataFrame) -> tuple[pd.DataFrame, float | None, tuple[str, ...]]:
    """The similar group with each member's loaded state and rate, the group's pooled rate, the missing forces."""
    national = codes.get(partnership)
    columns = ["rank", "similar_code", "similar_name", "similar_force", "loaded", "rate", "crimes", "residents",
               "census_residents", "density", "deprived_share", "rural_share", "store_code"]
    if national is None:
        return pd.DataFrame(columns=columns), None, ()
    group = similar_groups()
    group = group[group["csp_code"] == national].copy()
    store_of = {v: k for k, v in codes.items()}
    members = usable.set_index("partnership_code")
    group["store_code"] = group["similar_code"].map(store_of)
    group["loaded"] = group["store_code"].isin(members.index)
    for column in ("rate", "crimes_with_population", "residents"):
        group[column] = [members.at[c, column] if ok else np.nan
                         for c, ok in zip(group["store_code"], group["loaded"], strict=True)]
    group = group.rename(columns={"crimes_with_population": "crimes"})
    inputs = _profiles_by_code()
    group["census_residents"] = inputs.loc[group["similar_code"], "residents"].to_numpy()
    for column in ("density", "deprived_share", "rural_share"):
        group[column] = inputs.loc[group["similar_code"], column].to_numpy()
    loaded = group[group["loaded"]]
    group_rate = (float(loaded["crimes"].sum() * 1000.0 / loaded["residents"].sum()) if not loaded.empty else None)
    missing = tuple(sorted(set(group.loc[~group["loaded"], "similar_force"])))
    return group[columns].reset_index(drop=True), group_rate, missing


def by_crime_type(con: duckdb.DuckDBPyConnection, partnership: str, period: Period) -> pd.DataFrame:
    """(kept per store version: see _by_crime_type)"""
    return _by_crime_type(con, partnership, period).copy()


@per_store_version(maxsize=32)
def _by_crime_type(con: duckdb.DuckDBPyConnection, partnership: str, period: Period) -> pd.DataFrame:
    """Per crime type for one partnership: crime_type, label, crimes (counted in the rate), rate, force_rate,
    group_rate, all_rate
    (pooled, every loaded partnership), rank, of, quartile, position, verdict. Same rules as ``comparison``."""
    rates = partnership_rates(con, period.start, period.end)
    loaded = rates[(rates["months"] > 0) & (rates["residents"].fillna(0) > 0)]
    codes = profile_codes(con)
    similar, _rate, _missing = _similar(codes, partnership, loaded[loaded["crime_type"] == ALL_CRIME])
    loaded_similar = set(similar.loc[similar["loaded"], "similar_code"])  # once: not once per partnership
    group_codes = {k for k, v in codes.items() if v in loaded_similar}
    force = rates.loc[rates["partnership_code"] == partnership, "force"]
    force = str(force.iloc[0]) if not force.empty else ""
    # plain arrays once: boolean masks on them cost microseconds, on a frame's text columns milliseconds
    types = loaded["crime_type"].to_numpy(dtype=object)
    codes_of = loaded["partnership_code"].to_numpy(dtype=object)
    all_events = loaded["crimes_with_population"].to_numpy(dtype=float)
    all_population = loaded["residents"].to_numpy(dtype=float)
    all_mine = codes_of == partnership
    all_in_force = loaded["force"].to_numpy(dtype=object) == force
    all_in_group = np.isin(codes_of, list(group_codes))
    rows = []
    for crime_type in (ALL_CRIME, *CRIME_TYPES):
        part = types == crime_type
        events, population = all_events[part], all_population[part]
        fitted = funnel.fit(events, population)
        rate = events * 1000.0 / population
        mine, in_force, in_group = all_mine[part], all_in_force[part], all_in_group[part]
        row: dict[str, object] = {"crime_type": crime_type, "label": crime_type_label(crime_type), "crimes": None,
                                  "rate": np.nan, "force_rate": _pooled(events, population, in_force),
                                  "group_rate": _pooled(events, population, in_group),
                                  "all_rate": fitted.target * 1000.0 if fitted.units else np.nan, "rank": None,
                                  "of": fitted.units, "quartile": None, "position": "no_verdict",
                                  "verdict": "no verdict: no population figure, so no rate to compare"}
        if mine.any():
            i = int(np.flatnonzero(mine)[0])
            rank = int(1 + (rate > rate[i]).sum())
            row.update(crimes=int(events[i]), rate=float(rate[i]), rank=rank,
                       quartile=int(min(4, max(1, math.ceil(rank / len(rate) * 4)))),
                       position=fitted.position(events[i], population[i]),
                       verdict=fitted.words(events[i], population[i]))
        rows.append(row)
    return pd.DataFrame(rows)


def _pooled(events: np.ndarray, population: np.ndarray, mask: np.ndarray) -> float | None:
    """All the masked units' events per 1,000 of all their residents (None when none is masked)."""
    return float(events[mask].sum() * 1000.0 / population[mask].sum()) if mask.any() else None


def own_profile(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, object] | None:
    """The partnership's own similarity inputs from the shipped profiles (None when it is not in them)."""
    national = profile_codes(con).get(partnership)
    if national is None:
        return None
    row = _profiles_by_code().loc[national]
    return {"csp_code": national, **{k: row[k] for k in ("csp_name", "force", "residents", "density",
                                                         "deprived_share", "rural_share")}}


def similarity_text() -> str:
    """How the similar groups are chosen, in words."""
    return SIMILARITY_TEXT


def group_text(con: duckdb.DuckDBPyConnection, partnership: str, name: str) -> str:
    """'Newport's 15 most similar partnerships: …'."""
    national = profile_codes(con).get(partnership)
    if national is None:
        return describe_group(name, [])
    group = similar_groups()
    members = group[group["csp_code"] == national]
    return describe_group(name, [f"{r.similar_name} ({r.similar_force})" for r in members.itertuples()])


def side_by_side(result: Comparison) -> pd.DataFrame:
    """The partnerships of the chosen one's force, then the force and the loaded similar group, by rate:
    name, kind (partnership / force / group), crimes, residents, rate, rate_text, rank, quartile, verdict."""
    table = result.table
    in_force = table[(table["force"] == result.force) & table["rate"].notna()].sort_values(
        ["rate", "partnership_name"], ascending=[False, True])
    rows = [{"name": r.partnership_name, "kind": "partnership", "crimes": int(r.crimes_with_population),
             "residents": int(r.residents), "rate": float(r.rate), "rank": int(r.rank), "quartile": int(r.quartile),
             "verdict": funnel.POSITION_SHORT[str(r.position)]} for r in in_force.itertuples()]
    if result.force_rate is not None:
        force_rows = in_force
        rows.append({"name": f"{result.force} (whole force)", "kind": "force",
                     "crimes": int(force_rows["crimes_with_population"].sum()),
                     "residents": int(force_rows["residents"].sum()), "rate": result.force_rate, "rank": None,
                     "quartile": None, "verdict": ""})
    loaded = result.similar[result.similar["loaded"]] if not result.similar.empty else result.similar
    if result.group_rate is not None and not loaded.empty:
        rows.append({"name": f"Similar partnerships loaded ({len(loaded)} of {len(result.similar)})",
                     "kind": "group", "crimes": int(loaded["crimes"].sum()), "residents": int(loaded["residents"].sum()),
                     "rate": result.group_rate, "rank": None, "quartile": None, "verdict": ""})
    frame = pd.DataFrame(rows, columns=["name", "kind", "crimes", "residents", "rate", "rank", "quartile", "verdict"])
    frame["rate_text"] = rate_texts(frame["rate"])
    return frame


def headline_rates(con: duckdb.DuckDBPyConnection, partnership: str, period: Period,
                   crime_types: tuple[str, ...]) -> dict[str, tuple[float | None, float | None]]:
    """Per crime type (ALL_CRIME = every type but ASB): the rate per 1,000 residents in the period and in the
    previous period, for the overview tiles (None when the partnership has no population figure)."""
    residents_row = partnership_residents(con)
    residents_row = residents_row[residents_row["partnership_code"] == partnership]
    found = residents_row["residents"].dropna()
    residents = float(found.iloc[0]) if not found.empty else 0.0
    rows = con.execute(
        f"""
        SELECT g.crime_type,
               coalesce(sum(g.crimes) FILTER (WHERE g.month BETWEEN $start AND $end), 0) AS current,
               coalesce(sum(g.crimes) FILTER (WHERE g.month BETWEEN $pstart AND $pend), 0) AS previous
        FROM agg_crime_month_lsoa g JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code AND p.residents > 0
        WHERE g.la_code IN (SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)
          AND g.month BETWEEN $pstart AND $end
        GROUP BY g.crime_type
        """, {"partnership": partnership, "start": period.start, "end": period.end,
              "pstart": period.previous_start, "pend": period.previous_end}).fetchall()
    counts = {str(t): (float(c), float(p)) for t, c, p in rows}
    out: dict[str, tuple[float | None, float | None]] = {}
    for crime_type in crime_types:
        types = crime_types_for(crime_type)
        current = sum(counts.get(t, (0.0, 0.0))[0] for t in types)
        previous = sum(counts.get(t, (0.0, 0.0))[1] for t in types)
        out[crime_type] = ((current * 1000.0 / residents, previous * 1000.0 / residents) if residents > 0
                           else (None, None))
    return out


def rate_trend(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
               crime_type: str) -> pd.DataFrame:
    """(kept per store version: see _rate_trend)"""
    return _rate_trend(con, partnership, start, end, crime_type).copy()


def similar_members(con: duckdb.DuckDBPyConnection, partnership: str) -> list[str]:
    """The store codes of the partnership's most-similar partnerships that are in the store."""
    codes = profile_codes(con)
    national = codes.get(partnership)
    store_of = {v: k for k, v in codes.items()}
    group = similar_groups()
    return [store_of[c] for c in group.loc[group["csp_code"] == national, "similar_code"] if c in store_of] \
        if national else []


@per_store_version(maxsize=32)
def _rate_trend(con: duckdb.DuckDBPyConnection, partnership: str, start: date, end: date,
                crime_type: str) -> pd.DataFrame:
    """Monthly rate per 1,000 residents of the partnership, its whole force and its loaded similar partnerships
    (pooled), shaped for the trends chart: area_name, period, period_label, complete, crimes, residents, rate.
    Months the force did not publish are left out (gaps, never zeros)."""
    members = similar_members(con, partnership)
    own_force = con.execute("SELECT force FROM partnership WHERE partnership_code = ?", [partnership]).fetchone()
    force = str(own_force[0]) if own_force else ""
    own_name = con.execute("SELECT partnership_name FROM partnership WHERE partnership_code = ?",
                           [partnership]).fetchone()
    labels = [str(own_name[0]) if own_name else partnership, f"{force} (whole force)"]
    if members:
        labels.append(f"Similar partnerships loaded ({len(members)})")
    columns = ["area_name", "period", "period_label", "complete", "crimes", "residents", "rate"]
    # each series pools its partnerships: all their crimes over all their residents, month by month
    rows = con.execute(
        f"""
        WITH residents AS ({_RESIDENTS_SQL}),
        chosen AS (
            SELECT pt.partnership_code, pt.force, r.residents FROM ({OFFERED_PARTNERSHIPS_SQL}) pt
            JOIN residents r USING (partnership_code)
            WHERE r.residents > 0 AND (pt.partnership_code = $partnership OR pt.force = $force
                                       OR list_contains($members, pt.partnership_code))),
        monthly AS (
            SELECT g.month, pl.partnership_code, sum(g.crimes) AS crimes
            FROM agg_crime_month_lsoa g JOIN {LSOA_POPULATION} p ON p.area_code = g.lsoa_code AND p.residents > 0
            JOIN partnership_la pl ON pl.la_code = g.la_code
            WHERE g.month BETWEEN $start AND $end AND list_contains($types, g.crime_type)
              AND pl.partnership_code IN (SELECT partnership_code FROM chosen)
            GROUP BY ALL),
        series AS (
            SELECT 0 AS series, partnership_code FROM chosen WHERE partnership_code = $partnership
            UNION ALL SELECT 1, partnership_code FROM chosen WHERE force = $force
            UNION ALL SELECT 2, partnership_code FROM chosen WHERE list_contains($members, partnership_code)),
        grid AS (
            SELECT s.series, s.partnership_code, c.residents, pm.month
            FROM series s JOIN chosen c USING (partnership_code)
            JOIN partnership pt USING (partnership_code)
            JOIN published_month pm ON pm.source = 'street' AND pm.force = pt.force
                                   AND pm.month BETWEEN $start AND $end)
        SELECT g.series, g.month, coalesce(sum(m.crimes), 0)::BIGINT AS crimes, sum(g.residents)::BIGINT AS residents
        FROM grid g LEFT JOIN monthly m ON m.partnership_code = g.partnership_code AND m.month = g.month
        GROUP BY ALL ORDER BY g.series, g.month
        """, {"start": start, "end": end, "types": list(crime_types_for(crime_type)), "partnership": partnership,
              "members": members, "force": force}).fetchall()
    if not rows:
        return pd.DataFrame(columns=columns)
    periods = [pd.Timestamp(m).date().replace(day=1) for _s, m, _c, _r in rows]
    out = pd.DataFrame({
        "area_name": [labels[s] for s, _m, _c, _r in rows], "period": periods,
        "period_label": [p.strftime("%b %Y") for p in periods], "complete": True,
        "crimes": [int(c) for _s, _m, c, _r in rows], "residents": [float(r) for _s, _m, _c, r in rows]})
    out["rate"] = out["crimes"] * 1000.0 / out["residents"]
    return out[columns].reset_index(drop=True)
