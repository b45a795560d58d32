"""Load police.uk street, outcomes and stop-and-search CSVs: parsed and checked in DuckDB, re-published months replaced.

Two paths share one set of rules:

* the fast path reads whole batches of files with one typed ``read_csv`` straight into the target table and then
  checks the inserted rows with one grouped query; a clean file (the normal case) is never read twice;
* a file with any problem (a cast or structural reject, a value out of range, an unknown crime type, a month that
  differs from its file name) is taken out again and re-read by the precise path, which parses it with Python's
  csv module so every rejected row is reported with its physical line number (header = line 1), then applies the
  same checks in DuckDB SQL to chunks of rows.

Files that are not UTF-8 (police.uk extracts re-saved in Excel are cp1252) are transcoded to a temporary UTF-8 copy.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from cspdash.ingest.common import Hashes, record_loads, registered
from cspdash.ingest.national import known_force_names
from cspdash.ingest.report import LoadError, LoadReport, Problem
from cspdash.store.writes import insert_rows, transaction
from cspdash.vocab import (
    CRIME_TYPES,
    HISTORICAL_CRIME_TYPES,
    OUTCOME_COLUMNS,
    STOP_SEARCH_COLUMNS,
    STREET_COLUMNS,
)

#: police.uk's force slugs (as in file names such as 2024-01-gwent-street.csv) → the force's "Falls within" name
FORCES: dict[str, str] = {
    "avon-and-somerset": "Avon and Somerset Constabulary",
    "bedfordshire": "Bedfordshire Police",
    "cambridgeshire": "Cambridgeshire Constabulary",
    "cheshire": "Cheshire Constabulary",
    "city-of-london": "City of London Police",
    "cleveland": "Cleveland Police",
    "cumbria": "Cumbria Constabulary",
    "derbyshire": "Derbyshire Constabulary",
    "devon-and-cornwall": "Devon & Cornwall Police",
    "dorset": "Dorset Police",
    "durham": "Durham Constabulary",
    "dyfed-powys": "Dyfed-Powys Police",
    "essex": "Essex Police",
    "gloucestershire": "Gloucestershire Constabulary",
    "greater-manchester": "Greater Manchester Police",
    "gwent": "Gwent Police",
    "hampshire": "Hampshire Constabulary",
    "hertfordshire": "Hertfordshire Constabulary",
    "humberside": "Humberside Police",
    "kent": "Kent Police",
    "lancashire": "Lancashire Constabulary",
    "leicestershire": "Leicestershire Police",
    "lincolnshire": "Lincolnshire Police",
    "merseyside": "Merseyside Police",
    "metropolitan": "Metropolitan Police Service",
    "norfolk": "Norfolk Constabulary",
    "north-wales": "North Wales Police",
    "north-yorkshire": "North Yorkshire Police",
    "northamptonshire": "Northamptonshire Police",
    "northumbria": "Northumbria Police",
    "nottinghamshire": "Nottinghamshire Police",
    "south-wales": "South Wales Police",
    "south-yorkshire": "South Yorkshire Police",
    "staffordshire": "Staffordshire Police",
    "suffolk": "Suffolk Constabulary",
    "surrey": "Surrey Police",
    "sussex": "Sussex Police",
    "thames-valley": "Thames Valley Police",
    "warwickshire": "Warwickshire Police",
    "west-mercia": "West Mercia Police",
    "west-midlands": "West Midlands Police",
    "west-yorkshire": "West Yorkshire Police",
    "wiltshire": "Wiltshire Police",
    "btp": "British Transport Police",
    "northern-ireland": "Police Service of Northern Ireland",
}

_FILE_NAME_RE = re.compile(r"^(\d{4})-(\d{2})-(.+?)-(street|outcomes|stop-and-search)\.csv$", re.IGNORECASE)
_NO_DATE = "DATE '0001-01-01'"  # placeholder for a blank month on the fast path; such rows always go precise
_CHUNK_ROWS = 100_000
_SNIFF_BYTES = 65_536
_KNOWN_CRIME_TYPES = sorted(set(CRIME_TYPES) | set(HISTORICAL_CRIME_TYPES))


def _sql_list(values: Sequence[str]) -> str:
    """A SQL list literal of fixed vocabulary strings (never user input)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _current_crime_type_sql(column: str) -> str:
    """CASE mapping a published crime-type name to the current category (unknown names pass through)."""
    cases = " ".join(
        f"WHEN '{old}' THEN '{new}'" for old, new in HISTORICAL_CRIME_TYPES.items() if old != new
    )
    return f"CASE {column} {cases} ELSE {column} END"


@dataclass(frozen=True)
class _Check:
    """One row rule: the column it concerns, the SQL condition that makes a row bad, and what was expected."""

    column: str
    bad_sql: str
    expected: str


