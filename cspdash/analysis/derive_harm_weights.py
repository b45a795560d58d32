"""Derive a harm weight per police.uk crime type from the Cambridge Crime Harm Index (CCHI 2020).

Method (run ``python -m cspdash.analysis.derive_harm_weights``):

1. CCHI score per Home Office classification code = the lower median CCHI score (days of
   imprisonment) of the workbook's offences carrying that code (for an even number of
   offences, the lower of the two middle scores, so the score is always a real CCHI value).
   The workbook has no volumes below code level; a median, not a mean, stops rare aggravated
   variants swamping common ones (8N assault with injury lists FGM at 1,460 days beside ABH;
   code 59 lists explosives offences at 1,460 days beside threats to damage property at 2).
   CCHI writes codes as ``37/1`` where the Home Office writes ``37.1``; they are aligned.
   A composite code such as ``1/4.1/4.10/4.2`` (homicide) pools the offences of its parts.
2. Each code is mapped to a police.uk crime type with CrimeCatMappings.csv (its category
   names are re-cased to police.uk's 14 names).
3. Weight per crime type = mean of the code scores weighted by the 2017/18 England and Wales
   police recorded crime counts (prc-pfa-201718_new.csv, all forces including British
   Transport Police, all four quarters). Rows from the national fraud bodies (Action Fraud,
   CIFAS, UK Finance, Financial Fraud Action UK) are excluded: police.uk does not publish
   them. Codes with no CCHI score are left out of the mean; the share of offences that had
   a score is reported.
4. Anti-social behaviour incidents are not crimes and have no CCHI score: they get a nominal
   weight of 1 day (the lowest CCHI score, e.g. shoplifting or common assault), marked as an
   estimate, so that ASB counts but counts for little.

Only the derived table is written (data/harm_weights.csv); the workbook is never copied.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from cspdash.config import HARM_WEIGHTS_CSV, PROJECT_ROOT
from cspdash.vocab import ASB, CRIME_TYPES

DEFAULT_SOURCE_DIR = PROJECT_ROOT.parent / "shared" / "data" / "harm"
CCHI_FILE = "cchi2020dataxls.xlsx"
CCHI_SHEET = "CCHI 2020 values sheet"
MAPPING_FILE = "CrimeCatMappings.csv"
RECORDED_CRIME_FILE = "prc-pfa-201718_new.csv"

#: national fraud reporting bodies, not police forces: absent from police.uk street data
NATIONAL_FRAUD_BODIES: tuple[str, ...] = (
    "Action Fraud",
    "CIFAS",
    "UK Finance",
    "Financial Fraud Action UK",
)
ASB_NOMINAL_WEIGHT_DAYS = 1.0
HARM_COLUMNS: tuple[str, ...] = (
    "crime_type",
    "harm_weight_days",
    "offences_matched",
    "share_of_offences_with_score",
    "source_note",
)
SOURCE_NOTE = (
    "Estimate: offence-mix-weighted mean of CCHI 2020 scores (lower median per Home Office code), "
    "weighted by 2017/18 England and Wales recorded offences excl. national fraud bodies"
)
ASB_NOTE = (
    "Estimate: nominal 1 day (lowest CCHI score); ASB incidents are not crimes and have no "
    "CCHI score"
)


def normalise_code(code: object) -> str:
    """Align a Home Office offence code: '37/1' (CCHI) and ' 37.1 ' (Home Office) -> '37.1'."""
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    return str(code).strip().upper().replace("/", ".")


def code_parts(code: str) -> list[str]:
    """Split a composite Home Office code such as '1/4.1/4.10/4.2' into its codes."""
    return [part.strip().upper() for part in str(code).split("/") if part.strip()]


def normalise_crime_type(name: str) -> str:
    """Map a category name in any capitalisation (e.g. 'Theft from the Person') to police.uk's."""
    wanted = re.sub(r"\s+", " ", str(name)).strip().lower()
    for crime_type in CRIME_TYPES:
        if crime_type.lower() == wanted:
            return crime_type
    raise ValueError(f"{name!r} is not a police.uk crime type")


