"""Load ONS geography: LSOA→ward lookup, ward and local-authority names, LSOA centroids, Census population,
boundary GeoJSON and the partnership→local-authority list, as upserts into lsoa, ward, local_authority,
population, boundary, partnership and partnership_la.

Vintage caveat (read before using population as a denominator):

* police.uk files name each crime's LSOA with codes of BOTH the 2011 and the 2021 vintage. Most LSOAs kept
  their code in 2021; some were split or merged and got new codes. In the Gwent files 982 of 1,009 distinct
  LSOA codes are in the (2021) LSOA→ward lookup and 968 in the 2011 Census population file.
* ``lsoa.vintage`` is 2021 for codes found in a 2021 source (the LSOA→ward lookup, LSOA21CD boundaries) and
  2011 for codes seen only in a 2011 source (the Census 2011 file). The centroid file lists codes of both
  vintages without saying which, so on its own it leaves ``vintage`` empty.
* Population is Census 2011 usual residents, keyed by 2011 LSOA code. A 2021 code with no 2011 Census row
  has NO population here (NULL, never 0 or an estimate): pages say "population unknown for N areas" and
  rates exclude those areas rather than inventing a denominator.
* ``lsoa.la_code`` comes from ward→local authority where the ward is known, else from the boundary's
  LADCD_ACTIVE, else (2011-only codes) from the Census file's local-authority code.
* ``lsoa.msoa_code`` comes from the Census file (2011 MSOA) or, for 2021 LSOAs, from the MSOA boundary whose
  name is the LSOA name without its final letter ("Newport 003F" → "Newport 003").

Every load is an upsert: loading the same file twice changes nothing, and a later file replaces the values it
carries for the same codes. Row-level problems (a malformed code, a non-numeric count, a broken polygon) reject
that row into the report; file-level problems (missing columns, invalid JSON, an empty file) raise LoadError
before anything is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from shapely.geometry import shape
from shapely.validation import explain_validity

from cspdash.ingest import national
from cspdash.ingest.common import read_text_lenient, registered, sha256_of
from cspdash.ingest.report import LoadError, LoadReport, Problem


@dataclass(frozen=True)
class FileType:
    """One accepted geography CSV: its kind, what it is, the finest area level it describes, the columns it must
    have (``yy`` = any two-digit year, e.g. WD24CD) and those it may have. Documented in data/templates/README.md
    (generated from this table; a test fails when they disagree)."""

    kind: str
    label: str
    level: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: columns that only this type has: a header with one of them but not every required column is refused
    distinctive: tuple[str, ...] = ()
    notes: str = ""

    def matches(self, columns: set[str]) -> bool:
        """True when every required column is in the (lower-cased) header."""
        return all(_present(spec, columns) for spec in self.required)

    def any_distinctive(self, columns: set[str]) -> bool:
        return any(_present(spec, columns) for spec in self.distinctive)

    def needs(self) -> str:
        """E.g. "the ONS ... lookup: LSOA21CD, LSOA21NM, WDyyCD, ..."."""
        return f"{self.label}: {', '.join(self.required)}"


FILE_TYPES: tuple[FileType, ...] = (
    FileType("partnerships", "a partnerships file (a partnership that is not one council)", "partnership",
             ("partnership_code", "partnership_name", "la_code"), ("force", "display_name"),
             notes="One row per council in the partnership. With the national geography installed every la_code "
                   "must be a local authority of England and Wales (LAD 2024; an authority holding several "
                   "partnerships stands for all its parts, or name one part by its E22 code) and the force a "
                   "police.uk force name; otherwise the whole file is refused. A declared partnership takes the "
                   "place of the shipped partnerships whose councils it covers entirely."),
    FileType("ons_lsoa_ward_lad", "the ONS LSOA (2021) to electoral ward to local authority best-fit lookup",
             "lsoa", ("LSOA21CD", "LSOA21NM", "WDyyCD", "WDyyNM", "LADyyCD", "LADyyNM"),
             ("WDyyNMW", "LADyyNMW", "ObjectId"), distinctive=("LSOA21CD",),
             notes="As published on the ONS Open Geography Portal, for any ward year (e.g. WD25CD after the May "
                   "ward changes). Replaces each LSOA's ward and names. Codes must be LSOA (E01/W01), ward "
                   "(E05/W05) and local authority (E06-E09/W06) codes, and with the national geography installed "
                   "the LSOA must be one of the 35,672 of 2021; any other value refuses the whole file."),
    FileType("census_ts001", "Census 2021 usual residents by LSOA, table TS001 (census2021-ts001-lsoa.csv)", "lsoa",
             ("geography code", "Residence type: Total; measures: Value"),
             ("date", "geography", "Residence type: Lives in a household; measures: Value",
              "Residence type: Lives in a communal establishment; measures: Value"),
             distinctive=("Residence type: Total; measures: Value",),
             notes="As downloaded from Nomis (census2021-ts001.zip). Replaces the Census 2021 residents of the "
                   "LSOAs it lists. Every code must be a 2021 LSOA code and every value a whole number 0 or more; "
                   "a negative, missing or non-numeric value refuses the whole file."),
    FileType("lsoa_ward_lookup", "an LSOA to ward lookup (cspdash's two-column form)", "lsoa",
             ("lsoa_code", "ward_code"), distinctive=("lsoa_code",),
             notes="Your own geography: a store loaded with it does not install the national geography."),
    FileType("lsoa_centroids", "LSOA centroids (lsoa_latlong.csv)", "lsoa", ("LSOACD", "latitude", "longitude"),
             ("lsoa11cd",), distinctive=("LSOACD",)),
    FileType("population", "Census 2011 population and households by LSOA (census_2011_population_hh.csv)", "lsoa",
             ("LSOA Code", "Persons", "Households"), ("LSOA Name", "MSOA Code", "Local authority code"),
             distinctive=("Persons", "Households")),
    FileType("ward_names", "ward names (ward_all_codes.csv)", "ward", ("WDCD", "WDNM", "LADCD"),
             ("LADCD_ACTIVE", "SOURCEFILE"), distinctive=("WDCD",)),
    FileType("ons_lad_csp_pfa",
             "the ONS local authority to Community Safety Partnership to police force area lookup", "la",
             ("LADyyCD", "LADyyNM", "CSPyyCD", "CSPyyNM", "PFAyyCD", "PFAyyNM"), ("ObjectId",),
             distinctive=("CSPyyCD", "PFAyyCD"),
             notes="As published by ONS (e.g. LAD24_CSP24_PFA24_EW_LU). Sets every partnership's councils and "
                   "force; the PFA code must be one of the 43 police force areas of England and Wales "
                   "(data/geography/police_forces.csv); any other value refuses the whole file."),
    FileType("la_names", "local authority names (la_all_codes.csv)", "la", ("LADCD", "LADNM"),
             ("LADCD_ACTIVE",)),
)
KINDS: tuple[str, ...] = (*(t.kind for t in FILE_TYPES), "boundaries")
_BY_KIND = {t.kind: t for t in FILE_TYPES}
#: the finest area level a header describes, from its code columns (finest first)
_LEVELS = (
    ("partnership", re.compile(r"^partnership_code$")),
    ("lsoa", re.compile(r"^(lsoa\d{0,2}(cd|_code| code)|geography code)$")),
    ("ward", re.compile(r"^(wd\d{0,2}cd|ward_code)$")),
    ("la", re.compile(r"^(lad\d{0,2}cd|la_code|local authority code)$")),
)

CODE_RE = r"^[EWSN]\d{8}$"
_CODE = re.compile(CODE_RE)
_CODE_EXPECTED = "an ONS area code: E, W, S or N followed by 8 digits, such as W01001325"
#: the load_log.source each kind is recorded under
_SOURCE = {"population": "population", "census_ts001": "population", "boundaries": "boundaries"}


def _spec_regex(spec: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(spec.lower()).replace("yy", r"\d{2}") + "$")


def _present(spec: str, columns: set[str]) -> bool:
    pattern = _spec_regex(spec)
    return any(pattern.match(c) for c in columns)


def _header_columns(header: str) -> set[str] | None:
    first_record = re.split(r"\r\n?|\n", header.lstrip("\ufeff"), maxsplit=1)[0]  # a bare \r ends a line too
    try:
        cells = next(csv.reader([first_record]), [])
    except csv.Error:
        return None
    return {c.strip().strip('"').strip().lower() for c in cells}


def header_level(header: str) -> str | None:
    """The finest area level a CSV header's code columns describe (partnership, lsoa, ward, la), or None."""
    columns = _header_columns(header) or set()
    for level, pattern in _LEVELS:
        if any(pattern.match(c) for c in columns):
            if level == "partnership" and "la_code" not in columns:
                continue  # an action-plan CSV may carry partnership_code; a partnerships file lists councils
            return level
    return None