@dataclass(frozen=True)
class _Kind:
    """Everything that differs between street, outcomes and stop-and-search files."""

    source: str                  # published_month.source
    report_source: str           # load_log.source
    table: str
    columns: tuple[str, ...]
    fast_types: dict[str, str]   # typed read_csv columns for the fast path (others VARCHAR); empty = always precise
    typed_sql: str               # precise path: typed columns from the raw strings of relation r
    checks: tuple[_Check, ...]   # over the typed relation t (and file_month)
    insert_sql: str              # SELECT list over t producing the table's columns (load_id first)
    fast_bad_sql: str            # over the inserted table rows joined to file months f: a row needing the precise path


_COORD_CHECKS = (
    _Check("Longitude", "(nullif(r_lon, '') IS NOT NULL AND (lon IS NULL OR NOT lon BETWEEN -180 AND 180))",
           "a longitude between -180 and 180, or blank when police.uk has no location"),
    _Check("Latitude", "(nullif(r_lat, '') IS NOT NULL AND (lat IS NULL OR NOT lat BETWEEN -90 AND 90))",
           "a latitude between -90 and 90, or blank when police.uk has no location"),
)
_MONTH_CHECKS = (
    _Check("Month", "month IS NULL", "a month written YYYY-MM, e.g. 2024-01"),
    _Check("Month", "(file_month IS NOT NULL AND month <> file_month)",
           "the month in the file name ({file_month})"),
    _Check("Falls within", "force IS NULL", "the police force the row falls within, e.g. Gwent Police"),
)
_COMMON_TYPED = """
    TRY_STRPTIME(nullif(trim(r."Month"), ''), '%Y-%m')::DATE AS month,
    nullif(trim(r."Falls within"), '') AS force,
    r."Longitude" AS r_lon, r."Latitude" AS r_lat,
    TRY_CAST(nullif(trim(r."Longitude"), '') AS DOUBLE) AS lon,
    TRY_CAST(nullif(trim(r."Latitude"), '') AS DOUBLE) AS lat
"""
_COORD_BAD = "(NOT coalesce(s.longitude BETWEEN -180 AND 180, TRUE) OR NOT coalesce(s.latitude BETWEEN -90 AND 90, TRUE))"
_MONTH_BAD = f"s.force = '' OR s.month = {_NO_DATE} OR (f.file_month IS NOT NULL AND s.month <> f.file_month)"

STREET = _Kind(
    source="street",
    report_source="police_uk_street",
    table="street_crime",
    columns=STREET_COLUMNS,
    fast_types={"Month": "DATE", "Longitude": "DOUBLE", "Latitude": "DOUBLE"},
    typed_sql=_COMMON_TYPED + """,
        nullif(r."Crime type", '') AS crime_type_published,
        nullif(r."Crime ID", '') AS crime_id, nullif(r."Reported by", '') AS reported_by,
        nullif(r."Location", '') AS location, nullif(r."LSOA code", '') AS lsoa_code,
        nullif(r."LSOA name", '') AS lsoa_name, nullif(r."Last outcome category", '') AS last_outcome,
        nullif(r."Context", '') AS context
    """,
    checks=_MONTH_CHECKS + _COORD_CHECKS + (
        _Check("Crime type", f"crime_type_published IS NULL OR crime_type_published NOT IN {_sql_list(_KNOWN_CRIME_TYPES)}",
               "one of police.uk's crime types (" + ", ".join(CRIME_TYPES) + ")"),
    ),
    insert_sql=f"""force, month, crime_id, reported_by, lon, lat, location, lsoa_code, lsoa_name,
        {_current_crime_type_sql('crime_type_published')}, crime_type_published, last_outcome, context""",
    fast_bad_sql=f"{_MONTH_BAD} OR {_COORD_BAD} OR s.crime_type NOT IN {_sql_list(CRIME_TYPES)}",
)

OUTCOMES = _Kind(
    source="outcomes",
    report_source="police_uk_outcomes",
    table="outcome",
    columns=OUTCOME_COLUMNS,
    fast_types={"Month": "DATE", "Longitude": "DOUBLE", "Latitude": "DOUBLE"},
    typed_sql=_COMMON_TYPED + """,
        nullif(trim(r."Crime ID"), '') AS crime_id, nullif(r."Reported by", '') AS reported_by,
        nullif(r."Location", '') AS location, nullif(r."LSOA code", '') AS lsoa_code,
        nullif(r."LSOA name", '') AS lsoa_name, nullif(trim(r."Outcome type"), '') AS outcome_type
    """,
    checks=_MONTH_CHECKS + _COORD_CHECKS + (
        _Check("Crime ID", "crime_id IS NULL", "the crime's police.uk Crime ID (every outcome names its crime)"),
        _Check("Outcome type", "outcome_type IS NULL", "an outcome such as 'Unable to prosecute suspect'"),
    ),
    insert_sql="force, month, crime_id, reported_by, lon, lat, location, lsoa_code, lsoa_name, outcome_type",
    fast_bad_sql=f"{_MONTH_BAD} OR {_COORD_BAD} OR s.crime_id = '' OR s.outcome_type = ''",
)

