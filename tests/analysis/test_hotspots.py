"""Gi* against esda and hand-worked values; neighbours on a grid; persistence classes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import box

from cspdash.analysis.hotspots import (
    PERSISTENCE_CLASSES,
    PERSISTENCE_EXPLANATIONS,
    benjamini_hochberg,
    distance_neighbours,
    gi_star,
    persistence,
    queen_neighbours,
)

SIZE = 6


def grid_code(row: int, col: int) -> str:
    """Area code for a cell of the test grid."""
    return f"R{row}C{col}"


def grid(gap: float = 0.0) -> dict[str, object]:
    """A SIZE × SIZE grid of unit squares, optionally shrunk to leave a gap between them."""
    return {
        grid_code(r, c): box(c + gap / 2, r + gap / 2, c + 1 - gap / 2, r + 1 - gap / 2)
        for r in range(SIZE)
        for c in range(SIZE)
    }


def grid_values() -> pd.DataFrame:
    """A gradient with a high cluster in the top-right corner."""
    rng = np.random.default_rng(7)
    rows = []
    for r in range(SIZE):
        for c in range(SIZE):
            value = 5 + r + c + rng.poisson(3)
            if r >= 3 and c >= 3:
                value += 40
            rows.append({"area_code": grid_code(r, c), "value": float(value)})
    return pd.DataFrame(rows)


def test_queen_neighbours_on_grid() -> None:
    neighbours = queen_neighbours(grid())  # type: ignore[arg-type]
    assert neighbours["R0C0"] == ["R0C1", "R1C0", "R1C1"]  # corner: 3 including the diagonal
    assert len(neighbours["R0C2"]) == 5  # edge
    assert len(neighbours["R2C2"]) == 8  # interior
    assert "R2C2" not in neighbours["R2C2"]
    assert all(a in neighbours[b] for a in neighbours for b in neighbours[a])  # symmetric


def test_queen_neighbours_tolerates_small_gaps() -> None:
    shrunk = grid(gap=1e-5)  # generalised boundaries that no longer touch exactly
    assert queen_neighbours(shrunk, tolerance=0) == {code: [] for code in shrunk}  # type: ignore[arg-type]
    assert queen_neighbours(shrunk) == queen_neighbours(grid())  # type: ignore[arg-type]
    assert all(v == [] for v in queen_neighbours(grid(gap=0.2)).values())  # type: ignore[arg-type]


def test_distance_neighbours() -> None:
    centroids = {grid_code(r, c): (c + 0.5, r + 0.5) for r in range(SIZE) for c in range(SIZE)}
    rook = distance_neighbours(centroids, threshold=1.0)
    assert rook["R2C2"] == ["R1C2", "R2C1", "R2C3", "R3C2"]
    queen = distance_neighbours(centroids, threshold=1.5)
    assert queen == queen_neighbours(grid())  # type: ignore[arg-type]
    frame = pd.DataFrame([{"area_code": k, "x": x, "y": y} for k, (x, y) in centroids.items()])
    assert distance_neighbours(frame, threshold=1.0) == rook


def test_gi_star_hand_worked_chain() -> None:
    # A–B–C–D in a line, y = 2, 4, 6, 8: n = 4, Σy = 20, ȳ = 5, s² = (9+1+1+9)/4 = 5, s²/ȳ² = 0.2
    df = pd.DataFrame({"area_code": list("ABCD"), "value": [2, 4, 6, 8]})
    neighbours = {"A": ["B"], "B": ["A", "C"], "C": ["B", "D"], "D": ["C"]}
    result = gi_star(df, neighbours).set_index("area_code")
    # A: local {A,B} = 6, G = 0.3, E = 2/4, Var = 2·2/3/16 · 0.2 = 1/60 → z = −0.2·√60
    assert result.loc["A", "gi_star"] == pytest.approx(0.3)
    assert result.loc["A", "z"] == pytest.approx(-0.2 * math.sqrt(60))  # −1.549
    # B: local {A,B,C} = 12, G = 0.6, E = 3/4, Var = 3·1/3/16 · 0.2 = 0.0125 → z = −0.15/√0.0125
    assert result.loc["B", "z"] == pytest.approx(-0.15 / math.sqrt(0.0125))  # −1.342
    assert result.loc["C", "z"] == pytest.approx(0.15 / math.sqrt(0.0125))
    assert result.loc["D", "z"] == pytest.approx(0.2 * math.sqrt(60))
    assert result["n_local"].tolist() == [2, 3, 3, 2]
    assert result.loc["D", "p"] == pytest.approx(2 * stats.norm.sf(0.2 * math.sqrt(60)))
    assert (result["hot_spot_class"] == "Not significant").all()


def test_gi_star_self_in_neighbour_list_is_not_double_counted() -> None:
    df = pd.DataFrame({"area_code": list("ABCD"), "value": [2, 4, 6, 8]})
    plain = {"A": ["B"], "B": ["A", "C"], "C": ["B", "D"], "D": ["C"]}
    with_self = {k: [k, *v] for k, v in plain.items()}
    pd.testing.assert_frame_equal(gi_star(df, plain), gi_star(df, with_self))


def test_gi_star_matches_esda_on_grid() -> None:
    libpysal = pytest.importorskip("libpysal")
    esda = pytest.importorskip("esda")
    df = grid_values()
    neighbours = queen_neighbours(grid())  # type: ignore[arg-type]
    ours = gi_star(df, neighbours)
    w = libpysal.weights.W({code: neighbours[code] for code in df["area_code"]}, silence_warnings=True)
    assert list(w.id_order) == df["area_code"].tolist()
    reference = esda.G_Local(df["value"].to_numpy(), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(ours["z"].to_numpy(), reference.Zs, atol=1e-6)
    np.testing.assert_allclose(ours["gi_star"].to_numpy(), reference.Gs, atol=1e-9)
    np.testing.assert_allclose(ours["p"].to_numpy(), 2 * reference.p_norm, atol=1e-9)
    hot = ours.set_index("area_code")
    assert hot.loc["R4C4", "hot_spot_class"].startswith("Hot spot")
    assert hot.loc["R0C0", "z"] < 0


def test_gi_star_matches_esda_with_distance_band() -> None:
    libpysal = pytest.importorskip("libpysal")
    esda = pytest.importorskip("esda")
    points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]  # esda's docstring example
    y = [2, 3, 3.2, 5, 8, 7]
    codes = [f"P{i}" for i in range(6)]
    neighbours = distance_neighbours(dict(zip(codes, points, strict=True)), threshold=15)
    ours = gi_star(pd.DataFrame({"area_code": codes, "value": y}), neighbours)
    # published in esda's G_Local docstring for star=True, transform='B'
    published = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
    np.testing.assert_allclose(ours["z"].to_numpy(), published, atol=1e-6)
    w = libpysal.weights.DistanceBand(points, threshold=15, silence_warnings=True)
    reference = esda.G_Local(np.array(y), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(ours["z"].to_numpy(), reference.Zs, atol=1e-6)


def test_fdr_matches_scipy_and_classes_use_adjusted_p() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    np.testing.assert_allclose(benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"))
    # hand-worked: smallest p × 10/1 = 0.01; second 0.008 × 10/2 = 0.04
    assert benjamini_hochberg(p)[0] == pytest.approx(0.01)
    assert benjamini_hochberg(p)[1] == pytest.approx(0.04)
    result = gi_star(grid_values(), queen_neighbours(grid()))  # type: ignore[arg-type]
    for row in result.itertuples():
        if row.fdr_q < 0.01:
            expected = ("Hot" if row.z > 0 else "Cold") + " spot 99%"
        elif row.fdr_q < 0.05:
            expected = ("Hot" if row.z > 0 else "Cold") + " spot 95%"
        elif row.fdr_q < 0.10:
            expected = ("Hot" if row.z > 0 else "Cold") + " spot 90%"
        else:
            expected = "Not significant"
        assert row.hot_spot_class == expected
        assert row.fdr_q >= row.p
    assert result["is_hot"].sum() >= 1


def test_gi_star_bad_input() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        gi_star(pd.DataFrame({"area_code": ["A", "A"], "value": [1, 2]}), {})
    with pytest.raises(ValueError, match="area B"):
        gi_star(pd.DataFrame({"area_code": ["A", "B"], "value": [1, None]}), {})
    flat = gi_star(pd.DataFrame({"area_code": ["A", "B", "C"], "value": [3, 3, 3]}), {"A": ["B"]})
    assert (flat["z"] == 0).all() and (flat["hot_spot_class"] == "Not significant").all()


PERSISTENCE_CASES = [
    ("never", [False, False, False, False], [0.1, -0.5, 0.3, 0.2], "not a hot spot"),
    ("latest only", [False, False, False, True], [0.5, 1.0, 1.2, 3.1], "new"),
    ("always, steady z", [True, True, True, True], [3.0, 2.8, 3.1, 2.9], "persistent"),
    ("3 of 4 incl latest", [True, False, True, True], [3.0, 1.0, 3.2, 3.0], "persistent"),
    ("always, z rising", [True, True, True, True], [2.0, 2.5, 3.0, 3.5], "intensifying"),
    ("always, z falling", [True, True, True, True], [4.0, 3.5, 3.0, 2.6], "diminishing"),
    ("dropped out", [True, True, True, False], [3.0, 3.1, 2.9, 1.0], "diminishing"),
    ("on and off", [True, False, True, False], [3.0, 1.0, 3.0, 1.0], "sporadic"),
    ("off and on", [False, True, False, True], [1.0, 3.0, 1.0, 3.0], "sporadic"),
    ("once long ago", [True, False, False, False], [3.0, 1.0, 1.0, 1.0], "sporadic"),
]


@pytest.mark.parametrize(("name", "hot", "z", "expected"), PERSISTENCE_CASES, ids=[c[0] for c in PERSISTENCE_CASES])
def test_persistence_classes(name: str, hot: list[bool], z: list[float], expected: str) -> None:
    periods = ["2022-23", "2023-24", "2024-25", "2025-26"]
    frame = pd.DataFrame({"area_code": "E01", "period": periods, "is_hot": hot, "z": z})
    result = persistence(frame.sample(frac=1, random_state=1))  # order comes from period, not rows
    assert result["persistence"].tolist() == [expected]
    assert result["explanation"].iloc[0] == PERSISTENCE_EXPLANATIONS[expected]
    assert result["hot_periods"].iloc[0] == sum(hot)


def test_persistence_needs_four_periods_for_a_trend_and_fills_missing_periods() -> None:
    three = pd.DataFrame(
        {"area_code": "A", "period": [1, 2, 3], "is_hot": [True, True, True], "z": [2.0, 3.0, 4.0]}
    )
    assert persistence(three)["persistence"].tolist() == ["persistent"]
    gappy = pd.DataFrame(
        {
            "area_code": ["A", "A", "A", "A", "B"],
            "period": [1, 2, 3, 4, 4],
            "is_hot": [False, False, False, False, True],
            "z": [0.0, 0.0, 0.0, 0.0, 3.0],
        }
    )
    result = persistence(gappy).set_index("area_code")
    assert result.loc["B", "persistence"] == "new"  # absent from periods 1–3 counts as not hot
    assert result.loc["B", "periods"] == 4


def test_every_persistence_class_is_explained() -> None:
    assert set(PERSISTENCE_EXPLANATIONS) == set(PERSISTENCE_CLASSES)
    assert all(text.endswith(".") and text.count(". ") == 0 for text in PERSISTENCE_EXPLANATIONS.values())


def test_z_trend_equals_kendalls_tau_on_the_raw_z_scores() -> None:
    """The rank-pattern cache gives the verdict scipy's Kendall tau gives on the z scores themselves."""
    from scipy import stats

    from cspdash.analysis.hotspots import TREND_ALPHA, z_trend

    def direct(z: np.ndarray) -> str | None:
        z = z[~np.isnan(z)]
        if len(z) < 4 or np.ptp(z) == 0:
            return None
        time = np.arange(len(z))
        if stats.kendalltau(time, z, alternative="greater").pvalue < TREND_ALPHA:
            return "rising"
        if stats.kendalltau(time, z, alternative="less").pvalue < TREND_ALPHA:
            return "falling"
        return None

    rng = np.random.default_rng(5)
    verdicts = set()
    for trial in range(3000):
        periods = int(rng.integers(1, 9))
        z = rng.normal(size=periods) + np.arange(periods) * rng.normal(0, 1)
        if trial % 3 == 0:
            z = np.round(z)  # ties
        if trial % 7 == 0:
            z[int(rng.integers(0, len(z)))] = np.nan
        assert z_trend(z) == direct(z)
        verdicts.add(z_trend(z))
    assert verdicts == {"rising", "falling", None}


