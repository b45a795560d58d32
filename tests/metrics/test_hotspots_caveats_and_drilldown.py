"""The hot spot page's caveats, persistence and drill-down (kept per store version, worked on arrays) equal the plain
queries written out here; the force totals and crime types are kept only for store files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cspdash.analysis import hotspots as gi
from cspdash.metrics import context
from cspdash.metrics import hotspots as hs
from cspdash.metrics.period import add_months

NEWPORT = "W06000022"
FORCE = "Gwent Police"
WINDOWS = [(date(2024, 1, 1), date(2024, 12, 1)), (date(2022, 7, 1), date(2023, 6, 1)),
           (date(2024, 6, 1), date(2024, 6, 1)), (date(2030, 1, 1), date(2030, 3, 1))]


def _caveats_reference(con: duckdb.DuckDBPyConnection, partnership: str, force: str, start: date,
                       end: date) -> hs.Caveats:
    """caveats as it was before the force totals were kept per store version (one query, pandas)."""
    las = "(SELECT la_code FROM partnership_la WHERE partnership_code = $partnership)"
    rows = con.execute(
        f"""
        WITH force_rows AS (
            SELECT coalesce(sum(crimes), 0)::BIGINT AS force_records,
                   coalesce(sum(crimes) FILTER (WHERE lsoa_code IS NULL), 0)::BIGINT AS no_location
            FROM agg_crime_month_lsoa WHERE force = $force AND month BETWEEN $start AND $end),
        vintages AS (
            SELECT coalesce(CAST(l.vintage AS VARCHAR), 'unknown') AS vintage, (b.area_code IS NOT NULL) AS on_map,
                   sum(a.crimes)::BIGINT AS crimes
            FROM agg_crime_month_lsoa a
            LEFT JOIN lsoa l ON l.lsoa_code = a.lsoa_code
            LEFT JOIN boundary b ON b.area_code = a.lsoa_code AND b.area_type = 'lsoa' AND b.la_code IN {las}
            WHERE a.la_code IN {las} AND a.month BETWEEN $start AND $end
            GROUP BY ALL)
        SELECT v.vintage, v.on_map, v.crimes, f.force_records, f.no_location
        FROM force_rows f LEFT JOIN vintages v ON true""",
        {"partnership": partnership, "force": force, "start": start, "end": end},
    ).df()
    first = rows.iloc[0]
    vintages = rows[rows["vintage"].notna()]
    population = hs.areas(con, partnership, "lsoa")
    total = int(vintages["crimes"].sum())
    on_map = int(vintages.loc[vintages["on_map"].astype(bool), "crimes"].sum())
    return hs.Caveats(
        force_records=int(first["force_records"]), no_location=int(first["no_location"]),
        partnership_records=total, on_map=on_map, old_codes=total - on_map,
        lsoa_vintages={str(k): int(v) for k, v in vintages.groupby("vintage")["crimes"].sum().items()},
        areas=len(population), areas_with_population=int(population["residents"].notna().sum()),
        residents=int(population["residents"].sum(skipna=True)),
        population_source=str(con.execute("SELECT arg_max(source, year) FROM population").fetchone()[0]),
        lsoa_lookup=con.execute("SELECT count(*) FROM lsoa_lookup_2011").fetchone()[0] > 0,
    )


@pytest.fixture(scope="module")
def memory_con(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    """The demo store copied into memory (no file, so nothing is kept per version)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo_store_path}' AS demo (READ_ONLY)")
    con.execute("COPY FROM DATABASE demo TO memory")
    con.execute("DETACH demo")
    yield con
    con.close()


@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_caveats_equal_the_single_query(demo_con: duckdb.DuckDBPyConnection, memory_con: duckdb.DuckDBPyConnection,
                                        start: date, end: date) -> None:
    for con in (demo_con, memory_con):
        for partnership, force in ((NEWPORT, FORCE), (NEWPORT, "No Such Police"), ("NO_SUCH", FORCE)):
            expected = _caveats_reference(con, partnership, force, start, end)
            assert hs.caveats(con, partnership, force, start, end) == expected
            assert hs.caveats(con, partnership, force, start, end) == expected  # again, from the kept totals