_BOOL = "'true', 'false', 'yes', 'no'"
STOP_SEARCH = _Kind(
    source="stop_search",
    report_source="police_uk_stop_search",
    table="stop_search",
    columns=STOP_SEARCH_COLUMNS,
    fast_types={},
    typed_sql="""
        TRY_STRPTIME(left(trim(r."Date"), 19), '%Y-%m-%dT%H:%M:%S') AS searched_at,
        r."Date" AS r_date,
        r."Longitude" AS r_lon, r."Latitude" AS r_lat,
        TRY_CAST(nullif(trim(r."Longitude"), '') AS DOUBLE) AS lon,
        TRY_CAST(nullif(trim(r."Latitude"), '') AS DOUBLE) AS lat,
        nullif(r."Type", '') AS search_type,
        lower(nullif(trim(r."Part of a policing operation"), '')) AS r_part,
        nullif(r."Policing operation", '') AS policing_operation,
        nullif(r."Gender", '') AS gender, nullif(r."Age range", '') AS age_range,
        nullif(r."Self-defined ethnicity", '') AS self_defined_ethnicity,
        nullif(r."Officer-defined ethnicity", '') AS officer_defined_ethnicity,
        nullif(r."Legislation", '') AS legislation, nullif(r."Object of search", '') AS object_of_search,
        nullif(r."Outcome", '') AS outcome,
        lower(nullif(trim(r."Outcome linked to object of search"), '')) AS r_linked,
        lower(nullif(trim(r."Removal of more than just outer clothing"), '')) AS r_removal
    """,
    checks=(
        _Check("Date", "searched_at IS NULL", "a date and time such as 2024-01-05T14:30:00+00:00"),
    ) + _COORD_CHECKS + (
        _Check("Part of a policing operation", f"r_part IS NOT NULL AND r_part NOT IN ({_BOOL})", "True, False or blank"),
        _Check("Outcome linked to object of search", f"r_linked IS NOT NULL AND r_linked NOT IN ({_BOOL})",
               "True, False or blank"),
        _Check("Removal of more than just outer clothing", f"r_removal IS NOT NULL AND r_removal NOT IN ({_BOOL})",
               "True, False or blank"),
    ),
    insert_sql="""file_force, coalesce(file_month, date_trunc('month', searched_at)::DATE), searched_at, search_type,
        r_part IN ('true', 'yes'), policing_operation, lat, lon, gender, age_range, self_defined_ethnicity,
        officer_defined_ethnicity, legislation, object_of_search, outcome, r_linked IN ('true', 'yes'),
        r_removal IN ('true', 'yes')""",
    fast_bad_sql="TRUE",
)

KINDS: dict[str, _Kind] = {"street": STREET, "outcomes": OUTCOMES, "stop_search": STOP_SEARCH}


@dataclass
class PoliceFile:
    """One police.uk CSV in a batch: where it is, its load id, the name to show, and what its name says."""

    path: Path
    load_id: int
    display_name: str
    file_month: date | None = None
    file_force: str | None = None
    read_path: Path | None = None     # a transcoded UTF-8 copy when the original is cp1252
    header_in_order: bool = True


# ---------------------------------------------------------------------------------------------- public entry points
def load_street(con: duckdb.DuckDBPyConnection, path: Path, load_id: int, display_name: str) -> LoadReport:
    """Load one police.uk street-level crime CSV into street_crime, replacing its force-months."""
    return load_batch(con, "street", [(Path(path), load_id, display_name)])[0]


def load_outcomes(con: duckdb.DuckDBPyConnection, path: Path, load_id: int, display_name: str) -> LoadReport:
    """Load one police.uk outcomes CSV into outcome, replacing its force-months."""
    return load_batch(con, "outcomes", [(Path(path), load_id, display_name)])[0]


def load_stop_search(con: duckdb.DuckDBPyConnection, path: Path, load_id: int, display_name: str) -> LoadReport:
    """Load one police.uk stop-and-search CSV into stop_search, replacing its force-month."""
    return load_batch(con, "stop_search", [(Path(path), load_id, display_name)])[0]


def load_and_record_batch(
    con: duckdb.DuckDBPyConnection, source: str, files: Sequence[tuple[Path, int, str]], user: str
) -> list[LoadReport]:
    """load_batch, then record_batch (the files hashed while they load); the reports, in the order of ``files``."""
    with Hashes(path for path, _id, _name in files) as hashes:
        reports = load_batch(con, source, files)
        record_batch(con, files, reports, user, hashes)
    return reports


def record_batch(con: duckdb.DuckDBPyConnection, files: Sequence[tuple[Path, int, str]],
                 reports: Sequence[LoadReport], user: str, hashes: Hashes) -> None:
    """Each file's sha256 (from ``hashes``), then the batch's load log and rejects in one statement each."""
    for (path, _id, _name), report in zip(files, reports, strict=True):
        report.sha256 = report.sha256 or hashes.of(path)
    record_loads(con, [(load_id, report) for (_path, load_id, _name), report in zip(files, reports, strict=True)],
                 user)


