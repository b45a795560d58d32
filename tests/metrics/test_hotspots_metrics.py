"""Hot spot measures on the Gwent demo store, checked against independent SQL over the raw street rows."""

from __future__ import annotations

import csv
import math
from datetime import date

import duckdb
import pandas as pd
import pytest

from cspdash.analysis.hotspots import PERSISTENCE_CLASSES
from cspdash.config import HARM_WEIGHTS_CSV
from cspdash.metrics import hotspots as hs
from cspdash.metrics.catalogue import measure
from cspdash.metrics.period import add_months

NEWPORT = "W06000022"
START, END = date(2024, 7, 1), date(2025, 6, 1)
PREV_START, PREV_END = date(2023, 7, 1), date(2024, 6, 1)
CITY_CENTRE = "W01001687"  # Newport 014D, Stow Hill ward


def _raw_lsoa_counts(con: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, int]:
    """Crimes per Newport LSOA boundary straight from street_crime (no aggregate tables)."""
    rows = con.execute(
        "SELECT s.lsoa_code, count(*) FROM street_crime s JOIN boundary b ON b.area_code = s.lsoa_code"
        " AND b.area_type = 'lsoa' AND b.la_code = ? WHERE s.month BETWEEN ? AND ? GROUP BY 1",
        [NEWPORT, start, end],
    ).fetchall()
    return {code: int(n) for code, n in rows}


