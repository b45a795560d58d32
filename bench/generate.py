"""Generate police.uk-shaped street and outcomes CSVs at any scale, in YYYY-MM/ folders like the police.uk download.

    python bench/generate.py --out /tmp/pu --scale national --months 12
    python bench/generate.py --out /tmp/pu --forces 2 --months 24 --rows-per-force-month 5600 --seed 1

Crime-type and outcome mixes are the real Gwent 2022-07..2025-06 shares; volumes peak in summer (±12%);
anti-social behaviour rows have no Crime ID and no outcome; 1.4% of rows have no location (blank LSOA and
coordinates), as in the real files.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from cspdash.ingest.police_uk import FORCES
from cspdash.vocab import OUTCOME_COLUMNS, STREET_COLUMNS

#: street rows per crime type in the 36 real Gwent months (202,374 rows)
GWENT_CRIME_TYPES: dict[str, int] = {
    "Violence and sexual offences": 76927, "Anti-social behaviour": 35824, "Public order": 24849,
    "Criminal damage and arson": 13109, "Shoplifting": 12407, "Other theft": 11449, "Vehicle crime": 8284,
    "Burglary": 5579, "Other crime": 5117, "Drugs": 4820, "Possession of weapons": 1525, "Robbery": 1027,
    "Bicycle theft": 823, "Theft from the person": 634,
}
#: last outcome categories of the real Gwent crimes (ASB excluded)
GWENT_OUTCOMES: dict[str, int] = {
    "Unable to prosecute suspect": 72953, "Investigation complete; no suspect identified": 47482,
    "Status update unavailable": 16388, "Court result unavailable": 8625, "Under investigation": 8485,
    "Local resolution": 5222, "Awaiting court outcome": 2604, "Action to be taken by another organisation": 1530,
    "Formal action is not in the public interest": 1258, "Offender given a caution": 821,
    "Further investigation is not in the public interest": 684, "Further action is not in the public interest": 453,
    "Suspect charged as part of another case": 43, "Offender given a drugs possession warning": 2,
}
NO_LOCATION_SHARE = 2814 / 202374
OUTCOME_EVENTS_PER_CRIME = 142755 / (202374 - 35824)
STREETS = np.array(["High Street", "Station Road", "Church Street", "Park Road", "Victoria Road", "Mill Lane",
                    "Commercial Street", "School Lane", "Queen Street", "New Road", "Bridge Street", "Heol Y Coed",
                    "Supermarket", "Parking Area", "Sports/Recreation Area", "Petrol Station", "Nightclub"])
PRESETS: dict[str, tuple[int, int, int]] = {   # forces, months, rows per force-month
    "partnership": (1, 36, 1_500),
    "force": (1, 36, 5_600),
    "national": (43, 12, 11_628),
}


@dataclass(frozen=True)
class Generated:
    """What was written."""

    street_files: list[Path]
    outcome_files: list[Path]
    street_rows: int
    outcome_rows: int


def generate(out: Path, forces: int, months: int, rows_per_force_month: int, seed: int = 0,
             first_month: str = "2023-01", outcomes: bool = True) -> Generated:
    """Write forces × months street (and outcomes) files under out/YYYY-MM/; returns the files and row counts."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    slugs = list(FORCES)[:forces] if forces <= len(FORCES) else [f"force-{i:03d}" for i in range(forces)]
    size = rng.lognormal(0, 0.5, len(slugs))
    size = size / size.mean()                     # some forces are bigger, the mean is rows_per_force_month
    types = np.array(list(GWENT_CRIME_TYPES))
    type_p = np.array(list(GWENT_CRIME_TYPES.values()), dtype=float)
    type_p /= type_p.sum()
    outcome_names = np.array(list(GWENT_OUTCOMES))
    outcome_p = np.array(list(GWENT_OUTCOMES.values()), dtype=float)
    outcome_p /= outcome_p.sum()
    year, month0 = (int(x) for x in first_month.split("-"))
    con = duckdb.connect()
    street_files: list[Path] = []
    outcome_files: list[Path] = []
    street_rows = outcome_rows = 0
    for m in range(months):
        y, mm = year + (month0 - 1 + m) // 12, (month0 - 1 + m) % 12 + 1
        month = f"{y:04d}-{mm:02d}"
        season = 1 + 0.12 * np.cos(2 * np.pi * (mm - 7) / 12)     # summer peak
        folder = out / month
        folder.mkdir(exist_ok=True)
        for f, slug in enumerate(slugs):
            force = FORCES.get(slug, slug.replace("-", " ").title() + " Police")
            n = max(1, int(rng.poisson(rows_per_force_month * size[f] * season)))
            street = _street_rows(rng, n, month, force, f, types, type_p, outcome_names, outcome_p)
            path = folder / f"{month}-{slug}-street.csv"
            _write(con, street, path)
            street_files.append(path)
            street_rows += n
            if outcomes:
                events = _outcome_rows(rng, street, outcome_names, outcome_p)
                path = folder / f"{month}-{slug}-outcomes.csv"
                _write(con, events, path)
                outcome_files.append(path)
                outcome_rows += events.num_rows
    return Generated(street_files, outcome_files, street_rows, outcome_rows)