def load_batch(
    con: duckdb.DuckDBPyConnection, source: str, files: Sequence[tuple[Path, int, str]], replace: bool = False,
) -> list[LoadReport]:
    """Load many files of one kind ('street', 'outcomes', 'stop_search') with one read_csv; one report per file.

    ``files`` are (path, load_id, display_name) with distinct, increasing load ids; a later file of the same
    force-month replaces an earlier one. Raises LoadError (nothing of the batch should then be kept) when any
    file cannot be loaded at all. A file DuckDB's CSV reader cannot read aborts the batch's transaction: it is
    rolled back and the batch starts again with that file on the precise path. A file with no data rows, or with
    far fewer rows than the month it replaces (shrink_problems), is refused unless ``replace`` confirms it.
    """
    kind = KINDS[source]
    precise_only: set[Path] = set()
    while True:
        try:
            return _load_batch_once(con, kind, files, precise_only, replace)
        except _FastReadFailed as failed:  # transaction() has rolled the aborted transaction back
            unreadable = {f.path for f in failed.items if not _duckdb_can_read(kind, f)}
            # the reader failed on the batch but not on any file alone: read them all precisely (always progress)
            precise_only |= unreadable or {f.path for f in failed.items}


def _load_batch_once(
    con: duckdb.DuckDBPyConnection, kind: _Kind, files: Sequence[tuple[Path, int, str]], precise_only: set[Path],
    replace: bool = False,
) -> list[LoadReport]:
    """One attempt at the batch in one transaction; files in ``precise_only`` skip the fast path."""
    with transaction(con) as owned, tempfile.TemporaryDirectory(prefix="cspdash-police-") as tmp:
        batch = [_inspect(kind, PoliceFile(Path(p), lid, name), Path(tmp)) for p, lid, name in files]
        needs_precise: list[PoliceFile] = []
        fast = [f for f in batch if kind.fast_types and f.header_in_order and f.path not in precise_only]
        needs_precise.extend(f for f in batch if f not in fast)
        reports: dict[int, LoadReport] = {}
        while fast:
            now: list[PoliceFile] = []    # one read_csv reads each path once: a repeated file waits a round
            later: list[PoliceFile] = []
            for f in fast:
                (later if any(f.path == g.path for g in now) else now).append(f)
            if not owned:
                # the caller's transaction cannot be rolled back and retried: try each file outside it first
                unreadable = [f for f in now if not _duckdb_can_read(kind, f)]
                needs_precise.extend(unreadable)
                now = [f for f in now if f not in unreadable]
                if not now:
                    fast = later
                    continue
            try:
                clean, dirty, not_utf8 = _fast_load(con, kind, now)
            except _FastReadFailed as failed:
                if owned:
                    raise
                raise LoadError([Problem(f.display_name, None, None, None,
                                         f"a police.uk {kind.source.replace('_', '-')} CSV that can be read "
                                         "(the CSV reader failed on these files together)")
                                 for f in failed.items]) from None
            needs_precise.extend(dirty)
            for item in clean:
                reports[item.load_id] = _report(kind, item)
            for item in not_utf8:
                item.read_path = _transcode(item.path, Path(tmp))
            fast = not_utf8 + later
        for item in needs_precise:
            reports[item.load_id] = _precise_load(con, kind, item, Path(tmp))
        _finish(con, kind, batch, reports, replace)
        return [reports[f.load_id] for f in batch]


class _FastReadFailed(Exception):
    """DuckDB's CSV reader failed on one of ``items``; the transaction is aborted and must be rolled back."""

    def __init__(self, items: list[PoliceFile]):
        super().__init__(", ".join(f.display_name for f in items))
        self.items = items