def test_kendall_trend_p_equals_scipys_kendalltau_on_every_rank_pattern() -> None:
    """The numpy Kendall test gives scipy's p value (to 1e-9) on every pattern of ranks of 4–6 periods, ties
    included (exact and normal-approximation branches), and on long series either side of 33 periods."""
    import itertools

    from scipy import stats

    from cspdash.analysis.hotspots import kendall_trend_p

    def patterns(n: int):  # every dense ranking of n values (ordered set partitions)
        for ranks in itertools.product(range(1, n + 1), repeat=n):
            if set(ranks) == set(range(1, max(ranks) + 1)):
                yield ranks

    rng = np.random.default_rng(11)
    cases = [p for n in (4, 5, 6) for p in patterns(n)]
    cases += [tuple(rng.permutation(n) + 1) for n in (33, 34, 40) for _ in range(20)]
    cases += [tuple(rng.integers(0, 6, size=n)) for n in (20, 40) for _ in range(20)]
    cases += [tuple(range(40)), tuple([1, 0] + list(range(2, 40)))]  # at most one pair against the trend
    assert len(cases) > 5000
    for ranks in cases:
        for alternative in ("greater", "less"):
            ours = kendall_trend_p(ranks, alternative)
            theirs = stats.kendalltau(np.arange(len(ranks)), ranks, alternative=alternative).pvalue
            assert abs(ours - theirs) < 1e-9 or (np.isnan(ours) and np.isnan(theirs)), (ranks, alternative, ours,
                                                                                        theirs)


def test_the_hot_spot_analysis_does_not_import_scipy_stats() -> None:
    """scipy.stats costs the server 38 MB; the hot spot analysis needs only scipy.special, sparse and spatial."""
    import subprocess
    import sys

    code = ("import sys; import cspdash.analysis.hotspots, cspdash.analysis.change, cspdash.analysis.funnel, "
            "cspdash.analysis.spc; print('scipy.stats' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
