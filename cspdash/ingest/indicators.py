"""Load partner indicator figures (council ASB reports, fire incidents, A&E assaults, surveys…) from a CSV.

Columns: indicator, area_code, period, value; optional baseline, target, and indicator_name, unit,
higher_is_better, source_partner (used only to describe an indicator the store does not know yet, or to
fill its blank fields: the action-plan workbook's Indicators sheet is the authority on definitions).
A bad row is rejected (recorded with its line number) and the rest load; values are upserted on
(indicator_id, area_code, period).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from cspdash.ingest.common import read_text_lenient, registered, sha256_of
from cspdash.ingest.report import LoadError, LoadReport, Problem

SOURCE = "indicators"
#: canonical column → accepted header spellings (compared lowercase, spaces and dashes as underscores)
COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "indicator_id"),
    "area_code": ("area_code", "area", "partnership_code"),
    "period": ("period",),
    "value": ("value",),
    "baseline": ("baseline",),
    "target": ("target",),
    "indicator_name": ("indicator_name", "name"),
    "unit": ("unit",),
    "higher_is_better": ("higher_is_better",),
    "source_partner": ("source_partner",),
}
REQUIRED = ("indicator", "area_code", "period", "value")
PERIOD_FORMATS = ("YYYY-MM", "YYYY-MM-DD", "YYYY-Qn (calendar quarter)", "YYYY/YY Qn (financial quarter)",
                  "YYYY/YY (financial year)")


def _normalise(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _columns_of(header: list[str]) -> dict[str, int]:
    """Canonical column name → position, for the header cells that name a known column."""
    lookup = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = lookup.get(_normalise(cell))
        if name and name not in found:
            found[name] = index
    return found


def _repeated_columns(header: list[str]) -> dict[str, list[str]]:
    """Known columns named more than once (directly or by two spellings, e.g. indicator and indicator_id)."""
    lookup = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
    cells: dict[str, list[str]] = {}
    for cell in header:
        name = lookup.get(_normalise(cell))
        if name:
            cells.setdefault(name, []).append(cell.strip())
    return {name: found for name, found in cells.items() if len(found) > 1}


def matches_header(header_lowercase: str) -> bool:
    """True for a partner-indicator CSV header (indicator, area_code, period, value, …)."""
    try:
        header = next(csv.reader([header_lowercase]))
    except (csv.Error, StopIteration):
        return False
    return all(name in _columns_of(header) for name in REQUIRED)


def parse_period(text: str) -> dt.date:
    """First day of a period: 2024-06, 2024-06-01, 2024-Q2, 2024/25 Q1 or 2024/25; raises ValueError."""
    return period_and_grain(text)[0]


#: months in a period of each grain ('month' also stands for a dated value, 2024-06-01)
GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_and_grain(text: str) -> tuple[dt.date, str]:
    """(first day, 'month' | 'quarter' | 'year') of a period as parse_period reads it; raises ValueError."""
    text = text.strip()
    try:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if match and 1 <= int(match[2]) <= 12:
            return dt.date(int(match[1]), int(match[2]), 1), "month"
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3])), "month"
        match = re.fullmatch(r"(\d{4})[ -]?Q([1-4])", text, flags=re.IGNORECASE)
        if match:
            return dt.date(int(match[1]), 3 * int(match[2]) - 2, 1), "quarter"
        match = re.fullmatch(r"(\d{4})[/-](\d{2})(?:\s*Q([1-4]))?", text, flags=re.IGNORECASE)
        if match and (int(match[1]) + 1) % 100 == int(match[2]):
            quarter = int(match[3] or 1)
            month = 4 + 3 * (quarter - 1)
            return dt.date(int(match[1]) + (month > 12), (month - 1) % 12 + 1, 1), "quarter" if match[3] else "year"
    except ValueError:
        pass
    raise ValueError("a period: " + ", ".join(PERIOD_FORMATS))


def _held_by_month(con: duckdb.DuckDBPyConnection, rows: list[list[Any]]) -> dict[tuple[str, str, dt.date], dt.date]:
    """For incoming quarter and year rows (indicator, area, first day, grain): where the store holds the same
    indicator and area for another month inside the period, one such month (the series is monthly, and the period's
    first day is a month's too: its value would overwrite that month's)."""
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["indicator_id", "area_code", "period", "months"])
    with registered(con, "_indicator_periods", frame):
        found = con.execute(
            """SELECT p.indicator_id, p.area_code, p.period, min(v.period)
               FROM _indicator_periods p JOIN indicator_value v USING (indicator_id, area_code)
               WHERE v.period > p.period AND v.period < p.period + to_months(p.months::INTEGER)
               GROUP BY ALL""").fetchall()
    return {(i, a, p if isinstance(p, dt.date) else p.date()): m if isinstance(m, dt.date) else m.date()
            for i, a, p, m in found}


def _replaced(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame) -> list[tuple[str, str, dt.date, float, float]]:
    """Held values the incoming rows change: (indicator, area, period, old value, new value), in order."""
    with registered(con, "_indicator_check", incoming):
        return [(i, a, p, old, new) for i, a, p, old, new in con.execute(
            """SELECT v.indicator_id, v.area_code, v.period, v.value, n.value::DOUBLE
               FROM indicator_value v JOIN _indicator_check n
                 ON n.indicator_id = v.indicator_id AND n.area_code = v.area_code AND n.period::DATE = v.period
               WHERE v.value IS DISTINCT FROM n.value::DOUBLE ORDER BY 1, 2, 3""").fetchall()]


def _number(text: str) -> float:
    cleaned = text.strip().replace(",", "").replace("£", "").rstrip("%").strip()
    number = float(cleaned)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return number


def _boolean(text: str) -> bool | None:
    label = text.strip().lower()
    if label in {"yes", "y", "true", "1", "higher"}:
        return True
    if label in {"no", "n", "false", "0", "lower"}:
        return False
    raise ValueError(text)


def load_indicators(con: duckdb.DuckDBPyConnection, path: Path, load_id: int, display_name: str) -> LoadReport:
    """Load one partner-indicator CSV: good rows upserted, bad rows rejected with their line numbers."""
    path = Path(path)
    report = LoadReport(source=SOURCE, file_name=display_name, sha256=sha256_of(path))
    text, _encoding = read_text_lenient(path)
    if not text.strip():
        raise LoadError(Problem(display_name, None, None, None,
                                "a partner-indicator CSV with a header row: indicator, area_code, period, value"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise LoadError(Problem(display_name, 1, None, str(exc), "a well-formed CSV header row")) from None
    positions = _columns_of(header)
    repeated = _repeated_columns(header)
    if repeated:
        raise LoadError([Problem(display_name, 1, name, ", ".join(f"'{cell}'" for cell in cells),
                                 f"each column once; '{name}' is named {len(cells)} times in the header, so it is "
                                 "not clear which to use (delete or rename the extra one)")
                         for name, cells in repeated.items()])
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise LoadError([Problem(display_name, 1, name, None,
                                 f"a column named '{name}' (the header needs indicator, area_code, period, value)")
                         for name in missing])

    values: dict[tuple[str, str, dt.date], list[Any]] = {}
    first_line: dict[tuple[str, str, dt.date], int] = {}
    grains: dict[tuple[str, str], tuple[str, int]] = {}  # (indicator, area) → (grain, first line)
    longer: dict[tuple[str, str, dt.date], tuple[int, str, str]] = {}  # a quarter's or year's row: line, text, grain
    definitions: dict[str, dict[str, Any]] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            report.rows_read += 1
            row = _row(record, positions, display_name, line, report)
            if row is None:
                continue
            key = (row["indicator"], row["area_code"], row["period"])
            grain, first = grains.setdefault(key[:2], (row["grain"], line))
            if grain != row["grain"]:  # a quarter and its first month share a first day: one kind per series
                report.problems.append(Problem(
                    display_name, line, "period", record[positions["period"]],
                    f"one kind of period per indicator and area: {row['indicator']} for {row['area_code']} is given "
                    f"by {grain} from line {first}, and a {row['grain']} starts on the same day as a {grain}"))
                report.rows_rejected += 1
                continue
            if key in values:
                report.problems.append(Problem(display_name, line, "period", record[positions["period"]],
                                               f"one row per indicator, area and period (line {first_line[key]} "
                                               "has the same)"))
                report.rows_rejected += 1
                continue
            values[key] = [row["indicator"], row["area_code"], row["period"], row["value"], row["baseline"],
                           row["target"], load_id]
            first_line[key] = line
            if row["grain"] != "month":
                longer[key] = (line, record[positions["period"]], row["grain"])
            definition = definitions.setdefault(row["indicator"], {})
            for name in ("indicator_name", "unit", "higher_is_better", "source_partner"):
                if row[name] is not None and name not in definition:
                    definition[name] = row[name]
    except csv.Error as exc:
        raise LoadError(Problem(display_name, reader.line_num, None, str(exc), "a well-formed CSV file")) from None
    if not report.rows_read:
        raise LoadError(Problem(display_name, 2, None, None,
                                "at least one data row below the header (indicator, area_code, period, value); "
                                "this file has no data rows"))

    held = _held_by_month(con, [[*key, GRAIN_MONTHS[grain]] for key, (_line, _text, grain) in longer.items()])
    for key, month in held.items():
        line, text, grain = longer[key]
        report.problems.append(Problem(
            display_name, line, "period", text,
            f"a month: the store holds {key[0]} for {key[1]} by month ({month:%Y-%m} is held), and this {grain} "
            f"starts on {key[2]:%Y-%m}'s first day, so it would overwrite {key[2]:%Y-%m}'s value"))
        report.rows_rejected += 1
        del values[key]
    _upsert_definitions(con, definitions)
    replaced: list[tuple[str, str, dt.date, float, float]] = []
    if values:
        incoming = pd.DataFrame(list(values.values()), dtype=object,
                                columns=["indicator_id", "area_code", "period", "value", "baseline", "target", "load_id"])
        replaced = _replaced(con, incoming)
        with registered(con, "_indicator_incoming", incoming):
            con.execute("INSERT OR REPLACE INTO indicator_value (indicator_id, area_code, period, value, baseline, "
                        "target, load_id) SELECT * FROM _indicator_incoming")
    report.rows_loaded = len(values)
    if values:
        periods = sorted(key[2] for key in values)
        report.detail = (f"{len(definitions)} indicators, {len({key[1] for key in values})} areas, "
                         f"{periods[0]:%Y-%m}..{periods[-1]:%Y-%m}")
    if replaced:  # never silent: each held value this load changed, the first few in the detail
        shown = "; ".join(f"{i} {a} {p:%Y-%m} {old:g} → {new:g}" for i, a, p, old, new in replaced[:_REPLACED_SHOWN])
        more = f"; and {len(replaced) - _REPLACED_SHOWN} more" if len(replaced) > _REPLACED_SHOWN else ""
        report.detail = (report.detail + "; " if report.detail else "") + \
            f"{len(replaced)} value{'s' if len(replaced) != 1 else ''} replaced: {shown}{more}"
    return report


#: replaced values named in a load's detail (the count is always given)
_REPLACED_SHOWN = 5


def _row(record: list[str], positions: dict[str, int], file: str, line: int,
         report: LoadReport) -> dict[str, Any] | None:
    """One CSV record as typed values, or None (with its problems recorded) when it cannot load."""
    cells = {name: (record[index].strip() if index < len(record) else "") for name, index in positions.items()}
    problems: list[Problem] = []
    row: dict[str, Any] = {name: None for name in COLUMNS}
    for name in ("indicator", "area_code"):
        if cells[name]:
            row[name] = cells[name] if name == "indicator" else cells[name].upper()
        else:
            problems.append(Problem(file, line, name, None, f"a value ({name} is required)"))
    if not cells["period"]:
        problems.append(Problem(file, line, "period", None, "a period (required): " + ", ".join(PERIOD_FORMATS)))
    else:
        try:
            row["period"], row["grain"] = period_and_grain(cells["period"])
        except ValueError as exc:
            problems.append(Problem(file, line, "period", cells["period"], str(exc)))
    for name in ("value", "baseline", "target"):
        text = cells.get(name, "")
        if not text:
            if name == "value":
                problems.append(Problem(file, line, name, None, "a number (value is required)"))
            continue
        try:
            row[name] = _number(text)
        except ValueError:
            problems.append(Problem(file, line, name, text, "a number, e.g. 123 or 45.6"))
    for name in ("indicator_name", "unit", "source_partner"):
        row[name] = cells.get(name) or None
    if cells.get("higher_is_better"):
        try:
            row["higher_is_better"] = _boolean(cells["higher_is_better"])
        except ValueError:
            problems.append(Problem(file, line, "higher_is_better", cells["higher_is_better"], "Yes or No"))
    if problems:
        report.problems.extend(problems)
        report.rows_rejected += 1
        return None
    return row


def _upsert_definitions(con: duckdb.DuckDBPyConnection, definitions: dict[str, dict[str, Any]]) -> None:
    """Create unknown indicators (name = id unless the CSV names it); fill blank fields of known ones."""
    partners: dict[str, str] = {}
    for code, name in con.execute("SELECT partner_code, partner_name FROM partner").fetchall():
        partners[code.lower()] = code
        partners[name.lower()] = code
    existing = {row[0]: row for row in con.execute(
        "SELECT indicator_id, name, unit, higher_is_better, source_partner FROM indicator").fetchall()}
    for indicator_id, given in definitions.items():
        source = given.get("source_partner")
        if source is not None:
            source = partners.get(source.lower(), source)
        if indicator_id not in existing:
            con.execute("INSERT INTO indicator (indicator_id, name, unit, higher_is_better, source_partner)"
                        " VALUES (?, ?, ?, ?, ?)",
                        [indicator_id, given.get("indicator_name") or indicator_id, given.get("unit"),
                         given.get("higher_is_better"), source])
            continue
        _id, name, unit, higher, partner = existing[indicator_id]
        con.execute(
            "UPDATE indicator SET name = ?, unit = ?, higher_is_better = ?, source_partner = ? WHERE indicator_id = ?",
            [given.get("indicator_name") if (name == indicator_id and given.get("indicator_name")) else name,
             unit if unit is not None else given.get("unit"),
             higher if higher is not None else given.get("higher_is_better"),
             partner if partner is not None else source,
             indicator_id])
