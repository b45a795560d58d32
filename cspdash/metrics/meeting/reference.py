"""Committee meetings, the data window each looks at, and the reference rows read once per store version."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import duckdb
import pandas as pd

from cspdash.analysis.change import CHANGE_METHOD_TEXT
from cspdash.metrics.context import store_file
from cspdash.metrics.hotspots import neighbours as boundary_neighbours
from cspdash.metrics.memo import per_store_version
from cspdash.metrics.period import add_months, month_label

#: window used when there is no previous meeting, and its bounds otherwise (months)
DEFAULT_WINDOW_MONTHS = 12


MIN_WINDOW_MONTHS = 3


MAX_WINDOW_MONTHS = 12


#: SPC history length (months) ending with the last month of data
SPC_HISTORY_MONTHS = 36


#: hot spot persistence: this many periods of this many months each
HOT_SPOT_PERIODS = 4


HOT_SPOT_PERIOD_MONTHS = 3


#: recommendation statuses that close it (anything else past its due date is overdue)
CLOSED_RECOMMENDATION_STATUSES = ("achieved",)


WINDOW_RULE_TEXT = (
    "What changed: the months since the previous meeting (at least 3, at most 12; the last 12 when there is "
    "no previous meeting) compared with the same months a year earlier, so seasonal patterns cancel out. "
    f"Crime changes are judged {CHANGE_METHOD_TEXT}; SPC signals are those ending in the window."
)


@dataclass(frozen=True)
class Meeting:
    """One committee meeting and the data window it looks at."""

    meeting_id: str
    partnership_code: str
    partnership_name: str
    force: str
    committee: str
    meeting_date: date
    previous_id: str | None
    previous_date: date | None
    data_end: date | None           # the last month of police.uk data the meeting looks at
    window_start: date | None       # first month of "since the previous meeting"
    last_loaded: datetime | None

    @property
    def title(self) -> str:
        """'Crime and Disorder Scrutiny Committee, 16 July 2025'."""
        return f"{self.committee}, {self.meeting_date:%-d %B %Y}"

    @property
    def window_label(self) -> str:
        """'Mar 2025 – Jun 2025' (or '' without data)."""
        if self.window_start is None or self.data_end is None:
            return ""
        return f"{month_label(self.window_start)} – {month_label(self.data_end)}"

    @property
    def compare_label(self) -> str:
        """The same months a year earlier."""
        if self.window_start is None or self.data_end is None:
            return ""
        return f"{month_label(add_months(self.window_start, -12))} – {month_label(add_months(self.data_end, -12))}"


# ---------------------------------------------------------------------------------------------- meetings
def meetings(con: duckdb.DuckDBPyConnection, partnership: str) -> pd.DataFrame:
    """The partnership's meetings, newest first: meeting_id, committee, meeting_date."""
    return con.execute(
        "SELECT meeting_id, committee, meeting_date FROM meeting WHERE partnership_code = ?"
        " ORDER BY meeting_date DESC, meeting_id", [partnership],
    ).df()


def meeting(con: duckdb.DuckDBPyConnection, meeting_id: str) -> Meeting | None:
    """The meeting with its previous meeting, data window and data freshness; None if unknown."""
    found = _meeting(meeting_id, _reference(con))
    if found is None:
        return None
    info, _dates = found
    return info


def _meeting(meeting_id: str, ref: _Reference) -> tuple[Meeting, dict[str, date]] | None:
    """meeting() with the dates of the partnership's meetings by id."""
    found = ref.meetings.get(meeting_id)
    if found is None:
        return None
    code, committee, when = found.partnership_code, found.committee, found.meeting_date
    rows = [ref.meetings[other] for other in ref.partnership_meetings.get(code, [])]
    name, force = ref.partnerships.get(code, (code, ""))
    previous: MeetingRow | None = None
    for row in rows:  # the latest earlier meeting of the partnership
        if row.meeting_date < when and (previous is None or row.meeting_date > previous.meeting_date):
            previous = row
    data_end = ref.data_end(force, when)
    window_start = None
    if data_end is not None:
        if previous is None:
            window_start = add_months(data_end, -(DEFAULT_WINDOW_MONTHS - 1))
        else:
            start = previous.meeting_date.replace(day=1)
            length = (data_end.year - start.year) * 12 + data_end.month - start.month + 1
            length = min(max(length, MIN_WINDOW_MONTHS), MAX_WINDOW_MONTHS)
            window_start = add_months(data_end, -(length - 1))
    info = Meeting(meeting_id, code, name, force, committee, when, previous.meeting_id if previous else None,
                   previous.meeting_date if previous else None, data_end, window_start, ref.loaded)
    return info, {row.meeting_id: row.meeting_date for row in rows}


