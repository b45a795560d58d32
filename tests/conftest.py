"""Shared fixtures: the demo store built once per test session by the real loaders."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.runtime.pages_manager import PagesManager

from cspdash.store.versions import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_or_skip(path: Path) -> Path:
    """``path`` (under ../shared/data, the real data beside the project), or skip the test with the reason.

    A clone with nothing beside it runs everything else; with CSPDASH_REQUIRE_SHARED=1 (as .ci/run sets when
    ../shared is there) a missing file fails the test instead, so a run meant to use the real data cannot pass
    without it.
    """
    if path.exists():
        return path
    reason = f"needs the real data at {path} (../shared/data beside the project), which is not here"
    if os.environ.get("CSPDASH_REQUIRE_SHARED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


#: what `make test-fast` leaves out (`make test` runs everything): whole folders, and modules marked slow here in
#: one place, each with why. The browser tests carry the e2e marker themselves; the real-data tests mark themselves.
SLOW_FOLDERS = {"e2e": "e2e", "bench": "bench"}
SLOW_MODULES = {
    "tests/trust/test_fuzz_urls.py": "hypothesis fuzzing of every page's URL in AppTest",
    "tests/trust/test_fuzz_readers.py": "hypothesis fuzzing of every reader with random files",
    "tests/trust/test_faults.py": "loads killed mid-way, a full disk and a read-only store, in subprocesses",
    "tests/trust/test_malformed_all.py": "50+ malformed files, each loaded and checked against every table",
    "tests/trust/test_accounts.py": "argon2 password hashing, deliberately slow",
    "tests/trust/test_auth_app.py": "the sign-in gate of every role, each a full AppTest run",
    "tests/report/test_public_exports.py": "the PDF pack and slides rendered in public-output mode",
    "tests/report/test_pack.py": "the PDF briefing pack built and rendered page by page (pdftoppm)",
    "tests/report/test_slides.py": "the PowerPoint deck built with every chart drawn as an image",
    "tests/report/test_export_checks.py": "the PDF pack and slides built for three meetings, every page rendered",
    "tests/test_cli.py": "the command line in subprocesses (load, rollback)",
    "tests/analysis/test_hotspots.py::test_z_trend_equals_kendalls_tau_on_the_raw_z_scores":
        "3,000 random series against scipy's Kendall tau",
    "tests/store/test_versions.py::test_write_caps_memory_spills_to_disk_and_cleans_up": "a write past the memory cap",
    "tests/metrics/test_comparison_data.py::test_profiles_rebuild_from_the_national_geography":
        "all 314 partnerships' profiles rebuilt from the national CSV in ../shared/data",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests/bench as bench and the SLOW_MODULES as slow (see the Makefile's test-fast)."""
    for item in items:
        relative = Path(str(item.fspath)).relative_to(ROOT).as_posix()
        folder = relative.split("/")[1] if relative.count("/") >= 2 else ""
        if folder in SLOW_FOLDERS:
            item.add_marker(getattr(pytest.mark, SLOW_FOLDERS[folder]))
        if relative in SLOW_MODULES or f"{relative}::{item.name}" in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config: pytest.Config) -> None:
    """Each test process keeps the session key and revocations in a folder of its own, never in config/ (a run
    must not change the working tree, and parallel workers must not rewrite each other's revocations)."""
    folder = Path(tempfile.mkdtemp(prefix="cspdash-sessions-"))
    os.environ["CSPDASH_SESSION_KEY"] = str(folder / "session.key")
    os.environ["CSPDASH_SESSION_REVOKED"] = str(folder / "session.revoked")
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(scope="session", autouse=True)
def national_geography_prepared_once() -> Iterator[None]:
    """Compute the shipped national geography's tables once per test process rather than for every new store.

    Every first load into a new store installs the national geography; reading and shaping its files (Parquet,
    35,672 LSOA boundaries as GeoJSON) is half of that and is the same every time. The tables are still written
    into each store by the real install; only the preparation, a pure function of the files, is reused (keyed by
    the folder and its files' sha256, so a test that changes the files gets them read afresh).
    """
    from cspdash.ingest import national

    real = national.prepare
    prepared: dict[tuple[Path, str], national.NationalTables] = {}

    def prepare(directory: Path = national.GEOGRAPHY_DIR) -> national.NationalTables:
        try:
            key = (Path(directory).resolve(), national.release_sha256(directory))
        except OSError:
            return real(directory)  # missing files: let the real one say so
        if key not in prepared:
            prepared[key] = real(directory)
        return prepared[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(national, "prepare", prepare)
        yield


@pytest.fixture(scope="session", autouse=True)
def navigation_like_the_server() -> Iterator[None]:
    """Keep AppTest from running a pages/ file on its own on a rerun.

    AppTest resets PagesManager.uses_pages_directory before every run, so with a pages/ folder beside
    dashboard.py its second run executes the current page file without the shell (no sidebar, no sign-in
    gate). The server sets the flag to False once st.navigation has run and keeps it; so do we.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PagesManager, "__init__", init)
        yield


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from data/demo (real Gwent data + sample plan), shared read-only by the run's tests."""
    from cspdash.demo import build_demo

    return _built_once_per_run(tmp_path_factory, "demo-store", build_demo, "demo.duckdb")


def _built_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Store], object],
                        file_name: str = "store.duckdb") -> Path:
    """``<run folder>/<name>/<file_name>``, a store built by ``build(Store)`` once per run and then only read.

    Under pytest-xdist (-n) the workers of one run share one build: the first to get here builds it, the others
    wait on the lock and reuse it."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers
    folder = base / name
    path, built = folder / file_name, folder / "built"
    with open(base / f"{name}.lock", "w") as lock:  # the folder is only touched under the lock
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker killed mid-build left
            folder.mkdir()
            build(Store(path))
            built.touch()
    return path


@pytest.fixture(scope="session")
def national_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the shipped national geography, as the first load of police.uk files installs it.

    Installing it (35,672 LSOAs with their boundaries) is most of the first load into an empty store, and the same
    every time; the tests whose subject is a later step start from a copy of this one (``national_store``)."""
    from cspdash.ingest import national

    def build(store: Store) -> None:
        with store.write() as con:
            national.install(con)

    return _built_once_per_run(tmp_path_factory, "national-store", build)


