"""Load the action-plan workbook (or one CSV per sheet) and export the store back to it.

The plan is reference data edited by people, so it loads all or nothing: every row of every sheet is
checked first and ANY problem fails the whole load with every problem listed (the store is unchanged).
A load replaces, for the partnerships the workbook names, the rows of each sheet it contains; partners
and indicators are upserted by code; progress_update is append-only history (rows not already held are
added, nothing is deleted).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from cspdash.analysis.rag import COMMENTARY_MAX_CHARS, COMMENTARY_RULE_TEXT, COMPLETE, NOT_STARTED
from cspdash.ingest.common import read_text_lenient, registered, sha256_of
from cspdash.ingest.replacement import Replacement, confirm, removals
from cspdash.ingest.report import LoadError, LoadReport, Problem
from cspdash.ingest.template import (
    IGNORED_SHEETS,
    SHEET_BY_NAME,
    SHEETS,
    STATUSES_WITHOUT_COMMENTARY,
    Column,
    Sheet,
    build_workbook,
    normalise_label,
    save_workbook,
)
from cspdash.vocab import CRIME_TYPES, HISTORICAL_CRIME_TYPES

SOURCE = "action_plan"
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_GSS_CODE = re.compile(r"^[A-Z]\d{8}$")
_STATUS_ALIASES = {"completed": COMPLETE, "notyetstarted": NOT_STARTED}
_CRIME_TYPE_LOOKUP = {normalise_label(name): HISTORICAL_CRIME_TYPES.get(name, name)
                      for name in (*CRIME_TYPES, *HISTORICAL_CRIME_TYPES)}
#: sheets whose rows are replaced per partnership, and the store column that names the partnership
_PARTNERSHIP_SHEETS = ("Priorities", "Contributions", "Events", "Meetings", "Recommendations",
                       "CommunityTriggers", "PartnershipHealth")


@dataclass
class Row:
    """One data row of a sheet: where it came from and its values by store column."""

    file: str
    line: int
    values: dict[str, Any]


@dataclass
class SheetData:
    """All rows given for one template sheet (possibly from several files)."""

    spec: Sheet
    rows: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- detection
def sheet_for_csv(header_lowercase: str, file_name: str) -> Sheet | None:
    """The template sheet a CSV holds, from its file name (actions.csv, …) or else its header."""
    tokens = [t for t in re.split(r"[^a-z0-9]+", Path(file_name).stem.lower()) if t]
    aliases = {}
    for spec in SHEETS:
        for alias in (spec.name, spec.table, Path(spec.csv_name).stem):
            aliases[normalise_label(alias)] = spec
    for size in (3, 2, 1):
        if len(tokens) >= size and "".join(tokens[-size:]) in aliases:
            return aliases["".join(tokens[-size:])]
    try:
        header = next(csv.reader([header_lowercase]))
    except (csv.Error, StopIteration):
        return None
    found = {normalise_label(h) for h in header if h.strip()}
    best: tuple[int, Sheet] | None = None
    for spec in SHEETS:
        if not all(_labels(c) & found for c in spec.columns if c.required):
            continue
        matched = sum(1 for c in spec.columns if _labels(c) & found)
        if matched == len(found) and (best is None or matched > best[0]):
            best = (matched, spec)
    return best[1] if best else None


def matches_header(header_lowercase_first_line: str, file_name: str) -> bool:
    """True when a CSV is one sheet of the action-plan template (by file name or header)."""
    return sheet_for_csv(header_lowercase_first_line, file_name) is not None


def _labels(column: Column) -> set[str]:
    return {normalise_label(column.header), normalise_label(column.db_column)}


# ---------------------------------------------------------------------------------------------- reading
def _read_sources(paths: Sequence[Path]) -> dict[str, SheetData]:
    """Every template sheet's typed rows from the given files; file-level problems raise LoadError."""
    sheets: dict[str, SheetData] = {}
    problems: list[Problem] = []
    for path in paths:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            _read_workbook(path, sheets, problems)
        else:
            _read_csv(path, sheets, problems)
    if problems:
        raise LoadError(problems)
    return sheets