def _data_end(con: duckdb.DuckDBPyConnection, force: str, meeting_date: date) -> date | None:
    """The last published month that ended before the meeting's month."""
    return _reference(con).data_end(force, meeting_date)


# ---------------------------------------------------------------------------------------------- reference rows
class MeetingRow(NamedTuple):
    """One meeting as the reference rows hold it."""

    meeting_id: str
    partnership_code: str
    committee: str
    meeting_date: date


@dataclass(frozen=True)
class _Reference:
    """Reference rows of one store version that no meeting's choice changes: partnerships (name, force), their
    councils and meetings, the published street months of each force, the last load and the partners' names."""

    partnerships: dict[str, tuple[str, str]]
    councils: dict[str, list[str]]
    street_months: dict[str, list[date]]        # force → months oldest first; '' → any force's months
    street_sets: dict[str, frozenset[date]]
    loaded: datetime | None
    partners: dict[str, str]
    file: str                                   # the store version file ('' for an in-memory store)
    meetings: dict[str, MeetingRow] = field(default_factory=dict)             # meeting id → its row
    partnership_meetings: dict[str, list[str]] = field(default_factory=dict)  # partnership → its meetings' ids

    def published(self, force: str) -> frozenset[date]:
        """The force's published street months (any force's for '')."""
        return self.street_sets.get(force, frozenset())

    def data_end(self, force: str, meeting_date: date) -> date | None:
        """The last published month that ended before the meeting's month."""
        months = self.street_months.get(force, [])
        at = bisect_right(months, add_months(meeting_date.replace(day=1), -1))
        return months[at - 1] if at else None


#: store versions are immutable files, so their reference rows are read once per file (never for in-memory stores)
@per_store_version(maxsize=16)
def _reference(con: duckdb.DuckDBPyConnection) -> _Reference:
    key = store_file(con)
    partnerships = {code: (name if name is not None else code, force if force is not None else "")
                    for code, name, force in con.execute(
                        "SELECT partnership_code, partnership_name, force FROM partnership").fetchall()}
    councils: dict[str, list[str]] = {}
    for code, council in con.execute("SELECT partnership_code, la_code FROM partnership_la").fetchall():
        councils.setdefault(code, []).append(council)
    by_force: dict[str, set[date]] = {"": set()}
    for force, month in con.execute("SELECT force, month FROM published_month WHERE source = 'street'").fetchall():
        by_force.setdefault(force, set()).add(month)
        by_force[""].add(month)
    loaded = con.execute("SELECT max(loaded_at) FROM load_log").fetchone()
    meetings: dict[str, MeetingRow] = {}
    partnership_meetings: dict[str, list[str]] = {}
    for row in con.execute("SELECT meeting_id, partnership_code, committee, meeting_date FROM meeting").fetchall():
        found = MeetingRow(*row)
        if found.meeting_id not in meetings:
            meetings[found.meeting_id] = found
            partnership_meetings.setdefault(found.partnership_code, []).append(found.meeting_id)
    ref = _Reference(
        partnerships=partnerships, councils=councils,
        street_months={force: sorted(months) for force, months in by_force.items()},
        street_sets={force: frozenset(months) for force, months in by_force.items()},
        loaded=loaded[0] if loaded else None,
        partners=dict(con.execute("SELECT partner_code, partner_name FROM partner").fetchall()), file=key,
        meetings=meetings, partnership_meetings=partnership_meetings,
    )
    return ref


@per_store_version(maxsize=64)
def _lsoas(con: duckdb.DuckDBPyConnection, partnership: str,
           file: str) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """The partnership's LSOA codes (sorted), names (the code when unnamed) and boundary neighbours (as the hot
    spots page's metrics keep them), kept per store version file."""
    rows = con.execute(
        "SELECT b.area_code, coalesce(b.area_name, b.area_code) FROM boundary b"
        " JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND b.area_type = 'lsoa' ORDER BY b.area_code", [partnership],
    ).fetchall()
    names = dict(rows)
    # queen contiguity of the same LSOA boundaries (not needed below three areas, where there is no Gi*)
    links = boundary_neighbours(con, partnership, "lsoa", "boundary") if len(names) >= 3 else {}
    return (list(names), list(names.values()), links)