def read_cchi_scores(path: Path) -> dict[str, list[float]]:
    """All CCHI scores (days) listed under each Home Office classification code."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook[CCHI_SHEET].iter_rows(values_only=True)
        header = [str(cell).strip() if cell is not None else "" for cell in next(rows)]
        score_at = header.index("CCHI Score")
        code_at = header.index("CLASSIFICATION_CODE")
        scores: dict[str, list[float]] = defaultdict(list)
        for row in rows:
            score, code = row[score_at], row[code_at]
            if score is None or code is None or str(code).strip() == "":
                continue
            scores[normalise_code(code)].append(float(score))
        return dict(scores)
    finally:
        workbook.close()


def code_score(code: str, cchi_scores: dict[str, list[float]]) -> float | None:
    """Lower-median CCHI score for a (possibly composite) Home Office code, or None if unscored."""
    pooled = [s for part in code_parts(code) for s in cchi_scores.get(normalise_code(part), [])]
    return float(np.percentile(pooled, 50, method="lower")) if pooled else None


def read_offence_counts(path: Path) -> pd.DataFrame:
    """2017/18 recorded offences per Home Office code, England and Wales forces only."""
    recorded = pd.read_csv(path, dtype=str)
    forces = recorded[~recorded["Force_Name"].isin(NATIONAL_FRAUD_BODIES)].copy()
    forces["offences"] = pd.to_numeric(forces["Number_of_Offences"].str.replace(",", ""))
    return (
        forces.groupby("Offence_Code", as_index=False)["offences"]
        .sum()
        .rename(columns={"Offence_Code": "offence_code"})
    )


def read_mapping(path: Path) -> pd.DataFrame:
    """Home Office code -> police.uk crime type, with police.uk's capitalisation."""
    mapping = pd.read_csv(path, dtype=str)
    return pd.DataFrame(
        {
            "offence_code": mapping["Offence_Code"].str.strip(),
            "crime_type": mapping["Police.uk_Cat"].map(normalise_crime_type),
        }
    ).drop_duplicates("offence_code")


def offence_scores(source_dir: Path = DEFAULT_SOURCE_DIR) -> pd.DataFrame:
    """One row per Home Office code: crime_type, offences (2017/18) and CCHI score (or NaN)."""
    cchi = read_cchi_scores(source_dir / CCHI_FILE)
    counts = read_offence_counts(source_dir / RECORDED_CRIME_FILE)
    mapping = read_mapping(source_dir / MAPPING_FILE)
    table = counts.merge(mapping, on="offence_code", how="left")
    unmapped = table.loc[table["crime_type"].isna(), "offence_code"].tolist()
    if unmapped:
        raise ValueError(f"offence codes with no police.uk category in {MAPPING_FILE}: {unmapped}")
    table["cchi_score"] = [code_score(code, cchi) for code in table["offence_code"]]
    table["cchi_score"] = table["cchi_score"].astype(float)
    return table.sort_values(["crime_type", "offence_code"]).reset_index(drop=True)


def derive_harm_weights(source_dir: Path = DEFAULT_SOURCE_DIR) -> pd.DataFrame:
    """The harm weight table: one row per police.uk crime type (see the module docstring)."""
    table = offence_scores(source_dir)
    rows = []
    for crime_type in CRIME_TYPES:
        if crime_type == ASB:
            rows.append((crime_type, ASB_NOMINAL_WEIGHT_DAYS, 0, 0.0, ASB_NOTE))
            continue
        group = table[table["crime_type"] == crime_type]
        scored = group[group["cchi_score"].notna()]
        matched = int(scored["offences"].sum())
        if matched == 0:
            raise ValueError(f"no recorded offences with a CCHI score for {crime_type!r}")
        weight = float((scored["offences"] * scored["cchi_score"]).sum() / matched)
        share = matched / float(group["offences"].sum())
        recorded = group[group["offences"] > 0]
        scored_codes = int(recorded["cchi_score"].notna().sum())
        note = f"{SOURCE_NOTE}; {scored_codes} of {len(recorded)} offence codes scored"
        rows.append((crime_type, round(weight, 2), matched, round(share, 4), note))
    return pd.DataFrame(rows, columns=list(HARM_COLUMNS))


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: derive the table and write it (default data/harm_weights.csv)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    parser.add_argument("--out", type=Path, default=HARM_WEIGHTS_CSV)
    args = parser.parse_args(list(argv) if argv is not None else None)
    weights = derive_harm_weights(args.source_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    weights.to_csv(args.out, index=False)
    print(weights[["crime_type", "harm_weight_days", "share_of_offences_with_score"]].to_string(index=False))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
