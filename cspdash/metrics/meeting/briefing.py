"""The briefing that gathers everything the meeting page, the PDF pack and the slides show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from cspdash.analysis.rag import (
    normalise_status,
)
from cspdash.metrics.disclosure import HIDDEN, blank_small, count_columns, count_text, is_small
from cspdash.metrics.meeting.changes import (
    _crime_changes,
    _hot_spot_changes,
    _monthly_from,
    _spc_signals,
    _type_months,
    monthly_crimes,
)
from cspdash.metrics.meeting.partnership import (
    contributions,
    health,
    indicator_status,
    recommendations,
    triggers,
)
from cspdash.metrics.meeting.reference import HOT_SPOT_PERIOD_MONTHS, SPC_HISTORY_MONTHS, _meeting, _reference
from cspdash.metrics.period import add_months
from cspdash.metrics.plan.on_date import _plan_rows, _rag_changes, _status_on

if TYPE_CHECKING:
    from cspdash.metrics.meeting.reference import Meeting


# ---------------------------------------------------------------------------------------------- the briefing
@dataclass
class Briefing:
    """Everything the page, the PDF pack and the slides show for one meeting."""

    meeting: Meeting
    crime_changes: pd.DataFrame
    spc_signals: pd.DataFrame
    hot_spots: pd.DataFrame
    rag_changes: pd.DataFrame
    priorities: pd.DataFrame
    actions: pd.DataFrame
    indicators: pd.DataFrame
    recommendations: pd.DataFrame
    triggers: pd.DataFrame
    health: pd.DataFrame
    contributions: pd.DataFrame
    monthly: pd.DataFrame
    partner_names: dict[str, str] = field(default_factory=dict)
    #: public output: small counts are written '<5' (metrics.disclosure), in sentences and in export tables
    public: bool = False

    def count(self, value: object) -> str:
        """A count as written in text ('1,234', or in public output '<5' for a small count and '[c]' for one hidden
        beside small counts: metrics.public_overview.protect_briefing leaves those blank)."""
        if self.public and (value is None or pd.isna(value)):  # type: ignore[arg-type]
            return HIDDEN
        return count_text(value, self.public)

    def hides(self, *values: object) -> bool:
        """In public output, any of the values is a small count (so figures derived from it are left out)."""
        return self.public and any(is_small(v) for v in values)

    def counts(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """The frame with ``columns`` suppressed for print in public output (unchanged otherwise)."""
        return count_columns(frame, columns, self.count) if self.public and not frame.empty else frame

    @property
    def overdue_recommendations(self) -> pd.DataFrame:
        """Recommendations past their due date and not achieved."""
        return self.recommendations[self.recommendations["overdue"]]

    @property
    def new_hot_spots(self) -> pd.DataFrame:
        """LSOAs that are new or intensifying hot spots in the latest period."""
        return self.hot_spots[self.hot_spots["persistence"].isin(["new", "intensifying"])]

    def partner(self, code: object) -> str:
        """A partner's name from its code (the code itself when unknown, 'the partnership' when blank)."""
        if code is None or (isinstance(code, float) and np.isnan(code)) or str(code).strip() == "":
            return "the partnership"
        return self.partner_names.get(str(code), str(code))


