"""Load any mix of files, folders and police.uk zips into the store in one all-or-nothing write."""

from __future__ import annotations

import contextlib
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cspdash.ingest import action_plan, geography, indicators, national, police_uk
from cspdash.ingest.common import Hashes, next_load_id, next_load_ids, record_load, sha256_of
from cspdash.ingest.replacement import ConfirmationNeeded
from cspdash.ingest.report import LoadError, LoadReport, Problem
from cspdash.store.aggregates import rebuild_all, rebuild_crime_aggregates, rebuild_outcome_aggregates
from cspdash.store.versions import Store, StoreError

Progress = Callable[[int, int, str], None]

POLICE_KINDS = {"police_uk_street", "police_uk_outcomes", "police_uk_stop_search"}
#: police.uk kinds loaded as one batch each (one read of all files), in this order
POLICE_BATCHES = (("police_uk_street", "street"), ("police_uk_outcomes", "outcomes"),
                  ("police_uk_stop_search", "stop_search"))
GEOGRAPHY_KINDS = set(geography.KINDS)
#: what each kind is, in words, for the safety net's message
KIND_LABELS = {
    "police_uk_street": "a police.uk street-level crime CSV",
    "police_uk_outcomes": "a police.uk outcomes CSV",
    "police_uk_stop_search": "a police.uk stop-and-search CSV",
    "indicators": "a partner-indicator CSV",
    "action_plan": "the action plan (workbook or one CSV per sheet)",
}


@dataclass(frozen=True)
class InputFile:
    """One file to load, its kind, and the name to show (e.g. the path inside a zip)."""

    path: Path
    kind: str
    display_name: str


def detect_kind(path: Path) -> str:
    """The source kind of a file from its name and, for CSVs, its header."""
    name = path.name.lower()
    if name.endswith("-street.csv"):
        return "police_uk_street"
    if name.endswith("-outcomes.csv"):
        return "police_uk_outcomes"
    if name.endswith("-stop-and-search.csv"):
        return "police_uk_stop_search"
    if name.endswith((".xlsx", ".xlsm")):  # a macro-enabled workbook is refused with its reason by the reader
        return "action_plan"
    if name.endswith(".geojson") or name.endswith(".json"):
        return "boundaries"
    if name.endswith(".csv"):
        header = _first_line(path).lower()
        if "crime type" in header and "month" in header:
            return "police_uk_street"
        if "outcome type" in header:
            return "police_uk_outcomes"
        if "object of search" in header:
            return "police_uk_stop_search"
        try:
            kind = geography.kind_from_header(header)
        except geography.HeaderRefused:
            return "refused_geography"
        if kind:
            return kind
        if indicators.matches_header(header):
            return "indicators"
        if action_plan.matches_header(header, path.name):
            return "action_plan"
    return "unknown"


def expand(paths: Iterable[Path], workdir: Path) -> list[InputFile]:
    """Files to load from files, folders of YYYY-MM/ subfolders and police.uk zips (extracted to workdir)."""
    found: list[InputFile] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise LoadError(Problem(str(path), None, None, None, "a file or folder that exists"))
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            found.extend(_expand_file(child, workdir, display=str(child.relative_to(path.parent))) for child in children
                         if child.suffix.lower() != ".md")
        else:
            found.extend(_expand_zip(path, workdir) if path.suffix.lower() == ".zip"
                         else [_expand_file(path, workdir, display=path.name)])
    unknown = [f for f in found if f.kind in {"unknown", "refused_geography"}]
    if unknown:
        raise LoadError([
            Problem(f.display_name, 1, None, _first_line(f.path)[:200] or None, _refusal(f))
            for f in unknown
        ])
    return found


def _refusal(item: InputFile) -> str:
    """What an unrecognised file should have been: for a geography header, each geography type's columns."""
    if item.kind == "refused_geography":
        try:
            geography.kind_from_header(_first_line(item.path).lower())
        except geography.HeaderRefused as refused:
            return refused.expected
    return ("a police.uk street/outcomes/stop-and-search CSV, a boundary GeoJSON, the action-plan workbook (.xlsx "
            "or one CSV per sheet), a partner-indicator CSV (columns indicator, area_code, period, value) or "
            + geography.refusal_text(None))


def _expand_file(path: Path, workdir: Path, display: str) -> InputFile:
    return InputFile(path, detect_kind(path), display)


#: caps on what a zip may expand to (a zip bomb is refused before it fills the disk): police.uk's largest
#: monthly file (Metropolitan street) is about 25 MB and its CSVs compress about 10:1
ZIP_MEMBER_MAX_BYTES = 1 << 30       # 1 GiB per file inside the zip
ZIP_TOTAL_MAX_BYTES = 40 << 30       # 40 GiB in all (the national 36-month archive is about 20 GiB)
ZIP_RATIO_MAX = 100                  # expanded ÷ compressed, for a file of more than 1 MiB
_CHUNK = 1 << 20


