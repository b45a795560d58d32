"""Public-output mode (CSPDASH_PUBLIC_OUTPUT=1): no small-area count of 1–4 on any page or in any download.

Every page is walked in AppTest with the mode on. Every table shown and every CSV download is captured; in any
table about small areas (it has an area/LSOA/ward/location column), no count column may hold 1, 2, 3 or 4.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.trust.public_mode import public_output

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard.py"
AREA_WORDS = ("lsoa", "ward", "msoa", "area", "neighbourhood", "location", "hot spot", "street")
COUNT_WORDS = ("crime", "count", "incident", "offence", "asb", "anti-social", "previous", "latest", "before",
               "number", "records", "cases", "searches")
PUBLIC_BADGE = "Public output: counts of 1–4 shown as <5"


def _shell_pages() -> list[tuple[str, str]]:
    """(file, title) of the shell's pages that exist (parsed, not imported: see test_fuzz_urls)."""
    tree = ast.parse((ROOT / "cspdash" / "ui" / "shell.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "PAGES" and node.value:
            return [(f, t) for f, t, *_ in ast.literal_eval(node.value) if (ROOT / "pages" / f).exists()]
    raise AssertionError("PAGES not found")


PAGES = _shell_pages()
DOWNLOADS: list[tuple[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def public_mode(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Public-output mode on the demo store (demo sign-in), with every download_button's data recorded."""
    with public_output(demo_store_path, DOWNLOADS):
        yield


def _is_small_area(frame: pd.DataFrame) -> bool:
    return any(word in str(column).lower() for column in frame.columns for word in AREA_WORDS)


def _small_counts(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Count-like columns holding a value from 1 to 4."""
    found: dict[str, list[Any]] = {}
    for column in frame.columns:
        name = str(column).lower()
        if not any(word in name for word in COUNT_WORDS) or "rate" in name or "per " in name or "%" in name:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        whole = values[(values == values.round()) & values.between(1, 4)]
        if not whole.empty:
            found[str(column)] = sorted(set(whole.tolist()))[:5]
    return found


def _csv_frame(data: Any) -> pd.DataFrame | None:
    raw = data.encode() if isinstance(data, str) else data
    if not isinstance(raw, bytes | bytearray) or raw[:4] in (b"%PDF", b"PK\x03\x04"):
        return None
    try:
        return pd.read_csv(io.BytesIO(raw))
    except Exception:
        return None


@pytest.mark.parametrize(("file", "title"), PAGES, ids=[f for f, _t in PAGES])
def test_no_small_area_count_of_1_to_4_on_the_page_or_in_its_downloads(file: str, title: str) -> None:
    """The page's tables and CSV downloads about small areas show no count of 1–4 (shown as <5 instead)."""
    DOWNLOADS.clear()
    at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
    at.switch_page(f"pages/{file}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert title in [t.value for t in at.title]
    assert any(PUBLIC_BADGE in str(i.value) for i in at.sidebar.info), "the sidebar shows the public notice"
    problems: list[str] = []
    for shown in at.dataframe:
        frame = shown.value
        if isinstance(frame, pd.DataFrame) and _is_small_area(frame) and (bad := _small_counts(frame)):
            problems.append(f"table {list(frame.columns)[:6]}: {bad}")
    for label, data in DOWNLOADS:
        frame = _csv_frame(data)
        if frame is not None and _is_small_area(frame) and (bad := _small_counts(frame)):
            problems.append(f"download “{label}”: {bad}")
    assert not problems, "\n".join(problems)


def test_the_check_would_catch_a_small_count() -> None:
    """Guard against a vacuous walk: an unsuppressed LSOA table is caught, a suppressed one passes."""
    from cspdash.metrics.disclosure import suppress

    frame = pd.DataFrame({"LSOA": ["W01000001", "W01000002", "W01000003"], "Crimes": [3, 12, 0]})
    assert _is_small_area(frame) and _small_counts(frame) == {"Crimes": [3]}
    assert _small_counts(suppress(frame, ["Crimes"])) == {}
    assert suppress(frame, ["Crimes"])["Crimes"].tolist() == ["<5", "12", "0"]


def test_mode_off_shows_no_badge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without CSPDASH_PUBLIC_OUTPUT the badge is absent (so its presence above means the mode is on)."""
    monkeypatch.setenv("CSPDASH_PUBLIC_OUTPUT", "0")
    at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
    at.switch_page("pages/data.py")
    at.run()
    assert not any(PUBLIC_BADGE in str(e.value) for e in [*at.sidebar.markdown, *at.sidebar.info])


def test_the_public_notice_is_drawn_whole_in_a_box_that_wraps() -> None:
    """The notice is a box whose text wraps at the sidebar's width, never a badge: a badge stays on one line and
    the sidebar cut it to "Public output: counts of 1–4 show…" (tests/e2e/test_public_notice.py measures it)."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
    at.switch_page("pages/data.py")
    at.run()
    assert [str(i.value) for i in at.sidebar.info if PUBLIC_BADGE in str(i.value)] == [PUBLIC_BADGE]
    assert not [m.value for m in at.sidebar.markdown if "-badge[" in str(m.value)]


# ---------------------------------------------------------------------------------------------- cells and totals
def test_protect_cells_hides_a_neighbour_then_the_total_when_nothing_else_can_be_hidden() -> None:
    """Hand-worked: ward 10 = LSOAs 3 + 7: the 3 is '<5' and the 7 must go too ('[c]': then 3 lies in 1–4 and
    7 in 6–9, neither pinned). Ward 8 = 4 + 4: both '<5' and 4 + 4 = 8 pins both (the only way to reach 8), and
    there is nothing left to hide, so the ward's total is hidden."""
    from cspdash.metrics.disclosure import protect_cells

    primary, secondary = protect_cells({"a": 3, "b": 7, "W": 10}, [("W", ["a", "b"])])
    assert primary == {"a"} and secondary == {"b"}
    primary, secondary = protect_cells({"a": 4, "b": 4, "W": 8}, [("W", ["a", "b"])])
    assert primary == {"a", "b"} and secondary == {"W"}
    # overlapping groups: the partnership (P = W + V) then needs a further cell once W is hidden
    primary, secondary = protect_cells({"a": 4, "b": 4, "W": 8, "V": 20, "P": 28},
                                       [("W", ["a", "b"]), ("P", ["W", "V"])])
    assert secondary == {"W", "V"}


def test_hide_trend_blanks_counts_rates_last_year_and_rolling_sums_over_a_hidden_month() -> None:
    from datetime import date

    import numpy as np

    from cspdash.metrics.disclosure import hide_trend

    months = [date(2024, m, 1) for m in range(1, 13)] + [date(2025, m, 1) for m in range(1, 4)]
    frame = pd.DataFrame({"area_code": "L1", "period": months, "crimes": [10.0] * 15,
                          "crimes_with_population": [10.0] * 15, "rate": [6.0] * 15, "last_year": [9.0] * 15,
                          "last_year_rate": [5.0] * 15, "rolling_12": [120.0] * 15, "rolling_12_rate": [70.0] * 15})
    out = hide_trend(frame, "lsoa", "month", {("lsoa", "L1", "month", date(2024, 2, 1))}, set())
    row = out.set_index("period")
    assert row.loc[date(2024, 2, 1), "crimes_shown"] == "<5" and pd.isna(row.loc[date(2024, 2, 1), "crimes"])
    assert np.isnan(row.loc[date(2024, 2, 1), "rate"])
    assert pd.isna(row.loc[date(2025, 2, 1), "last_year"]) and row.loc[date(2025, 3, 1), "last_year"] == 9
    # the rolling sums whose 12 months include Feb 2024: Feb 2024 .. Jan 2025
    rolled = row["rolling_12"]
    assert rolled.loc[date(2024, 1, 1)] == 120 and rolled.loc[date(2025, 2, 1)] == 120
    assert rolled.loc[date(2024, 2, 1):date(2025, 1, 1)].isna().all()