def test_force_totals_are_kept_only_for_store_files(demo_con: duckdb.DuckDBPyConnection,
                                                    memory_con: duckdb.DuckDBPyConnection) -> None:
    hs._force_months.clear()
    hs._vintage_months.clear()
    hs.caveats(memory_con, NEWPORT, FORCE, *WINDOWS[0])
    assert len(hs._force_months) == 0 and len(hs._vintage_months) == 0
    hs.caveats(demo_con, NEWPORT, FORCE, *WINDOWS[0])
    assert len(hs._force_months) == 1 and len(hs._vintage_months) == 1


def test_crime_types_present_equal_the_distinct_query(demo_con: duckdb.DuckDBPyConnection,
                                                      memory_con: duckdb.DuckDBPyConnection) -> None:
    context._crime_types.clear()
    for con in (demo_con, memory_con):
        expected = [r[0] for r in con.execute("SELECT DISTINCT crime_type FROM agg_crime_month_lsoa").fetchall()]
        first = context.crime_types_present(con)
        assert first == sorted(expected) and len(first) > 5
        first.append("changed by a caller")
        assert context.crime_types_present(con) == sorted(expected)  # the kept list is not the caller's
    assert len(context._crime_types) == 1  # only the store file was kept


AREAS = [("lsoa", "W01001687"), ("lsoa", "W01001600"), ("ward", None)]


@pytest.mark.parametrize(("level", "code"), AREAS)
@pytest.mark.parametrize("types", [(), ("Bicycle theft",), ("Burglary", "Anti-social behaviour")])
def test_drilldown_equals_its_three_queries(demo_con: duckdb.DuckDBPyConnection, level: str, code: str | None,
                                            types: tuple[str, ...]) -> None:
    if code is None:
        code = hs.areas(demo_con, NEWPORT, level)["area_code"].iat[0]
    windows = [(date(2022, 7, 1), date(2024, 10, 1), date(2024, 12, 1), date(2024, 7, 1), date(2024, 9, 1)),
               (date(2023, 1, 1), date(2024, 1, 1), date(2024, 12, 1), date(2023, 1, 1), date(2023, 12, 1)),
               (date(2030, 1, 1), date(2030, 1, 1), date(2030, 2, 1), date(2029, 11, 1), date(2029, 12, 1))]
    for series_start, start, end, pstart, pend in windows:
        got = hs.area_drilldown(demo_con, NEWPORT, level, code, series_start, start, end, pstart, pend, types)
        pd.testing.assert_frame_equal(got.monthly, hs.area_monthly(demo_con, NEWPORT, level, code, series_start, end,
                                                                   types))
        pd.testing.assert_frame_equal(got.mix, hs.area_crime_mix(demo_con, NEWPORT, level, code, start, end, pstart,
                                                                 pend))
        pd.testing.assert_frame_equal(got.outcomes, hs.area_outcome_mix(demo_con, NEWPORT, level, code, start, end,
                                                                        types))


def test_drilldown_without_the_outcome_aggregate(demo_store_path: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo_store_path}' AS demo (READ_ONLY)")
    con.execute("COPY FROM DATABASE demo TO memory")
    con.execute("DETACH demo")
    con.execute("DROP TABLE agg_outcome_month_lsoa")
    args = (NEWPORT, "lsoa", "W01001687")
    got = hs.area_drilldown(con, *args, date(2022, 7, 1), date(2024, 1, 1), date(2024, 12, 1), date(2023, 1, 1),
                            date(2023, 12, 1))
    pd.testing.assert_frame_equal(got.outcomes, hs.area_outcome_mix_from_rows(con, *args, date(2024, 1, 1),
                                                                              date(2024, 12, 1)))
    assert len(got.outcomes) > 1 and got.mix["crimes"].sum() > 0
    con.close()