# ---------------------------------------------------------------------------------------------- file inspection
def _inspect(kind: _Kind, item: PoliceFile, tmp: Path) -> PoliceFile:
    """Check the file exists, is text and has the expected header; read month and force from its name."""
    name = item.display_name
    if not item.path.is_file():
        raise LoadError(Problem(name, None, None, str(item.path), "a file that exists"))
    match = _FILE_NAME_RE.match(item.path.name)
    if match:
        year, month, slug = int(match.group(1)), int(match.group(2)), match.group(3).lower()
        if not 1 <= month <= 12:
            raise LoadError(Problem(name, None, None, item.path.name, "a file name starting with a real month, YYYY-MM-"))
        item.file_month = date(year, month, 1)
        item.file_force = FORCES.get(slug, slug.replace("-", " ").title() + " Police")
        if kind is STOP_SEARCH and item.file_force not in known_force_names():
            raise LoadError(Problem(name, None, None, slug,
                                    "a police.uk force name in the file name (YYYY-MM-<force>-stop-and-search.csv), "
                                    "one of: " + ", ".join(sorted(s for s in FORCES if s != "northern-ireland"))))
    if kind is STOP_SEARCH and item.file_force is None:
        raise LoadError(Problem(name, None, None, item.path.name,
                                "a stop-and-search file named like police.uk's, e.g. 2024-01-gwent-stop-and-search.csv"
                                " (the name gives the force and month)"))
    with open(item.path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head:
        raise LoadError(Problem(name, 1, None, None,
                                "a police.uk CSV starting with the header line (" + ",".join(kind.columns)
                                + "); this file is empty (0 bytes)"))
    if b"\x00" in head:
        raise LoadError(Problem(name, None, None, None,
                                "a CSV text file; this file contains binary data (is it a spreadsheet or a zip "
                                "renamed to .csv?)"))
    first_line = re.split(rb"\r\n?|\n", head, maxsplit=1)[0]  # a bare \r ends a line for csv and DuckDB too
    text = _decode(first_line)
    try:
        header = [c.strip() for c in next(csv.reader([text]), [])]
    except csv.Error as exc:
        raise LoadError(Problem(name, 1, None, text, f"a well-formed CSV header line: {','.join(kind.columns)} "
                                f"(csv reader: {exc})")) from None
    missing = [c for c in kind.columns if c not in header]
    extra = [c for c in header if c not in kind.columns]
    if missing or extra or len(header) != len(set(header)):
        what = []
        if missing:
            what.append("missing column(s) " + ", ".join(f"'{c}'" for c in missing))
        if extra:
            what.append("unexpected column(s) " + ", ".join(f"'{c}'" for c in extra))
        if not missing and not extra:
            what.append("a column named twice")
        raise LoadError(Problem(
            name, 1, None, ",".join(header),
            f"the police.uk {kind.source.replace('_', '-')} header {','.join(kind.columns)} "
            f"({'; '.join(what)})"))
    item.header_in_order = tuple(header) == kind.columns
    return item


def _decode(raw: bytes) -> str:
    """Text of a line in UTF-8 (BOM dropped) or, failing that, cp1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="cp1252_or_latin1")


def _cp1252_or_latin1(error: UnicodeError) -> tuple[str, int]:
    """Decode the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) as latin-1 does."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("cp1252_or_latin1", _cp1252_or_latin1)


def _is_utf8(path: Path) -> bool:
    """True when the whole file is valid UTF-8 (checked in 4 MiB blocks, so memory stays flat)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, tmp: Path) -> Path:
    """A UTF-8 copy of a cp1252 file (line breaks untouched, so line numbers stay the same)."""
    target = tmp / f"utf8-{len(list(tmp.iterdir()))}-{path.name}"
    with open(path, "rb") as source, open(target, "w", encoding="utf-8", newline="") as out:
        for block in iter(lambda: source.read(1 << 22), b""):
            out.write(block.decode("cp1252", errors="cp1252_or_latin1"))
    return target


# ---------------------------------------------------------------------------------------------- fast path
def _fast_load(
    con: duckdb.DuckDBPyConnection, kind: _Kind, items: list[PoliceFile]
) -> tuple[list[PoliceFile], list[PoliceFile], list[PoliceFile]]:
    """Insert every file with one typed read_csv; returns (clean, to re-read precisely, to transcode and retry).

    The files are read force by force (then month by month), so each force's rows sit together in the table:
    the outcome pre-aggregate, which works one force at a time, then reads a few row groups per force, not all.
    """
    ordered = sorted(items, key=lambda f: (f.file_force or "", f.file_month or date.min, str(f.path)))
    by_path = {str(f.read_path or f.path): f for f in ordered}
    con.execute("CREATE OR REPLACE TEMP TABLE _police_file (file_path VARCHAR, load_id INTEGER, file_month DATE)")
    insert_rows(con, "_police_file", [[p, f.load_id, f.file_month] for p, f in by_path.items()])
    select = _fast_select(kind)
    for table in ("_police_reject", "_police_reject_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    try:
        con.execute(
            f"""
            INSERT INTO {kind.table}
            SELECT {select}
            FROM {_fast_read_csv(kind, "_police_reject")} c
            JOIN _police_file f ON f.file_path = c.filename
            """,
            [list(by_path)],
        )
    except duckdb.Error as exc:
        # a file DuckDB cannot read at all aborts the transaction: load_batch rolls back and finds the culprit
        raise _FastReadFailed(items) from exc
    rejected: dict[str, bool] = {}
    for path, encoding in con.execute(
        "SELECT s.file_path, bool_or(e.error_type = 'INVALID ENCODING') FROM _police_reject e "
        "JOIN _police_reject_scan s USING (scan_id, file_id) GROUP BY ALL"
    ).fetchall():
        rejected[path] = bool(encoding)
    bad = {
        load_id for (load_id,) in con.execute(
            f"""SELECT DISTINCT s.load_id FROM {kind.table} s JOIN _police_file f USING (load_id)
                WHERE {kind.fast_bad_sql}"""
        ).fetchall()
    }
    not_utf8 = [f for p, f in by_path.items() if rejected.get(p) and f.read_path is None]
    dirty = [f for p, f in by_path.items() if (p in rejected or f.load_id in bad) and f not in not_utf8]
    undo = [f.load_id for f in dirty + not_utf8]
    if undo:
        con.execute(f"DELETE FROM {kind.table} WHERE list_contains(?, load_id)", [undo])
    return [f for f in items if f.load_id not in undo], dirty, not_utf8


def _fast_read_csv(kind: _Kind, rejects: str) -> str:
    """The fast path's typed read_csv(?) of a list of paths, bad rows kept in the temp tables rejects(_scan)."""
    columns = "{" + ", ".join(f"'{c}': '{kind.fast_types.get(c, 'VARCHAR')}'" for c in kind.columns) + "}"
    return f"""read_csv(?, columns = {columns}, header = true, auto_detect = false, delim = ',', quote = '"',
                          escape = '"', dateformat = '%Y-%m', filename = true, store_rejects = true,
                          rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')"""


