"""Most-similar partnerships: the nearest areas on a few standardised inputs, ties broken by code.

Method: each input is transformed (residents and density on a log scale, so 100,000 against 200,000 counts as
much as 200,000 against 400,000), then standardised across every area in the table (minus the mean, divided by
the standard deviation), and the distance between two areas is the ordinary (Euclidean) distance over the
standardised inputs, each input weighted equally. An area's group is the GROUP_SIZE areas nearest to it;
equal distances are ordered by area code, so the same table always gives the same groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GROUP_SIZE = 15


@dataclass(frozen=True)
class SimilarityInput:
    """One input of the similarity: its column in the profile table, its transform and its words."""

    column: str
    log: bool
    words: str


INPUTS: tuple[SimilarityInput, ...] = (
    SimilarityInput("residents", True, "residents (Census 2021 usual residents, log scale)"),
    SimilarityInput("density", True, "population density (residents per km², log scale)"),
    SimilarityInput("deprived_share", False, "deprivation (share of residents living in the most deprived fifth "
                    "of neighbourhoods of their own nation: IMD 2025 in England, WIMD 2025 in Wales)"),
    SimilarityInput("rural_share", False, "rurality (share of residents in neighbourhoods classed rural, "
                    "rural-urban classification 2021)"),
)

SIMILARITY_TEXT = (
    f"Similar partnerships are the {GROUP_SIZE} partnerships in England and Wales nearest to this one on four "
    "things, weighted equally: " + "; ".join(i.words for i in INPUTS) + ". Each is put on a common scale "
    "(standardised across all partnerships) and the nearest by straight-line distance are chosen. It says "
    "nothing about policing or how crime is recorded: areas alike in size, density, deprivation and rurality."
)


def transformed(profiles: pd.DataFrame, inputs: tuple[SimilarityInput, ...] = INPUTS) -> pd.DataFrame:
    """The inputs after their transform (log where stated; a non-positive value becomes missing)."""
    out = pd.DataFrame(index=profiles.index)
    for item in inputs:
        values = pd.to_numeric(profiles[item.column], errors="coerce").astype(float)
        out[item.column] = np.log(values.where(values > 0)) if item.log else values
    return out


def standardised(values: pd.DataFrame) -> pd.DataFrame:
    """Each column minus its mean, divided by its (population) standard deviation; a constant column is 0."""
    mean = values.mean()
    spread = values.std(ddof=0).replace(0.0, np.nan)
    return ((values - mean) / spread).fillna({c: 0.0 for c in values.columns if pd.isna(spread[c])})


def most_similar(profiles: pd.DataFrame, code: str = "code", k: int = GROUP_SIZE,
                 inputs: tuple[SimilarityInput, ...] = INPUTS) -> pd.DataFrame:
    """The k nearest areas to every area: code, similar_code, rank (1 = nearest), distance.

    Areas missing any input are left out (neither given a group nor put in one).
    """
    values = transformed(profiles, inputs)
    complete = values.notna().all(axis=1)
    codes = profiles.loc[complete, code].astype(str).to_numpy()
    scaled = standardised(values[complete]).to_numpy(dtype=float)
    rows: list[tuple[str, str, int, float]] = []
    order_codes = np.argsort(codes, kind="stable")
    codes, scaled = codes[order_codes], scaled[order_codes]
    for i, own in enumerate(codes):
        distance = np.sqrt(((scaled - scaled[i]) ** 2).sum(axis=1))
        distance = np.round(distance, 12)  # float noise never decides a tie: equal distances go by code
        others = [j for j in np.lexsort((codes, distance)) if j != i][:k]
        rows.extend((own, str(codes[j]), rank, float(distance[j])) for rank, j in enumerate(others, start=1))
    return pd.DataFrame(rows, columns=["code", "similar_code", "rank", "distance"])


def describe_group(name: str, members: list[str]) -> str:
    """'Newport's 15 most similar partnerships: A, B, … and O.'"""
    if not members:
        return f"No similar partnerships are known for {name}."
    listed = members[0] if len(members) == 1 else ", ".join(members[:-1]) + " and " + members[-1]
    count = len(members)
    return f"{possessive(name)} {count} most similar partnership{'s' if count != 1 else ''}: {listed}."


def possessive(name: str) -> str:
    """Newport → Newport's; Wales → Wales'."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"
