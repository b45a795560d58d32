"""Generate police.uk-shaped street and outcomes CSVs at any scale, in YYYY-MM/ folders like the police.uk download.

    python bench/generate.py --out /tmp/pu --scale national --months 12
    python bench/generate.py --out /tmp/pu --forces 2 --months 24 --rows-per-force-month 5600 --seed 1
    python bench/generate.py --out /tmp/pu --scale national --months 12 --real-geography

Every distribution is measured on the real Gwent files (2022-07..2025-06, 202,374 street rows, 142,755 outcome
events) and tests/bench/test_generate.py checks the generated data against those files:
* crime-type mix and last-outcome mix: the real shares;
* seasonality: the real calendar-month profile (December 0.89 of the average month, May 1.09);
* areas: each force has 600 LSOAs with lognormal weights (sigma 1.3), so the busiest 10% of LSOAs carry about
  half the crime and the busiest 1% about 14%, as in Gwent (town centres);
* outcomes: 87% of crimes get an outcome event, published 0 to 34 months after the crime month with the real
  delays (38% in the same month, 22% a month later, 16% six months or more); 0.6% get a second, later event.
  Events falling after the last generated month are not written (as the latest real months lack them);
* with ``--real-geography`` each force's rows follow its Census 2021 residents and fall in its own real 2021 LSOAs (the shipped national geography,
  data/geography: codes, names and locations near each LSOA's centre), again with lognormal weights, so every
  row belongs to a real council and partnership and comparisons between partnerships are real at national scale;
  without it (the default) each force has 600 made-up LSOAs (codes E01<force><n>) that no partnership holds;
* anti-social behaviour rows have no Crime ID and no outcome; 1.4% of rows have no location (blank LSOA and
  coordinates), as in the real files.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/generate.py` from anywhere

from cspdash.config import DATA_DIR  # noqa: E402
from cspdash.ingest.police_uk import FORCES  # noqa: E402
from cspdash.vocab import OUTCOME_COLUMNS, STREET_COLUMNS  # noqa: E402

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
#: the first year's crimes (2022-07..2023-06, whose events had two or more years to be published): the share
#: with at least one outcome event (44,203 of 50,815) ...
CRIMES_WITH_EVENTS = 44203 / 50815
#: ... and their events by months between the crime's month and the event's month (0..34)
GWENT_OUTCOME_LAG: tuple[int, ...] = (
    16993, 9671, 4071, 2802, 2152, 1678, 1521, 1061, 799, 667, 573, 432, 322, 308, 246, 164, 178, 160, 112, 104,
    61, 78, 68, 55, 44, 29, 19, 25, 16, 14, 13, 5, 5, 3, 1)
#: of all crimes with events, the share with a second event (815 of 141,939; one crime had three)
SECOND_EVENT_SHARE = 815 / 141939
#: street rows per calendar month (January..December) over the average month
GWENT_SEASON: tuple[float, ...] = (0.920, 0.945, 1.041, 1.033, 1.085, 1.051, 1.023, 1.004, 0.974, 1.047, 0.984, 0.892)
LSOAS_PER_FORCE = 600
LSOA_WEIGHT_SIGMA = 1.3
STREETS = np.array(["High Street", "Station Road", "Church Street", "Park Road", "Victoria Road", "Mill Lane",
                    "Commercial Street", "School Lane", "Queen Street", "New Road", "Bridge Street", "Heol Y Coed",
                    "Supermarket", "Parking Area", "Sports/Recreation Area", "Petrol Station", "Nightclub"])
MAX_MONTHS = 120
PRESETS: dict[str, tuple[int, int, int]] = {   # forces, months, rows per force-month
    "partnership": (1, 36, 1_500),
    "force": (1, 36, 5_600),
    "national": (43, 12, 11_628),
}


@dataclass(frozen=True)
class Areas:
    """One force's real LSOAs: codes, names and the longitude and latitude of each one's centre."""

    codes: np.ndarray
    names: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    residents: float  # Census 2021 usual residents of the force area


def real_areas(force_names: list[str], directory: Path = DATA_DIR / "geography") -> list[Areas | None]:
    """Each police.uk force name's real 2021 LSOAs from the shipped national geography (None for a force with
    no area there, e.g. British Transport Police), in LSOA code order."""
    import pandas as pd
    import shapely

    pfa = {row.falls_within: row.pfa_code for row in pd.read_csv(directory / "police_forces.csv").itertuples()}
    lsoas = pd.read_parquet(directory / "lsoa21.parquet", columns=["lsoa_code", "lsoa_name", "pfa_code", "residents"])
    shapes = pd.read_parquet(directory / "boundaries.parquet")
    shapes = shapes[shapes["area_type"] == "lsoa"]
    centres = shapely.centroid(shapely.from_wkb(shapes["wkb"].to_numpy()))
    where = pd.DataFrame({"lon": shapely.get_x(centres), "lat": shapely.get_y(centres)},
                         index=shapes["area_code"].to_numpy())
    out: list[Areas | None] = []
    for name in force_names:
        own = lsoas[lsoas["pfa_code"] == pfa.get(name)].sort_values("lsoa_code")
        if own.empty:
            out.append(None)
            continue
        at = where.reindex(own["lsoa_code"])
        out.append(Areas(own["lsoa_code"].to_numpy(dtype=str), own["lsoa_name"].to_numpy(dtype=str),
                         at["lon"].to_numpy(dtype=float), at["lat"].to_numpy(dtype=float),
                         float(own["residents"].sum())))
    return out


@dataclass(frozen=True)
class Generated:
    """What was written."""

    street_files: list[Path]
    outcome_files: list[Path]
    street_rows: int
    outcome_rows: int


def generate(out: Path, forces: int, months: int, rows_per_force_month: int, seed: int = 0,
             first_month: str = "2023-01", outcomes: bool = True, real_geography: bool = False) -> Generated:
    """Write forces × months street (and outcomes) files under out/YYYY-MM/; returns the files and row counts.
    ``real_geography``: each force's rows fall in its real LSOAs (see the module's note)."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be 1 to {MAX_MONTHS} (10 years), not {months}")
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    slugs = list(FORCES)[:forces] if forces <= len(FORCES) else [f"force-{i:03d}" for i in range(forces)]
    size = rng.lognormal(0, 0.5, len(slugs))
    size = size / size.mean()                     # some forces are bigger, the mean is rows_per_force_month
    names = [FORCES.get(slug, slug.replace("-", " ").title() + " Police") for slug in slugs]
    areas = real_areas(names) if real_geography else [None] * len(slugs)
    if real_geography:  # each force's own LSOAs, each with a lognormal weight
        lsoa_p = [rng.lognormal(0, LSOA_WEIGHT_SIGMA, len(a.codes) if a is not None else LSOAS_PER_FORCE)
                  for a in areas]
        lsoa_p = [p / p.sum() for p in lsoa_p]
        # a force's rows follow its residents (a few per cent either way), so rates per resident are realistic
        people = np.array([a.residents if a is not None else np.nan for a in areas])
        people = np.where(np.isnan(people), np.nanmean(people), people)
        size = people * rng.lognormal(0, 0.1, len(slugs))
        size = size / size.mean()
    else:
        grid = rng.lognormal(0, LSOA_WEIGHT_SIGMA, (len(slugs), LSOAS_PER_FORCE))
        lsoa_p = list(grid / grid.sum(axis=1, keepdims=True))  # each force's busy town-centre LSOAs and quiet ones
    mix = _Mixes.real()
    year, month0 = (int(x) for x in first_month.split("-"))
    con = duckdb.connect()
    street_files: list[Path] = []
    outcome_files: list[Path] = []
    street_rows = outcome_rows = 0
    pending: dict[tuple[int, int], list[pa.Table]] = {}   # (force, month index) -> outcome events due then
    for m in range(months):
        y, mm = year + (month0 - 1 + m) // 12, (month0 - 1 + m) % 12 + 1
        month = f"{y:04d}-{mm:02d}"
        folder = out / month
        folder.mkdir(exist_ok=True)
        for f, slug in enumerate(slugs):
            force = names[f]
            n = max(1, int(rng.poisson(rows_per_force_month * size[f] * GWENT_SEASON[mm - 1])))
            street = _street_rows(rng, n, month, force, f, lsoa_p[f], mix, areas[f])
            path = folder / f"{month}-{slug}-street.csv"
            _write(con, street, path)
            street_files.append(path)
            street_rows += n
            if outcomes:
                for lag, events in _outcome_events(rng, street, mix):
                    if m + lag < months:  # later events are not published yet
                        pending.setdefault((f, m + lag), []).append(events)
                due = pending.pop((f, m), [])
                events = pa.concat_tables(due) if due else _no_events()
                events = events.set_column(events.schema.get_field_index("Month"), "Month",
                                           pa.array(np.full(events.num_rows, month)))  # the event's month
                path = folder / f"{month}-{slug}-outcomes.csv"
                _write(con, events, path)
                outcome_files.append(path)
                outcome_rows += events.num_rows
    return Generated(street_files, outcome_files, street_rows, outcome_rows)