#: a workbook may expand to at most this much XML (a template of a few thousand rows is a few MB)
WORKBOOK_MAX_BYTES = 200 << 20


def active_content(path: Path) -> str | None:
    """Why a workbook is refused before it is read: macros (.xlsm, a VBA project), links to other workbooks or
    data connections, or more XML than a plan could need (a zip bomb); None when it is a plain workbook."""
    if path.suffix.lower() == ".xlsm":
        return "a plain .xlsx workbook; a macro-enabled .xlsm is refused (save it as .xlsx)"
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in archive.namelist() else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return None  # not a zip: openpyxl says so in its own words below
    names = [i.filename.lower() for i in infos]
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        return "a workbook without macros; this one holds a VBA project (save it as a plain .xlsx)"
    if any(n.startswith("xl/externallinks/") or n == "xl/connections.xml" for n in names):
        return ("a workbook without links to other workbooks or data connections; this one has them (copy the "
                "values in and remove the links)")
    if sum(i.file_size for i in infos) > WORKBOOK_MAX_BYTES:
        return f"a workbook of at most {WORKBOOK_MAX_BYTES >> 20} MB once unzipped; this one is larger"
    return None


def _read_workbook(path: Path, sheets: dict[str, SheetData], problems: list[Problem]) -> None:
    # imported here, not at the top: the pages import this module but rarely read a workbook (openpyxl is 13 MB)
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if (refusal := active_content(path)) is not None:
        problems.append(Problem(path.name, None, None, None, refusal))
        return
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        problems.append(Problem(path.name, None, None, str(exc)[:80],
                                "an Excel workbook (.xlsx) made from the action-plan template"))
        return
    try:
        by_label = {normalise_label(s.name): s for s in SHEETS}
        known = 0
        for worksheet in workbook.worksheets:
            label = normalise_label(worksheet.title)
            if label in IGNORED_SHEETS or label.startswith("notes"):
                continue
            spec = by_label.get(label)
            if spec is None:
                problems.append(Problem(path.name, None, None, worksheet.title,
                                        "sheets named as in the template: " + ", ".join(s.name for s in SHEETS)
                                        + " (or Instructions/About/Notes); rename or delete this sheet"))
                continue
            known += 1
            rows: list[tuple[int, list[tuple[Any, str]]]] = []
            for line, cells in enumerate(worksheet.iter_rows(), start=1):
                rows.append((line, [(c.value, getattr(c, "number_format", "General") or "General")
                                    for c in cells]))
            _parse_sheet(f"{path.name}, sheet '{worksheet.title}'", spec, rows, sheets, problems)
        if known == 0 and not problems:
            problems.append(Problem(path.name, None, None, ", ".join(workbook.sheetnames),
                                    "the action-plan template's sheets: " + ", ".join(s.name for s in SHEETS)))
    finally:
        workbook.close()


def _read_csv(path: Path, sheets: dict[str, SheetData], problems: list[Problem]) -> None:
    text, _encoding = read_text_lenient(path)
    first = text.splitlines()[0].lower() if text.strip() else ""
    spec = sheet_for_csv(first, path.name)
    if spec is None:
        problems.append(Problem(path.name, 1, None, first[:80],
                                "one sheet of the action-plan template, named like actions.csv or priorities.csv"))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[tuple[Any, str]]]] = []
    try:
        for record in reader:
            rows.append((reader.line_num, [(value, "General") for value in record]))
    except csv.Error as exc:
        problems.append(Problem(path.name, reader.line_num, None, str(exc), "a well-formed CSV file"))
        return
    _parse_sheet(path.name, spec, rows, sheets, problems)


