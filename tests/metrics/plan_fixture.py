"""A small, hand-checkable action plan loaded through the real loader, with dates relative to today.

Let T = today. Partnership W06000022 (Newport). Two progress rounds: U1 = T-75 days and U2 = T-14 days.

| action | priority | owner | supporting | due   | U1                  | U2 (= current)            | RAG now  |
|--------|----------|-------|------------|-------|---------------------|---------------------------|----------|
| A1     | P1 ASB   | NCC   | POL; FIRE  | T+200 | Not started 0       | Green 50                  | Green    |
| A2     | P1 ASB   | POL   | NCC        | T+15  | Green 20            | Green 40                  | Amber (due soon, <75%) |
| A3     | P2 SV    | POL   |            | T-60  | Green 50            | Amber 60 "Venue delayed"  | Red (overdue) |
| A4     | P2 SV    | NCC   | POL        | T+300 | Green 20            | Amber 30 "Funding risk"   | Amber    |
| A5     | P3 Roads | FIRE  |            | T-60  | Complete 100        | —                         | Complete |

Priority RAG now: P1 Amber (1 of 2 open Amber), P2 Red (A3), P3 Complete.
Contributions: PCC funding P1 £45,000; NCC funding P1 £10,000; POL staff P2 2 FTE; FIRE in-kind P3.
Indicator I-ASB (P1, lower is better): 12 monthly values 100 ×6 then 70 ×6, baseline 100, target 80.
Crime counts (Anti-social behaviour): 50 a month for the 12 months before the period, 80 a month in it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cspdash.ingest.load import load_paths
from cspdash.ingest.template import build_workbook, save_workbook
from cspdash.metrics.period import add_months
from cspdash.store.versions import Store

PARTNERSHIP = "W06000022"
FORCE = "Gwent Police"
#: the evidence period ends at this month in the fixture's crime counts
END_MONTH = dt.date(2025, 6, 1)


def plan_rows(today: dt.date) -> dict[str, list[dict[str, object]]]:
    """The fixture plan as template rows by sheet."""
    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    u1, u2 = day(-75), day(-14)
    actions = [
        ("A1", "P1", "Patrols in ASB hot spots", "NCC", "POL;FIRE", day(200), "Green", 50, None),
        ("A2", "P1", "Youth diversion scheme", "POL", "NCC", day(15), "Green", 40, None),
        ("A3", "P2", "Knife amnesty week", "POL", None, day(-60), "Amber", 60, "Venue delayed"),
        ("A4", "P2", "Violence reduction unit", "NCC", "POL", day(300), "Amber", 30, "Funding risk"),
        ("A5", "P3", "Speed watch", "FIRE", None, day(-60), "Complete", 100, None),
    ]
    progress = [
        ("A1", u1, "Not started", 0, "Planning"), ("A1", u2, "Green", 50, None),
        ("A2", u1, "Green", 20, None), ("A2", u2, "Green", 40, None),
        ("A3", u1, "Green", 50, None), ("A3", u2, "Amber", 60, "Venue delayed"),
        ("A4", u1, "Green", 20, None), ("A4", u2, "Amber", 30, "Funding risk"),
        ("A5", u1, "Complete", 100, None),
    ]
    return {
        "Partners": [
            {"partner_code": "NCC", "partner_name": "Newport City Council", "partner_type": "local authority"},
            {"partner_code": "POL", "partner_name": "Gwent Police", "partner_type": "police"},
            {"partner_code": "FIRE", "partner_name": "South Wales Fire and Rescue", "partner_type": "fire and rescue"},
            {"partner_code": "PCC", "partner_name": "Gwent OPCC", "partner_type": "PCC"},
        ],
        "Priorities": [
            {"priority_id": "P1", "partnership_code": PARTNERSHIP, "title": "Anti-social behaviour",
             "lead_partner": "NCC", "crime_types": "Anti-social behaviour", "plan_name": "Fixture plan", "is_sample": False},
            {"priority_id": "P2", "partnership_code": PARTNERSHIP, "title": "Serious violence",
             "lead_partner": "POL", "crime_types": "Violence and sexual offences", "plan_name": "Fixture plan", "is_sample": False},
            {"priority_id": "P3", "partnership_code": PARTNERSHIP, "title": "Road safety",
             "lead_partner": "FIRE", "plan_name": "Fixture plan", "is_sample": False},
        ],
        "Actions": [
            {"action_id": a, "priority_id": p, "title": t, "owner_partner": o, "supporting_partners": s,
             "start_date": day(-120), "due_date": due, "status": st, "pct_complete": pct, "commentary": c,
             "updated_at": dt.datetime.combine(u2, dt.time(9)), "updated_by": "fixture"}
            for a, p, t, o, s, due, st, pct, c in actions
        ],
        "Progress": [
            {"action_id": a, "update_date": d, "status": st, "pct_complete": pct, "commentary": c,
             "updated_by": "fixture", "recorded_at": dt.datetime.combine(d, dt.time(9)), "source": "workbook"}
            for a, d, st, pct, c in progress
        ],
        "Indicators": [
            {"indicator_id": "I-ASB", "name": "ASB reports to the council", "unit": "reports",
             "higher_is_better": False, "source_partner": "NCC", "priority_id": "P1"},
        ],
        "Contributions": [
            {"partnership_code": PARTNERSHIP, "partner_code": "PCC", "priority_id": "P1", "kind": "funding",
             "description": "Community Safety Fund", "amount_gbp": 45000.0, "period": "2025/26"},
            {"partnership_code": PARTNERSHIP, "partner_code": "NCC", "priority_id": "P1", "kind": "funding",
             "description": "Council match funding", "amount_gbp": 10000.0, "period": "2025/26"},
            {"partnership_code": PARTNERSHIP, "partner_code": "POL", "priority_id": "P2", "kind": "staff",
             "description": "Two officers", "fte": 2.0, "period": "2025/26"},
            {"partnership_code": PARTNERSHIP, "partner_code": "FIRE", "priority_id": "P3", "kind": "in-kind",
             "description": "Speed guns", "period": "2025/26"},
        ],
        "Meetings": [
            {"meeting_id": "M1", "partnership_code": PARTNERSHIP, "committee": "Crime and Disorder Scrutiny Committee",
             "meeting_date": day(-30)},
        ],
    }


def write_plan_workbook(path: Path, today: dt.date) -> Path:
    """The fixture plan as a template workbook at ``path``."""
    return save_workbook(build_workbook(plan_rows(today)), path)


def build_plan_store(directory: Path, today: dt.date | None = None) -> Store:
    """A store with the partnership, crime counts and indicator values, then the fixture plan via the loader."""
    today = today or dt.date.today()
    store = Store(directory / "plan.duckdb")
    with store.write() as con:
        con.execute("INSERT INTO partnership (partnership_code, partnership_name, force) VALUES (?, 'Newport', ?)",
                    [PARTNERSHIP, FORCE])
        con.execute("INSERT INTO partnership_la (partnership_code, la_code) VALUES (?, ?)", [PARTNERSHIP, PARTNERSHIP])
        con.execute("INSERT INTO local_authority (la_code, la_name) VALUES (?, 'Newport')", [PARTNERSHIP])
        for back in range(24):
            month = add_months(END_MONTH, -back)
            count = 80 if back < 12 else 50
            con.execute("INSERT INTO agg_crime_month_lsoa (force, month, lsoa_code, la_code, crime_type, crimes) "
                        "VALUES (?, ?, 'W01000001', ?, 'Anti-social behaviour', ?)",
                        [FORCE, month, PARTNERSHIP, count])
            con.execute("INSERT INTO published_month (source, force, month, load_id, rows) VALUES ('street', ?, ?, 0, ?)",
                        [FORCE, month, count])
    load_paths(store, [write_plan_workbook(directory / "fixture_plan.xlsx", today)], user="fixture")
    with store.write() as con:
        for back in range(12):
            value = 70.0 if back < 6 else 100.0
            con.execute("INSERT INTO indicator_value (indicator_id, area_code, period, value, baseline, target) "
                        "VALUES ('I-ASB', ?, ?, ?, 100, 80)",
                        [PARTNERSHIP, add_months(END_MONTH, -back), value])
    return store