@pytest.fixture()
def national_store(national_store_path: Path, tmp_path: Path) -> Store:
    """A private store at ``tmp_path/s.duckdb`` that already holds the national geography (and nothing else):
    what an empty store holds after its first police.uk load installed it, without the install's cost."""
    target = tmp_path / "s.duckdb"
    shutil.copyfile(Store(national_store_path).current_version(), target)  # type: ignore[arg-type]
    return Store(target)


@pytest.fixture(scope="session")
def meeting_store(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo store with the hand-made Newport meeting fixture (tests/report/meeting_fixture.py), built once per
    run and shared read-only."""
    from tests.report.meeting_fixture import fixture_store_from

    path = _built_once_per_run(tmp_path_factory, "meeting-store",
                               lambda store: fixture_store_from(demo_store_path, store.path.parent), "meeting.duckdb")
    return Store(path)


@pytest.fixture()
def meeting_store_copy(meeting_store: Store, tmp_path: Path) -> Store:
    """A private copy of ``meeting_store`` that a test may change."""
    target = tmp_path / "meeting.duckdb"
    shutil.copyfile(meeting_store.current_version(), target)  # type: ignore[arg-type]
    return Store(target)


@pytest.fixture()
def demo_con(demo_store_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the demo store."""
    con = Store(demo_store_path).connect_read()
    yield con
    con.close()


@pytest.fixture()
def writable_demo_store(demo_store_path: Path, tmp_path: Path) -> Store:
    """A private copy of the demo store that a test may change."""
    target = tmp_path / "copy.duckdb"
    shutil.copyfile(Store(demo_store_path).current_version(), target)  # type: ignore[arg-type]
    return Store(target)


@pytest.fixture()
def use_store(monkeypatch: pytest.MonkeyPatch):
    """Point the app (CSPDASH_DB) at a given store for AppTest runs."""

    def _use(store_path: Path) -> None:
        monkeypatch.setenv("CSPDASH_DB", str(store_path))

    return _use


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every base table: equal before and after = unchanged."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = 'main'"
    ).fetchall()]
    sums = {}
    for table in tables:
        count, digest = con.execute(f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{table}" t').fetchone()  # type: ignore[misc]
        sums[table] = (int(count), int(digest))
    return sums


def store_checksums(store: Store) -> dict[str, tuple[int, int]]:
    """table_checksums of a store's live version ({} when there is no store)."""
    if not store.exists():
        return {}
    con = store.connect_read()
    try:
        return table_checksums(con)
    finally:
        con.close()


os.environ.setdefault("CSPDASH_TEST", "1")