def _parse_sheet(file: str, spec: Sheet, rows: list[tuple[int, list[tuple[Any, str]]]],
                 sheets: dict[str, SheetData], problems: list[Problem]) -> None:
    """Match the header row to the sheet's columns and convert every data row's cells to typed values."""
    data = sheets.setdefault(spec.name, SheetData(spec))
    if not rows:
        problems.append(Problem(file, 1, None, None,
                                "a header row: " + ", ".join(c.header for c in spec.columns)))
        return
    header_line, header_cells = rows[0]
    by_label = {label: column for column in spec.columns for label in _labels(column)}
    positions: dict[int, Column] = {}
    for index, (value, _fmt) in enumerate(header_cells):
        text = _cell_text(value)
        if text is None:
            continue
        column = by_label.get(normalise_label(text))
        if column is None:
            problems.append(Problem(file, header_line, text, text,
                                    f"a column of the {spec.name} sheet: " + ", ".join(c.header for c in spec.columns)))
        elif column in positions.values():
            problems.append(Problem(file, header_line, text, text, f"column '{column.header}' only once"))
        else:
            positions[index] = column
    for column in spec.columns:
        if column.required and column not in positions.values():
            problems.append(Problem(file, header_line, column.header, None,
                                    f"a column headed '{column.header}' (required; see data/templates/README.md)"))
    for line, cells in rows[1:]:
        if all(_cell_text(value) is None for value, _fmt in cells):
            continue
        values: dict[str, Any] = {c.db_column: c.default for c in spec.columns}
        for index, column in positions.items():
            raw, number_format = cells[index] if index < len(cells) else (None, "General")
            try:
                values[column.db_column] = _convert(column, raw, number_format)
            except ValueError as exc:
                problems.append(Problem(file, line, column.header, _shown(raw), str(exc)))
                values[column.db_column] = _INVALID
                continue
            if values[column.db_column] is None and column.default is not None:
                values[column.db_column] = column.default
            if values[column.db_column] is None and column.required:
                problems.append(Problem(file, line, column.header, None, "a value (this column is required)"))
                values[column.db_column] = _INVALID
        data.rows.append(Row(file, line, values))


class _Invalid:
    """Marks a cell already reported as a problem (later checks skip it)."""


_INVALID = _Invalid()


# ---------------------------------------------------------------------------------------------- cell types
def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _shown(raw: Any) -> str | None:
    return _cell_text(raw)


def _convert(column: Column, raw: Any, number_format: str) -> Any:
    """One cell's value for the store; raises ValueError with what was expected."""
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if raw is None:
        return None
    kind = column.type
    if kind == "date":
        return _to_date(raw)
    if kind == "timestamp":
        return _to_timestamp(raw)
    if kind == "percent":
        return _to_percent(raw, number_format)
    if kind == "number":
        return _to_number(raw)
    if kind == "boolean":
        return _to_boolean(raw)
    text = _cell_text(raw)
    if text is None:
        return None
    if kind == "choice":
        return _to_choice(column, text)
    if kind == "partners":
        return [part.strip() for part in text.split(";") if part.strip()] or None
    if kind == "crime_types":
        return _to_crime_types(text)
    if kind == "partnership":
        return text.upper()
    return text


def _to_date(raw: Any) -> dt.date:
    expected = "a date: an Excel date, YYYY-MM-DD or dd/mm/yyyy"
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise ValueError(expected)
    if isinstance(raw, int | float):
        if 1 <= raw < 2958466:
            return (_EXCEL_EPOCH + dt.timedelta(days=int(raw))).date()
        raise ValueError(expected)
    text = str(raw).strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if not match:
            raise ValueError(expected)
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{expected} (that day does not exist)") from None


def _to_timestamp(raw: Any) -> dt.datetime:
    expected = "a date and time: YYYY-MM-DD HH:MM[:SS] or an Excel date"
    if isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, dt.date):
        return dt.datetime(raw.year, raw.month, raw.day)
    if isinstance(raw, bool):
        raise ValueError(expected)
    if isinstance(raw, int | float):
        if 1 <= raw < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=float(raw))
        raise ValueError(expected)
    text = str(raw).strip()
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?", text)
    if not match:
        raise ValueError(expected)
    day, month, year = int(match[1]), int(match[2]), int(match[3])
    try:
        return dt.datetime(year, month, day, int(match[4] or 0), int(match[5] or 0), int(match[6] or 0))
    except ValueError:
        raise ValueError(expected) from None


def _to_percent(raw: Any, number_format: str) -> int:
    expected = "a whole number from 0 to 100"
    if isinstance(raw, bool):
        raise ValueError(expected)
    if isinstance(raw, int | float):
        number = float(raw) * (100 if "%" in number_format else 1)
    else:
        try:
            number = float(str(raw).strip().rstrip("%").strip())
        except ValueError:
            raise ValueError(expected) from None
    if not (0 <= number <= 100) or abs(number - round(number)) > 1e-9:
        raise ValueError(expected)
    return int(round(number))