def _duckdb_can_read(kind: _Kind, item: PoliceFile) -> bool:
    """True when the fast path's read_csv reads every field of this one file (tried in a scratch database)."""
    with duckdb.connect() as scratch:
        try:
            scratch.execute(f"SELECT count(*) FROM {_fast_read_csv(kind, '_probe_reject')} c "
                            "WHERE hash(COLUMNS(*)) IS NOT NULL", [[str(item.read_path or item.path)]]).fetchall()
        except duckdb.Error:
            return False
    return True


def _fast_select(kind: _Kind) -> str:
    """The fast path's SELECT list: typed CSV columns to table columns, with placeholders the checks catch."""
    if kind is STREET:
        return f"""f.load_id, coalesce(nullif(trim(c."Falls within"), ''), ''), coalesce(c."Month", {_NO_DATE}),
            nullif(c."Crime ID", ''), nullif(c."Reported by", ''), c."Longitude", c."Latitude",
            nullif(c."Location", ''), nullif(c."LSOA code", ''), nullif(c."LSOA name", ''),
            coalesce({_current_crime_type_sql('c."Crime type"')}, ''), c."Crime type",
            nullif(c."Last outcome category", ''), nullif(c."Context", '')"""
    return f"""f.load_id, coalesce(nullif(trim(c."Falls within"), ''), ''), coalesce(c."Month", {_NO_DATE}),
        coalesce(nullif(trim(c."Crime ID"), ''), ''), nullif(c."Reported by", ''), c."Longitude", c."Latitude",
        nullif(c."Location", ''), nullif(c."LSOA code", ''), nullif(c."LSOA name", ''),
        coalesce(nullif(trim(c."Outcome type"), ''), '')"""


def _report(kind: _Kind, item: PoliceFile) -> LoadReport:
    return LoadReport(source=kind.report_source, file_name=item.display_name)


# ---------------------------------------------------------------------------------------------- precise path
def _precise_load(con: duckdb.DuckDBPyConnection, kind: _Kind, item: PoliceFile, tmp: Path) -> LoadReport:
    """Parse the file with Python's csv module (exact line numbers), check and insert it in chunks of rows."""
    report = _report(kind, item)
    if item.read_path is None and not _is_utf8(item.path):
        item.read_path = _transcode(item.path, tmp)
    checks_case = " ".join(f"WHEN {c.bad_sql} THEN {i}" for i, c in enumerate(kind.checks))
    month_agree = month_differ = 0
    other_months: set[str] = set()
    for chunk, structural in _chunks(kind, item):
        report.problems.extend(structural)
        report.rows_read += len(structural)
        if chunk is None:
            continue
        report.rows_read += chunk.num_rows
        with registered(con, "_police_chunk", chunk):
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _police_typed AS
                WITH t AS (
                    SELECT r.line, {kind.typed_sql}, ?::DATE AS file_month, ?::VARCHAR AS file_force
                    FROM _police_chunk r
                )
                SELECT *, CASE {checks_case} END AS problem_no FROM t
                """,
                [item.file_month, item.file_force],
            )
        lines = chunk.column("line").to_pylist()
        for line, problem_no in con.execute(
            "SELECT line, problem_no FROM _police_typed WHERE problem_no IS NOT NULL ORDER BY line"
        ).fetchall():
            check = kind.checks[problem_no]
            value = chunk.column(check.column)[bisect.bisect_left(lines, line)].as_py()
            expected = check.expected.format(file_month=_month_text(item.file_month))
            report.problems.append(Problem(item.display_name, line, check.column, value, expected))
        if kind is not STOP_SEARCH:
            row = con.execute(
                "SELECT count(*) FILTER (month = file_month), count(*) FILTER (month <> file_month) "
                "FROM _police_typed WHERE file_month IS NOT NULL"
            ).fetchone()
            assert row is not None
            month_agree += row[0]
            month_differ += row[1]
            other_months.update(m for (m,) in con.execute(
                "SELECT DISTINCT strftime(month, '%Y-%m') FROM _police_typed WHERE month <> file_month LIMIT 5"
            ).fetchall())
        con.execute(
            f"INSERT INTO {kind.table} SELECT ?, {kind.insert_sql} FROM _police_typed WHERE problem_no IS NULL",
            [item.load_id],
        )
    con.execute("DROP TABLE IF EXISTS _police_typed")
    if month_differ and not month_agree:
        found = ", ".join(sorted(other_months)[:5])
        raise LoadError(Problem(
            item.display_name, None, "Month", found,
            f"rows for {_month_text(item.file_month)}, the month in the file name; no row is for that month "
            "(is the file misnamed?)"))
    report.rows_rejected = len(report.problems)
    return report


def _chunks(kind: _Kind, item: PoliceFile) -> Iterator[tuple[pa.Table | None, list[Problem]]]:
    """The file's rows as Arrow tables of strings (with their line numbers) plus structural problems per chunk."""
    path = item.read_path or item.path
    width = len(kind.columns)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [c.strip() for c in next(reader)]
        except (StopIteration, csv.Error):
            header = list(kind.columns)
        order = [header.index(c) for c in kind.columns]
        columns: list[list[str]] = [[] for _ in kind.columns]
        lines: list[int] = []
        problems: list[Problem] = []
        previous_end = reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise LoadError(Problem(
                    item.display_name, previous_end + 1, None, None,
                    f"well-formed CSV: a quote opened on line {previous_end + 1} is never closed, so the rest of "
                    f"the file cannot be read (was the file cut short? csv reader: {exc})")) from None
            start, end = previous_end + 1, reader.line_num
            previous_end = end
            if not record:
                continue  # a blank line
            if len(record) != width:
                if end > start:
                    raise LoadError(Problem(
                        item.display_name, start, None, ",".join(record)[:60],
                        f"one row per line; a quote opened on line {start} runs on to line {end}, so the "
                        "rows in between cannot be read"))
                what = "fewer" if len(record) < width else "more"
                problems.append(Problem(
                    item.display_name, start, None, ",".join(record),
                    f"{width} fields like the header, found {len(record)} ({what}; a cut-short or damaged row)"))
                continue
            for target, source in enumerate(order):
                columns[target].append(record[source])
            lines.append(start)
            if len(lines) >= _CHUNK_ROWS:
                yield _arrow(kind, columns, lines), problems
                columns, lines, problems = [[] for _ in kind.columns], [], []
        yield (_arrow(kind, columns, lines) if lines else None), problems