class HeaderRefused(Exception):
    """A geography CSV whose header matches no accepted type, or one only in part."""

    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected


def kind_from_header(header: str) -> str | None:
    """The geography kind a CSV's header announces, decided from the whole header; None when it names no area
    code column (not geography). Raises HeaderRefused when it describes areas but matches no accepted type, or
    matches one type while carrying another's distinctive columns (never read as a coarser type)."""
    columns = _header_columns(header)
    if columns is None or columns & {"falls within", "object of search"}:
        return None  # a police.uk file
    level = header_level(header)
    if level is None:
        return None
    candidates = [t for t in FILE_TYPES if t.level == level]
    full = [t for t in candidates if t.matches(columns)]
    partial = [t for t in candidates if t not in full and t.any_distinctive(columns)]
    if full and not partial:
        best = max(full, key=lambda t: len(t.required))
        if sum(len(t.required) == len(best.required) for t in full) == 1:
            return best.kind
    first = partial or full or candidates
    raise HeaderRefused(refusal_text(level, first + [t for t in FILE_TYPES if t not in first]))


def files_markdown() -> str:
    """The geography section of data/templates/README.md, generated from FILE_TYPES."""
    lines = [
        "## Geography files (CSV)", "",
        "You rarely need these: the national geography of England and Wales ships in `data/geography/` (every "
        "2021 LSOA with its 2024 ward, local authority, Community Safety Partnership and police force area, "
        "Census 2021 residents, deprivation, rural-urban class, the 2011→2021 LSOA lookup and boundaries) and is "
        "installed on the first police.uk load. Load these files when the geography changes (new wards in May, a "
        "new population) or to declare a partnership that is not one council.", "",
        "A file's type is decided from its **whole header**: the finest area code column it has (partnership, "
        "LSOA, ward, local authority) picks the family, and the file must then have every required column of one "
        "type. A file that matches no type, or one type only in part, is refused with the columns each type "
        "needs; it is never read as another type. Column names are matched ignoring case; `yy` stands for any "
        "two-digit year (e.g. `WD25CD`, `LAD24NM`). Boundaries are GeoJSON FeatureCollections as the ONS Open "
        "Geography Portal publishes them (an area code property such as `LSOA21CD`, `WD24CD` or `LAD24CD`, in "
        "WGS84); a feature with invalid geometry refuses the whole file.", "",
        "| type | what | required columns | optional columns | rules |", "|---|---|---|---|---|",
    ]
    for t in FILE_TYPES:
        lines.append(f"| `{t.kind}` | {t.label} | {', '.join(f'`{c}`' for c in t.required)} | "
                     f"{', '.join(f'`{c}`' for c in t.optional)} | {t.notes} |")
    return "\n".join(lines) + "\n"