def _to_number(raw: Any) -> float:
    expected = "a number of 0 or more"
    if isinstance(raw, bool):
        raise ValueError(expected)
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        try:
            number = float(str(raw).strip().replace("£", "").replace(",", "").strip())
        except ValueError:
            raise ValueError(expected) from None
    if number < 0 or number != number:
        raise ValueError(expected)
    return number


def _to_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = normalise_label(str(raw))
    if text in {"yes", "y", "true", "1"}:
        return True
    if text in {"no", "n", "false", "0"}:
        return False
    raise ValueError("Yes or No")


def _to_choice(column: Column, text: str) -> str:
    lookup = {normalise_label(value): value for value in column.allowed}
    label = normalise_label(text)
    if label in lookup:
        return lookup[label]
    if column.db_column == "status" and label in _STATUS_ALIASES and _STATUS_ALIASES[label] in column.allowed:
        return _STATUS_ALIASES[label]
    raise ValueError("one of: " + ", ".join(column.allowed))


def _to_crime_types(text: str) -> str | None:
    names: list[str] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name = _CRIME_TYPE_LOOKUP.get(normalise_label(part))
        if name is None:
            raise ValueError(f"police.uk crime types separated by ';' ('{part.strip()}' is not one): "
                             + ", ".join(CRIME_TYPES))
        if name not in names:
            names.append(name)
    return ";".join(names) or None


# ---------------------------------------------------------------------------------------------- checking
@dataclass
class _Plan:
    """A checked plan ready to write: rows per sheet and the partnerships it replaces."""

    sheets: dict[str, SheetData]
    partnerships: set[str]
    replaced_priorities: set[str]