@dataclass(frozen=True)
class _Mixes:
    """The real distributions as choice tables."""

    types: np.ndarray
    type_p: np.ndarray
    outcomes: np.ndarray
    outcome_p: np.ndarray
    lag_p: np.ndarray

    @staticmethod
    def real() -> _Mixes:
        def shares(counts: Iterable[float]) -> np.ndarray:
            values = np.array(list(counts), dtype=float)
            return values / values.sum()
        return _Mixes(np.array(list(GWENT_CRIME_TYPES)), shares(GWENT_CRIME_TYPES.values()),
                      np.array(list(GWENT_OUTCOMES)), shares(GWENT_OUTCOMES.values()), shares(GWENT_OUTCOME_LAG))


def _street_rows(rng: np.random.Generator, n: int, month: str, force: str, force_no: int, lsoa_p: np.ndarray,
                 mix: _Mixes, areas: Areas | None = None) -> pa.Table:
    crime_type = mix.types[rng.choice(len(mix.types), n, p=mix.type_p)]
    asb = crime_type == "Anti-social behaviour"
    ids = np.frombuffer(rng.bytes(32 * n).hex().encode(), dtype="S64").astype(str)
    lsoa_no = rng.choice(len(lsoa_p), n, p=lsoa_p)
    located = rng.random(n) >= NO_LOCATION_SHARE
    centre_lon, centre_lat = -3.0 + (force_no % 8) * 0.4, 51.5 + (force_no // 8) * 0.5
    lon = np.round(centre_lon + lsoa_no * 0.0007 + rng.normal(0, 0.003, n), 6)
    lat = np.round(centre_lat + (lsoa_no % 37) * 0.002 + rng.normal(0, 0.003, n), 6)
    area = force.split(" ")[0]
    lsoa_code = np.char.add(f"E01{force_no:02d}", np.char.zfill(lsoa_no.astype(str), 4))
    lsoa_name = np.char.add(f"{area} ", np.char.add(np.char.zfill((lsoa_no // 4).astype(str), 3),
                                                      np.array(list("ABCD"))[lsoa_no % 4]))
    if areas is not None:  # the real LSOA, and a point near its centre
        lsoa_code, lsoa_name = areas.codes[lsoa_no], areas.names[lsoa_no]
        lon = np.round(areas.lon[lsoa_no] + rng.normal(0, 0.002, n), 6)
        lat = np.round(areas.lat[lsoa_no] + rng.normal(0, 0.002, n), 6)
    location = np.char.add("On or near ", STREETS[rng.integers(0, len(STREETS), n)])
    outcome = mix.outcomes[rng.choice(len(mix.outcomes), n, p=mix.outcome_p)]
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


def _outcome_events(rng: np.random.Generator, street: pa.Table, mix: _Mixes) -> Iterator[tuple[int, pa.Table]]:
    """This month's crimes' outcome events, grouped by how many months after the crime each is published."""
    crimes = street.filter(street.column("Crime ID").is_valid())
    picked = np.sort(rng.choice(crimes.num_rows, int(round(crimes.num_rows * CRIMES_WITH_EVENTS)), replace=False))
    lag = rng.choice(len(mix.lag_p), len(picked), p=mix.lag_p)
    second = rng.random(len(picked)) < SECOND_EVENT_SHARE     # a second event, some months after the first
    picked = np.concatenate([picked, picked[second]])
    lag = np.concatenate([lag, lag[second] + 1 + rng.choice(len(mix.lag_p), int(second.sum()), p=mix.lag_p)])
    kept = [c for c in OUTCOME_COLUMNS if c != "Outcome type"]
    events = crimes.take(pa.array(picked)).select(kept)
    events = events.append_column(
        "Outcome type", pa.array(mix.outcomes[rng.choice(len(mix.outcomes), len(picked), p=mix.outcome_p)]))
    for months_later in np.unique(lag):
        yield int(months_later), events.filter(pa.array(lag == months_later))


def _no_events() -> pa.Table:
    return pa.table({c: pa.array([], pa.string()) for c in OUTCOME_COLUMNS})


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
    parser.add_argument("--months", type=int, help=f"up to {MAX_MONTHS} (10 years)")
    parser.add_argument("--rows-per-force-month", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-month", default="2023-01")
    parser.add_argument("--no-outcomes", action="store_true")
    parser.add_argument("--real-geography", action="store_true",
                        help="each force's rows in its real 2021 LSOAs (data/geography), so partnerships resolve")
    args = parser.parse_args(argv)
    forces, months, rows = PRESETS.get(args.scale or "force", PRESETS["force"])
    forces = args.forces or forces
    months = args.months or months
    rows = args.rows_per_force_month or rows
    started = time.perf_counter()
    try:
        result = generate(args.out, forces, months, rows, args.seed, args.first_month, not args.no_outcomes,
                          args.real_geography)
    except ValueError as exc:  # e.g. more than 10 years: the message says what is allowed
        parser.error(str(exc))
    print(f"{len(result.street_files)} street files ({result.street_rows:,} rows), {len(result.outcome_files)} "
          f"outcomes files ({result.outcome_rows:,} rows) in {args.out} [{time.perf_counter() - started:.1f}s]")


if __name__ == "__main__":
    main()
