"""Hot spots over areas: neighbours, Getis-Ord Gi* with FDR correction, and persistence."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse, special
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

#: default snapping tolerance for queen_neighbours, as a fraction of the map's diagonal extent
RELATIVE_TOLERANCE = 1e-4

HOT_SPOT_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "99%"), (0.05, "95%"), (0.10, "90%"))
NOT_SIGNIFICANT = "Not significant"
HOT_SPOT_CLASSES: tuple[str, ...] = (
    "Hot spot 99%", "Hot spot 95%", "Hot spot 90%",
    NOT_SIGNIFICANT,
    "Cold spot 90%", "Cold spot 95%", "Cold spot 99%",
)

GI_STAR_RULE_TEXT = (
    "Getis-Ord Gi* compares each area plus its neighbours with the whole map. A hot spot is a "
    "cluster of high values, a cold spot a cluster of low values. p values are two-sided from "
    "the normal approximation and adjusted for testing many areas at once (Benjamini-Hochberg "
    "false discovery rate); an area is a 99%/95%/90% hot or cold spot when its adjusted p value "
    "is below 0.01/0.05/0.10."
)

PERSISTENCE_CLASSES: tuple[str, ...] = (
    "new", "intensifying", "persistent", "diminishing", "sporadic", "not a hot spot",
)
#: hot in at least this share of periods (including the latest) counts as persistent
PERSISTENT_SHARE = 0.75
#: one-sided Mann-Kendall (Kendall's tau against period order) significance for a z trend
TREND_ALPHA = 0.05

PERSISTENCE_EXPLANATIONS: dict[str, str] = {
    "new": "A hot spot in the latest period for the first time in the periods shown.",
    "persistent": (
        "A hot spot in at least three-quarters of the periods, including the latest: "
        "a long-term problem."
    ),
    "intensifying": (
        "A persistent hot spot whose clustering has grown stronger period by period "
        "(a statistically significant rising trend in its Gi* z score)."
    ),
    "diminishing": (
        "A long-standing hot spot that is fading: no longer hot in the latest period, or still hot "
        "but with a statistically significant falling trend in its Gi* z score."
    ),
    "sporadic": "A hot spot on and off: hot in some periods but not consistently.",
    "not a hot spot": "Not a hot spot in any of the periods shown.",
}

PERSISTENCE_RULE_TEXT = (
    "Periods are in time order. new: hot in the latest period only. persistent: hot in at least "
    "75% of periods including the latest. intensifying: persistent and the Gi* z score rises "
    "over the periods (Mann-Kendall test, Kendall's tau against time, one-sided p < 0.05; needs "
    "4 or more periods). diminishing: persistent but z falls by the same test, or not hot in the "
    "latest period after being hot in at least 75% of the earlier periods. sporadic: hot in some "
    "periods but none of these. not a hot spot: never hot."
)


def queen_neighbours(
    geometries: Mapping[str, BaseGeometry], tolerance: float | None = None
) -> dict[str, list[str]]:
    """Areas sharing any boundary point (queen contiguity), allowing a small gap between them.

    Generalised boundaries may leave slivers or overlaps between areas that share a border,
    so each shape is buffered by ``tolerance`` (in the coordinates' units) before testing
    ``intersects``. The default is RELATIVE_TOLERANCE × the diagonal of the overall extent
    (about 3 m for a 30 km district). Pass 0 for exact touching. The area itself is excluded.
    """
    codes = list(geometries)
    shapes = [geometries[code] for code in codes]
    if not shapes:
        return {}
    if tolerance is None:
        bounds = np.array([shape.bounds for shape in shapes])
        diagonal = math.hypot(
            bounds[:, 2].max() - bounds[:, 0].min(), bounds[:, 3].max() - bounds[:, 1].min()
        )
        tolerance = RELATIVE_TOLERANCE * diagonal
    tree = STRtree(shapes)
    neighbours: dict[str, list[str]] = {}
    for i, (code, shape) in enumerate(zip(codes, shapes, strict=True)):
        probe = shape.buffer(tolerance) if tolerance > 0 else shape
        hits = tree.query(probe, predicate="intersects")
        neighbours[code] = sorted(codes[j] for j in hits if j != i)
    return neighbours


def distance_neighbours(
    centroids: Mapping[str, tuple[float, float]] | pd.DataFrame, threshold: float
) -> dict[str, list[str]]:
    """Areas whose centroids lie within ``threshold`` (Euclidean; use projected metres).

    ``centroids`` is a mapping area -> (x, y) or a DataFrame with area_code, x, y columns.
    The area itself is excluded.
    """
    if isinstance(centroids, pd.DataFrame):
        codes = [str(code) for code in centroids["area_code"]]
        points = centroids[["x", "y"]].to_numpy(dtype=float)
    else:
        codes = list(centroids)
        points = np.array([centroids[code] for code in codes], dtype=float).reshape(-1, 2)
    if not codes:
        return {}
    tree = cKDTree(points)
    neighbours: dict[str, list[str]] = {}
    for i, hits in enumerate(tree.query_ball_point(points, r=threshold)):
        neighbours[codes[i]] = sorted(codes[j] for j in hits if j != i)
    return neighbours


def gi_star(
    df: pd.DataFrame,
    neighbours: Mapping[str, Sequence[str]],
    value_col: str = "value",
    area_col: str = "area_code",
) -> pd.DataFrame:
    """Getis-Ord Gi* per area with binary weights (self included), FDR-adjusted and classified.

    Matches esda.G_Local(y, w, transform="B", star=True): the statistic is
    Gi* = Σ_j w_ij y_j / Σ_j y_j with w_ii = 1, E = k_i / n, and
    Var = k_i (n − k_i) / (n − 1) / n² × s² / ȳ² (s² the population variance, k_i the
    number of areas in the local sum). Neighbours not in ``df`` are ignored: ``df`` is the
    study region. Returns area_code, value, n_local, gi_star, z, p (two-sided), fdr_q,
    hot_spot_class and is_hot.
    """
    codes = df[area_col].astype(str).tolist()
    if len(set(codes)) != len(codes):
        raise ValueError(f"{area_col} has duplicate areas; give one value per area")
    y = df[value_col].to_numpy(dtype=float)
    if np.isnan(y).any():
        bad = codes[int(np.flatnonzero(np.isnan(y))[0])]
        raise ValueError(f"{value_col} is missing for area {bad}")
    statistic, k, z, p, q = gi_star_arrays(codes, y, neighbours)
    classes = [classify(zi, qi) for zi, qi in zip(z, q, strict=True)]
    return pd.DataFrame(
        {
            "area_code": codes,
            "value": y,
            "n_local": k.astype(int),
            "gi_star": statistic,
            "z": z,
            "p": p,
            "fdr_q": q,
            "hot_spot_class": classes,
            "is_hot": [c.startswith("Hot") for c in classes],
        }
    )


def gi_star_arrays(codes: list[str], y: np.ndarray, neighbours: Mapping[str, Sequence[str]]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """gi_star's numbers on arrays (codes unique, y without NaN): statistic, n_local, z, p and fdr_q per area."""
    n = len(y)
    local = _local_weights(codes, neighbours)
    local_sum = local @ y
    k = np.diff(local.indptr).astype(float)

    total = y.sum()
    mean = total / n if n else np.nan
    variance = (y**2).mean() - mean**2 if n else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = local_sum / total
        expected = k / n
        var_g = k * (n - k) / (n - 1) / n**2 * variance / mean**2
        z = (statistic - expected) / np.sqrt(var_g)
    z = np.where(np.isfinite(z), z, 0.0)  # no variation (or one area): nothing stands out
    p = 2.0 * special.ndtr(-np.abs(z))  # the normal survival function, as stats.norm.sf computes it
    return statistic, k, z, p, benjamini_hochberg(p)


def gi_star_rows(codes: list[str], values: np.ndarray, neighbours: Mapping[str, Sequence[str]]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """gi_star_arrays's z and fdr_q for several rows of values on the same areas at once (e.g. one row per
    period): the same sums, element by element, on a matrix. Returns z and fdr_q, each rows × areas."""
    y = np.asarray(values, dtype=float)
    n = y.shape[1]
    local = _local_weights(codes, neighbours)
    local_sum = np.asarray(local @ y.T).T
    k = np.diff(local.indptr).astype(float)
    total = y.sum(axis=1, keepdims=True)
    mean = total / n if n else np.full_like(total, np.nan)
    variance = (y**2).mean(axis=1, keepdims=True) - mean**2 if n else np.full_like(total, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = local_sum / total
        expected = k / n
        var_g = k * (n - k) / (n - 1) / n**2 * variance / mean**2
        z = (statistic - expected) / np.sqrt(var_g)
    z = np.where(np.isfinite(z), z, 0.0)
    p = 2.0 * special.ndtr(-np.abs(z))
    q = np.array([benjamini_hochberg(row) for row in p]).reshape(p.shape)
    return z, q


def is_hot_spot(z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Whether each area is a hot spot at any level (what classify names 'Hot spot …')."""
    return (np.asarray(q) < max(alpha for alpha, _level in HOT_SPOT_LEVELS)) & (np.asarray(z) > 0)


#: sparse local-sum weights per (areas, neighbour lists); neighbour lists are read-only once built
_LOCAL_WEIGHTS: dict[tuple[str, ...], tuple[Mapping[str, Sequence[str]], sparse.csr_matrix]] = {}


def _local_weights(codes: list[str], neighbours: Mapping[str, Sequence[str]]) -> sparse.csr_matrix:
    """Row i sums area i and its neighbours among ``codes`` (binary weights, self included)."""
    key = tuple(codes)
    cached = _LOCAL_WEIGHTS.get(key)
    if cached is not None and cached[0] is neighbours:
        return cached[1]
    n = len(codes)
    position = {code: i for i, code in enumerate(codes)}
    rows: list[int] = []
    cols: list[int] = []
    for i, code in enumerate(codes):
        members = {i, *(position[o] for o in map(str, neighbours.get(code, ())) if o in position)}
        rows += [i] * len(members)
        cols += members
    local = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    if len(_LOCAL_WEIGHTS) >= 64:
        _LOCAL_WEIGHTS.clear()
    _LOCAL_WEIGHTS[key] = (neighbours, local)
    return local


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg FDR-adjusted p values (q values), in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adjusted, 1.0)
    return q


def persistence(classes_by_period: pd.DataFrame) -> pd.DataFrame:
    """Classify each area's hot-spot history across ordered periods (see PERSISTENCE_RULE_TEXT).

    Input columns: area_code, period (sortable: later periods sort later), is_hot, z.
    An area missing from a period counts as not hot there. Returns area_code, persistence,
    explanation, hot_periods, periods.
    """
    required = {"area_code", "period", "is_hot", "z"}
    missing = required - set(classes_by_period.columns)
    if missing:
        raise ValueError(f"classes_by_period is missing columns: {sorted(missing)}")
    periods = sorted(classes_by_period["period"].unique())
    areas = sorted(classes_by_period["area_code"].unique())
    row = pd.Index(areas).get_indexer(classes_by_period["area_code"])
    col = pd.Index(periods).get_indexer(classes_by_period["period"])
    hot = np.zeros((len(areas), len(periods)), dtype=bool)
    np.logical_or.at(hot, (row, col), classes_by_period["is_hot"].to_numpy(dtype=bool))
    z_sum = np.zeros(hot.shape)
    z_count = np.zeros(hot.shape)
    z_values = classes_by_period["z"].to_numpy(dtype=float)
    known = ~np.isnan(z_values)
    np.add.at(z_sum, (row[known], col[known]), z_values[known])
    np.add.at(z_count, (row[known], col[known]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(z_count > 0, z_sum / z_count, np.nan)  # the mean z per area and period, as pivot_table gives
    labels = [_persistence_class(hot[i], z[i]) for i in range(len(areas))]
    return pd.DataFrame({
        "area_code": pd.Series(areas, dtype=classes_by_period["area_code"].dtype),
        "persistence": labels,
        "explanation": [PERSISTENCE_EXPLANATIONS[label] for label in labels],
        "hot_periods": hot.sum(axis=1).astype(int),
        "periods": len(periods),
    }, columns=["area_code", "persistence", "explanation", "hot_periods", "periods"])


def persistence_classes(hot: np.ndarray, z: np.ndarray) -> list[str]:
    """The persistence class of each area from an areas × ordered periods matrix of hot flags and one of z scores:
    what persistence() gives each area, without its frames, testing the z trend only where the rule needs it."""
    hot = np.asarray(hot, dtype=bool)
    z = np.asarray(z, dtype=float)
    areas, periods = hot.shape
    if periods == 0:
        return ["not a hot spot"] * areas
    count = hot.sum(axis=1)
    latest = hot[:, -1]
    earlier = hot[:, :-1]
    labels = np.full(areas, "sporadic", dtype=object)
    if periods > 1:
        labels[~latest & (earlier.mean(axis=1) >= PERSISTENT_SHARE)] = "diminishing"
    new = latest & ~earlier.any(axis=1)
    for i in np.flatnonzero(latest & ~new & (count / periods >= PERSISTENT_SHARE)):
        trend = _z_trend_dense(z[i])
        labels[i] = "intensifying" if trend == "rising" else "diminishing" if trend == "falling" else "persistent"
    labels[new] = "new"
    labels[count == 0] = "not a hot spot"
    return labels.tolist()


def z_trend(z_by_period: Sequence[float] | np.ndarray) -> str | None:
    """'rising' or 'falling' if Kendall's tau of z against time is one-sided significant, else None."""
    z = np.asarray(z_by_period, dtype=float)
    keep = ~np.isnan(z)
    z = z[keep]
    if len(z) < 4 or np.ptp(z) == 0:
        return None
    # Kendall's tau and its p value depend only on the order of the z scores (ties included), so the test runs
    # once per pattern of ranks
    return _trend_of_ranks(tuple((np.unique(z, return_inverse=True)[1] + 1).tolist()))


def _z_trend_dense(z_by_period: np.ndarray) -> str | None:
    """z_trend with the dense ranks taken by numpy (the ranks scipy's rankdata(method='dense') gives, in a tenth
    of the time)."""
    z = z_by_period[~np.isnan(z_by_period)]
    if len(z) < 4 or np.ptp(z) == 0:
        return None
    return _trend_of_ranks(tuple((np.unique(z, return_inverse=True)[1] + 1).tolist()))


@functools.lru_cache(maxsize=4096)
def _trend_of_ranks(ranks: tuple[int, ...]) -> str | None:
    if kendall_trend_p(ranks, "greater") < TREND_ALPHA:
        return "rising"
    if kendall_trend_p(ranks, "less") < TREND_ALPHA:
        return "falling"
    return None


@functools.lru_cache(maxsize=64)
def _inversion_counts(n: int) -> tuple[int, ...]:
    """How many orderings of n distinct values have 0, 1, 2, … out-of-order pairs (the Mahonian numbers)."""
    counts = [1]
    for size in range(2, n + 1):  # adding the size-th value makes 0 … size-1 new out-of-order pairs
        grown = [0] * (len(counts) + size - 1)
        for inversions, ways in enumerate(counts):
            for extra in range(size):
                grown[inversions + extra] += ways
        counts = grown
    return tuple(counts)


def kendall_trend_p(values: Sequence[float], alternative: str) -> float:
    """One-sided p value of Kendall's tau between period order and ``values`` (ties allowed in the values),
    as scipy.stats.kendalltau(range(n), values, alternative=…) gives it with its default method: exact (the
    distribution of out-of-order pairs over every ordering) when there are no ties and n ≤ 33 or at most one pair
    is on the minority side, else the normal approximation with the tie-corrected variance. Written with numpy
    and the standard library so the server does not import scipy.stats (38 MB) for this one test."""
    y = np.asarray(values, dtype=float)
    n = len(y)
    pairs = n * (n - 1) // 2
    later = np.sign(y[None, :] - y[:, None])[np.triu_indices(n, 1)]  # +1 in order, −1 out of order, 0 tied
    concordant, discordant = int((later > 0).sum()), int((later < 0).sum())
    _, tie_sizes = np.unique(y, return_counts=True)
    tie_sizes = tie_sizes[tie_sizes > 1].astype(float)
    if len(tie_sizes) == 0 and (n <= 33 or min(discordant, pairs - discordant) <= 1):
        counts = _inversion_counts(n)
        ways = sum(counts[:discordant + 1]) if alternative == "greater" else sum(counts[discordant:])
        return min(1.0, ways / math.factorial(n))
    m = n * (n - 1.0)
    variance = (m * (2 * n + 5) - float((tie_sizes * (tie_sizes - 1) * (2 * tie_sizes + 5)).sum())) / 18
    if variance <= 0:  # every value tied: no order to test (scipy gives nan too)
        return math.nan
    z = (concordant - discordant) / math.sqrt(variance)
    return float(special.ndtr(-z) if alternative == "greater" else special.ndtr(z))


def _persistence_class(is_hot: np.ndarray, z: np.ndarray) -> str:
    """The persistence class of one area from its ordered hot flags and z scores."""
    hot_count = int(is_hot.sum())
    if hot_count == 0:
        return "not a hot spot"
    latest_hot = bool(is_hot[-1])
    earlier = is_hot[:-1]
    if latest_hot and not earlier.any():
        return "new"
    if latest_hot and hot_count / len(is_hot) >= PERSISTENT_SHARE:
        trend = z_trend(z)
        if trend == "rising":
            return "intensifying"
        if trend == "falling":
            return "diminishing"
        return "persistent"
    if not latest_hot and len(earlier) and earlier.mean() >= PERSISTENT_SHARE:
        return "diminishing"
    return "sporadic"


def classify(z: float, q: float) -> str:
    """Hot/cold spot class from the sign of z and the FDR-adjusted p value."""
    for alpha, level in HOT_SPOT_LEVELS:
        if q < alpha:
            return f"{'Hot' if z > 0 else 'Cold'} spot {level}"
    return NOT_SIGNIFICANT