def _zip_refused(path: Path, member: str, what: str) -> LoadError:
    return LoadError(Problem(path.name, None, None, member, what))


def _expand_zip(path: Path, workdir: Path) -> list[InputFile]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LoadError(Problem(path.name, None, None, None, "a zip file such as data.police.uk's download")) from None
    target = workdir / path.stem
    files: list[InputFile] = []
    total = 0
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            member = info.filename
            if member.endswith("/") or "__MACOSX" in member or Path(member).name.startswith("."):
                continue
            if ".." in Path(member).parts or Path(member).is_absolute():
                raise LoadError(Problem(path.name, None, None, member, "member names inside the zip's own folders"))
            out = target / member
            out.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            # sizes are counted as the bytes come out, not taken from the zip's (forgeable) directory
            with archive.open(info) as source, open(out, "wb") as sink:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > ZIP_MEMBER_MAX_BYTES:
                        raise _zip_refused(path, member, f"a file of at most {ZIP_MEMBER_MAX_BYTES >> 20:,} MB "
                                           "once unzipped (police.uk's largest is about 25 MB); this one is larger")
                    if written > _CHUNK and written > ZIP_RATIO_MAX * max(info.compress_size, 1):
                        raise _zip_refused(path, member, f"a file that unzips to at most {ZIP_RATIO_MAX} times its "
                                           "zipped size (CSV text is about 10 times); this one expands far more, "
                                           "like a zip bomb")
                    if total > ZIP_TOTAL_MAX_BYTES:
                        raise _zip_refused(path, member, f"a zip that unzips to at most {ZIP_TOTAL_MAX_BYTES >> 30} "
                                           "GB in all; this one is larger")
                    sink.write(chunk)
            files.append(_expand_file(out, workdir, display=f"{path.name}:{member}"))
    if not files:
        raise LoadError(Problem(path.name, None, None, None,
                                "a zip holding data files, e.g. police.uk's YYYY-MM/ folders of CSVs; this one is empty"))
    return files


def load_paths(
    store: Store,
    paths: Iterable[Path],
    user: str = "cli",
    progress: Progress | None = None,
    replace: bool = False,
) -> list[LoadReport]:
    """Load every file in one write: all of it lands, or (on any LoadError) none of it does.

    ``replace`` confirms police.uk files that have no data rows or far fewer rows than the months they replace
    (refused otherwise: police_uk.shrink_problems), and a load that would remove held records (otherwise
    ConfirmationNeeded is raised and nothing is written)."""
    with tempfile.TemporaryDirectory(prefix="cspdash-load-") as tmp:
        files = expand(paths, Path(tmp))
        if not files:
            raise LoadError(Problem(", ".join(str(p) for p in paths), None, None, None, "at least one file to load"))
        reports: list[LoadReport] = []
        action_files = [f for f in files if f.kind == "action_plan"]
        ordered = [f for f in files if f.kind in GEOGRAPHY_KINDS] + [
            f for f in files if f.kind not in GEOGRAPHY_KINDS and f.kind != "action_plan"]
        police = [f for f in ordered if f.kind in POLICE_KINDS]
        others = [f for f in ordered if f.kind not in POLICE_KINDS]
        # the police.uk files are hashed for the load log on CPU time the load leaves idle, and recorded last
        with store.write() as con, Hashes(f.path for f in police) as hashes:
            police_loads: list[int] = []
            touched_geography = False
            if _needs_national_geography(con, files):
                if progress:
                    progress(0, 1, "Installing the national geography (England and Wales)")
                national.install(con)  # recorded in geography_release (load_log lists the analyst's files)
                touched_geography = True
            total = len(others) + len(POLICE_BATCHES) + (1 if action_files else 0)
            done = 0
            for item in others:
                if progress:
                    progress(done, total, f"Loading {item.display_name}")
                load_id = next_load_id(con)
                with _refuse_unexpected([item.display_name], item.kind):
                    report = _load_one(con, item, load_id)
                report.sha256 = report.sha256 or sha256_of(item.path)
                record_load(con, load_id, report, user)
                reports.append(report)
                touched_geography = touched_geography or item.kind in GEOGRAPHY_KINDS
                done += 1
            unrecorded: list[tuple[list[tuple[Path, int, str]], list[LoadReport]]] = []
            for kind, source in POLICE_BATCHES:
                group = [f for f in police if f.kind == kind]
                if progress:
                    progress(done, total, f"Loading {len(group)} police.uk {source.replace('_', '-')} files")
                done += 1
                if not group:
                    continue
                batch = [(f.path, load_id, f.display_name)
                         for f, load_id in zip(group, next_load_ids(con, len(group)), strict=True)]
                with _refuse_unexpected([f.display_name for f in group], kind):
                    batch_reports = police_uk.load_batch(con, source, batch, replace=replace)
                unrecorded.append((batch, batch_reports))
                reports.extend(batch_reports)
                police_loads.extend(load_id for _path, load_id, _name in batch)
            if action_files:
                if progress:
                    progress(done, total, "Loading the action plan")
                load_id = next_load_id(con)
                with _refuse_unexpected([f.display_name for f in action_files], "action_plan"):
                    report = action_plan.load_action_plan(con, [f.path for f in action_files], load_id,
                                                          ", ".join(f.display_name for f in action_files), user,
                                                          replace=replace)
                record_load(con, load_id, report, user)
                reports.append(report)
            if progress:
                progress(total, total, "Updating summary tables")
            if touched_geography:
                rebuild_all(con)
            elif police_loads:
                _rebuild_for_loads(con, police_loads)
            for batch, batch_reports in unrecorded:
                police_uk.record_batch(con, batch, batch_reports, user, hashes)
    return reports