def _arrow(kind: _Kind, columns: list[list[str]], lines: list[int]) -> pa.Table:
    data: dict[str, pa.Array] = {"line": pa.array(lines, pa.int64())}
    for name, values in zip(kind.columns, columns, strict=True):
        data[name] = pa.array(values, pa.string())
    return pa.table(data)


# ---------------------------------------------------------------------------------------------- replacement
#: a file whose month would keep fewer than this share of the rows it has now is refused without --replace
SHRINK_SHARE = 0.5


#: rejected rows quoted in a refusal that they caused (all are in the load's report once a load goes through)
_QUOTED_REJECTS = 3


def rejected_problems(display_name: str, report: LoadReport) -> list[Problem]:
    """A file that had data rows and had every one rejected: refused even with --replace, since loading it would
    record its month as empty and delete the records held for it. The refusal quotes the first rejected rows."""
    if report.rows_loaded or not report.rows_read or not report.problems:
        return []
    return [Problem(display_name, None, None, None,
                    f"rows that can be loaded; all {report.rows_read:,} of its data rows were rejected, so loading it "
                    "would empty its month. Fix the file and load it again. The first rejected rows: "
                    + "; ".join(p.message() for p in report.problems[:_QUOTED_REJECTS]))]


def shrink_problems(display_name: str, pairs: dict[tuple[str, date], int],
                    published: dict[tuple[str, date], int], report: LoadReport | None = None) -> list[Problem]:
    """Why a file must not replace its months without confirmation: no data rows at all, or a month that would
    keep fewer than SHRINK_SHARE of its rows (a truncated download, or rows rejected: then the refusal says how
    many and quotes the first), each in words."""
    confirm = ("If this is right, load it again with --replace (on the Data page: tick “Replace months even if "
               "they shrink”).")
    rejected = report.problems if report is not None else []
    if rejected:
        read = report.rows_read if report is not None else 0
        confirm = (f"{len(rejected):,} of its {read:,} data rows were rejected: fix them and load the file again "
                   "rather than replacing the month with what is left. The first rejected rows: "
                   + "; ".join(p.message() for p in rejected[:_QUOTED_REJECTS]))
    if not any(pairs.values()):
        return [Problem(display_name, None, None, None,
                        f"a police.uk file with data rows; this one has none (only a header, or no readable row), "
                        f"so it would record its month as empty. {confirm}")]
    problems = []
    for (force, month), rows in sorted(pairs.items()):
        before = published.get((force, month))
        if before and rows < SHRINK_SHARE * before:
            problems.append(Problem(display_name, None, None, None,
                                    f"about as many rows as the month it replaces: {month:%Y-%m} ({force}) has "
                                    f"{before:,} rows in the store and this file {rows:,}"
                                    f"{'' if rejected else ' (is it truncated?)'}. {confirm}"))
    return problems


