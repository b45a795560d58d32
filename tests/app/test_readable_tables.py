"""Every table on every page reads as words: no snake_case headers, raw codes, True/False or raw timestamps,
and its columns fit the page at 1366 px without scrolling sideways."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cspdash.report.readable import for_people, problems_in
from cspdash.store.versions import Store
from cspdash.ui.auth import User
from tests.report.meeting_fixture import MEETING, PARTNERSHIP

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
#: tables each page shows on the fixture store (a page that stopped drawing its tables would pass unseen)
MIN_TABLES = {"pages/overview.py": 0, "pages/trends.py": 0, "pages/hotspots.py": 1, "pages/priorities.py": 4,
              "pages/partners.py": 4, "pages/meeting.py": 5, "pages/data.py": 2}
PAGES = ["pages/overview.py", "pages/trends.py", "pages/hotspots.py", "pages/priorities.py", "pages/partners.py",
         "pages/meeting.py", "pages/data.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_table_on_the_page_reads_as_words(page: str, meeting_store: Store,
                                                use_store: Callable[[Path], None]) -> None:
    use_store(meeting_store.path)
    at = AppTest.from_file(DASHBOARD, default_timeout=240)
    at.query_params.update({"csp": PARTNERSHIP, "meeting": MEETING})
    at.session_state["cspdash_user"] = User(name="jo.manager", role="admin")
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    problems: list[str] = []
    tables = [d for d in at.dataframe if not str(d.key or "").startswith(("rec_editor_",))]
    for number, table in enumerate(tables, start=1):
        frame = table.value
        problems += problems_in(frame, f"{page} table {number} {list(frame.columns)[:4]}")
        problems += unseparated(frame, json.loads(table.proto.columns or "{}"), f"{page} table {number}")
    assert len(tables) >= MIN_TABLES[page], [list(t.value.columns) for t in tables]
    assert not problems, "\n".join(problems)


def unseparated(frame: pd.DataFrame, config: dict[str, dict], where: str) -> list[str]:
    """Whole-number columns of thousands drawn without separators (18878 rather than 18,878; years and codes
    excepted)."""
    out = []
    for column in frame.columns:
        if not pd.api.types.is_integer_dtype(frame[column]) or re.search(r"(?i)year|code|\bid\b", str(column)):
            continue
        if frame[column].abs().max() >= 1000 and (config.get(str(column), {}).get("type_config", {})
                                                 .get("format") not in ("localized", "%,d")):
            out.append(f"{where}: '{column}' shows {frame[column].abs().max()} without a thousands separator")
    return out


def test_the_checker_catches_what_people_should_not_read() -> None:
    raw = pd.DataFrame({"meeting_id": ["M1"], "threshold_met": [True], "lead": ["CAERPHILLY_CBC"],
                        "due": [pd.Timestamp("2025-05-31")], "when": ["2025-05-31 00:00:00"]})
    found = " ".join(problems_in(raw, "t"))
    for fragment in ("'meeting_id' is a store name", "'threshold_met' is a store name", "True/False",
                     "raw code CAERPHILLY_CBC", "'due' shows raw timestamps", "timestamp 2025-05-31 00:00:00"):
        assert fragment in found
    shown = for_people(raw.drop(columns=["when"]), {"CAERPHILLY_CBC": "Caerphilly County Borough Council"})
    assert list(shown.columns) == ["Meeting", "Threshold met?", "Lead partner", "Due"]
    assert shown.iloc[0].tolist() == ["M1", "Yes", "Caerphilly County Borough Council", "31 May 2025"]
    assert problems_in(shown, "t") == []