def briefing(con: duckdb.DuckDBPyConnection, meeting_id: str, public: bool = False) -> Briefing | None:
    """Gather the briefing for a meeting (None when the meeting is unknown); ``public`` for public output."""
    ref = _reference(con)
    found = _meeting(meeting_id, ref)
    if found is None:
        return None
    info, meeting_dates = found
    code, when = info.partnership_code, info.meeting_date
    empty = pd.DataFrame()
    if info.data_end is not None and info.window_start is not None:
        # one read of the crime counts by type and month serves the change test and the SPC scan
        history_start = add_months(info.data_end, -(SPC_HISTORY_MONTHS - 1))
        by_type = _type_months(con, code, min(history_start, add_months(info.window_start, -12)), info.data_end,
                               ref.councils.get(code, []))
        published = ref.published(info.force)
        changes = _crime_changes(by_type, published, info.window_start, info.data_end, public)
        spc = _spc_signals(by_type, published, info.window_start, info.data_end, public)
        hot = _hot_spot_changes(con, code, info.data_end, ref)
        monthly = _monthly_from(by_type, history_start, info.data_end)
        if monthly is None:
            monthly = monthly_crimes(con, code, history_start, info.data_end)
        if public:  # what the pages hide beside small counts is hidden here too (metrics.public_overview)
            from cspdash.metrics.public_overview import protect_briefing

            changes, spc, hot, monthly = protect_briefing(
                con, code, info.force, changes, spc, hot, monthly, info.window_start, info.data_end, history_start,
                HOT_SPOT_PERIOD_MONTHS)
    else:
        changes = spc = hot = monthly = empty
    plan = _plan_rows(con, code)
    priorities, actions = _status_on(plan, when)
    moves = _rag_changes(con, code, info.previous_date, (priorities, actions), plan)
    return Briefing(
        meeting=info, crime_changes=changes, spc_signals=spc, hot_spots=hot,
        rag_changes=moves, priorities=priorities, actions=actions,
        indicators=indicator_status(con, code, when, plan.priority_ids),
        recommendations=recommendations(con, code, when, meeting_dates),
        triggers=triggers(con, code), health=health(con, code), contributions=contributions(con, code, plan.owners, ref.partners),
        monthly=monthly, partner_names=dict(ref.partners), public=public,
    )


def normalise_rag(status: object) -> str | None:
    """A reported status as a RAG key (None when blank or unknown)."""
    try:
        return normalise_status(status)  # type: ignore[arg-type]
    except ValueError:
        return None


def lsoa_geometries(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, str]:
    """LSOA code → GeoJSON geometry text for the partnership's LSOAs (for the pack's hot spot map)."""
    return dict(con.execute(
        "SELECT b.area_code, b.geometry FROM boundary b JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND b.area_type = 'lsoa' ORDER BY b.area_code", [partnership],
    ).fetchall())


def lsoa_residents(con: duckdb.DuckDBPyConnection, partnership: str) -> dict[str, int]:
    """LSOA code → residents (latest year held) for the partnership's LSOAs (for rates in the pack)."""
    return {code: int(residents) for code, residents in con.execute(
        "SELECT p.area_code, arg_max(p.residents, p.year) FROM population p"
        " JOIN boundary b ON b.area_code = p.area_code AND b.area_type = 'lsoa'"
        " JOIN partnership_la pl ON pl.la_code = b.la_code"
        " WHERE pl.partnership_code = ? AND p.area_type = 'lsoa' AND p.residents > 0 GROUP BY p.area_code",
        [partnership]).fetchall()}


def top_areas(b: Briefing, residents: dict[str, int], limit: int = 5) -> tuple[pd.DataFrame, str]:
    """The areas a hot spot map should name: the hot spots (highest Gi* z first), or when there are none the
    highest crime rates per 1,000 residents in the latest 3 months, with a sentence saying which it is.

    Columns: rank, area_code, area_name, crimes_latest, rate (per 1,000 residents), hot_spot_class, persistence.
    """
    spots = b.hot_spots
    columns = ["rank", "area_code", "area_name", "crimes_latest", "rate", "hot_spot_class", "persistence"]
    if spots.empty:
        return pd.DataFrame(columns=columns), "No crime is recorded by area for this period, so no areas are named."
    rates = [1000 * c / residents[a] if residents.get(a) else np.nan
             for a, c in zip(spots["area_code"], spots["crimes_latest"], strict=True)]
    frame = spots.assign(rate=blank_small(rates, spots["crimes_latest"], b.public))  # public: no rate of 1–4
    hot = frame[frame["hot_spot_class"].astype(str).str.startswith("Hot")]
    if len(hot):
        chosen = hot.head(limit)
        count = len(hot)
        sentence = (f"{count} hot spot{'s' if count != 1 else ''} (Getis-Ord Gi*, last 3 months); the "
                    f"{min(limit, count)} strongest are numbered on the map.")
    else:
        chosen = frame.sort_values("rate", ascending=False, na_position="last").head(limit)
        sentence = ("No area is a statistically significant hot spot in the last 3 months, so the map shows no "
                    f"hot spot colour; the {len(chosen)} areas with the highest crime rates per 1,000 residents "
                    "are numbered instead.")
    out = chosen.assign(rank=range(1, len(chosen) + 1))[columns].reset_index(drop=True)
    return out, sentence