def _check(con: duckdb.DuckDBPyConnection, sheets: dict[str, SheetData],
           replace: bool = False) -> tuple[_Plan, list[Problem]]:
    """Cross-row and cross-sheet checks; resolves partner names to codes in place.

    Without ``replace`` the records kept by reference (meetings, recommendations, cases) all survive a load."""
    problems: list[Problem] = []

    def report(row: Row, column: Column, value: Any, expected: str) -> None:
        problems.append(Problem(row.file, row.line, column.header, None if value is None else str(value), expected))

    def rows_of(name: str) -> list[Row]:
        return sheets[name].rows if name in sheets else []

    # unique keys within the workbook
    for data in sheets.values():
        key_columns = _primary_key(data.spec)
        if not key_columns:
            continue
        seen: dict[tuple[Any, ...], Row] = {}
        for row in data.rows:
            key = tuple(row.values[k] for k in key_columns)
            if any(isinstance(v, _Invalid) or v is None for v in key):
                continue
            if key in seen:
                first = seen[key]
                column = data.spec.column(key_columns[-1])
                report(row, column, key[-1], f"a {column.header} not already used (row {first.line} has it too)")
            else:
                seen[key] = row

    # partners: the Partners sheet plus the store
    partner_index: dict[str, str] = {}
    for code, name in con.execute("SELECT partner_code, partner_name FROM partner").fetchall():
        partner_index[normalise_label(code)] = code
        partner_index[normalise_label(name)] = code
    for row in rows_of("Partners"):
        code, name = row.values["partner_code"], row.values["partner_name"]
        if isinstance(code, str):
            partner_index[normalise_label(code)] = code
            if isinstance(name, str):
                partner_index[normalise_label(name)] = code
    known_partner_codes = sorted(set(partner_index.values()))

    def resolve_partner(row: Row, column: Column, value: str) -> str | None:
        code = partner_index.get(normalise_label(value))
        if code is None:
            report(row, column, value, "a partner on the Partners sheet or already in the store; known partners: "
                   + (", ".join(known_partner_codes) or "none yet - add them to the Partners sheet"))
        return code

    for data in sheets.values():
        for column in data.spec.columns:
            if column.type not in ("partner", "partners"):
                continue
            for row in data.rows:
                value = row.values[column.db_column]
                if value is None or isinstance(value, _Invalid):
                    continue
                if column.type == "partner":
                    row.values[column.db_column] = resolve_partner(row, column, value) or _INVALID
                else:
                    codes = [resolve_partner(row, column, part) for part in value]
                    row.values[column.db_column] = (
                        ";".join(dict.fromkeys(c for c in codes if c)) if all(codes) else _INVALID)

    # which partnerships the workbook replaces
    known_partnerships = {code for (code,) in con.execute("SELECT partnership_code FROM partnership").fetchall()}
    partnerships: set[str] = set()
    for name in _PARTNERSHIP_SHEETS:
        spec_column = next((c for c in SHEET_BY_NAME[name].columns if c.type == "partnership"), None)
        assert spec_column is not None
        for row in rows_of(name):
            code = row.values["partnership_code"]
            if isinstance(code, str):
                if code in known_partnerships or _GSS_CODE.match(code):
                    partnerships.add(code)
                else:
                    report(row, spec_column, code, "a partnership code: the ONS code of its local authority "
                           "(a letter and 8 digits, e.g. W06000022) or a partnership already in the store")
                    row.values["partnership_code"] = _INVALID
    store_priorities = dict(con.execute("SELECT priority_id, partnership_code FROM priority").fetchall())
    workbook_priorities = {row.values["priority_id"]: row.values["partnership_code"] for row in rows_of("Priorities")
                           if isinstance(row.values["priority_id"], str)}
    for row in rows_of("Actions"):
        priority_id = row.values["priority_id"]
        if isinstance(priority_id, str) and priority_id not in workbook_priorities and priority_id in store_priorities:
            if "Priorities" not in sheets:
                partnerships.add(store_priorities[priority_id])
    replaced_priorities = {p for p, code in store_priorities.items() if code in partnerships} | set(workbook_priorities)

    # references to priorities, meetings and actions
    surviving_priorities = dict(workbook_priorities)
    for priority_id, code in store_priorities.items():
        if "Priorities" not in sheets or code not in partnerships:
            surviving_priorities.setdefault(priority_id, code)
    store_meetings = dict(con.execute("SELECT meeting_id, partnership_code FROM meeting").fetchall())
    surviving_meetings = {row.values["meeting_id"] for row in rows_of("Meetings")
                          if isinstance(row.values["meeting_id"], str)}
    surviving_meetings |= {m for m, code in store_meetings.items()
                           if "Meetings" not in sheets or code not in partnerships}
    store_actions = dict(con.execute("SELECT action_id, priority_id FROM action").fetchall())
    surviving_actions = {row.values["action_id"] for row in rows_of("Actions") if isinstance(row.values["action_id"], str)}
    surviving_actions |= {a for a, p in store_actions.items()
                          if "Actions" not in sheets or p not in replaced_priorities}
    for data in sheets.values():
        for column in data.spec.columns:
            if column.type not in ("priority", "meeting", "action"):
                continue
            known: Iterable[str] = {"priority": surviving_priorities, "meeting": surviving_meetings,
                                    "action": surviving_actions}[column.type]
            what = {"priority": "Priority ID on the Priorities sheet",
                    "meeting": "Meeting ID on the Meetings sheet",
                    "action": "Action ID on the Actions sheet"}[column.type]
            for row in data.rows:
                value = row.values[column.db_column]
                if isinstance(value, str) and value not in known:
                    report(row, column, value, f"a {what} (or already in the store)")
                    row.values[column.db_column] = _INVALID
                elif (column.type == "priority" and isinstance(value, str)
                      and isinstance(row.values.get("partnership_code"), str)
                      and surviving_priorities[value] != row.values["partnership_code"]):
                    report(row, column, value,
                           f"a priority of partnership {row.values['partnership_code']} "
                           f"(this one belongs to {surviving_priorities[value]})")

    # ids that already belong to another partnership's plan in the store
    owned = {
        "Priorities": store_priorities,
        "Meetings": store_meetings,
        "Events": dict(con.execute("SELECT event_id, partnership_code FROM plan_event").fetchall()),
        "Recommendations": dict(con.execute("SELECT reference, partnership_code FROM recommendation").fetchall()),
        "CommunityTriggers": dict(con.execute("SELECT case_id, partnership_code FROM community_trigger").fetchall()),
    }
    for name, store_owner in owned.items():
        key_column = SHEET_BY_NAME[name].columns[0]
        for row in rows_of(name):
            key = row.values[key_column.db_column]
            if isinstance(key, str) and key in store_owner and store_owner[key] not in partnerships:
                report(row, key_column, key, f"a {key_column.header} not already used by partnership "
                       f"{store_owner[key]}'s plan in the store (ids must be unique across partnerships)")
    actions_column = SHEET_BY_NAME["Actions"].columns[0]
    for row in rows_of("Actions"):
        action_id = row.values["action_id"]
        if isinstance(action_id, str) and action_id in store_actions and store_actions[action_id] not in replaced_priorities:
            report(row, actions_column, action_id, f"an Action ID not already used by priority "
                   f"{store_actions[action_id]} in the store (ids must be unique across partnerships)")

    # row rules: commentary when not Green/Complete, dates in order
    for name in ("Actions", "Progress"):
        if name not in sheets:
            continue
        commentary = SHEET_BY_NAME[name].column("commentary")
        for row in rows_of(name):
            status = row.values["status"]
            if (isinstance(status, str) and status not in STATUSES_WITHOUT_COMMENTARY
                    and row.values["commentary"] is None):
                report(row, commentary, None, f"commentary explaining the status '{status}' "
                       f"({COMMENTARY_RULE_TEXT.removeprefix('Commentary is ').rstrip('.')})")
            text = row.values["commentary"]
            if isinstance(text, str) and len(text) > COMMENTARY_MAX_CHARS:
                report(row, commentary, text, f"a commentary of at most {COMMENTARY_MAX_CHARS:,} characters "
                       f"(this one has {len(text):,})")
    for name, start, end in (("Actions", "start_date", "due_date"), ("Events", "start_date", "end_date"),
                             ("CommunityTriggers", "received_date", "resolved_date")):
        spec = SHEET_BY_NAME[name]
        for row in rows_of(name):
            first, last = row.values[start], row.values[end]
            if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
                report(row, spec.column(end), last.isoformat(),
                       f"a date on or after the {spec.column(start).header.lower()} ({first.isoformat()})")

    total = sum(len(d.rows) for d in sheets.values())
    if total == 0 and not problems:
        problems.append(Problem(", ".join(sorted({d.spec.name for d in sheets.values()})) or "workbook", None, None,
                                None, "at least one row of data: every sheet is empty (only headers)"))
    return _Plan(sheets, partnerships, replaced_priorities), problems


