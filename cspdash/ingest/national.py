"""Install the shipped national geography (data/geography) into the store: every 2021 LSOA of England and Wales
with its ward, local authority, partnership and force, Census 2021 residents, deprivation, rural-urban class,
boundaries, the 2011→2021 LSOA lookup and the police.uk force names.

Source: ONS, MHCLG and Welsh Government data under the Open Government Licence v3.0 (see data/geography/README.md).

Seven local authorities hold several partnerships (a partnership still follows a district abolished in a
reorganisation, e.g. Buckinghamshire's four). Pages find a partnership's areas through its councils
(``partnership_la``), so in those seven authorities each partnership's part of the authority is a council area of
its own: its code is the partnership's E22 code and its name says "part of …". Everywhere else a council area is
the local authority district (LAD 2024).
"""

from __future__ import annotations

import csv
import hashlib
from functools import cache
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd
import shapely

from cspdash.config import DATA_DIR
from cspdash.ingest.common import registered, sha256_of
from cspdash.ingest.report import LoadReport

GEOGRAPHY_DIR = DATA_DIR / "geography"
LSOAS = "lsoa21.parquet"
LOOKUP_2011 = "lsoa11_lsoa21.parquet"
BOUNDARIES = "boundaries.parquet"
FORCES = "police_forces.csv"
RELEASE = "national"
#: police.uk's name for British Transport Police: accepted and kept, but counted in no partnership (see README)
BRITISH_TRANSPORT_POLICE = "British Transport Police"
ATTRIBUTION = ("Geography, Census 2021 population, deprivation and rural-urban class: Office for National "
               "Statistics, Ministry of Housing, Communities and Local Government and Welsh Government, under the "
               "Open Government Licence v3.0. Contains OS data © Crown copyright and database right 2024.")


@cache
def police_forces(directory: Path = GEOGRAPHY_DIR) -> dict[str, tuple[str, str, str]]:
    """police.uk force name ("Falls within") → (file slug, PFA code, PFA name), for the 43 territorial forces."""
    with open(directory / FORCES, newline="", encoding="utf-8") as handle:
        return {row["falls_within"]: (row["file_slug"], row["pfa_code"], row["pfa_name"])
                for row in csv.DictReader(handle)}


def known_force_names(directory: Path = GEOGRAPHY_DIR) -> list[str]:
    """Every force name a police.uk file may carry: the 43 territorial forces and British Transport Police."""
    return sorted(police_forces(directory)) + [BRITISH_TRANSPORT_POLICE]


def release_sha256(directory: Path = GEOGRAPHY_DIR) -> str:
    """One sha256 over the shipped files, for the load log."""
    digest = hashlib.sha256()
    for name in (LSOAS, LOOKUP_2011, BOUNDARIES, FORCES):
        digest.update(bytes.fromhex(sha256_of(directory / name)))
    return digest.hexdigest()


def installed_detail(con: duckdb.DuckDBPyConnection) -> str | None:
    """What the installed national geography holds, or None (also for a store made before it existed)."""
    try:
        row = con.execute("SELECT detail FROM geography_release WHERE name = ?", [RELEASE]).fetchone()
    except duckdb.CatalogException:
        return None
    return str(row[0]) if row else None