def _persistence_reference(con: duckdb.DuckDBPyConnection, partnership: str, level: str, end: date, scheme: str,
                           map_measure: str, method: str, crime_types: tuple[str, ...]) -> pd.DataFrame:
    """persistence_classes as it was before Gi* ran on arrays (a gi_star frame per period, concatenated)."""
    periods, length, _text = hs.PERSISTENCE_SCHEMES[scheme]
    column = hs.MAP_MEASURES[map_measure][1]
    start = add_months(end, -(periods * length - 1))
    area_frame, values, _total = hs._area_values(
        con, partnership, level, periods,
        f"({periods - 1} - floor(datediff('month', a.month, $end::DATE) / {int(length)}))::INT",
        "a.month BETWEEN $start AND $end", {"start": start, "end": end}, crime_types, hs.default_weights())
    links = hs.neighbours(con, partnership, level, method)
    history = []
    for index in range(periods):
        frame = pd.DataFrame({"area_code": area_frame["area_code"], column: values[column][index]})
        stats = hs._gi_for(frame, column, links)
        stats["period"] = index
        history.append(stats)
    frame = pd.concat(history, ignore_index=True)
    frame["is_hot"] = frame["is_hot"].astype(bool)
    classes = gi.persistence(frame[["area_code", "period", "is_hot", "z"]])
    labels = hs.period_labels(end, periods, length)
    for index in range(periods):
        hot = frame[(frame["period"] == index) & frame["is_hot"]]["area_code"]
        if (frame["period"] == index).any():
            classes[f"hot in {labels[index]}"] = classes["area_code"].isin(set(hot))
    return classes


@pytest.mark.parametrize(("level", "method"), [("lsoa", "boundary"), ("lsoa", "distance"), ("ward", "boundary")])
@pytest.mark.parametrize(("scheme", "measure", "types"), [("quarters", "count", ()), ("years", "rate", ()),
                                                           ("quarters", "harm", ("Burglary",)),
                                                           ("quarters", "rate", ("Bicycle theft",))])
def test_persistence_on_arrays_equals_a_frame_per_period(demo_con: duckdb.DuckDBPyConnection, level: str,
                                                         method: str, scheme: str, measure: str,
                                                         types: tuple[str, ...]) -> None:
    end = date(2024, 12, 1)
    got = hs.persistence_classes(demo_con, NEWPORT, level, end, scheme, measure, method, types)
    expected = _persistence_reference(demo_con, NEWPORT, level, end, scheme, measure, method, types)
    pd.testing.assert_frame_equal(got, expected)
    assert got["hot_periods"].sum() > 0 or types or level == "ward"  # Newport's 19 wards have no hot spot


def _hot_spots_reference(con: duckdb.DuckDBPyConnection, *args: object) -> pd.DataFrame:
    """hot_spots as it was before Gi* ran on arrays (gi_star frame merged by area code)."""
    partnership, level, start, end, pstart, pend, measure, method, types = args
    column = hs.MAP_MEASURES[measure][1]
    frame = hs.area_measures(con, partnership, level, start, end, pstart, pend, types, ())
    out = frame.merge(hs._gi_for(frame, column, hs.neighbours(con, partnership, level, method)), on="area_code",
                      how="left")
    out["hot_spot_class"] = out["hot_spot_class"].fillna(gi.NOT_SIGNIFICANT)
    out["is_hot"] = out["is_hot"].fillna(False).astype(bool)
    return out


@pytest.mark.parametrize(("level", "method"), [("lsoa", "boundary"), ("lsoa", "distance"), ("ward", "boundary")])
@pytest.mark.parametrize(("measure", "types"), [("count", ()), ("rate", ()), ("harm", ("Burglary",)),
                                                ("rate", ("Bicycle theft",))])
def test_hot_spots_on_arrays_equal_the_merged_frame(demo_con: duckdb.DuckDBPyConnection, level: str, method: str,
                                                    measure: str, types: tuple[str, ...]) -> None:
    args = (NEWPORT, level, date(2024, 1, 1), date(2024, 12, 1), date(2023, 1, 1), date(2023, 12, 1), measure,
            method, types)
    got = hs.hot_spots(demo_con, *args)
    pd.testing.assert_frame_equal(got, _hot_spots_reference(demo_con, *args))
    assert got["z"].notna().sum() >= 3
    if measure == "rate":  # Census 2021 covers every 2021 LSOA: no area sits out for want of a population
        assert got["residents"].notna().all()
