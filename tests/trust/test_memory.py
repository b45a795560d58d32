"""Memory that stays flat (issue 21, item 6): what a build takes is not kept by the dashboard's server.

Building the briefing pack and the slides in the server process imported kaleido and python-pptx and left the
process about 100 MB larger, and larger again with each later build (bench/README.md, "Soak"). They are built
in a child process (cspdash/ui/export_process.py); these tests check that through the page itself, in a fresh
interpreter (so no other test's imports count), and the child's failure paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cspdash.store.versions import Store
from cspdash.ui import export_process
from tests.report.meeting_fixture import MEETING, PARTNERSHIP, fixture_store_from

ROOT = Path(__file__).resolve().parents[2]

#: run in a fresh interpreter: the meeting page in AppTest, the pack and the slides built from its buttons
PAGE_SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
from cspdash.ui.auth import User

at = AppTest.from_file({dashboard!r}, default_timeout=600)
at.query_params.update({{"csp": {partnership!r}, "meeting": {meeting!r}}})
at.session_state["cspdash_user"] = User(name="jo.manager", role="editor")
at.run()
at.switch_page("pages/meeting.py").run()
for key in ("btn_pack", "btn_slides"):
    at.button(key=key).click().run()
keys = {{kind: f"export_{{kind}}_{meeting}_{version}" for kind in ("pack", "slides")}}
built = {{kind: bytes(at.session_state[key][:4]).hex() for kind, key in keys.items() if key in at.session_state}}
print(json.dumps({{"exceptions": [str(e.value) for e in at.exception],
                  "errors": [str(e.value) for e in at.error],
                  "built": built,
                  "imported": sorted(m for m in ("kaleido", "pptx", "choreographer") if m in sys.modules)}}))
"""


@pytest.mark.slow
def test_the_pack_and_slides_are_built_without_their_libraries_in_the_server(demo_store_path: Path,
                                                                              tmp_path: Path) -> None:
    store = fixture_store_from(demo_store_path, tmp_path)
    script = tmp_path / "page.py"
    script.write_text(PAGE_SCRIPT.format(dashboard=str(ROOT / "dashboard.py"), partnership=PARTNERSHIP,
                                         meeting=MEETING, version=str(store.current_version())))
    env = {**os.environ, "CSPDASH_DB": str(store.path), "CSPDASH_USERS": "", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exceptions"] == [] and result["errors"] == [], result
    assert result["built"] == {"pack": b"%PDF".hex(), "slides": b"PK\x03\x04".hex()}, result  # a PDF, a .pptx
    assert result["imported"] == [], "the build ran in the page's process"


def test_a_failed_build_says_why(demo_store_path: Path) -> None:
    version = str(Store(demo_store_path).current_version())
    with pytest.raises(export_process.ExportError, match="There is no meeting 'no-such-meeting'"):
        export_process.build("pack", version, "no-such-meeting")


def test_a_build_that_runs_too_long_is_stopped(demo_store_path: Path) -> None:
    version = str(Store(demo_store_path).current_version())
    with pytest.raises(export_process.ExportError, match="longer than 0 s"):
        export_process.build("pack", version, MEETING, timeout_s=0.3)


def test_an_unknown_export_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export"):
        export_process.build("spreadsheet", "x.duckdb", MEETING)


def test_the_server_imports_no_library_it_only_needs_for_exports_or_one_test() -> None:
    """What the pages import stays in the server for its life: fpdf2 (29 MB) and python-pptx belong to the
    export child process, scipy.stats (38 MB) was imported for one Kendall test that numpy now does
    (analysis.hotspots.kendall_trend_p). Checked in a fresh interpreter over every ui module."""
    code = ("import importlib, pkgutil, sys, cspdash.ui as ui\n"
            "for m in pkgutil.iter_modules(ui.__path__): importlib.import_module('cspdash.ui.' + m.name)\n"
            "print(' '.join(k for k in ('scipy.stats', 'fpdf', 'pptx', 'kaleido', 'fontTools') if k in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "", f"the server imports {done.stdout.strip()}"