def refusal_text(level: str | None, types: list[FileType] | None = None) -> str:
    """What each accepted geography type needs (for a refused header)."""
    shown = types or list(FILE_TYPES)
    area = {"partnership": "partnership", "lsoa": "LSOA", "ward": "ward", "la": "local authority"}
    intro = (f"a geography file this header does not match (it has {area[level]} codes); accepted types and "
             "the columns each needs (yy = any two-digit year; see data/templates/README.md): ") if level else (
             "one of the accepted geography files (see data/templates/README.md): ")
    return intro + "; ".join(t.needs() for t in shown)


def load_geography_file(
    con: duckdb.DuckDBPyConnection, path: Path, load_id: int, display_name: str, kind: str
) -> LoadReport:
    """Validate one geography file, upsert its rows and report rows read, loaded and rejected."""
    loaders: dict[str, Callable[[duckdb.DuckDBPyConnection, Path, str, LoadReport], None]] = {
        "lsoa_ward_lookup": _load_lookup,
        "ward_names": _load_wards,
        "la_names": _load_las,
        "lsoa_centroids": _load_centroids,
        "population": _load_population,
        "boundaries": _load_boundaries,
        "partnerships": _load_partnerships,
        "ons_lsoa_ward_lad": _load_ons_lookup,
        "census_ts001": _load_ts001,
        "ons_lad_csp_pfa": _load_lad_csp_pfa,
    }
    if kind not in loaders:
        raise LoadError(Problem(display_name, 1, None, None, refusal_text(None)))
    report = LoadReport(source=_SOURCE.get(kind, "geography"), file_name=display_name, sha256=sha256_of(path))
    loaders[kind](con, path, display_name, report)
    _derive_lsoa(con)
    report.rows_rejected = len({(p.file, p.line) for p in report.problems})
    return report


# ---------------------------------------------------------------------------------------------- CSV reading
class _Csv:
    """A CSV read as strings, with case-insensitive column positions (the first of repeated names)."""

    def __init__(self, path: Path, display_name: str):
        text, _encoding = read_text_lenient(path)
        if not text.strip():
            raise LoadError(Problem(display_name, 1, None, None, "a CSV with a header line and data rows; the file is empty"))
        try:
            frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                                skip_blank_lines=True, engine="c").fillna("")
        except (pd.errors.ParserError, ValueError) as exc:
            raise LoadError(Problem(display_name, _line_of(str(exc)), None, None,
                                    f"every row to have the same number of fields as the header ({exc})")) from None
        self.file = display_name
        self.header = [str(h).strip() for h in frame.iloc[0].tolist()]
        self.rows = frame.iloc[1:].reset_index(drop=True)
        self.rows.columns = range(len(self.header))
        # line numbers as a spreadsheet would show them (header is line 1), assuming no embedded newlines
        self.lines = pd.Series(range(2, len(self.rows) + 2))
        if self.rows.empty:
            raise LoadError(Problem(display_name, 2, None, None, "at least one data row under the header"))
        self.positions: dict[str, int] = {}
        for i, name in enumerate(self.header):
            self.positions.setdefault(name.lower(), i)

    def require(self, *names: str, what: str) -> None:
        """Raise LoadError naming every missing column."""
        missing = [n for n in names if n.lower() not in self.positions]
        if missing:
            raise LoadError([
                Problem(self.file, 1, name, ", ".join(self.header)[:200],
                        f"a column named '{name}' in the header of {what}")
                for name in missing
            ])

    def col(self, name: str) -> pd.Series:
        """The stripped string values of a column ('' when the column is absent)."""
        pos = self.positions.get(name.lower())
        if pos is None:
            return pd.Series([""] * len(self.rows), dtype=object)
        return self.rows[pos].astype(str).str.strip()

    def at(self, pos: int) -> pd.Series:
        """The stripped string values of the column at a position."""
        return self.rows[pos].astype(str).str.strip()