def _primary_key(spec: Sheet) -> tuple[str, ...]:
    return {
        "partner": ("partner_code",), "priority": ("priority_id",), "action": ("action_id",),
        "indicator": ("indicator_id",), "plan_event": ("event_id",), "meeting": ("meeting_id",),
        "recommendation": ("reference",), "community_trigger": ("case_id",),
        "partnership_health": ("partnership_code", "item"),
    }.get(spec.table, ())


# ---------------------------------------------------------------------------------------------- writing
#: sheets of records with a stable reference: a load merges them by reference and keeps the ones it does not name
MERGED_TABLES: frozenset[str] = frozenset({"meeting", "recommendation", "community_trigger"})
#: what each table's records are called when a load would remove some
_RECORD_NAMES = {
    "priority": "priorities", "action": "plan actions", "partner_contribution": "partner contributions",
    "plan_event": "plan events", "meeting": "meetings", "recommendation": "recommendations",
    "community_trigger": "Community Trigger / CCfA cases", "partnership_health": "partnership health items",
}


def load_action_plan(con: duckdb.DuckDBPyConnection, paths: list[Path], load_id: int, display_name: str,
                     user: str, replace: bool = False) -> LoadReport:
    """Check the whole workbook (or CSVs), then write the plans of the partnerships it names.

    Meetings, recommendations and Community Trigger cases merge by reference: a row updates the record with its
    reference or adds one, and held records the file does not name are kept. The other sheets replace the
    partnership's rows; when that would remove held records, ConfirmationNeeded lists them unless ``replace``.
    With ``replace`` every sheet present is the complete list for its partnerships (the removals are reported).
    """
    paths = [Path(p) for p in paths]
    sheets = _read_sources(paths)
    plan, problems = _check(con, sheets, replace)
    if problems:
        raise LoadError(problems)
    codes = sorted(plan.partnerships)
    replaced = confirm(_removals(con, sheets, plan, replace), replace)
    report = LoadReport(source=SOURCE, file_name=display_name, sha256=_sha256_of_all(paths))
    report.rows_read = sum(len(d.rows) for d in sheets.values())
    loaded = 0
    details: list[str] = []
    for spec in SHEETS:
        data = sheets.get(spec.name)
        if data is None:
            continue
        columns = [c.db_column for c in spec.columns]
        rows = [[row.values[c] for c in columns] for row in data.rows]
        if spec.table == "progress_update":
            added, held = _append_progress(con, rows, columns, user)
            loaded += added
            details.append(f"{added} new progress updates ({held} already held)")
            continue
        if spec.table == "partner":
            con.execute("DELETE FROM partner WHERE list_contains(?, partner_code)", [[r[0] for r in rows]])
        elif spec.table == "indicator":
            con.execute("DELETE FROM indicator WHERE list_contains(?, indicator_id)", [[r[0] for r in rows]])
        elif spec.table == "action":
            con.execute("DELETE FROM action WHERE list_contains(?, priority_id)", [sorted(plan.replaced_priorities)])
        elif spec.table in MERGED_TABLES and not replace:
            key = _primary_key(spec)[0]
            keys = [r[columns.index(key)] for r in rows]
            held = con.execute(f"SELECT count(*) FROM {spec.table} WHERE list_contains(?, partnership_code)",
                               [codes]).fetchone()[0]  # type: ignore[index]
            updated = con.execute(f"SELECT count(*) FROM {spec.table} WHERE list_contains(?, {key})",
                                  [keys]).fetchone()[0]  # type: ignore[index]
            con.execute(f"DELETE FROM {spec.table} WHERE list_contains(?, {key})", [keys])
            details.append(f"{_RECORD_NAMES[spec.table]}: {len(rows) - updated} added, {updated} updated, "
                           f"{held - updated} kept")
        else:
            con.execute(f"DELETE FROM {spec.table} WHERE list_contains(?, partnership_code)", [codes])
        _insert(con, spec.table, columns, rows)
        loaded += len(rows)
        if spec.table in ("priority", "action"):
            details.append(f"{len(rows)} {spec.name.lower()}")
    details += [f"replaced {r.message()}" for r in replaced]
    report.rows_loaded = loaded
    report.detail = (f"plan of {', '.join(codes)}: " if codes else "") + ", ".join(details)
    return report


