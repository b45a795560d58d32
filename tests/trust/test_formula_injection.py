"""Every download is safe to open in a spreadsheet (OWASP CSV injection), and its numbers stay numbers.

Loaded names are set to text a spreadsheet would run as a formula (starting =, +, -, @, a tab or a carriage
return). Every page is run in AppTest and every download's bytes recorded: in each CSV no cell may start with
one of those characters unless it is only a number, and the workbook export keeps such text as text (not a
formula) with Excel's quote prefix. Numeric columns are written as plain numbers.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from cspdash.store.versions import Store
from cspdash.ui.blocks import csv_bytes, safe_cell

ROOT = Path(__file__).resolve().parents[2]
NEWPORT = "W06000022"
FORMULAS = {
    "ward": '=HYPERLINK("http://evil.example","click")',
    "lsoa": "+cmd|' /C calc'!A0",
    "priority": "@SUM(1+1)",
    "partner": "-2+3+cmd|' /C calc'!A0",
    "action": "\t=1+1",
}
DANGER = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?([eE][+-]?\d+)?%?$")  # a number, also in scientific notation
PAGES = ["overview.py", "trends.py", "hotspots.py", "priorities.py", "partners.py", "meeting.py", "data.py"]
DOWNLOADS: list[tuple[str, Any]] = []


@pytest.fixture(scope="module")
def formula_store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("formulas") / "formulas.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    with Store(target).write() as con:
        con.execute("UPDATE ward SET ward_name = ? || ward_name", [FORMULAS["ward"]])
        con.execute("UPDATE lsoa SET lsoa_name = ? || lsoa_name", [FORMULAS["lsoa"]])
        con.execute("UPDATE priority SET title = ? || title", [FORMULAS["priority"]])
        con.execute("UPDATE partner SET partner_name = ? || partner_name", [FORMULAS["partner"]])
        con.execute("UPDATE action SET title = ? || title", [FORMULAS["action"]])
    return target


@pytest.fixture(scope="module", autouse=True)
def recording() -> Iterator[None]:
    original = DeltaGenerator.download_button

    def record(self, label: str, data: Any, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        DOWNLOADS.append((kwargs.get("file_name") or label, data() if callable(data) else data))
        return original(self, label, data, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DeltaGenerator, "download_button", record)
        import streamlit

        patch.setattr(streamlit, "download_button", lambda *a, **k: record(streamlit._main, *a, **k))
        yield


def _unsafe_cells(raw: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    return [cell for row in rows for cell in row if cell.startswith(DANGER) and not NUMBER.match(cell)]


@pytest.mark.parametrize("page", PAGES)
def test_every_download_is_neutralised(page: str, formula_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDASH_DB", str(formula_store))
    monkeypatch.setenv("CSPDASH_USERS", "")
    DOWNLOADS.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["csp"] = NEWPORT
    at.query_params["level"] = "ward"
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert DOWNLOADS, "the page offers downloads"
    problems: list[str] = []
    for name, data in DOWNLOADS:
        raw = data.encode() if isinstance(data, str) else bytes(data)
        if raw[:4] == b"PK\x03\x04" and str(name).endswith(".xlsx"):
            problems += _workbook_problems(raw, name)
        elif raw[:4] not in (b"%PDF", b"PK\x03\x04"):
            problems += [f"{name}: {cell[:40]!r}" for cell in _unsafe_cells(raw)]
    assert not problems, problems[:10]


def _workbook_problems(raw: bytes, name: str) -> list[str]:
    from openpyxl import load_workbook

    problems = []
    book = load_workbook(io.BytesIO(raw))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(DANGER) and not NUMBER.match(cell.value):
                    if cell.data_type == "f" or not cell.quotePrefix:
                        problems.append(f"{name} {sheet.title}!{cell.coordinate}: {cell.value[:30]!r}")
    return problems


def test_the_action_plan_workbook_keeps_formula_text_as_quoted_text(formula_store: Path) -> None:
    from cspdash.ingest.action_plan import export_action_plan

    con = Store(formula_store).connect_read()
    try:
        path = export_action_plan(con, [NEWPORT], formula_store.parent / "plan.xlsx")
    finally:
        con.close()
    raw = path.read_bytes()
    assert not _workbook_problems(raw, "plan.xlsx")
    from openpyxl import load_workbook

    cells = [c for s in load_workbook(io.BytesIO(raw)).worksheets for row in s.iter_rows() for c in row]
    quoted = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULAS["priority"])]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)  # kept as typed: it loads back


def test_safe_cell_table() -> None:
    """OWASP's rule, with numbers kept: a hand-written table of inputs and outputs."""
    cases = {"=1+1": "'=1+1", "+cmd": "'+cmd", "-2+3": "'-2+3", "@SUM(1)": "'@SUM(1)", "\t=1": "'\t=1",
             "\r=1": "'\r=1", "-12": "-12", "+5%": "+5%", "-1,234.5": "-1,234.5", "Newport": "Newport", "": ""}
    assert {k: safe_cell(k) for k in cases} == cases
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5


def test_numbers_stay_numeric_in_csv() -> None:
    frame = pd.DataFrame({"area": ["=evil", "fine"], "crimes": [-3, 12], "rate": [1.5, -0.25]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)))
    assert back["crimes"].tolist() == [-3, 12] and back["rate"].tolist() == [1.5, -0.25]
    assert back["area"].tolist() == ["'=evil", "fine"]
