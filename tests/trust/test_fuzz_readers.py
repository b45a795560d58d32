"""Property-based fuzzing of every reader through load_paths: any input ends in a load or a LoadError, never a crash.

Random bytes, random CSV text and mutations of the real headers and rows (dropped, repeated, reordered, renamed
columns; cells replaced with hostile text; rows cut short) are given the names that route them to each loader.
Property: load_paths either succeeds or raises LoadError; after a LoadError every table is unchanged.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cspdash.ingest.load import detect_kind, load_paths
from cspdash.ingest.report import LoadError
from cspdash.store.versions import Store
from tests.conftest import store_checksums

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
JAN = FIXTURES / "police_uk" / "2024-01"

#: a real file for each loader: (file name that routes it, its text)
REAL = {
    "2024-01-gwent-street.csv": (JAN / "2024-01-gwent-street.csv").read_text(encoding="utf-8"),
    "2024-01-gwent-outcomes.csv": (JAN / "2024-01-gwent-outcomes.csv").read_text(encoding="utf-8"),
    "2024-01-gwent-stop-and-search.csv": (JAN / "2024-01-gwent-stop-and-search.csv").read_text(encoding="utf-8"),
    "lsoa_to_ward.csv": (FIXTURES / "geography" / "lsoa_to_ward.csv").read_text(encoding="utf-8"),
    "population.csv": (FIXTURES / "geography" / "population.csv").read_text(encoding="utf-8"),
    "lsoa_centroids.csv": (FIXTURES / "geography" / "lsoa_centroids.csv").read_text(encoding="utf-8"),
    "indicators.csv": (FIXTURES / "action_plan" / "indicators_good.csv").read_text(encoding="utf-8"),
    "priorities.csv": (FIXTURES / "action_plan" / "csv_plan" / "priorities.csv").read_text(encoding="utf-8"),
    "lsoa.geojson": (FIXTURES / "geography" / "lsoa.geojson").read_text(encoding="utf-8"),
}
NAMES = [*REAL, "action_plan.xlsx", "police.zip", "upload.csv"]
HOSTILE = ["'; DROP TABLE street_crime;--", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "\x00", "NaN",
           "-1e308", "9" * 40, "2024-13", "\ufeff", "\"", "\r\n", "ñ€😀", "", " ", ",,,"]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store with January's police.uk fixture files and the fixture lookup."""
    path = tmp_path_factory.mktemp("fuzz") / "base.duckdb"
    load_paths(Store(path), [JAN / "2024-01-gwent-street.csv", FIXTURES / "geography" / "lsoa_to_ward.csv"])
    return path


class Harness:
    """Loads one fuzzed file into a fresh copy of the base store and checks the property."""

    def __init__(self, base: Path, folder: Path):
        self.base = Store(base)
        self.folder = folder
        self.before = store_checksums(self.base)
        self.runs = 0

    def check(self, name: str, content: bytes) -> str:
        """'loaded' or 'refused'; fails the test on any other exception or a changed store after a refusal."""
        self.runs += 1
        work = self.folder / f"run{self.runs}"
        work.mkdir(parents=True)
        target = work / "store.duckdb"
        shutil.copyfile(self.base.current_version(), target)  # type: ignore[arg-type]
        store = Store(target)
        incoming = work / "in" / name
        incoming.parent.mkdir()
        incoming.write_bytes(content)
        try:
            load_paths(store, [incoming], user="fuzz")
        except LoadError as exc:
            assert exc.problems, "a LoadError must name at least one problem"
            assert exc.message().endswith("Nothing was loaded; the store is unchanged.")
            assert store_checksums(store) == self.before
            outcome = "refused"
        else:
            outcome = "loaded"
        shutil.rmtree(work, ignore_errors=True)
        return outcome


@pytest.fixture(scope="module")
def harness(base_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    """One harness per module (hypothesis examples share it; each example gets its own store copy)."""
    return Harness(base_store, tmp_path_factory.mktemp("fuzz_runs"))


def _zip_of(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"2024-01/{name}", content)
    return buffer.getvalue()


@SETTINGS
@given(name=st.sampled_from(NAMES), content=st.binary(max_size=4096))
def test_random_bytes(harness: Harness, name: str, content: bytes) -> None:
    """Arbitrary bytes under every loader's file name."""
    harness.check(name, content)


CSV_CELL = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))