def _removals(con: duckdb.DuckDBPyConnection, sheets: dict[str, SheetData], plan: _Plan,
              replace: bool) -> list[Replacement | None]:
    """Every kind of held record the load would remove (see load_action_plan), before anything is written."""
    codes = sorted(plan.partnerships)
    names = dict(con.execute("SELECT partnership_code, partnership_name FROM partnership").fetchall())
    scope = ", ".join(f"{names[c]} ({c})" if c in names else c for c in codes)
    found: list[Replacement | None] = []
    for spec in SHEETS:
        data = sheets.get(spec.name)
        if data is None or spec.table not in _RECORD_NAMES or (spec.table in MERGED_TABLES and not replace):
            continue
        if spec.table == "action":
            held = [a for (a,) in con.execute("SELECT action_id FROM action WHERE list_contains(?, priority_id)",
                                              [sorted(plan.replaced_priorities)]).fetchall()]
            incoming = [str(r.values["action_id"]) for r in data.rows]
        elif spec.table == "partner_contribution":
            held_rows = con.execute(
                "SELECT partnership_code, partner_code, priority_id, kind, description, amount_gbp, fte, period"
                " FROM partner_contribution WHERE list_contains(?, partnership_code)", [codes]).fetchall()
            held = [_contribution_label(r) for r in held_rows]
            incoming = [_contribution_label(tuple(r.values.get(c) for c in (
                "partnership_code", "partner_code", "priority_id", "kind", "description", "amount_gbp", "fte",
                "period"))) for r in data.rows]
        else:
            key = [k for k in _primary_key(spec) if k != "partnership_code"][0]
            held = [k for (k,) in con.execute(
                f"SELECT {key} FROM {spec.table} WHERE list_contains(?, partnership_code)", [codes]).fetchall()]
            incoming = [str(r.values[key]) for r in data.rows]
        found.append(removals(_RECORD_NAMES[spec.table], scope, held, incoming))
    return found