def _street_rows(rng: np.random.Generator, n: int, month: str, force: str, force_no: int, types: np.ndarray,
                 type_p: np.ndarray, outcome_names: np.ndarray, outcome_p: np.ndarray) -> pa.Table:
    crime_type = types[rng.choice(len(types), n, p=type_p)]
    asb = crime_type == "Anti-social behaviour"
    ids = np.frombuffer(rng.bytes(32 * n).hex().encode(), dtype="S64").astype(str)
    lsoa_no = rng.zipf(1.6, n) % 600                      # a few LSOAs (town centres) carry much of the crime
    located = rng.random(n) >= NO_LOCATION_SHARE
    centre_lon, centre_lat = -3.0 + (force_no % 8) * 0.4, 51.5 + (force_no // 8) * 0.5
    lon = np.round(centre_lon + lsoa_no * 0.0007 + rng.normal(0, 0.003, n), 6)
    lat = np.round(centre_lat + (lsoa_no % 37) * 0.002 + rng.normal(0, 0.003, n), 6)
    area = force.split(" ")[0]
    lsoa_code = np.char.add(f"E01{force_no:02d}", np.char.zfill(lsoa_no.astype(str), 4))
    lsoa_name = np.char.add(f"{area} ", np.char.add(np.char.zfill((lsoa_no // 4).astype(str), 3),
                                                      np.array(list("ABCD"))[lsoa_no % 4]))
    location = np.char.add("On or near ", STREETS[rng.integers(0, len(STREETS), n)])
    outcome = outcome_names[rng.choice(len(outcome_names), n, p=outcome_p)]
    return pa.table({
        "Crime ID": pa.array(ids, mask=asb),
        "Month": pa.array(np.full(n, month)),
        "Reported by": pa.array(np.full(n, force)),
        "Falls within": pa.array(np.full(n, force)),
        "Longitude": pa.array(lon, mask=~located),
        "Latitude": pa.array(lat, mask=~located),
        "Location": pa.array(np.where(located, location, "No location")),
        "LSOA code": pa.array(lsoa_code, mask=~located),
        "LSOA name": pa.array(lsoa_name, mask=~located),
        "Crime type": pa.array(crime_type),
        "Last outcome category": pa.array(outcome, mask=asb),
        "Context": pa.nulls(n, pa.string()),
    }).select(list(STREET_COLUMNS))


def _outcome_rows(rng: np.random.Generator, street: pa.Table, outcome_names: np.ndarray,
                  outcome_p: np.ndarray) -> pa.Table:
    crimes = street.filter(street.column("Crime ID").is_valid())
    picked = np.sort(rng.choice(crimes.num_rows, int(crimes.num_rows * min(OUTCOME_EVENTS_PER_CRIME, 1.0)),
                                replace=False))
    events = crimes.take(pa.array(picked))
    kept = [c for c in OUTCOME_COLUMNS if c != "Outcome type"]
    outcome = outcome_names[rng.choice(len(outcome_names), events.num_rows, p=outcome_p)]
    return events.select(kept).append_column("Outcome type", pa.array(outcome))


def _write(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path) -> None:
    con.register("_generated", table)
    con.execute(f"COPY _generated TO '{path}' (FORMAT csv, HEADER true)")
    con.unregister("_generated")


def main(argv: list[str] | None = None) -> None:
    """Command line: a preset or explicit forces/months/rows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scale", choices=sorted(PRESETS))
    parser.add_argument("--forces", type=int)
    parser.add_argument("--months", type=int, help="up to 120 (10 years)")
    parser.add_argument("--rows-per-force-month", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-month", default="2023-01")
    parser.add_argument("--no-outcomes", action="store_true")
    args = parser.parse_args(argv)
    forces, months, rows = PRESETS.get(args.scale or "force", PRESETS["force"])
    forces = args.forces or forces
    months = min(args.months or months, 120)
    rows = args.rows_per_force_month or rows
    started = time.perf_counter()
    result = generate(args.out, forces, months, rows, args.seed, args.first_month, not args.no_outcomes)
    print(f"{len(result.street_files)} street files ({result.street_rows:,} rows), {len(result.outcome_files)} "
          f"outcomes files ({result.outcome_rows:,} rows) in {args.out} [{time.perf_counter() - started:.1f}s]")


if __name__ == "__main__":
    main()
