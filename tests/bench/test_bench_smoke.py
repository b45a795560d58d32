"""Every benchmark script runs end to end in its tiny --quick mode (no timing assertions: CI proves they work)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e  # starts streamlit servers and drives chromium


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bench/run_all.py --quick into a temporary folder, with its own data cache."""
    out = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "CSPDASH_BENCH_DIR": str(out / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("CSPDASH_TEST", None)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert (out / "runs.json").exists(), done.stderr[-3000:]
    return out


def test_every_script_ran_and_succeeded(quick_run: Path) -> None:
    runs = json.loads((quick_run / "runs.json").read_text())
    ran = {r["script"] for r in runs if not r.get("skipped")}
    assert {"bench_queries.py", "bench_baseline_pandas.py", "bench_browser.py", "bench_load.py"} <= ran
    # a script without a --quick mode is skipped in quick runs, never silently: latest.md says so
    for skipped in (r for r in runs if r.get("skipped")):
        assert "has no --quick mode" in skipped["stdout"]
    failed = {r["script"]: r["stderr_tail"][-1500:] for r in runs if r["exit_code"] != 0}
    assert not failed, failed


def test_soak_and_committee_benchmarks_ran(quick_run: Path) -> None:
    """The soak (one session over every page, uploads included) and the committee (two sessions at once) print
    their figures: server RSS per reading, time to first chart against one session's."""
    runs = {r["script"]: r for r in json.loads((quick_run / "runs.json").read_text()) if not r.get("skipped")}
    soak = runs["bench_soak.py"]["stdout"]
    assert "server RSS at start" in soak and "after   1 sessions" in soak and "peak " in soak
    assert "steps that failed: 0" in soak, soak
    committee = runs["bench_committee.py"]["stdout"]
    assert "2 sessions at once" in committee and "p95 ratio" in committee, committee
    assert "errors shown: 0; sessions that failed: 0" in committee


def test_latest_md_collects_each_scripts_tables(quick_run: Path) -> None:
    text = (quick_run / "latest.md").read_text()
    assert "Machine: " in text
    assert "### Page queries" in text
    assert "### Store size and load memory against rows" in text
    assert "### Baseline: pandas reading the CSVs against cspdash" in text
    assert "### Browser: the Overview against the strict and the old floor" in text
    assert "![time against rows](time_vs_rows.png)" in text


def test_chart_is_a_png(quick_run: Path) -> None:
    png = (quick_run / "time_vs_rows.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_query_benchmark_discovered_the_pages_queries(quick_run: Path) -> None:
    data = json.loads((quick_run / "queries.json").read_text())
    (scale,) = data["scales"]
    assert scale["scale"] == "tiny"
    # the demo's real Gwent rows plus 3 generated months of one force (about 2,000 rows a month)
    assert 202_374 + 3_000 < scale["street_rows"] < 202_374 + 9_000
    pages = {p["page"]: p for p in scale["selections"][0]["pages"]}
    assert {"Overview", "Crime trends"} <= set(pages)
    overview = pages["Overview"]
    assert overview["error"] is None
    assert "crime.headline_changes" in overview["per_call_warm_ms"]
    assert overview["warm_median_ms"] > 0 and overview["cold_median_ms"] > 0


def test_baseline_and_cspdash_give_the_same_answer(quick_run: Path) -> None:
    (result,) = json.loads((quick_run / "baseline.json").read_text())
    pandas_answer, cspdash_answer = result["pandas"]["answer"], result["cspdash"]["answer"]
    assert pandas_answer == cspdash_answer
    assert pandas_answer["months"] == 36  # the demo's 2022-07 .. 2025-06
    assert pandas_answer["current_total"] > 10_000  # Newport records about 22,700 crimes and ASB a year


def test_browser_benchmark_measured_both_apps(quick_run: Path) -> None:
    summary = json.loads((quick_run / "browser-tiny.json").read_text())
    for app in ("dashboard", "strict", "bare"):
        figures = summary[app]
        assert figures["first_s"] > 0 and figures["repeat_s"] > 0
        assert figures["rss_mb"] > 50
        # the timeline: the script starts before its run finishes, and the first chart is drawn after the start
        timeline = figures["first_timeline"]
        assert 0 < timeline["script_start"] < timeline["run_finished"]
        assert timeline["script_start"] < timeline["first_chart"]
    assert summary["dashboard"]["filter_s"] > 0 and summary["bare"]["filter_s"] > 0
    assert summary["dashboard"]["first_timeline"]["first_tile"] > 0
    assert (quick_run / "browser-timeline-tiny.png").stat().st_size > 1000
    assert [t["verdict"] for t in summary["targets"]] and all(
        t["verdict"] in ("(ok)", "(ABOVE TARGET)") for t in summary["targets"])
    for floor in ("strict", "bare"):
        assert set(summary["ratios"][floor]) == {"server_cold_first_s", "first_s", "repeat_s", "rss_mb"}
        for key in ("first_s", "repeat_s"):  # round by round: each dashboard visit over the floor's in that round
            pairs = zip(summary["dashboard"]["raw"][key], summary[floor]["raw"][key], strict=True)
            ratios = sorted(d / b for d, b in pairs)
            rounds = summary["round_ratios"][floor][key]
            assert rounds["rounds"] == len(ratios) >= 1
            assert rounds["median"] == pytest.approx(statistics.median(ratios))
            assert rounds["min"] <= rounds["q1"] <= rounds["median"] <= rounds["q3"] <= rounds["max"]
