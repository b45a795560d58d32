"""Command line: python -m cspdash load|demo|status|rollback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from cspdash.config import store_path
from cspdash.ingest.replacement import REPLACE_FLAG, ConfirmationNeeded
from cspdash.ingest.report import LoadError, LoadReport
from cspdash.store.versions import Store, StoreError


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m cspdash", description=__doc__)
    parser.add_argument("--db", help="store path (default: $CSPDASH_DB or data/cspdash.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="load police.uk files/folders/zips, geography, action plan, indicators")
    load.add_argument("paths", nargs="+", type=Path)
    load.add_argument("--user", default="cli", help="name recorded in the load log")
    load.add_argument(REPLACE_FLAG, action="store_true",
                      help="confirm a load that replaces or removes records already held (it lists them first), "
                           "or a police.uk file with no data rows or far fewer rows than the month it replaces")
    sub.add_parser("demo", help="build the store from the embedded demo data in data/demo")
    status = sub.add_parser("status", help="sources, months per force, gaps, last load")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    sub.add_parser("rollback", help="point the store back at the previous kept version")
    args = parser.parse_args(argv)
    store = Store(store_path(args.db))
    try:
        if args.command == "load":
            return _print_reports(_load_with_progress(store, args.paths, args.user, args.replace))
        if args.command == "demo":
            from cspdash.demo import build_demo

            with tqdm(total=1, unit="file", desc="Building demo store") as bar:
                reports = build_demo(store, progress=_tqdm_progress(bar))
            return _print_reports(reports)
        if args.command == "status":
            return _status(store, as_json=args.json)
        if args.command == "rollback":
            print(_rolled_back(store, store.rollback()))
            return 0
    except LoadError as exc:
        print(f"Load failed:\n{exc.message()}", file=sys.stderr)
        return 2
    except ConfirmationNeeded as exc:
        print(exc.message(), file=sys.stderr)
        return 4
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 3
    return 1


def _load_with_progress(store: Store, paths: list[Path], user: str, replace: bool = False) -> list[LoadReport]:
    from cspdash.ingest.load import load_paths

    had_national = _national_detail(store)
    with tqdm(total=1, unit="file", desc="Loading") as bar:
        reports = load_paths(store, paths, user=user, progress=_tqdm_progress(bar), replace=replace)
    installed = _national_detail(store)
    if installed and not had_national:
        print(f"Installed the shipped {installed}. Source: ONS, MHCLG, Welsh Government (Open Government "
              "Licence v3.0).")
    return reports


def _national_detail(store: Store) -> str | None:
    """The installed national geography, or None (no store yet, or not installed)."""
    from cspdash.ingest.national import installed_detail

    if not store.exists():
        return None
    con = store.connect_read()
    try:
        return installed_detail(con)
    finally:
        con.close()


def _tqdm_progress(bar: tqdm):  # type: ignore[type-arg]
    def update(done: int, total: int, message: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_description(message[:60])
        bar.refresh()

    return update


def _print_reports(reports: list[LoadReport]) -> int:
    for report in reports:
        print(report.summary())
        for problem in report.problems[:10]:
            print(f"  rejected: {problem.message()}")
        if len(report.problems) > 10:
            print(f"  ... {len(report.problems) - 10} more rejected rows (see the load_reject table)")
    total = sum(r.rows_loaded for r in reports)
    rejected = sum(r.rows_rejected for r in reports)
    print(f"Done: {len(reports)} files, {total:,} rows loaded, {rejected:,} rejected.")
    return 0


def _status(store: Store, as_json: bool) -> int:
    from cspdash.store.status import store_status

    con = store.connect_read()
    try:
        info = store_status(con)
    finally:
        con.close()
    info["store"] = str(store.path)
    version = store.current_version()
    info["version"] = version.name if version else None
    if as_json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    print(f"Store: {info['store']} (version {info['version']})")
    for source in info["sources"]:
        print(f"  {source['source']}: {source['files']} files, {source['rows']:,} rows, last {source['last_load']}")
    for force in info["forces"]:
        gaps = ", ".join(force["gaps"]) or "none"
        print(f"  {force['force']}: {force['months']} months {force['first']}..{force['last']}; gaps/low: {gaps}")
    print(f"  last load: {info['last_load']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _rolled_back(store: Store, version: Path) -> str:
    """What a rollback says: the version now live, the last load it holds, and what happened to the newer ones."""
    con = store.connect_read()
    try:
        last = con.execute("SELECT max(loaded_at), arg_max(file_name, loaded_at) FROM load_log").fetchone()
    finally:
        con.close()
    held = (f"the last file loaded into it: {last[1]}, at {last[0]:%d %b %Y %H:%M}" if last and last[0]
            else "no load recorded in it")
    return (f"Store now points at {version.name} ({held}). The versions after it are set aside and removed by the "
            "next load; a later rollback never returns to them.")
