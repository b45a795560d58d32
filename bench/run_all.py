"""Run every benchmark in sequence; collect what each prints into results/latest.md and draw time against rows.

    python bench/run_all.py                 # the full run (generates and loads national data once: long)
    python bench/run_all.py --quick --out /tmp/bench-quick     # CI: every script in its tiny --quick mode

Each bench/bench_*.py script runs in its own process; its printed output (markdown tables and figures) goes into
latest.md under its name, with its exit code and duration. The chart results/time_vs_rows.png is drawn from the
JSON the query and baseline benchmarks write (plotly + kaleido, which uses the system chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from bench_queries import NEWPORT, RESULTS_DIR, machine, machine_line  # noqa: E402

#: run order (scripts not named here run after these, alphabetically); browser last, alone on the machine
ORDER = ["bench_load.py", "bench_queries.py", "bench_baseline_pandas.py", "bench_pages.py", "bench_hotspots.py",
         "bench_browser.py"]
#: extra arguments of a full run, per script; each entry is one run (the browser runs on two stores)
FULL_ARGS: dict[str, list[list[str]]] = {
    "bench_load.py": [["--rows", "6000000", "--outcomes", "--data", "/tmp/cspdash-bench/load-6m-outcomes"]],
    "bench_browser.py": [["--scale", "partnership"], ["--scale", "national"]],
}
#: scripts that accept --out (they write their JSON there)
WRITES_JSON = {"bench_queries.py", "bench_baseline_pandas.py", "bench_browser.py"}
TIMEOUT_S = 4 * 3600


def scripts(only: list[str] | None) -> list[Path]:
    """The benchmark scripts to run, in order."""
    found = sorted(p.name for p in BENCH.glob("bench_*.py"))
    ordered = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    if only:
        ordered = [n for n in ordered if n.removesuffix(".py") in only or n in only]
    return [BENCH / n for n in ordered]


def supports_quick(script: Path) -> bool:
    """True when the script has a --quick mode (quick runs skip scripts without one, and say so)."""
    return '"--quick"' in script.read_text()


def run_script(script: Path, extra: list[str], quick: bool, out: Path) -> dict[str, Any]:
    """Run one script; returns its command, exit code, duration and printed output."""
    command = [sys.executable, str(script), *extra]
    if quick:
        if not supports_quick(script):
            print(f"== {script.name}: no --quick mode, skipped", file=sys.stderr, flush=True)
            return {"script": script.name, "args": ["--quick"], "exit_code": 0, "seconds": 0.0, "skipped": True,
                    "stdout": f"Skipped: {script.name} has no --quick mode.", "stderr_tail": ""}
        command.append("--quick")
    if script.name in WRITES_JSON:
        command += ["--out", str(out)]
    print(f"== {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        code, stdout, stderr = -1, str(exc.stdout or ""), f"timed out after {TIMEOUT_S} s"
    seconds = time.perf_counter() - started
    print(f"   exit {code} in {seconds:.0f} s", file=sys.stderr, flush=True)
    return {"script": script.name, "args": extra + (["--quick"] if quick else []), "exit_code": code,
            "seconds": seconds, "stdout": stdout, "stderr_tail": stderr[-3000:]}


def chart(out: Path) -> Path | None:
    """time_vs_rows.png: page query time and the pandas baseline against street rows (log-log)."""
    import plotly.graph_objects as go

    queries = out / "queries.json"
    baseline = out / "baseline.json"
    figure = go.Figure()
    if queries.exists():
        data = json.loads(queries.read_text())
        scales = sorted(data["scales"], key=lambda s: s["street_rows"])
        pages = {p["page"] for s in scales for sel in s["selections"] for p in sel["pages"]}
        for page in sorted(pages):
            xs, ys = [], []
            for s in scales:
                for sel in s["selections"]:
                    if sel["partnership"] != NEWPORT:
                        continue
                    for p in sel["pages"]:
                        if p["page"] == page:
                            xs.append(s["street_rows"])
                            ys.append(p["warm_median_ms"] / 1000)
            figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=f"cspdash {page} (warm)"))
    if baseline.exists():
        data = sorted(json.loads(baseline.read_text()), key=lambda r: r["pandas"]["rows"])
        xs = [r["pandas"]["rows"] for r in data]
        figure.add_trace(go.Scatter(x=xs, y=[r["pandas"]["read_s"] + r["pandas"]["query_s"] for r in data],
                                    mode="lines+markers", name="pandas: read CSVs + filter",
                                    line={"dash": "dash", "color": "black"}))
        figure.add_trace(go.Scatter(x=xs, y=[r["pandas"]["query_s"] for r in data], mode="lines+markers",
                                    name="pandas: filter only (data in memory)",
                                    line={"dash": "dot", "color": "black"}))
        figure.add_trace(go.Scatter(x=xs, y=[r["cspdash"]["cold_s"] for r in data], mode="lines+markers",
                                    name="cspdash: same answer, fresh connection", line={"color": "firebrick"}))
    if not figure.data:
        return None
    figure.add_hline(y=0.1, line_dash="dot", line_color="grey")
    # on a log axis an annotation's y is the exponent: -1 is 0.1 s
    figure.add_annotation(x=1, xref="paper", xanchor="right", y=-1, yref="y", yanchor="bottom",
                          text="100 ms target", showarrow=False)
    figure.update_layout(title="Time to answer against rows in the store (Newport selected)",
                         xaxis_title="police.uk street rows", yaxis_title="seconds", xaxis_type="log",
                         yaxis_type="log", template="plotly_white", width=1000, height=600,
                         legend={"font": {"size": 10}})
    path = out / "time_vs_rows.png"
    figure.write_image(str(path))
    return path


def write_markdown(runs: list[dict[str, Any]], out: Path, info: dict[str, Any], png: Path | None) -> Path:
    """latest.md: when, where, the machine, then each script's printed output."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    lines = [f"# Benchmark results — {datetime.now():%Y-%m-%d %H:%M}, commit {commit}", "", machine_line(info), ""]
    if png:
        lines += [f"![time against rows]({png.name})", ""]
    lines += ["| script | arguments | exit | seconds |", "|---|---|---|---|"]
    lines += [f"| {r['script']} | {' '.join(r['args'])} | {'skipped' if r.get('skipped') else r['exit_code']} "
              f"| {r['seconds']:.0f} |" for r in runs]
    for r in runs:
        lines += ["", f"## {r['script']} {' '.join(r['args'])}", ""]
        lines += [r["stdout"].strip() or "(no output)"]
        if r["exit_code"] != 0:
            lines += ["", "Failed; the end of its error output:", "", "```", r["stderr_tail"].strip(), "```"]
    path = out / "latest.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the scripts, write latest.md, runs.json and the chart; exit 1 when any script failed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every script in its tiny --quick mode")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--only", help="comma-separated script names (e.g. bench_queries,bench_browser)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    runs = []
    for script in scripts(args.only.split(",") if args.only else None):
        for extra in ([[]] if args.quick else FULL_ARGS.get(script.name, [[]])):
            runs.append(run_script(script, extra, args.quick, args.out))
    info["load_average_1m_after"] = os.getloadavg()[0]
    png = chart(args.out)
    md = write_markdown(runs, args.out, info, png)
    (args.out / "runs.json").write_text(json.dumps(runs, indent=2))
    print(md.read_text())
    return 0 if all(r["exit_code"] == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