def _contribution_label(row: tuple[Any, ...]) -> str:
    """A contribution named by what it is: 'GWENT_OPCC funding 2024/25 £45,000 (PCC grant)'."""
    _code, partner, _priority, kind, description, amount, fte, period = row
    parts = [str(partner), str(kind)]
    if period:
        parts.append(str(period))
    if amount is not None:
        parts.append(f"£{float(amount):,.0f}")
    if fte is not None:
        parts.append(f"{float(fte):g} FTE")
    if description:
        parts.append(f"({description})")
    return " ".join(parts)


def _append_progress(con: duckdb.DuckDBPyConnection, rows: list[list[Any]], columns: list[str],
                     user: str) -> tuple[int, int]:
    """Add progress rows not already held (same action, date, status, % and commentary); returns (added, held)."""
    held = {tuple(r) for r in con.execute(
        "SELECT action_id, update_date, status, pct_complete, commentary FROM progress_update").fetchall()}
    now = dt.datetime.now().replace(microsecond=0)
    fresh: list[list[Any]] = []
    already = 0
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        key = (values["action_id"], values["update_date"], values["status"], values["pct_complete"],
               values["commentary"])
        if key in held:
            already += 1
            continue
        held.add(key)
        values["updated_by"] = values["updated_by"] or user
        values["recorded_at"] = values["recorded_at"] or now
        values["source"] = values["source"] or "workbook"
        fresh.append([values[c] for c in columns])
    _insert(con, "progress_update", columns, fresh)
    return len(fresh), already


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        return
    incoming = pd.DataFrame(rows, columns=columns, dtype=object)
    with registered(con, "_action_plan_incoming", incoming):
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM _action_plan_incoming")


def _sha256_of_all(paths: Sequence[Path]) -> str:
    if len(paths) == 1:
        return sha256_of(paths[0])
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(f"{path.name}:{sha256_of(path)}\n".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------- export
def export_action_plan(con: duckdb.DuckDBPyConnection, partnership_codes: Sequence[str] | None,
                       path: Path) -> Path:
    """Write the store's plan (all partnerships, or the ones named) to a template workbook at ``path``."""
    codes = list(partnership_codes) if partnership_codes is not None else None
    everything = codes is None
    priority_ids = [p for (p,) in con.execute(
        "SELECT priority_id FROM priority WHERE ? OR list_contains(?, partnership_code)",
        [everything, codes or []]).fetchall()]
    action_ids = [a for (a,) in con.execute("SELECT action_id FROM action WHERE list_contains(?, priority_id)",
                                            [priority_ids]).fetchall()]
    filters: dict[str, tuple[str, list[Any]]] = {
        "partner": ("TRUE", []),
        "priority": ("list_contains(?, priority_id)", [priority_ids]),
        "action": ("list_contains(?, action_id)", [action_ids]),
        "progress_update": ("list_contains(?, action_id)", [action_ids]),
        "indicator": ("? OR list_contains(?, priority_id)", [everything, priority_ids]),
    }
    rows_by_sheet: dict[str, list[dict[str, Any]]] = {}
    for spec in SHEETS:
        where, params = filters.get(spec.table, ("? OR list_contains(?, partnership_code)", [everything, codes or []]))
        columns = [c.db_column for c in spec.columns]
        order = ", ".join(f"{k} NULLS FIRST" for k in spec.key)
        result = con.execute(f"SELECT {', '.join(columns)} FROM {spec.table} WHERE {where} ORDER BY {order}", params)
        rows_by_sheet[spec.name] = [dict(zip(columns, r, strict=True)) for r in result.fetchall()]
    return save_workbook(build_workbook(rows_by_sheet), Path(path))
