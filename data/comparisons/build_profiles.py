"""Build the partnership profiles and most-similar groups shipped in data/comparisons/ (deterministic).

    python data/comparisons/build_profiles.py [--national ../shared/data/national]

Reads the national small-area geography (ONS, MHCLG and Welsh Government data, Open Government Licence v3.0;
see that folder's PROVENANCE.md): the LSOA 2021 → LAD 2024 → CSP 2024 → police force area lookup with Census
2021 usual residents, IMD 2025 (England), WIMD 2025 (Wales) and the 2021 rural-urban class per LSOA, and the
super-generalised LSOA 2021 boundaries for land area. Writes:
- csp_profiles.csv: one row per partnership (CSP 2024 code): name, force area, nation, its councils, residents,
  area km², density, deprived_share, rural_share, LSOAs;
- similar_partnerships.csv: each partnership's 15 most similar (cspdash.analysis.similar, from the rounded
  figures in csp_profiles.csv, so anyone can recompute the groups from that file alone).

Deprivation: IMD 2025 and WIMD 2025 are separate indices on different scales, so each LSOA is placed within its
own nation: deprived = in the most deprived fifth of its nation's LSOAs (England: IMD 2025 decile 1 or 2;
Wales: WIMD 2025 rank 1 to 383 of 1,917). deprived_share is the share of the partnership's residents living in
such LSOAs. rural_share is the share of residents in LSOAs whose 2021 rural-urban class is rural. Area: each
LSOA polygon projected with a sinusoidal (equal-area) projection centred on 2°W, radius 6,371.0088 km.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from cspdash.analysis.similar import GROUP_SIZE, most_similar  # noqa: E402

EARTH_RADIUS_KM = 6371.0088
CENTRAL_MERIDIAN = -2.0
WALES_LSOAS = 1917
WALES_DEPRIVED_RANK = math.floor(0.2 * WALES_LSOAS)  # 383: the most deprived fifth of Welsh LSOAs


def _sinusoidal(coords: np.ndarray) -> np.ndarray:
    """(lon, lat) degrees → sinusoidal (equal-area) x, y in km."""
    phi = np.radians(coords[:, 1])
    return np.column_stack([EARTH_RADIUS_KM * np.radians(coords[:, 0] - CENTRAL_MERIDIAN) * np.cos(phi),
                            EARTH_RADIUS_KM * phi])


def lsoa_areas(geojson: Path) -> dict[str, float]:
    """Land area in km² of every LSOA in the boundary file."""
    with open(geojson, encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    areas = {}
    for feature in features:
        projected = shapely.transform(shape(feature["geometry"]), _sinusoidal)
        areas[feature["properties"]["lsoa21_code"]] = float(projected.area)
    return areas


def profiles(national: Path) -> pd.DataFrame:
    """One row per partnership from the joined LSOA lookup and the boundaries."""
    areas = lsoa_areas(national / "4_boundaries" / "lsoa21_BSC_EW.geojson")
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    names: dict[str, tuple[str, str, str, str]] = {}
    councils: dict[str, set[str]] = defaultdict(set)
    with open(national / "lsoa21_ward_lad_csp_pfa.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["CSP24CD"]
            names[code] = (row["CSP24NM"], row["PFA24CD"], row["PFA24NM"], row["CTRY"])
            councils[code].add(row["LAD24CD"])
            residents = float(row["POP21_USUAL_RES"])
            if row["CTRY"] == "Wales":
                deprived = float(row["WIMD25_RANK"]) <= WALES_DEPRIVED_RANK
            else:
                deprived = float(row["IMD25_DECILE_ENG"]) <= 2
            total = totals[code]
            total["residents"] += residents
            total["area_km2"] += areas[row["LSOA21CD"]]
            total["deprived"] += residents if deprived else 0.0
            total["rural"] += residents if row["RUC21_URBAN_RURAL"] == "Rural" else 0.0
            total["lsoas"] += 1
    rows = []
    for code in sorted(totals):
        total = totals[code]
        name, force_code, force, nation = names[code]
        rows.append({
            "csp_code": code, "csp_name": name, "force_code": force_code, "force": force, "nation": nation,
            "la_codes": ";".join(sorted(councils[code])), "residents": int(round(total["residents"])),
            "area_km2": round(total["area_km2"], 2), "density": round(total["residents"] / total["area_km2"], 1),
            "deprived_share": round(total["deprived"] / total["residents"], 4),
            "rural_share": round(total["rural"] / total["residents"], 4), "lsoas": int(total["lsoas"]),
        })
    return pd.DataFrame(rows)


def similar_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Each partnership's GROUP_SIZE most similar, with names and force areas."""
    groups = most_similar(table, code="csp_code", k=GROUP_SIZE)
    named = table.set_index("csp_code")
    return pd.DataFrame({
        "csp_code": groups["code"], "rank": groups["rank"], "similar_code": groups["similar_code"],
        "similar_name": named.loc[groups["similar_code"], "csp_name"].to_numpy(),
        "similar_force": named.loc[groups["similar_code"], "force"].to_numpy(),
        "distance": groups["distance"].round(4),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=ROOT.parent / "shared" / "data" / "national")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    if not (args.national / "lsoa21_ward_lad_csp_pfa.csv").exists():
        print(f"The national geography is not at {args.national} (lsoa21_ward_lad_csp_pfa.csv missing).")
        return 1
    table = profiles(args.national)
    table.to_csv(args.out / "csp_profiles.csv", index=False, lineterminator="\n")
    shipped = pd.read_csv(args.out / "csp_profiles.csv", dtype={"csp_code": str})  # the groups from the file
    groups = similar_groups(shipped)
    groups.to_csv(args.out / "similar_partnerships.csv", index=False, lineterminator="\n")
    print(f"{len(table)} partnerships, {int(table['residents'].sum()):,} residents, "
          f"{table['area_km2'].sum():,.0f} km²; {len(groups)} similar-group rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