def _line_of(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _reject(report: LoadReport, csvf: _Csv, bad: pd.Series, column: str, values: pd.Series, expected: str) -> None:
    """Add one Problem per row flagged in bad."""
    for line, value in zip(csvf.lines[bad].tolist(), values[bad].tolist(), strict=True):
        report.problems.append(Problem(csvf.file, int(line), column, str(value), expected))


def _bad_code(values: pd.Series, allow_blank: bool = False) -> pd.Series:
    ok = values.str.match(CODE_RE)
    return ~(ok | (values.eq("") if allow_blank else False))


def _check_codes(report: LoadReport, csvf: _Csv, values: pd.Series, column: str, keep: pd.Series,
                 allow_blank: bool = False, expected: str = _CODE_EXPECTED) -> pd.Series:
    """Reject rows whose code is malformed; return the updated keep mask."""
    bad = keep & _bad_code(values, allow_blank)
    _reject(report, csvf, bad, column, values, expected)
    return keep & ~bad


def _check_duplicates(report: LoadReport, csvf: _Csv, values: pd.Series, column: str, keep: pd.Series,
                      what: str) -> pd.Series:
    """Reject the second and later rows for the same key (the first row wins)."""
    dup = keep & values.where(keep).duplicated(keep="first") & keep
    _reject(report, csvf, dup, column, values, f"each {what} once in the file (it appeared on an earlier line)")
    return keep & ~dup


def _parse_count(values: pd.Series) -> pd.Series:
    """Integers from strings such as '1,563'; NaN where the value is not a whole number."""
    cleaned = values.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    return pd.to_numeric(cleaned.where(cleaned.str.fullmatch(r"\d+")), errors="coerce")


def _upsert(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, sql: str) -> None:
    """Run an INSERT … SELECT FROM _geo_in … ON CONFLICT statement over a DataFrame."""
    if frame.empty:
        return
    with registered(con, "_geo_in", frame):
        con.execute(sql)


# ---------------------------------------------------------------------------------------------- kinds
def _load_lookup(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    csvf.require("lsoa_code", "ward_code", what="an LSOA→ward lookup")
    lsoa, ward = csvf.col("lsoa_code"), csvf.col("ward_code")
    keep = pd.Series(True, index=csvf.rows.index)
    keep = _check_codes(report, csvf, lsoa, "lsoa_code", keep)
    keep = _check_codes(report, csvf, ward, "ward_code", keep, allow_blank=True)
    keep = _check_duplicates(report, csvf, lsoa, "lsoa_code", keep, "LSOA")
    frame = pd.DataFrame({"lsoa_code": lsoa[keep], "ward_code": ward[keep].replace("", None)})
    no_ward = int(frame.ward_code.isna().sum())
    _upsert(con, frame, """
        INSERT INTO lsoa (lsoa_code, vintage, ward_code) SELECT lsoa_code, 2021, ward_code FROM _geo_in
        ON CONFLICT (lsoa_code) DO UPDATE SET ward_code = COALESCE(excluded.ward_code, lsoa.ward_code),
            vintage = greatest(lsoa.vintage, excluded.vintage)""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = f"LSOA→ward lookup: {len(frame):,} LSOAs (2021 codes)" + (
        f"; {no_ward:,} with no ward given" if no_ward else "")


def _count(n: int, one: str, many: str | None = None) -> str:
    """E.g. "1 partnership", "2,041 partnerships"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _column_like(csvf: _Csv, spec: str) -> str:
    """The header's name for a documented column such as WDyyCD (the first that matches)."""
    pattern = _spec_regex(spec)
    return next(h for h in csvf.header if pattern.match(h.lower()))


def _refuse_bad(csvf: _Csv, checks: list[tuple[str, pd.Series, pd.Series, str]]) -> None:
    """Refuse the whole file, listing every (line, column, value) whose check failed."""
    problems: list[Problem] = []
    for column, values, bad, expected in checks:
        for line, value in zip(csvf.lines[bad].tolist(), values[bad].tolist(), strict=True):
            problems.append(Problem(csvf.file, int(line), column, str(value), expected))
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise LoadError(problems)


def _known_lsoas(con: duckdb.DuckDBPyConnection) -> set[str] | None:
    """The 2021 LSOAs of the national geography, or None when it is not installed."""
    if not national.is_installed(con):
        return None
    return {r[0] for r in con.execute("SELECT lsoa_code FROM lsoa_profile").fetchall()}


_LSOA_EXPECTED = "a 2021 LSOA code of England and Wales (E01 or W01 and 6 digits, e.g. E01000001)"


def _lsoa_checks(con: duckdb.DuckDBPyConnection, column: str, codes: pd.Series) -> tuple[str, pd.Series, pd.Series, str]:
    known = _known_lsoas(con)
    bad = ~codes.str.match(r"^[EW]01\d{6}$")
    if known is not None:
        bad |= ~codes.isin(known)
    return column, codes, bad, _LSOA_EXPECTED + (" known to the shipped 2021 geography" if known is not None else "")


def _load_ons_lookup(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    names = {spec: _column_like(csvf, spec) for spec in _BY_KIND["ons_lsoa_ward_lad"].required}
    lsoa, lsoa_name = csvf.col(names["LSOA21CD"]), csvf.col(names["LSOA21NM"])
    ward, ward_name = csvf.col(names["WDyyCD"]), csvf.col(names["WDyyNM"])
    lad, lad_name = csvf.col(names["LADyyCD"]), csvf.col(names["LADyyNM"])
    _refuse_bad(csvf, [
        _lsoa_checks(con, names["LSOA21CD"], lsoa),
        (names["WDyyCD"], ward, ~ward.str.match(r"^[EW]05\d{6}$"), "an electoral ward code (E05 or W05 and 6 digits)"),
        (names["WDyyNM"], ward_name, ward_name.eq(""), "the ward's name"),
        (names["LADyyCD"], lad, ~lad.str.match(r"^(E0[6-9]|W06)\d{6}$"),
         "a local authority code (E06, E07, E08, E09 or W06 and 6 digits)"),
        (names["LADyyNM"], lad_name, lad_name.eq(""), "the local authority's name"),
        (names["LSOA21CD"], lsoa, lsoa.duplicated(keep="first"), "each LSOA once in the file"),
    ])
    frame = pd.DataFrame({"lsoa_code": lsoa, "lsoa_name": lsoa_name.replace("", None), "ward_code": ward,
                          "ward_name": ward_name, "la_code": lad, "la_name": lad_name})
    _upsert(con, frame.drop_duplicates("la_code"), """
        INSERT INTO local_authority (la_code, la_name) SELECT la_code, la_name FROM _geo_in
        ON CONFLICT (la_code) DO UPDATE SET la_name = excluded.la_name""")
    # in an authority holding several partnerships an LSOA's council area is its partnership's part: kept
    _upsert(con, frame, """
        INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, ward_code, la_code)
        SELECT lsoa_code, lsoa_name, 2021, ward_code, la_code FROM _geo_in
        ON CONFLICT (lsoa_code) DO UPDATE SET lsoa_name = COALESCE(excluded.lsoa_name, lsoa.lsoa_name),
            vintage = 2021, ward_code = excluded.ward_code,
            la_code = CASE WHEN lsoa.la_code LIKE 'E22%' THEN lsoa.la_code ELSE excluded.la_code END""")
    _upsert(con, frame.drop_duplicates("ward_code"), """
        INSERT INTO ward (ward_code, ward_name, la_code) SELECT ward_code, ward_name, la_code FROM _geo_in
        ON CONFLICT (ward_code) DO UPDATE SET ward_name = excluded.ward_name, la_code = excluded.la_code""")
    # a ward's council area: the one holding most of its LSOAs (the part, in a shared authority)
    con.execute("""
        UPDATE ward SET la_code = m.la_code FROM (
            SELECT ward_code, arg_max(la_code, n) AS la_code FROM (
                SELECT ward_code, la_code, count(*) AS n FROM lsoa WHERE ward_code IS NOT NULL GROUP BY ALL)
            GROUP BY ward_code) m
        WHERE ward.ward_code = m.ward_code AND ward.la_code IS DISTINCT FROM m.la_code""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = (f"ONS LSOA→ward→local authority lookup ({names['WDyyCD']}): {_count(len(frame), 'LSOA')}, "
                     f"{_count(frame.ward_code.nunique(), 'ward')}, "
                     f"{_count(frame.la_code.nunique(), 'local authority', 'local authorities')}")


def _load_ts001(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    code_col, value_col = _BY_KIND["census_ts001"].required
    codes, raw = csvf.col(code_col), csvf.col(value_col)
    values = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
    whole = values.notna() & (values == values.round()) & (values >= 0)
    _refuse_bad(csvf, [
        _lsoa_checks(con, code_col, codes),
        (value_col, raw, ~whole, "a whole number of usual residents, 0 or more (the value is negative, missing "
                                 "or not a number)"),
        (code_col, codes, codes.duplicated(keep="first"), "each LSOA once in the file"),
    ])
    frame = pd.DataFrame({"lsoa_code": codes, "residents": values.astype("int64")})
    _upsert(con, frame, """
        INSERT INTO population (area_code, area_type, residents, households, source, year)
        SELECT lsoa_code, 'lsoa', residents, NULL, 'Census 2021', 2021 FROM _geo_in
        ON CONFLICT (area_code, area_type, year) DO UPDATE SET residents = excluded.residents,
            source = excluded.source""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = (f"Census 2021 population (TS001): {_count(len(frame), 'LSOA')}, "
                     f"{_count(int(frame.residents.sum()), 'usual resident')}")


def _load_lad_csp_pfa(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    names = {spec: _column_like(csvf, spec) for spec in _BY_KIND["ons_lad_csp_pfa"].required}
    lad, csp, csp_name = csvf.col(names["LADyyCD"]), csvf.col(names["CSPyyCD"]), csvf.col(names["CSPyyNM"])
    pfa = csvf.col(names["PFAyyCD"])
    forces = {row[2]: row[0] for row in con.execute("SELECT force, file_slug, pfa_code FROM police_force").fetchall()}
    if not forces:
        forces = {code: force for force, (_slug, code, _name) in national.police_forces().items()}
    _refuse_bad(csvf, [
        (names["LADyyCD"], lad, ~lad.str.match(r"^(E0[6-9]|W06)\d{6}$"),
         "a local authority code (E06, E07, E08, E09 or W06 and 6 digits)"),
        (names["CSPyyCD"], csp, ~csp.str.match(r"^(E22|W14)\d{6}$"),
         "a Community Safety Partnership code (E22 or W14 and 6 digits)"),
        (names["CSPyyNM"], csp_name, csp_name.eq(""), "the partnership's name"),
        (names["PFAyyCD"], pfa, ~pfa.isin(forces),
         "a police force area code of England and Wales (E23000001-E23000039, W15000001-W15000004)"),
    ])
    frame = pd.DataFrame({"csp_code": csp, "csp_name": csp_name, "force": pfa.map(forces), "lad_code": lad})
    # in an authority holding several partnerships each partnership has its own part (its E22 code), when known
    parts = {r[0] for r in con.execute("SELECT la_code FROM local_authority WHERE la_code LIKE 'E22%'").fetchall()}
    frame["la_code"] = frame.csp_code.where(frame.csp_code.isin(parts), frame.lad_code)
    firsts = frame.drop_duplicates("csp_code")
    _upsert(con, firsts, """
        INSERT INTO partnership (partnership_code, partnership_name, force, display_name, source)
        SELECT csp_code, csp_name, force, csp_name || ' Community Safety Partnership', 'shipped' FROM _geo_in
        ON CONFLICT (partnership_code) DO UPDATE SET partnership_name = excluded.partnership_name,
            force = excluded.force, display_name = excluded.display_name, source = 'shipped'""")
    con.execute("DELETE FROM partnership_la WHERE list_contains(?, partnership_code)", [firsts.csp_code.tolist()])
    _upsert(con, frame.drop_duplicates(["csp_code", "la_code"]), """
        INSERT INTO partnership_la (partnership_code, la_code) SELECT csp_code, la_code FROM _geo_in""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = (f"ONS local authority→partnership→force lookup: {_count(len(firsts), 'partnership')}, "
                     f"{_count(frame.lad_code.nunique(), 'local authority', 'local authorities')}, "
                     f"{_count(pfa.nunique(), 'force area')}")


def _load_wards(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    csvf.require("WDCD", "WDNM", "LADCD", what="a ward names file (ward_all_codes.csv)")
    ward, ward_name = csvf.col("WDCD"), csvf.col("WDNM")
    la, la_active = csvf.col("LADCD"), csvf.col("LADCD_ACTIVE")
    keep = pd.Series(True, index=csvf.rows.index)
    keep = _check_codes(report, csvf, ward, "WDCD", keep)
    blank = keep & ward_name.eq("")
    _reject(report, csvf, blank, "WDNM", ward_name, "the ward's name")
    keep &= ~blank
    keep = _check_codes(report, csvf, la, "LADCD", keep, allow_blank=True)
    keep = _check_codes(report, csvf, la_active, "LADCD_ACTIVE", keep, allow_blank=True)
    year = pd.to_numeric(csvf.col("SOURCEFILE"), errors="coerce").fillna(0)
    frame = pd.DataFrame({
        "ward_code": ward, "ward_name": ward_name,
        "la_code": la_active.where(la_active.ne(""), la).replace("", None), "year": year, "order": csvf.lines,
    })[keep]
    # several rows per ward (one per yearly source file): the latest year, then the last line, wins
    frame = frame.sort_values(["year", "order"]).drop_duplicates("ward_code", keep="last")
    frame = frame[["ward_code", "ward_name", "la_code"]]
    _upsert(con, frame, """
        INSERT INTO ward (ward_code, ward_name, la_code) SELECT ward_code, ward_name, la_code FROM _geo_in
        ON CONFLICT (ward_code) DO UPDATE SET ward_name = excluded.ward_name,
            la_code = COALESCE(excluded.la_code, ward.la_code)""")
    superseded = int(keep.sum()) - len(frame)
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = f"ward names: {len(frame):,} wards" + (
        f"; {superseded:,} older rows for the same wards superseded by the latest year" if superseded else "")


def _load_las(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    csvf.require("LADCD", "LADNM", what="a local authority names file (la_all_codes.csv)")
    code, la_name, active = csvf.col("LADCD"), csvf.col("LADNM"), csvf.col("LADCD_ACTIVE")
    keep = pd.Series(True, index=csvf.rows.index)
    keep = _check_codes(report, csvf, code, "LADCD", keep)
    blank = keep & la_name.eq("")
    _reject(report, csvf, blank, "LADNM", la_name, "the local authority's name")
    keep &= ~blank
    keep = _check_duplicates(report, csvf, code, "LADCD", keep, "local authority code")
    # a former code (replaced by a new one) can share its name with the current code, e.g. Northumberland
    # E06000048 → E06000057. LSOA names map to councils by name, so names must stay unique: mark the former.
    former = keep & active.ne("") & active.ne(code)
    current_names = set(la_name[keep & ~former])
    clash = former & la_name.isin(current_names)
    names = la_name.where(~clash, la_name + " (former code, now " + active + ")")
    frame = pd.DataFrame({"la_code": code[keep], "la_name": names[keep]})
    _upsert(con, frame, """
        INSERT INTO local_authority (la_code, la_name) SELECT la_code, la_name FROM _geo_in
        ON CONFLICT (la_code) DO UPDATE SET la_name = excluded.la_name""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = f"local authority names: {len(frame):,}" + (
        f" ({int(clash.sum())} former codes named '… (former code, now …)')" if int(clash.sum()) else "")


def _load_centroids(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    csvf.require("LSOACD", "latitude", "longitude", what="an LSOA centroid file (lsoa_latlong.csv)")
    code, code11 = csvf.col("LSOACD"), csvf.col("lsoa11cd")
    lat = pd.to_numeric(csvf.col("latitude"), errors="coerce")
    lon = pd.to_numeric(csvf.col("longitude"), errors="coerce")
    keep = pd.Series(True, index=csvf.rows.index)
    keep = _check_codes(report, csvf, code, "LSOACD", keep)
    keep = _check_codes(report, csvf, code11, "lsoa11cd", keep, allow_blank=True)
    bad_lat = keep & ~lat.between(-90, 90)
    _reject(report, csvf, bad_lat, "latitude", csvf.col("latitude"), "a latitude between -90 and 90")
    keep &= ~bad_lat
    bad_lon = keep & ~lon.between(-180, 180)
    _reject(report, csvf, bad_lon, "longitude", csvf.col("longitude"), "a longitude between -180 and 180")
    keep &= ~bad_lon
    keep = _check_duplicates(report, csvf, code, "LSOACD", keep, "LSOA")
    # a row whose 2011 code differs from its current code says which vintage each code is; otherwise unknown
    differs = code11.ne("") & code11.ne(code)
    frame = pd.DataFrame({"lsoa_code": code, "latitude": lat, "longitude": lon,
                          "vintage": pd.Series(2021, index=code.index).where(differs)})[keep]
    older = pd.DataFrame({"lsoa_code": code11, "latitude": lat, "longitude": lon,
                          "vintage": pd.Series(2011, index=code.index)})[keep & differs]
    older = older[~older.lsoa_code.isin(frame.lsoa_code)].drop_duplicates("lsoa_code")
    both = pd.concat([frame, older], ignore_index=True)
    both["vintage"] = both["vintage"].astype("Int64")
    _upsert(con, both, """
        INSERT INTO lsoa (lsoa_code, vintage, latitude, longitude)
        SELECT lsoa_code, vintage, latitude, longitude FROM _geo_in
        ON CONFLICT (lsoa_code) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude,
            vintage = greatest(lsoa.vintage, excluded.vintage)""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = f"LSOA centroids: {len(frame):,}" + (f" plus {len(older):,} 2011 codes" if len(older) else "")


def _load_population(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    csvf.require("LSOA Code", "Persons", "Households", what="a Census population file (census_2011_population_hh.csv)")
    code = csvf.col("LSOA Code")
    # column names repeat ("Persons" three times): the first is all usual residents
    residents_raw = csvf.at(csvf.positions["persons"])
    households_raw = csvf.at(csvf.positions["households"])
    residents, households = _parse_count(residents_raw), _parse_count(households_raw)
    keep = pd.Series(True, index=csvf.rows.index)
    keep = _check_codes(report, csvf, code, "LSOA Code", keep)
    for label, raw, parsed in (("Persons", residents_raw, residents), ("Households", households_raw, households)):
        bad = keep & parsed.isna()
        _reject(report, csvf, bad, label, raw, "a whole number of people or households, such as 1,563")
        keep &= ~bad
    keep = _check_duplicates(report, csvf, code, "LSOA Code", keep, "LSOA")
    msoa, la = csvf.col("MSOA Code"), csvf.col("Local authority code")
    frame = pd.DataFrame({
        "lsoa_code": code, "lsoa_name": csvf.col("LSOA Name").replace("", None),
        "msoa_code": msoa.where(msoa.str.match(CODE_RE), None),
        "la_code": la.where(la.str.match(CODE_RE), None),
        "residents": residents, "households": households,
    })[keep]
    frame["residents"] = frame["residents"].astype("Int64")
    frame["households"] = frame["households"].astype("Int64")
    _upsert(con, frame, """
        INSERT INTO population (area_code, area_type, residents, households, source, year)
        SELECT lsoa_code, 'lsoa', residents, households, 'Census 2011', 2011 FROM _geo_in
        ON CONFLICT (area_code, area_type, year) DO UPDATE SET residents = excluded.residents,
            households = excluded.households, source = excluded.source""")
    # 2011 codes become LSOAs of vintage 2011 unless a 2021 source already knows them; 2021 facts win
    _upsert(con, frame, """
        INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, msoa_code, la_code)
        SELECT lsoa_code, lsoa_name, 2011, msoa_code, la_code FROM _geo_in
        ON CONFLICT (lsoa_code) DO UPDATE SET lsoa_name = COALESCE(lsoa.lsoa_name, excluded.lsoa_name),
            msoa_code = COALESCE(lsoa.msoa_code, excluded.msoa_code),
            la_code = COALESCE(lsoa.la_code, excluded.la_code),
            vintage = greatest(lsoa.vintage, excluded.vintage)""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(frame)
    report.detail = f"Census 2011 population: {len(frame):,} LSOAs (2011 codes), {int(frame.residents.sum()):,} residents"


def _load_partnerships(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    csvf = _Csv(path, name)
    csvf.require("partnership_code", "partnership_name", "la_code",
                 what="a partnerships file (partnership_code, partnership_name, force, la_code)")
    code, pname, la = csvf.col("partnership_code"), csvf.col("partnership_name"), csvf.col("la_code")
    force, display = csvf.col("force"), csvf.col("display_name")
    keep = pd.Series(True, index=csvf.rows.index)
    for label, values, what in (("partnership_code", code, "a short partnership code, such as W06000022"),
                                ("partnership_name", pname, "the partnership's name, such as Newport")):
        bad = keep & values.eq("")
        _reject(report, csvf, bad, label, values, what)
        keep &= ~bad
    keep = _check_codes(report, csvf, la, "la_code", keep, expected="a local authority code such as W06000022")
    pair = code + "|" + la
    keep = _check_duplicates(report, csvf, pair, "la_code", keep, "partnership and local authority pair")
    rows = pd.DataFrame({"partnership_code": code, "partnership_name": pname, "force": force.replace("", None),
                         "display_name": display.replace("", None), "la_code": la})[keep]
    rows = _check_declared(con, csvf, rows)
    firsts = rows.drop_duplicates("partnership_code", keep="first")
    has_display = bool(con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'partnership' AND column_name = 'display_name'"
    ).fetchall()[0][0])
    extra = ", display_name" if has_display else ""
    _upsert(con, firsts, f"""
        INSERT INTO partnership (partnership_code, partnership_name, force{extra}, source)
        SELECT partnership_code, partnership_name, force{extra}, 'declared' FROM _geo_in
        ON CONFLICT (partnership_code) DO UPDATE SET partnership_name = excluded.partnership_name, source = 'declared',
            force = excluded.force{', display_name = excluded.display_name' if has_display else ''}""")
    # a partnership's list of councils is replaced as a whole by the latest file that names it
    con.execute("DELETE FROM partnership_la WHERE list_contains(?, partnership_code)",
                [firsts.partnership_code.tolist()])
    _upsert(con, rows[["partnership_code", "la_code"]], """
        INSERT INTO partnership_la (partnership_code, la_code) SELECT partnership_code, la_code FROM _geo_in""")
    report.rows_read, report.rows_loaded = len(csvf.rows), len(rows)
    report.detail = f"partnerships: {len(firsts):,} covering {len(rows):,} local authorities"


def _check_declared(con: duckdb.DuckDBPyConnection, csvf: _Csv, rows: pd.DataFrame) -> pd.DataFrame:
    """With the national geography installed, a declared partnership must name council areas and a force it
    knows: any other code or name refuses the whole file (every bad line listed), so nothing half-declared loads.
    An authority holding several partnerships (e.g. Buckinghamshire, E06000060) stands for all its parts."""
    if not national.is_installed(con):
        return rows
    councils = {r[0] for r in con.execute("SELECT la_code FROM local_authority").fetchall()}
    parts: dict[str, list[str]] = {}
    for lad, part in con.execute(
            "SELECT DISTINCT p.lad_code, l.la_code FROM lsoa_profile p JOIN lsoa l USING (lsoa_code) "
            "WHERE p.lad_code <> l.la_code ORDER BY ALL").fetchall():
        parts.setdefault(lad, []).append(part)
    forces = national.known_force_names()
    problems: list[Problem] = []
    for line, la, force in zip(csvf.lines[rows.index], rows.la_code, rows.force, strict=True):
        if la not in councils:
            problems.append(Problem(csvf.file, int(line), "la_code", la,
                                    "a local authority code of England and Wales (LAD 2024), such as E08000035 or "
                                    "W06000022, or a partnership's part of an authority (its E22 code)"))
        if force is not None and force not in forces:
            problems.append(Problem(csvf.file, int(line), "force", force,
                                    "a police.uk force name, one of: " + ", ".join(forces)))
    if problems:
        raise LoadError(problems)
    expanded = rows.assign(la_code=rows.la_code.map(lambda la: parts.get(la, [la]))).explode("la_code")
    return expanded.drop_duplicates(["partnership_code", "la_code"])


# ---------------------------------------------------------------------------------------------- boundaries
_AREA_KEY = re.compile(r"^(LSOA|MSOA|WD|LAD)(\d{2})CD$", re.IGNORECASE)
_AREA_TYPE = {"LSOA": "lsoa", "MSOA": "msoa", "WD": "ward", "LAD": "la"}
_PRIORITY = ("LSOA", "MSOA", "WD", "LAD")


def _load_boundaries(con: duckdb.DuckDBPyConnection, path: Path, name: str, report: LoadReport) -> None:
    text, _encoding = read_text_lenient(path)
    if not text.strip():
        raise LoadError(Problem(name, 1, None, None, "a GeoJSON FeatureCollection; the file is empty"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(Problem(name, exc.lineno, None, exc.msg,
                                f"valid GeoJSON (the JSON is broken at line {exc.lineno}, column {exc.colno})")) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise LoadError(Problem(name, None, "features", str(got),
                                "a GeoJSON FeatureCollection with at least one feature"))
    code_key, prefix, year = _area_key(features, name)
    area_type = _AREA_TYPE[prefix]
    name_key = _find_key(features, f"{prefix}{year}NM")
    la_key = _find_key(features, f"LAD{year}CD")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        where = f"{name} feature {number}"
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code = str(props.get(code_key) or "").strip()
        if not _CODE.match(code):
            report.problems.append(Problem(where, None, code_key, code, _CODE_EXPECTED))
            continue
        if code in seen:
            report.problems.append(Problem(where, None, code_key, code, "each area once in the file"))
            continue
        geometry = feature.get("geometry")
        reason = _geometry_problem(geometry)
        if reason:
            report.problems.append(Problem(where, None, "geometry", f"{code}: {reason}",
                                           "a valid polygon or multipolygon in longitude/latitude (WGS84)"))
            continue
        seen.add(code)
        polygon = shape(geometry)
        point = polygon.representative_point()
        la_code = str(props.get("LADCD_ACTIVE") or (props.get(la_key) if la_key else "") or "").strip()
        rows.append({
            "area_code": code,
            "area_name": (str(props.get(name_key)).strip() if name_key and props.get(name_key) else None),
            "la_code": la_code if _CODE.match(la_code) else None,
            "geometry": json.dumps(geometry, separators=(",", ":")),
            "latitude": point.y, "longitude": point.x,
        })
    broken = [p for p in report.problems if p.column == "geometry"]
    if broken:  # a map with a hole where an area should be is worse than the previous map: refuse the file
        raise LoadError(broken)
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "la_code", "geometry", "latitude", "longitude"])
    frame["area_type"] = area_type
    _upsert(con, frame, """
        INSERT INTO boundary (area_code, area_type, area_name, la_code, geometry)
        SELECT area_code, area_type, area_name, la_code, geometry FROM _geo_in
        ON CONFLICT (area_code, area_type) DO UPDATE SET area_name = excluded.area_name,
            la_code = excluded.la_code, geometry = excluded.geometry""")
    if area_type == "lsoa":
        frame["vintage"] = 2000 + int(year)
        _upsert(con, frame, """
            INSERT INTO lsoa (lsoa_code, lsoa_name, vintage, la_code, latitude, longitude)
            SELECT area_code, area_name, vintage, la_code, latitude, longitude FROM _geo_in
            ON CONFLICT (lsoa_code) DO UPDATE SET lsoa_name = COALESCE(excluded.lsoa_name, lsoa.lsoa_name),
                vintage = greatest(lsoa.vintage, excluded.vintage),
                la_code = COALESCE(excluded.la_code, lsoa.la_code),
                latitude = COALESCE(lsoa.latitude, excluded.latitude),
                longitude = COALESCE(lsoa.longitude, excluded.longitude)""")
    elif area_type == "ward":
        named = frame[frame.area_name.notna()]
        _upsert(con, named, """
            INSERT INTO ward (ward_code, ward_name, la_code) SELECT area_code, area_name, la_code FROM _geo_in
            ON CONFLICT (ward_code) DO UPDATE SET ward_name = excluded.ward_name,
                la_code = COALESCE(excluded.la_code, ward.la_code)""")
    report.rows_read, report.rows_loaded = len(features), len(frame)
    report.detail = f"{area_type} boundaries ({prefix}{year}CD): {len(frame):,} areas"


def _area_key(features: list[Any], name: str) -> tuple[str, str, str]:
    """The property naming each feature's code (e.g. LSOA21CD), its prefix and two-digit year."""
    keys: set[str] = set()
    for feature in features[:50]:
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            keys.update(feature["properties"].keys())
    found = {}
    for key in keys:
        match = _AREA_KEY.match(key)
        if match:
            found[match.group(1).upper()] = (key, match.group(1).upper(), match.group(2))
    for prefix in _PRIORITY:
        if prefix in found:
            return found[prefix]
    raise LoadError(Problem(name, None, "properties", ", ".join(sorted(keys))[:200],
                            "boundary features with an area code property such as LSOA21CD, MSOA21CD, "
                            "WD25CD or LAD25CD"))


def _find_key(features: list[Any], wanted: str) -> str | None:
    for feature in features[:50]:
        props = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(props, dict):
            for key in props:
                if key.upper() == wanted.upper():
                    return str(key)
    return None


def _geometry_problem(geometry: Any) -> str | None:
    """Why a GeoJSON geometry is unusable, or None when it is a valid polygon or multipolygon."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        got = geometry.get("type") if isinstance(geometry, dict) else geometry
        return f"geometry type {got!r}"
    try:
        polygon = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return f"unreadable coordinates ({type(exc).__name__}: {exc})"[:200]
    if polygon.is_empty:
        return "an empty geometry"
    if not polygon.is_valid:
        return explain_validity(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return f"coordinates outside longitude/latitude ({minx:.0f}, {miny:.0f})"
    return None


# ---------------------------------------------------------------------------------------------- derived links
def _derive_lsoa(con: duckdb.DuckDBPyConnection) -> None:
    """Fill lsoa.la_code from ward→LA and lsoa.msoa_code from MSOA boundary names, whatever the load order."""
    con.execute("""
        UPDATE lsoa SET la_code = w.la_code FROM ward w
        WHERE lsoa.ward_code = w.ward_code AND w.la_code IS NOT NULL AND lsoa.la_code IS DISTINCT FROM w.la_code
          AND lsoa.lsoa_code NOT IN (SELECT lsoa_code FROM lsoa_profile)""")
    con.execute("""
        UPDATE lsoa SET msoa_code = b.area_code FROM boundary b
        WHERE lsoa.msoa_code IS NULL AND b.area_type = 'msoa'
          AND b.area_name = regexp_replace(lsoa.lsoa_name, '[A-Z]$', '')""")