@SETTINGS
@given(name=st.sampled_from(NAMES), rows=st.lists(st.lists(CSV_CELL, max_size=14), max_size=12),
       delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_random_csv_text(harness: Harness, name: str, rows: list[list[str]], delimiter: str) -> None:
    """CSV-shaped text of random cells (hostile strings included) under every loader's name."""
    text = "\n".join(delimiter.join(row) for row in rows)
    harness.check(name, text.encode("utf-8", errors="surrogatepass"))


@st.composite
def mutated_real_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real file with its header and rows mutated the ways files arrive broken."""
    name = draw(st.sampled_from([n for n in REAL if n.endswith(".csv")]))
    lines = REAL[name].splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:6]]
    mutation = draw(st.sampled_from(["drop", "repeat", "shuffle", "rename", "case", "cell", "cut", "extra"]))
    if mutation == "drop" and header:
        del header[draw(st.integers(0, len(header) - 1))]
    elif mutation == "repeat" and header:
        header.append(draw(st.sampled_from(header)))
    elif mutation == "shuffle":
        header = draw(st.permutations(header))
    elif mutation == "rename" and header:
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(HOSTILE))
    elif mutation == "case":
        header = [h.upper() for h in header]
    elif mutation == "cell" and rows:
        row = draw(st.integers(0, len(rows) - 1))
        if rows[row]:
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(CSV_CELL).replace("\n", " ")
    elif mutation == "cut" and rows:
        rows[-1] = rows[-1][: draw(st.integers(0, len(rows[-1])))]
    elif mutation == "extra" and rows:
        rows.append(rows[0] + [draw(CSV_CELL)])
    text = "\n".join(",".join(cells) for cells in [header, *rows]) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and name.startswith("2024-01-gwent"):
        return "police.zip", _zip_of(name, data)
    return name, data


@SETTINGS
@given(case=mutated_real_file())
def test_mutated_real_files(harness: Harness, case: tuple[str, bytes]) -> None:
    """Real headers and rows with one realistic mutation, sometimes inside a police.uk zip."""
    harness.check(*case)


def test_the_harness_can_tell_a_good_file_from_a_bad_one(harness: Harness) -> None:
    """Guard against a vacuous property: a real file loads and garbage is refused."""
    assert harness.check("2024-01-gwent-street.csv", REAL["2024-01-gwent-street.csv"].encode()) == "loaded"
    assert harness.check("2024-01-gwent-street.csv", b"\x00\x01\x02 garbage") == "refused"


# regression tests for what the fuzzing found (each once escaped load_paths as another exception)
def test_bare_carriage_return_in_a_csv_header_is_a_load_error(base_store: Path, tmp_path: Path) -> None:
    """Found by test_random_bytes: b'\\x00\\r\\x00' named lsoa_to_ward.csv (csv.Error escaped detect_kind)."""
    assert Harness(base_store, tmp_path).check("lsoa_to_ward.csv", b"\x00\r\x00") == "refused"


def test_a_bare_carriage_return_ends_the_header_line(base_store: Path, tmp_path: Path) -> None:
    """Old-Mac line endings (bare \\r) are lines: a lookup written that way is still recognised and loads."""
    lookup = REAL["lsoa_to_ward.csv"].replace("\n", "\r").encode()
    assert detect_kind(_written(tmp_path, "lsoa_to_ward.csv", lookup)) == "lsoa_ward_lookup"
    assert Harness(base_store, tmp_path / "runs").check("lsoa_to_ward.csv", lookup) == "loaded"


def test_bare_carriage_return_in_a_street_file_is_a_load_error(base_store: Path, tmp_path: Path) -> None:
    """Found by test_random_bytes: b'\\r\\x01' named 2024-01-gwent-street.csv (csv.Error escaped _inspect)."""
    store = _copy_of(base_store, tmp_path)
    with pytest.raises(LoadError) as caught:
        load_paths(store, [_written(tmp_path, "2024-01-gwent-street.csv", b"\r\x01")])
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("2024-01-gwent-street.csv", 1)
    assert "missing column(s) 'Crime ID'" in problem.expected


def test_extra_field_with_crlf_on_the_last_street_row_is_handled(base_store: Path, tmp_path: Path) -> None:
    """Found by test_mutated_real_files: DuckDB's reader fails, the batch rolls back and the file loads precisely.

    Before the fix the retry ran in the aborted transaction and a TransactionException escaped.
    """
    lines = REAL["2024-01-gwent-street.csv"].splitlines()[:7]
    content = ("\n".join(lines[:6]) + "\n" + lines[1] + ",0\r\n").encode()
    store = _copy_of(base_store, tmp_path)
    [report] = load_paths(store, [_written(tmp_path, "2024-01-gwent-street.csv", content)])
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (6, 5, 1)
    [problem] = report.problems
    assert problem.line == 7
    assert "12 fields like the header, found 13" in problem.expected
    con = store.connect_read()
    try:
        loaded = con.execute("SELECT count(*) FROM street_crime WHERE load_id = (SELECT max(load_id) FROM load_log)"
                             ).fetchone()
    finally:
        con.close()
    assert loaded == (5,)


def test_a_reader_failure_beside_a_good_file_rolls_back_and_keeps_the_good_one(tmp_path: Path) -> None:
    """Two street files in one batch, one unreadable by DuckDB: both load (the bad one precisely), nothing lost."""
    lines = REAL["2024-01-gwent-street.csv"].splitlines()[:7]
    broken = ("\n".join(lines[:6]) + "\n" + lines[1] + ",0\r\n").encode()
    good = _written(tmp_path / "a", "2024-02-gwent-street.csv",
                    REAL["2024-01-gwent-street.csv"].replace("2024-01", "2024-02").encode())
    bad = _written(tmp_path / "b", "2024-01-gwent-street.csv", broken)
    reports = load_paths(Store(tmp_path / "s.duckdb"), [good, bad])
    assert [(r.rows_loaded, r.rows_rejected) for r in reports] == [(7, 0), (5, 1)]


def test_a_reader_failure_inside_the_callers_transaction_is_handled(tmp_path: Path) -> None:
    """When the caller holds the transaction (no rollback possible), the file is tried outside it first."""
    from cspdash.ingest import police_uk

    lines = REAL["2024-01-gwent-street.csv"].splitlines()[:7]
    bad = _written(tmp_path, "2024-01-gwent-street.csv",
                   ("\n".join(lines[:6]) + "\n" + lines[1] + ",0\r\n").encode())
    with Store(tmp_path / "s.duckdb").write() as con:
        con.execute("BEGIN TRANSACTION")
        [report] = police_uk.load_batch(con, "street", [(bad, 1, bad.name)])
        con.execute("COMMIT")
        assert (report.rows_loaded, report.rows_rejected) == (5, 1)
        assert con.execute("SELECT count(*) FROM street_crime").fetchone() == (5,)


def test_the_safety_net_turns_a_reader_bug_into_a_load_error(
    base_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader crashing with an unexpected exception is refused with the file named; the store is unchanged."""
    from cspdash.ingest import indicators

    def broken_reader(*_args: object) -> None:
        raise ValueError("something no reader expected")

    monkeypatch.setattr(indicators, "load_indicators", broken_reader)
    store = _copy_of(base_store, tmp_path)
    before = store_checksums(store)
    with pytest.raises(LoadError) as caught:
        load_paths(store, [_written(tmp_path, "indicators.csv", REAL["indicators.csv"].encode())])
    [problem] = caught.value.problems
    assert problem.file == "indicators.csv"
    assert "could not be read as a partner-indicator CSV" in problem.expected
    assert "something no reader expected" in problem.expected
    assert isinstance(caught.value.__cause__, ValueError)
    assert store_checksums(store) == before


def _written(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _copy_of(base: Path, folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "store.duckdb"
    shutil.copyfile(Store(base).current_version(), target)  # type: ignore[arg-type]
    return Store(target)
