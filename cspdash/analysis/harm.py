"""Harm-weighted crime: a weight in days of imprisonment (CCHI) per police.uk crime type."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cspdash.config import HARM_WEIGHTS_CSV

REQUIRED_COLUMNS: tuple[str, ...] = ("crime_type", "harm_weight_days")

HARM_NOTE = (
    "Harm = crimes × a weight per crime type in days of imprisonment from the Cambridge Crime "
    "Harm Index (2020). police.uk types are broad, so each weight is the national offence-mix "
    "average: an estimate. Anti-social behaviour has no CCHI score and a nominal weight of 1 day."
)


def load_harm_weights(path: str | Path | None = None) -> pd.DataFrame:
    """Harm weights: the shipped table, or a user CSV with crime_type and harm_weight_days.

    A user file replaces the shipped table; each row is checked (crime type present and
    unique, weight a finite number ≥ 0) and a ValueError names the first bad row
    (row numbers count the header as row 1, as in a spreadsheet).
    """
    source = Path(path) if path is not None else HARM_WEIGHTS_CSV
    weights = pd.read_csv(source, dtype={"crime_type": str})
    missing = [col for col in REQUIRED_COLUMNS if col not in weights.columns]
    if missing:
        raise ValueError(f"{source.name}: missing column(s) {missing}; need {list(REQUIRED_COLUMNS)}")
    seen: set[str] = set()
    for position, (crime_type, raw_weight) in enumerate(
        zip(weights["crime_type"], weights["harm_weight_days"], strict=True)
    ):
        row = position + 2
        name = "" if pd.isna(crime_type) else str(crime_type).strip()
        if not name:
            raise ValueError(f"{source.name} row {row}: crime_type is blank")
        if name in seen:
            raise ValueError(f"{source.name} row {row}: crime_type {name!r} appears twice")
        seen.add(name)
        try:
            weight = float(raw_weight)
        except (TypeError, ValueError):
            raise ValueError(
                f"{source.name} row {row} ({name}): harm_weight_days {raw_weight!r} is not a number"
            ) from None
        if math.isnan(weight) or math.isinf(weight) or weight < 0:
            raise ValueError(
                f"{source.name} row {row} ({name}): harm_weight_days must be a number ≥ 0, "
                f"got {raw_weight!r}"
            )
    weights["crime_type"] = weights["crime_type"].str.strip()
    weights["harm_weight_days"] = weights["harm_weight_days"].astype(float)
    return weights.reset_index(drop=True)


def harm_score(
    counts_df: pd.DataFrame,
    weights: pd.DataFrame | Mapping[str, float],
    count_col: str = "count",
    crime_type_col: str = "crime_type",
) -> pd.Series:
    """Harm (days) per row of counts_df: count × the weight of the row's crime type.

    Raises ValueError naming any crime type that has no weight, rather than scoring it 0.
    """
    if isinstance(weights, pd.DataFrame):
        lookup = dict(zip(weights["crime_type"], weights["harm_weight_days"].astype(float), strict=True))
    else:
        lookup = {str(k): float(v) for k, v in weights.items()}
    crime_types = counts_df[crime_type_col]
    unknown = sorted(set(crime_types.dropna().astype(str)) - set(lookup))
    if unknown:
        raise ValueError(f"no harm weight for crime type(s): {unknown}")
    weight = crime_types.map(lookup).astype(float)
    return (counts_df[count_col].astype(float) * weight).rename("harm_days")