def _finish(con: duckdb.DuckDBPyConnection, kind: _Kind, items: list[PoliceFile],
            reports: dict[int, LoadReport], replace: bool = False) -> None:
    """Replace older loads of each file's force-months, record them as published, and describe each file.

    Set-based (a handful of statements for the whole batch), in load-id order so a later file wins.
    """
    ids = [f.load_id for f in items]
    counted: dict[int, dict[tuple[str, date], int]] = {i: {} for i in ids}
    for load_id, force, month, rows in con.execute(
        f"SELECT load_id, force, month, count(*) FROM {kind.table} WHERE list_contains(?, load_id) GROUP BY ALL",
        [ids],
    ).fetchall():
        counted[load_id][(force, month)] = rows
    _refuse_unknown_forces(items, counted)
    published: dict[tuple[str, date], int] = {
        (force, month): rows for force, month, rows in con.execute(
            "SELECT force, month, rows FROM published_month WHERE source = ?", [kind.source]).fetchall()
    }
    replaced: list[tuple[str, date, int]] = []
    latest: dict[tuple[str, date], tuple[int, int]] = {}
    refused: list[Problem] = []
    for item in sorted(items, key=lambda f: f.load_id):
        report = reports[item.load_id]
        pairs = dict(sorted(counted[item.load_id].items()))
        report.rows_loaded = sum(pairs.values())
        all_rejected = rejected_problems(item.display_name, report)
        refused += all_rejected  # with or without --replace: loading it would only delete
        if not replace and not all_rejected:
            refused += shrink_problems(item.display_name, pairs, published, report)
        if not pairs and item.file_force and item.file_month:
            pairs[(item.file_force, item.file_month)] = 0
        report.rows_loaded = sum(pairs.values())
        report.rows_read = report.rows_read or report.rows_loaded
        report.rows_rejected = len(report.problems)
        parts: list[str] = []
        for (force, month), rows in pairs.items():
            before = published.get((force, month))
            if before is None:
                parts.append(f"month {month:%Y-%m} new ({force})")
            else:
                parts.append(f"month {month:%Y-%m} replaced ({force}; was {before:,} rows)")
                replaced.append((force, month, item.load_id))
            published[(force, month)] = rows
            latest[(force, month)] = (item.load_id, rows)
        if not counted[item.load_id]:
            parts.append("no data rows: recorded as published but empty")
        report.detail = "; ".join(parts)
    if refused:  # the whole load is refused: the store stays as it was
        raise LoadError(refused)
    if replaced:
        con.execute("CREATE OR REPLACE TEMP TABLE _police_replace (force VARCHAR, month DATE, load_id INTEGER)")
        insert_rows(con, "_police_replace", replaced)
        con.execute(
            f"""DELETE FROM {kind.table} t USING _police_replace r
                WHERE t.force = r.force AND t.month = r.month AND t.load_id < r.load_id"""
        )
        con.execute("DROP TABLE _police_replace")
    if latest:
        con.execute("CREATE OR REPLACE TEMP TABLE _police_published (force VARCHAR, month DATE, load_id INTEGER,"
                    " rows BIGINT)")
        insert_rows(con, "_police_published",
                    [[force, month, load_id, rows] for (force, month), (load_id, rows) in latest.items()])
        con.execute(
            "DELETE FROM published_month WHERE source = ? AND (force, month) IN "
            "(SELECT (force, month) FROM _police_published)", [kind.source])
        con.execute("INSERT INTO published_month (source, force, month, load_id, rows) "
                    "SELECT ?, force, month, load_id, rows FROM _police_published", [kind.source])
        con.execute("DROP TABLE _police_published")


def _refuse_unknown_forces(items: list[PoliceFile], counted: dict[int, dict[tuple[str, date], int]]) -> None:
    """Refuse the batch when a row's "Falls within" is not a police.uk force name the product knows (the table
    data/geography/police_forces.csv): its partnership would otherwise get no months."""
    known = set(known_force_names())
    problems: list[Problem] = []
    for item in items:
        for force in sorted({force for force, _month in counted[item.load_id]} - known):
            problems.append(Problem(item.display_name, _first_line_with(item, "Falls within", force),
                                    "Falls within", force,
                                    "a police.uk force name, one of: " + ", ".join(sorted(known))))
    if problems:
        raise LoadError(problems)


def _first_line_with(item: PoliceFile, column: str, value: str) -> int | None:
    """The physical line (header = 1) of the first row whose ``column`` is ``value`` (read only on refusal)."""
    with open(item.read_path or item.path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        header = [c.strip() for c in next(reader, [])]
        if column not in header:
            return None
        position = header.index(column)
        for row in reader:
            if len(row) > position and row[position].strip() == value:
                return reader.line_num
    return None


def _month_text(month: date | None) -> str:
    return "" if month is None else f"{month:%Y-%m}"