def _weights() -> dict[str, float]:
    with open(HARM_WEIGHTS_CSV, newline="") as handle:
        return {row["crime_type"]: float(row["harm_weight_days"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def newport_lsoas(demo_store_path) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    from cspdash.store.versions import Store

    con = Store(demo_store_path).connect_read()
    try:
        return hs.hot_spots(con, NEWPORT, "lsoa", START, END, PREV_START, PREV_END, "count", "boundary")
    finally:
        con.close()


def test_lsoa_counts_match_raw_rows(demo_con: duckdb.DuckDBPyConnection, newport_lsoas: pd.DataFrame) -> None:
    raw = _raw_lsoa_counts(demo_con, START, END)
    assert len(newport_lsoas) == 100  # Newport's 100 LSOA 2021 boundaries
    got = dict(zip(newport_lsoas["area_code"], newport_lsoas["crimes"], strict=True))
    assert {k: v for k, v in got.items() if v} == raw
    assert got[CITY_CENTRE] == raw[CITY_CENTRE] > 1000


def test_ward_counts_are_the_sum_of_their_lsoas(demo_con: duckdb.DuckDBPyConnection) -> None:
    wards = hs.area_measures(demo_con, NEWPORT, "ward", START, END, PREV_START, PREV_END)
    raw = dict(demo_con.execute(
        "SELECT l.ward_code, count(*) FROM street_crime s JOIN lsoa l USING (lsoa_code)"
        " JOIN boundary b ON b.area_code = l.ward_code AND b.area_type = 'ward' AND b.la_code = ?"
        " WHERE s.month BETWEEN ? AND ? GROUP BY 1", [NEWPORT, START, END]).fetchall())
    assert len(wards) == 21
    assert dict(zip(wards["area_code"], wards["crimes"], strict=True)) == raw
    assert (wards["area_code"] == wards["ward_code"]).all()


def test_rate_is_per_thousand_census_2021_residents(demo_con: duckdb.DuckDBPyConnection,
                                                    newport_lsoas: pd.DataFrame) -> None:
    residents = demo_con.execute("SELECT residents FROM population WHERE area_code = ? AND area_type = 'lsoa'",
                                 [CITY_CENTRE]).fetchone()[0]  # type: ignore[index]
    row = newport_lsoas.set_index("area_code").loc[CITY_CENTRE]
    assert row["residents"] == residents
    assert row["rate"] == pytest.approx(row["crimes"] * 1000 / residents)
    # the shipped Census 2021 covers every 2021 LSOA: no area is left without a rate (Newport 014D: 2,331 residents, TS021)
    assert residents == 2_331 and newport_lsoas["residents"].notna().all() and newport_lsoas["rate"].notna().all()


def test_harm_is_count_times_weight_per_type(demo_con: duckdb.DuckDBPyConnection,
                                             newport_lsoas: pd.DataFrame) -> None:
    by_type = demo_con.execute("SELECT crime_type, count(*) FROM street_crime WHERE lsoa_code = ?"
                               " AND month BETWEEN ? AND ? GROUP BY 1", [CITY_CENTRE, START, END]).fetchall()
    weights = _weights()
    expected = sum(n * weights[kind] for kind, n in by_type)
    assert newport_lsoas.set_index("area_code").loc[CITY_CENTRE, "harm"] == pytest.approx(expected)
    # the catalogue's partnership-wide harm measure agrees with the same weights
    monthly = measure("harm").monthly(demo_con, NEWPORT, str(START), str(END))
    raw = demo_con.execute("SELECT crime_type, sum(crimes) FROM monthly_crime_counts WHERE partnership_code = ?"
                           " AND month BETWEEN ? AND ? GROUP BY 1", [NEWPORT, START, END]).fetchall()
    assert monthly["value"].sum() == pytest.approx(sum(float(n) * weights[kind] for kind, n in raw))


def test_change_and_share(demo_con: duckdb.DuckDBPyConnection, newport_lsoas: pd.DataFrame) -> None:
    before = _raw_lsoa_counts(demo_con, PREV_START, PREV_END)
    row = newport_lsoas.set_index("area_code").loc[CITY_CENTRE]
    assert row["previous_crimes"] == before[CITY_CENTRE]
    # the change test reads the area's own 36 months: its dispersion, then the exact test on the two windows
    from cspdash.analysis.change import compare_counts, series_dispersion

    history = hs.area_monthly(demo_con, NEWPORT, "lsoa", CITY_CENTRE, add_months(END, -35), END)
    months = [m.date() for m in history["month"]]
    dispersion = series_dispersion(history["crimes"].tolist(), months, END)
    assert dispersion.phi > 2  # the city centre's monthly counts vary far more than a Poisson count
    expected = compare_counts(float(row["crimes"]), float(row["previous_crimes"]), dispersion)
    assert row["change_z"] == pytest.approx(expected.z)
    assert row["dispersion"] == pytest.approx(dispersion.phi)
    assert row["verdict"] == expected.verdict
    old_z = 2 * (math.sqrt(row["crimes"]) - math.sqrt(row["previous_crimes"]))
    assert abs(old_z) > 3 and row["verdict"] != "significant"  # the old rule called this noise a real change
    total = hs.partnership_total(demo_con, NEWPORT, START, END)
    assert row["share_of_total"] == pytest.approx(row["crimes"] * 100 / total)
    assert total == demo_con.execute("SELECT sum(crimes) FROM monthly_crime_counts WHERE partnership_code = ?"
                                     " AND month BETWEEN ? AND ?", [NEWPORT, START, END]).fetchone()[0]  # type: ignore[index]


def test_city_centre_is_the_strongest_hot_spot(newport_lsoas: pd.DataFrame) -> None:
    hot = newport_lsoas[newport_lsoas["is_hot"]]
    assert CITY_CENTRE in set(hot["area_code"])
    assert set(newport_lsoas["hot_spot_class"]) <= {"Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant",
                                                   "Cold spot 90%", "Cold spot 95%", "Cold spot 99%"}
    at_99 = hs.classify_at(newport_lsoas, "99")
    assert (at_99 != "Not significant").sum() <= (newport_lsoas["hot_spot_class"] != "Not significant").sum()


def test_top_table_and_locations(demo_con: duckdb.DuckDBPyConnection) -> None:
    top = hs.top_hot_spots(demo_con, NEWPORT, "lsoa", START, END, PREV_START, PREV_END, "count", "boundary", "95")
    assert len(top) == 15
    hot_rows = top["hot_spot"].str.startswith("Hot")
    assert hot_rows.iloc[: hot_rows.sum()].all()  # significant hot spots come first
    first_place = demo_con.execute(
        "SELECT location, count(*) FROM street_crime WHERE lsoa_code = ? AND month BETWEEN ? AND ?"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1", [CITY_CENTRE, START, END]).fetchone()
    row = top.set_index("area_code").loc[CITY_CENTRE]
    assert row["top_locations"].startswith(f"{first_place[0]} ({first_place[1]:,})")  # type: ignore[index]
    assert row["ward"] == "Stow Hill"
    kind, n = demo_con.execute("SELECT crime_type, count(*) FROM street_crime WHERE lsoa_code = ?"
                               " AND month BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
                               [CITY_CENTRE, START, END]).fetchone()  # type: ignore[misc]
    assert row["top_crime_types"].startswith(f"{kind} {n * 100 / row['crimes']:.0f}%")


def test_public_output_suppresses_small_location_counts(demo_con: duckdb.DuckDBPyConnection) -> None:
    top = hs.top_hot_spots(demo_con, NEWPORT, "lsoa", START, END, PREV_START, PREV_END, "count", "boundary", "95",
                           ("Robbery",), public=True)
    text = " ".join(top["top_locations"])
    assert "(<5)" in text
    assert not any(f"({n})" in text for n in range(1, 5))
    assert hs._count_text(4, True) == "<5" and hs._count_text(5, True) == "5" and hs._count_text(0, True) == "0"


def test_drilldown_series_mix_and_outcomes(demo_con: duckdb.DuckDBPyConnection, newport_lsoas: pd.DataFrame) -> None:
    monthly = hs.area_monthly(demo_con, NEWPORT, "lsoa", CITY_CENTRE, date(2022, 7, 1), END)
    assert len(monthly) == 36
    in_period = monthly[monthly["month"] >= pd.Timestamp(START)]["crimes"].sum()
    crimes = int(newport_lsoas.set_index("area_code").loc[CITY_CENTRE, "crimes"])
    assert in_period == crimes
    mix = hs.area_crime_mix(demo_con, NEWPORT, "lsoa", CITY_CENTRE, START, END, PREV_START, PREV_END)
    assert mix["crimes"].sum() == crimes
    outcomes = hs.area_outcome_mix(demo_con, NEWPORT, "lsoa", CITY_CENTRE, START, END)
    with_id = demo_con.execute("SELECT count(*) FROM street_crime WHERE lsoa_code = ? AND crime_id IS NOT NULL"
                               " AND month BETWEEN ? AND ?", [CITY_CENTRE, START, END]).fetchone()[0]  # type: ignore[index]
    assert outcomes["crimes"].sum() == with_id  # every crime (not ASB) in exactly one outcome group
    assert outcomes["share"].sum() == pytest.approx(100, abs=0.5)


def test_zero_months_are_filled(demo_con: duckdb.DuckDBPyConnection) -> None:
    monthly = hs.area_monthly(demo_con, NEWPORT, "lsoa", CITY_CENTRE, START, END, ("Bicycle theft",))
    assert len(monthly) == 12 and (monthly["crimes"] >= 0).all()
    raw = demo_con.execute("SELECT count(*) FROM street_crime WHERE lsoa_code = ? AND crime_type = 'Bicycle theft'"
                           " AND month BETWEEN ? AND ?", [CITY_CENTRE, START, END]).fetchone()[0]  # type: ignore[index]
    assert monthly["crimes"].sum() == raw


def test_caveat_figures(demo_con: duckdb.DuckDBPyConnection) -> None:
    now = hs.caveats(demo_con, NEWPORT, "Gwent Police", START, END)
    no_location = demo_con.execute("SELECT count(*) FROM street_crime WHERE force = 'Gwent Police' AND lsoa_code IS NULL"
                                   " AND month BETWEEN ? AND ?", [START, END]).fetchone()[0]  # type: ignore[index]
    assert now.no_location == no_location > 0
    assert now.old_codes == 0 and now.lsoa_vintages == {"2021": now.partnership_records}
    assert (now.areas, now.areas_with_population) == (100, 100) and now.population_source == "Census 2021"
    # police.uk used 2011 LSOA codes until late 2022: all are placed in 2021 LSOAs through the ONS lookup
    early = hs.caveats(demo_con, NEWPORT, "Gwent Police", date(2022, 7, 1), date(2023, 6, 1))
    published_2011 = demo_con.execute(
        "SELECT count(*) FROM street_crime s JOIN lsoa_lookup_2011 m ON m.lsoa11_code = s.lsoa_code AND m.placed"
        " AND m.lsoa21_code <> s.lsoa_code WHERE s.month BETWEEN '2022-07-01' AND '2023-06-01'"
        " AND m.lsoa21_code IN (SELECT lsoa_code FROM lsoa WHERE la_code = ?)", [NEWPORT]).fetchone()[0]
    assert published_2011 > 0 and early.lsoa_lookup
    assert early.old_codes == 0 and early.on_map == early.partnership_records
    lines = " ".join(hs.caveat_lines(early, "lsoa"))
    assert "moved to their 2021 neighbourhood with the ONS 2011→2021 lookup" in lines
    assert "Rates use Census 2021 residents" in lines
    assert "town centres" in lines


def test_map_geometry_fits_the_partnership(demo_con: duckdb.DuckDBPyConnection) -> None:
    geometry = hs.map_geometry(demo_con, NEWPORT, "lsoa")
    assert len(geometry.feature_collection["features"]) == 100
    assert 51.5 < geometry.center_lat < 51.7 and -3.1 < geometry.center_lon < -2.8
    assert 9 < geometry.zoom < 11.5
    assert len(geometry.centroids) == 100
    lat, lon, zoom = hs.view_for_bounds(-3.0, 51.0, -2.0, 52.0)
    assert lon == pytest.approx(-2.5) and 51.4 < lat < 51.6 and zoom < hs.view_for_bounds(-2.6, 51.4, -2.4, 51.6)[2]


def test_neighbours_are_symmetric_and_distance_gives_everyone_one(demo_con: duckdb.DuckDBPyConnection) -> None:
    queen = hs.neighbours(demo_con, NEWPORT, "ward", "boundary")
    assert len(queen) == 21 and all(queen.values())
    assert all(a in queen[b] for a, links in queen.items() for b in links)
    near = hs.neighbours(demo_con, NEWPORT, "lsoa", "distance")
    assert all(near.values())


def test_persistence_over_quarters(demo_con: duckdb.DuckDBPyConnection) -> None:
    classes = hs.persistence_classes(demo_con, NEWPORT, "lsoa", END, "quarters", "count", "boundary")
    assert set(classes["persistence"]) <= set(PERSISTENCE_CLASSES)
    assert (classes["periods"] == 4).all()
    assert [c for c in classes.columns if c.startswith("hot in")] == [
        "hot in Jul–Sep 2024", "hot in Oct–Dec 2024", "hot in Jan–Mar 2025", "hot in Apr–Jun 2025"]
    centre = classes.set_index("area_code").loc[CITY_CENTRE]
    assert centre["persistence"] in {"persistent", "intensifying"} and centre["hot_periods"] == 4
    counts = hs.period_counts(demo_con, NEWPORT, "lsoa", END, 4, 3)
    last_quarter = _raw_lsoa_counts(demo_con, date(2025, 4, 1), END)
    got = counts[counts["period"] == 3].groupby("area_code")["crimes"].sum().to_dict()
    assert got == last_quarter


def test_points_are_limited_and_busiest_first(demo_con: duckdb.DuckDBPyConnection) -> None:
    points = hs.crime_points(demo_con, NEWPORT, START, END, limit=200)
    assert len(points) == 200 and points["crimes"].is_monotonic_decreasing
    assert int(points["points_total"].iat[0]) > 200
    framed = hs.points_frame(points.tail(5), public=True)
    assert framed["hover"].str.contains("records").all()


def test_user_weights_must_cover_every_crime_type() -> None:
    partial = pd.DataFrame({"crime_type": ["Burglary"], "harm_weight_days": [10.0]})
    with pytest.raises(ValueError, match="no row for 13 crime type"):
        hs.check_weights_cover(partial)
    full = pd.DataFrame({"crime_type": list(_weights()), "harm_weight_days": list(_weights().values())})
    hs.check_weights_cover(full)
    assert dict(hs.weights_tuple(full)) == _weights() == dict(hs.default_weights())


def test_map_frame_hover_and_summary(newport_lsoas: pd.DataFrame, demo_con: duckdb.DuckDBPyConnection) -> None:
    geometry = hs.map_geometry(demo_con, NEWPORT, "lsoa")
    frame = hs.map_frame(newport_lsoas, "rate", "95", geometry.centroids)
    assert frame["lon"].notna().all() and len(frame) == 100
    centre = frame.set_index("area_code").loc[CITY_CENTRE]
    assert "Newport 014D" in centre["hover"] and "Stow Hill" in centre["hover"]
    assert frame["value"].notna().all()  # Census 2021 gives every 2021 LSOA a population, so a rate
    summary = hs.map_summary(frame, "rate", "lsoa", "95")
    assert summary.startswith("Of 100 neighbourhoods (LSOAs)") and "per 1,000 residents" in summary


def test_map_figure_draws_offline_with_classes_in_words(newport_lsoas: pd.DataFrame,
                                                        demo_con: duckdb.DuckDBPyConnection) -> None:
    from cspdash.charts import maps

    geometry = hs.map_geometry(demo_con, NEWPORT, "lsoa")
    frame = hs.map_frame(newport_lsoas, "count", "90", geometry.centroids)
    frame.loc[frame.index[:2], "hot_spot"] = "Cold spot 95%"  # force a cold class to check its ring
    figure = maps.area_map(geometry.feature_collection, frame, "value", "Crimes",
                           (geometry.center_lat, geometry.center_lon), geometry.zoom,
                           spots=frame[frame["hot_spot"] != "Not significant"])
    layout = figure.layout.map
    assert layout.style == "white-bg" and layout.zoom == geometry.zoom
    assert (layout.center.lat, layout.center.lon) == (geometry.center_lat, geometry.center_lon)
    names = [t.name for t in figure.data if t.showlegend is not False and t.name]
    assert "Cold spot, 95% confidence (medium ring)" in names
    assert any(n.startswith("Hot spot, 99% confidence") for n in names)
    assert figure.data[0].zmax == maps.colour_cap(frame["value"]) is not None  # the city centre would wash out
    tiles = maps.area_map(geometry.feature_collection, frame, "value", "Crimes", (51.5, -3.0), 10, basemap=True)
    assert tiles.layout.map.style == "carto-positron"


@pytest.mark.parametrize("level", ["lsoa", "ward"])
def test_outcome_mix_from_the_aggregate_equals_the_raw_rows(demo_con: duckdb.DuckDBPyConnection, level: str) -> None:
    """The drill-down's outcome mix read from agg_outcome_month_lsoa equals the one worked out from raw rows."""
    codes = hs.areas(demo_con, NEWPORT, level)["area_code"].tolist()
    for code in codes[:4] + codes[-2:]:
        for types in ((), ("Burglary",), ("Violence and sexual offences", "Robbery")):
            fast = hs.area_outcome_mix(demo_con, NEWPORT, level, code, START, END, types)
            slow = hs.area_outcome_mix_from_rows(demo_con, NEWPORT, level, code, START, END, types)
            pd.testing.assert_frame_equal(fast, slow)
            if not types:
                assert fast["crimes"].sum() > 0


def test_top_table_orders_tied_areas_by_code() -> None:
    """Areas that tie on hot spot, z and value are listed in area code order, run after run."""
    codes = ["E05", "E02", "E04", "E01", "E03"]
    spots = pd.DataFrame({
        "area_code": codes, "area_name": codes, "ward_name": codes, "crimes": [10, 10, 10, 10, 12],
        "rate": [1.0] * 5, "harm": [1.0] * 5, "previous_crimes": [5] * 5, "pct_change": [100.0] * 5,
        "verdict_label": ["a real change"] * 5, "share_of_total": [20.0] * 5,
        "hot_spot_class": ["Not significant"] * 5, "fdr_q": [1.0] * 5, "z": [0.0, 0.0, 0.0, 0.0, 0.0],
    })
    empty = pd.DataFrame(columns=["area_code", "crime_type", "crimes"]), pd.DataFrame(
        columns=["area_code", "location", "crimes"])
    table = hs.top_hot_spots_table(spots, empty, "count", "95", limit=4)
    assert table["area_code"].tolist() == ["E03", "E01", "E02", "E04"]  # the highest count first, then ties by code
    assert hs.top_hot_spot_codes(spots, "count", "95", 4) == tuple(table["area_code"])


def test_top_hot_spots_are_sorted_as_the_caption_says(newport_lsoas: pd.DataFrame) -> None:
    """'Significant hot spots first (strongest first), then every other area by its value, highest first'
    (issue 17: an area with 851 crimes sat below areas with 224 and 70)."""
    codes = hs.top_hot_spot_codes(newport_lsoas, "count", "95", limit=40)
    ranked = newport_lsoas.set_index("area_code").loc[list(codes)]
    hot = hs.classify_at(ranked, "95").str.startswith("Hot").to_numpy()
    assert hot.any() and not hot.all()
    assert list(hot) == sorted(hot, reverse=True)  # every hot spot before every other area
    assert list(ranked["z"][hot]) == sorted(ranked["z"][hot], reverse=True)
    others = list(ranked["crimes"][~hot])
    assert others == sorted(others, reverse=True)
    # and the rest of the partnership has no area with more crimes than the last one listed
    rest = newport_lsoas[~newport_lsoas["area_code"].isin(codes)]
    assert rest["crimes"].max() <= others[-1]


def test_gi_star_on_few_areas_is_flagged_in_words() -> None:
    six = pd.DataFrame({"area_code": [f"W{i}" for i in range(6)], "crimes": [5, 9, 2, 40, 7, 3]})
    assert hs.few_areas_warning(six, "count", "ward") == (
        "Only 6 wards to compare: hot spot statistics (Getis-Ord Gi*) need about 30 or more areas to tell a real "
        "cluster from chance, so treat any hot or cold spot here as a hint, not a finding. Choose neighbourhoods "
        "(LSOAs) for a sounder picture.")
    one = six.head(1)
    assert hs.few_areas_warning(one, "count", "lsoa").startswith("Only 1 neighbourhood (LSOA) to compare")
    thirty = pd.DataFrame({"area_code": [f"L{i}" for i in range(30)], "crimes": range(30)})
    assert hs.few_areas_warning(thirty, "count", "lsoa") == ""


@pytest.mark.parametrize(("missing", "words"), [(1, "1 neighbourhood has no population figure"),
                                                (2, "2 neighbourhoods have no population figure")])
def test_caveat_counts_neighbourhoods_without_population_in_words(missing: int, words: str) -> None:
    figures = hs.Caveats(force_records=10, no_location=0, partnership_records=10, on_map=10, old_codes=0,
                         lsoa_vintages={"2021": 10}, areas=5, areas_with_population=5 - missing, residents=900)
    assert words in " ".join(hs.caveat_lines(figures, "lsoa"))