#: geography kinds that make the analyst's own LSOA geography (a declared partnerships CSV does not)
OWN_GEOGRAPHY_KINDS = {"lsoa_ward_lookup", "ward_names", "la_names", "lsoa_centroids", "population"}
#: kinds that are read on top of the national geography (installed first when the store lacks it)
ON_NATIONAL_KINDS = POLICE_KINDS | {"partnerships", "census_ts001", "ons_lsoa_ward_lad", "ons_lad_csp_pfa"}


def _needs_national_geography(con: duckdb.DuckDBPyConnection, files: list[InputFile]) -> bool:
    """Install the shipped geography on the first load of police.uk files, a partnerships CSV or an ONS file, unless
    the store or this load holds the analyst's own LSOA geography (their lookup then places every record)."""
    if national.is_installed(con) or national.has_own_geography(con):
        return False
    kinds = {f.kind for f in files}
    if kinds & OWN_GEOGRAPHY_KINDS:
        return False
    return bool(kinds & ON_NATIONAL_KINDS)


@contextlib.contextmanager
def _refuse_unexpected(names: Sequence[str], kind: str) -> Iterator[None]:
    """Safety net: an unexpected error inside a reader becomes a LoadError naming the file(s), not a crash.

    Readers raise LoadError for every problem they know of; this catches the ones they don't (a reader bug), so
    the analyst still gets a plain refusal and the store is unchanged. Storage failures pass through untouched
    (Store.write turns them into a StoreError).
    """
    try:
        yield
    except (LoadError, StoreError, ConfirmationNeeded):
        raise
    except Exception as exc:
        label = KIND_LABELS.get(kind) or f"a {kind.replace('_', ' ')} file"
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise LoadError([Problem(name, None, None, None,
                                 f"a file that could be read as {label}; it could not be read as {label} "
                                 f"(the reader stopped with: {detail[:160]})")
                         for name in names]) from exc


def _load_one(con: duckdb.DuckDBPyConnection, item: InputFile, load_id: int) -> LoadReport:
    if item.kind in GEOGRAPHY_KINDS:
        return geography.load_geography_file(con, item.path, load_id, item.display_name, item.kind)
    if item.kind == "indicators":
        return indicators.load_indicators(con, item.path, load_id, item.display_name)
    raise LoadError(Problem(item.display_name, None, None, None, "a file cspdash knows how to load"))


def _rebuild_for_loads(con: duckdb.DuckDBPyConnection, load_ids: list[int]) -> None:
    rows = con.execute(
        "SELECT DISTINCT source, force, strftime(month, '%Y-%m-01') FROM published_month WHERE list_contains(?, load_id)",
        [load_ids],
    ).fetchall()
    street = [(force, month) for source, force, month in rows if source == "street"]
    outcome_forces = sorted({force for _source, force, _month in rows})
    if street:
        rebuild_crime_aggregates(con, street)
    if outcome_forces:
        rebuild_outcome_aggregates(con, outcome_forces)


def _first_line(path: Path) -> str:
    """The file's first line as text; a bare carriage return ends it as CSV readers do (old Mac line endings)."""
    with open(path, "rb") as handle:
        head = re.split(rb"\r\n?|\n", handle.readline(4096), maxsplit=1)[0]
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return head.decode(encoding).strip()
        except UnicodeDecodeError:
            continue
    return ""
