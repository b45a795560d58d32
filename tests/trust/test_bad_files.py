"""A bad file must not empty a month: zip bombs, empty, one-line and truncated police.uk files, active workbooks.

Each is refused with a message naming the file and what was expected, the store unchanged (checksums equal),
and the CLI exits non-zero; where a smaller month is genuinely right, ``--replace`` (the Data page's tick box)
confirms it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from cspdash import cli
from cspdash.ingest import load as load_module
from cspdash.ingest.load import load_paths
from cspdash.ingest.report import LoadError
from cspdash.store.versions import Store
from tests.conftest import store_checksums

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "police_uk"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context")
ROW = ",2024-01,Gwent Police,Gwent Police,-3.0,51.5,On or near A Road,W01001600,Newport 020A,Anti-social behaviour,,"
NAME = "2024-01-gwent-street.csv"


def _month(rows: int) -> str:
    return "\n".join([HEADER, *[ROW] * rows]) + "\n"


@pytest.fixture()
def loaded(national_store: Store, tmp_path: Path) -> Store:
    """A store holding January with 40 rows (on the national geography its first load installed: conftest)."""
    store = national_store
    path = tmp_path / "first" / NAME
    path.parent.mkdir()
    path.write_text(_month(40))
    load_paths(store, [path])
    return store


def _rows(store: Store) -> int:
    con = store.connect_read()
    try:
        return int(con.execute("SELECT count(*) FROM street_crime").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def _refused(store: Store, path: Path, words: str) -> None:
    before = store_checksums(store)
    with pytest.raises(LoadError) as caught:
        load_paths(store, [path])
    assert words in caught.value.message(), caught.value.message()
    assert store_checksums(store) == before, "the store is unchanged"


def _file(tmp_path: Path, text: str | bytes, name: str = NAME) -> Path:
    path = tmp_path / "new" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_header_only_file_is_refused_without_replace(loaded: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + "\n")
    _refused(loaded, path, "this one has none")
    assert _rows(loaded) == 40
    load_paths(loaded, [path], replace=True)  # confirmed: the month is recorded as published but empty
    assert _rows(loaded) == 0


def test_truncated_month_is_refused_without_replace(loaded: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, _month(3))
    _refused(loaded, path, "has 40 rows in the store and this file 3 (is it truncated?)")
    assert _rows(loaded) == 40
    [report] = load_paths(loaded, [path], replace=True)
    assert "replaced" in report.detail and _rows(loaded) == 3


def test_a_month_of_about_the_same_size_replaces_without_confirmation(loaded: Store, tmp_path: Path) -> None:
    load_paths(loaded, [_file(tmp_path, _month(25))])  # a correction of 40 → 25 (more than half) is ordinary
    assert _rows(loaded) == 25


def test_one_enormous_line_is_refused(loaded: Store, tmp_path: Path) -> None:
    """A file that is one 20 MB line (no line break at all): no data row, so the month is not emptied."""
    path = _file(tmp_path, HEADER + "x" * (20 << 20))
    before = store_checksums(loaded)
    with pytest.raises(LoadError):
        load_paths(loaded, [path])
    assert store_checksums(loaded) == before and _rows(loaded) == 40


def test_zip_bomb_is_refused_before_it_fills_the_disk(loaded: Store, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A zip whose member expands more than 100:1 is stopped as the bytes come out (a 2 MB zip of 2 GB is one)."""
    bomb = tmp_path / "police.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(f"2024-01/{NAME}", HEADER + "\n" + ROW + "\n" + " " * (64 << 20))  # 64 MB of spaces
    assert bomb.stat().st_size < 200_000
    _refused(loaded, bomb, "like a zip bomb")
    # the cap on a member's size holds too, whatever the zip's directory says
    monkeypatch.setattr(load_module, "ZIP_RATIO_MAX", 10**9)
    monkeypatch.setattr(load_module, "ZIP_MEMBER_MAX_BYTES", 8 << 20)
    _refused(loaded, bomb, "once unzipped")


def test_a_real_police_zip_still_loads(tmp_path: Path) -> None:
    archive_path = tmp_path / "download.zip"
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for csv_path in sorted(FIXTURES.glob("2024-0*/*.csv")):
            archive.write(csv_path, f"{csv_path.parent.name}/{csv_path.name}")
    reports = load_paths(Store(tmp_path / "z.duckdb"), [archive_path])
    assert sum(r.rows_loaded for r in reports) > 0


def test_cli_refuses_then_accepts_with_replace(loaded: Store, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, _month(2))
    code = cli.main(["--db", str(loaded.path), "load", str(path)])
    assert code != 0 and "--replace" in capsys.readouterr().err
    assert _rows(loaded) == 40
    assert cli.main(["--db", str(loaded.path), "load", "--replace", str(path)]) == 0
    assert _rows(loaded) == 2


def _workbook(extra: dict[str, bytes], content_types: bytes = b"") -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml" and content_types:
                data = data.replace(b"</Types>", content_types + b"</Types>")
            target.writestr(info, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("name", "extra", "types", "words"), [
    ("plan.xlsm", {}, b"", "macro-enabled .xlsm is refused"),
    ("plan.xlsx", {"xl/vbaProject.bin": b"\x00" * 64}, b"", "holds a VBA project"),
    ("plan.xlsx", {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}, b"", "links to other workbooks"),
    ("plan.xlsx", {}, b'<Override PartName="/xl/x" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>',
     "holds a VBA project"),
], ids=["xlsm", "vba", "external-link", "macro-content-type"])
def test_active_workbooks_are_refused(tmp_path: Path, name: str, extra: dict[str, bytes], types: bytes,
                                      words: str) -> None:
    store = Store(tmp_path / "w.duckdb")
    path = _file(tmp_path, _workbook(extra, types), name=name)
    with pytest.raises(LoadError) as caught:
        load_paths(store, [path])
    assert words in caught.value.message(), caught.value.message()


def test_a_viewers_weights_upload_is_capped() -> None:
    """The 10 MB harm-weights CSV with a million columns is refused by its size before it is parsed."""
    from cspdash.analysis.harm import load_harm_weights
    from cspdash.config import HARM_WEIGHTS_CSV
    from cspdash.ui.hotspot_blocks import read_weights_upload

    shipped = HARM_WEIGHTS_CSV.read_bytes()
    assert len(read_weights_upload("w.csv", shipped)) == len(load_harm_weights())
    wide = b"crime_type,harm_weight_days," + b",".join(b"c%d" % i for i in range(10**6)) + b"\n"
    assert len(wide) > 1_000_000
    with pytest.raises(ValueError, match="may be at most 64 KB"):
        read_weights_upload("wide.csv", wide)
