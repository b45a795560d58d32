"""Rebuild the shipped national geography in data/geography/ from ../shared/data/national (ONS, MHCLG, Welsh
Government data under the Open Government Licence v3.0; see README.md beside this script).

    .venv/bin/python data/geography/build_geography.py [--source ../shared/data/national]

Deterministic: the same inputs give byte-identical outputs (rows sorted, fixed Parquet settings). Writes:

* lsoa21.parquet        every 2021 LSOA of England and Wales with its 2024 ward, local authority, Community Safety
                        Partnership, police force area, Census 2021 usual residents, deprivation and rural-urban class
* lsoa11_lsoa21.parquet the ONS 2011→2021 LSOA exact-fit lookup (change codes U, S, M, X)
* boundaries.parquet    super-generalised LSOA boundaries snapped to a 0.00001° grid (about 1 m), and the ward,
                        partnership and force shapes dissolved from them with shapely (WKB, WGS84)
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent.parent.parent / "shared" / "data" / "national"
GRID_DEGREES = 1e-5
WALES_LSOAS = 1917


def _write(table: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path, compression="zstd",
                   compression_level=19, use_dictionary=True, write_statistics=False)


def build_lsoas(source: Path) -> pd.DataFrame:
    """One row per 2021 LSOA with every attribute the product ships."""
    joined = pd.read_csv(source / "lsoa21_ward_lad_csp_pfa.csv", dtype={"RUC21CD": str})
    ruc = pd.read_csv(source / "1_lsoa_ward_lad" / "ruc21_lsoa21_EW.csv")[["lsoa21_code", "classification"]]
    frame = joined.merge(ruc.rename(columns={"lsoa21_code": "LSOA21CD"}), on="LSOA21CD", how="left")
    wimd_rank = frame["WIMD25_RANK"]
    out = pd.DataFrame({
        "lsoa_code": frame.LSOA21CD, "lsoa_name": frame.LSOA21NM,
        "ward_code": frame.WD24CD, "ward_name": frame.WD24NM,
        "lad_code": frame.LAD24CD, "lad_name": frame.LAD24NM,
        "csp_code": frame.CSP24CD, "csp_name": frame.CSP24NM,
        "pfa_code": frame.PFA24CD, "pfa_name": frame.PFA24NM,
        "country": frame.CTRY,
        "residents": frame.POP21_USUAL_RES.round().astype("int64"),
        "imd25_decile": frame.IMD25_DECILE_ENG.astype("Int64"),
        "imd25_rank": frame.IMD25_RANK_ENG.astype("Int64"),
        "imd25_score": frame.IMD25_SCORE_ENG,
        "wimd25_rank": wimd_rank.astype("Int64"),
        # WIMD publishes ranks; deciles by rank as the Welsh Government groups them (1 = most deprived 10%)
        "wimd25_decile": wimd_rank.map(lambda r: None if pd.isna(r) else math.ceil(r * 10 / WALES_LSOAS))
                                  .astype("Int64"),
        "ruc21_code": frame.RUC21CD, "ruc21_name": frame.classification,
        "urban_rural": frame.RUC21_URBAN_RURAL,
    })
    assert out.lsoa_code.is_unique and len(out) == 35_672, len(out)
    assert out.notna()[["ward_code", "lad_code", "csp_code", "pfa_code", "residents", "urban_rural"]].all().all()
    return out.sort_values("lsoa_code").reset_index(drop=True)


def build_lookup(source: Path) -> pd.DataFrame:
    """The 2011→2021 LSOA exact-fit lookup, one row per (2011, 2021) pair."""
    raw = pd.read_csv(source / "1_lsoa_ward_lad" / "lsoa11_lsoa21_lad22_EW.csv")
    out = raw[["lsoa11_code", "lsoa11_name", "change_code", "lsoa21_code"]].drop_duplicates()
    return out.sort_values(["lsoa11_code", "lsoa21_code"]).reset_index(drop=True)


def build_boundaries(source: Path, lsoas: pd.DataFrame) -> pd.DataFrame:
    """LSOA shapes snapped to the grid, and ward, partnership and force shapes dissolved from them."""
    data = json.loads((source / "4_boundaries" / "lsoa21_BSC_EW.geojson").read_text())
    codes = [f["properties"]["lsoa21_code"] for f in data["features"]]
    shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in data["features"]])
    snapped = shapely.set_precision(shapes, GRID_DEGREES)
    by_code = pd.Series(list(snapped), index=codes)
    assert set(by_code.index) == set(lsoas.lsoa_code)
    rows = [("lsoa", code, shape) for code, shape in by_code.sort_index().items()]
    for area_type, column in (("ward", "ward_code"), ("partnership", "csp_code"), ("force", "pfa_code")):
        groups = lsoas.groupby(column)["lsoa_code"]
        for code, members in sorted(groups):
            dissolved = shapely.set_precision(shapely.union_all(np.array(by_code[members.tolist()].tolist())),
                                              GRID_DEGREES)
            rows.append((area_type, str(code), dissolved))
    frame = pd.DataFrame(rows, columns=["area_type", "area_code", "shape"])
    assert shapely.is_valid(frame["shape"].to_numpy()).all()
    frame["wkb"] = shapely.to_wkb(frame["shape"].to_numpy(), output_dimension=2)
    return frame[["area_type", "area_code", "wkb"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    lsoas = build_lsoas(args.source)
    _write(lsoas, args.out / "lsoa21.parquet")
    _write(build_lookup(args.source), args.out / "lsoa11_lsoa21.parquet")
    _write(build_boundaries(args.source, lsoas), args.out / "boundaries.parquet")
    for name in ("lsoa21.parquet", "lsoa11_lsoa21.parquet", "boundaries.parquet"):
        print(f"{name}: {(args.out / name).stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