def is_installed(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store already holds the shipped national geography."""
    row = con.execute("SELECT count(*) FROM geography_release WHERE name = ?", [RELEASE]).fetchone()
    return bool(row and row[0])


def has_own_geography(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store holds LSOA geography loaded from the analyst's own files (not the shipped one)."""
    row = con.execute("SELECT EXISTS (SELECT 1 FROM lsoa)").fetchone()
    return bool(row and row[0]) and not is_installed(con)


def install(con: duckdb.DuckDBPyConnection, directory: Path = GEOGRAPHY_DIR) -> LoadReport:
    """Write the shipped geography into the store (inside the caller's write); returns what was installed."""
    tables = prepare(directory)
    _write(con, tables)
    lsoas, wards, partnerships = tables.lsoas, tables.wards, tables.partnerships
    detail = (f"national geography: {len(lsoas):,} LSOAs (2021), {len(wards):,} wards, {len(partnerships):,} "
              f"partnerships, {lsoas.pfa_code.nunique()} police force areas, {int(lsoas.residents.sum()):,} "
              "residents (Census 2021)")
    con.execute("INSERT OR REPLACE INTO geography_release (name, detail) VALUES (?, ?)",
                [RELEASE, f"{detail}; files sha256 {release_sha256(directory)[:16]}"])
    report = LoadReport(source="geography", file_name="data/geography (shipped)", rows_read=len(lsoas),
                        rows_loaded=len(lsoas), detail=detail)
    return report


class NationalTables(NamedTuple):
    """What install writes, one frame per table (lsoas also feeds lsoa_profile and population)."""

    forces: pd.DataFrame
    councils: pd.DataFrame
    wards: pd.DataFrame
    lsoas: pd.DataFrame
    partnerships: pd.DataFrame
    partnership_las: pd.DataFrame
    boundary: pd.DataFrame
    lookup: pd.DataFrame


def prepare(directory: Path = GEOGRAPHY_DIR) -> NationalTables:
    """The tables install writes, computed from the shipped files alone (no store: the tests reuse it)."""
    lsoas = pd.read_parquet(directory / LSOAS)
    forces = pd.DataFrame(
        [(name, slug, code, area) for name, (slug, code, area) in police_forces(directory).items()],
        columns=["force", "file_slug", "pfa_code", "pfa_name"])
    lsoas = lsoas.merge(forces[["pfa_code", "force"]], on="pfa_code", how="left")
    # a council area: the LAD, or in a LAD holding several partnerships, the partnership's part of it
    partnerships_per_lad = lsoas.groupby("lad_code")["csp_code"].transform("nunique")
    shared = partnerships_per_lad > 1
    lsoas["la_code"] = lsoas["lad_code"].where(~shared, lsoas["csp_code"])
    lsoas["la_name"] = lsoas["lad_name"].where(~shared, lsoas["csp_name"] + " (part of " + lsoas["lad_name"] + ")")
    shapes = pd.read_parquet(directory / BOUNDARIES)
    geometries = shapely.from_wkb(shapes["wkb"].to_numpy())
    shapes["geometry"] = shapely.to_geojson(geometries)
    lsoa_shapes = shapes[shapes.area_type == "lsoa"].set_index("area_code")
    points = shapely.point_on_surface(geometries[(shapes.area_type == "lsoa").to_numpy()])
    lsoa_points = pd.DataFrame({"lsoa_code": lsoa_shapes.index, "longitude": shapely.get_x(points),
                                "latitude": shapely.get_y(points)})
    lsoas = lsoas.merge(lsoa_points, on="lsoa_code", how="left")
    lsoas["deprivation_decile"] = lsoas["imd25_decile"].fillna(lsoas["wimd25_decile"]).astype("Int64")
    # a ward's council area: the one holding most of its LSOAs (wards sit inside one LAD)
    ward_la = (lsoas.groupby(["ward_code", "la_code"]).size().rename("n").reset_index()
               .sort_values(["ward_code", "n", "la_code"], ascending=[True, False, True])
               .drop_duplicates("ward_code"))
    wards = lsoas.drop_duplicates("ward_code")[["ward_code", "ward_name"]].merge(ward_la, on="ward_code")
    councils = pd.concat([
        lsoas.drop_duplicates("lad_code")[["lad_code", "lad_name"]].set_axis(["la_code", "la_name"], axis=1),
        lsoas[shared].drop_duplicates("la_code")[["la_code", "la_name"]],
    ]).drop_duplicates("la_code")
    partnerships = lsoas.drop_duplicates("csp_code")[["csp_code", "csp_name", "force"]]
    partnership_las = lsoas.drop_duplicates(["csp_code", "la_code"])[["csp_code", "la_code"]]
    boundary = pd.concat([
        lsoas[["lsoa_code", "lsoa_name", "la_code"]].set_axis(["area_code", "area_name", "la_code"], axis=1)
        .assign(area_type="lsoa"),
        wards[["ward_code", "ward_name", "la_code"]].set_axis(["area_code", "area_name", "la_code"], axis=1)
        .assign(area_type="ward"),
        partnerships[["csp_code", "csp_name"]].set_axis(["area_code", "area_name"], axis=1)
        .assign(la_code=None, area_type="partnership"),
        forces[["pfa_code", "pfa_name"]].set_axis(["area_code", "area_name"], axis=1)
        .assign(la_code=None, area_type="force"),
    ]).merge(shapes[["area_type", "area_code", "geometry"]], on=["area_type", "area_code"], how="inner")
    lookup = pd.read_parquet(directory / LOOKUP_2011)
    lookup = lookup.merge(lsoas[["lsoa_code", "residents"]].rename(columns={"lsoa_code": "lsoa21_code"}),
                          on="lsoa21_code", how="left")
    placed = (lookup.sort_values(["lsoa11_code", "residents", "lsoa21_code"], ascending=[True, False, True])
              .drop_duplicates("lsoa11_code")[["lsoa11_code", "lsoa21_code"]].assign(placed=True))
    lookup = lookup.merge(placed, on=["lsoa11_code", "lsoa21_code"], how="left")
    lookup["placed"] = lookup["placed"].fillna(False).astype(bool)
    return NationalTables(forces, councils, wards, lsoas, partnerships, partnership_las, boundary, lookup)


def _write(con: duckdb.DuckDBPyConnection, tables: NationalTables) -> None:
    forces, councils, wards, lsoas, partnerships, partnership_las, boundary, lookup = tables
    _insert(con, "police_force", forces, """
        INSERT OR REPLACE INTO police_force SELECT force, file_slug, pfa_code, pfa_name FROM _national""")
    _insert(con, "local_authority", councils, """
        INSERT INTO local_authority (la_code, la_name) SELECT la_code, la_name FROM _national
        ON CONFLICT (la_code) DO UPDATE SET la_name = excluded.la_name""")
    _insert(con, "ward", wards, """
        INSERT INTO ward (ward_code, ward_name, la_code) SELECT ward_code, ward_name, la_code FROM _national
        ON CONFLICT (ward_code) DO UPDATE SET ward_name = excluded.ward_name, la_code = excluded.la_code""")
    _insert(con, "lsoa", lsoas, """
        INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, ward_code, la_code, latitude, longitude)
        SELECT lsoa_code, lsoa_name, 2021, ward_code, la_code, latitude, longitude FROM _national
        ON CONFLICT (lsoa_code) DO UPDATE SET lsoa_name = excluded.lsoa_name, vintage = 2021,
            ward_code = excluded.ward_code, la_code = excluded.la_code, latitude = excluded.latitude,
            longitude = excluded.longitude""")
    _insert(con, "lsoa_profile", lsoas, """
        INSERT OR REPLACE INTO lsoa_profile
        SELECT lsoa_code, country, lad_code, lad_name, csp_code, pfa_code, deprivation_decile, imd25_decile,
               imd25_rank, imd25_score, wimd25_rank, wimd25_decile, ruc21_code, ruc21_name, urban_rural
        FROM _national""")
    _insert(con, "population", lsoas, """
        INSERT INTO population (area_code, area_type, residents, households, source, year)
        SELECT lsoa_code, 'lsoa', residents, NULL, 'Census 2021', 2021 FROM _national
        ON CONFLICT (area_code, area_type, year) DO UPDATE SET residents = excluded.residents,
            source = excluded.source""")
    _insert(con, "partnership", partnerships, """
        INSERT INTO partnership (partnership_code, partnership_name, force, display_name, source)
        SELECT csp_code, csp_name, force, csp_name || ' Community Safety Partnership', 'shipped' FROM _national
        ON CONFLICT (partnership_code) DO UPDATE SET partnership_name = excluded.partnership_name,
            force = excluded.force, display_name = excluded.display_name, source = 'shipped'""")
    _insert(con, "partnership_la", partnership_las, """
        INSERT OR IGNORE INTO partnership_la (partnership_code, la_code) SELECT csp_code, la_code FROM _national""")
    _insert(con, "boundary", boundary, """
        INSERT INTO boundary (area_code, area_type, area_name, la_code, geometry)
        SELECT area_code, area_type, area_name, la_code, geometry FROM _national
        ON CONFLICT (area_code, area_type) DO UPDATE SET area_name = excluded.area_name,
            la_code = excluded.la_code, geometry = excluded.geometry""")
    _insert(con, "lsoa_lookup_2011", lookup, """
        INSERT OR REPLACE INTO lsoa_lookup_2011
        SELECT lsoa11_code, lsoa11_name, change_code, lsoa21_code, placed FROM _national""")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, sql: str) -> None:
    with registered(con, "_national", frame):
        con.execute(sql)
