"""A hand-made meeting fixture for Newport (W06000022): partners, plan, meetings, recommendations, cases, health.

Every value is chosen so the tests can check it by hand (see the comments). Written into a store with one
``Store.write()``, after removing any plan rows the demo data holds for Newport, so counts are exact.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from cspdash.store.versions import Store

PARTNERSHIP = "W06000022"
MEETING = "TST-M3"            # 16 July 2025; previous TST-M2 19 March 2025
PREVIOUS_MEETING = "TST-M2"
MEETING_DATE = date(2025, 7, 16)

PARTNERS = [
    ("TST_POLICE", "Gwent Police", "police"),
    ("TST_COUNCIL", "Newport City Council", "local authority"),
    ("TST_FIRE", "South Wales Fire and Rescue", "fire and rescue"),
    ("TST_HEALTH", "Aneurin Bevan Health Board", "health"),
]
MEETINGS = [
    ("TST-M1", PARTNERSHIP, "Crime and Disorder Scrutiny Committee", date(2024, 11, 20)),
    ("TST-M2", PARTNERSHIP, "Crime and Disorder Scrutiny Committee", date(2025, 3, 19)),
    ("TST-M3", PARTNERSHIP, "Crime and Disorder Scrutiny Committee", MEETING_DATE),
]
PRIORITIES = [
    ("TST-P1", PARTNERSHIP, "Serious violence and knife crime", "TST_POLICE",
     "Violence and sexual offences;Possession of weapons"),
    ("TST-P2", PARTNERSHIP, "Anti-social behaviour", "TST_COUNCIL", "Anti-social behaviour"),
    ("TST-P3", PARTNERSHIP, "Road safety", "TST_FIRE", None),
]
# action: owner, due, current status/pct; history below
ACTIONS = [
    # due 30 Jun 2025, Red since June: Green at the March meeting, Red at July's (overdue) -> "new Red"
    ("TST-A1", "TST-P1", "Knife crime education in every secondary school", "TST_POLICE", date(2024, 9, 1),
     date(2025, 6, 30), "Red", 50, "Funding for the second year has not been confirmed."),
    # Green throughout
    ("TST-A2", "TST-P2", "Town-centre ASB patrols with wardens", "TST_COUNCIL", date(2024, 10, 1),
     date(2025, 12, 31), "Green", 60, None),
    # due 10 Aug 2025 at 50%: within 30 days of the July meeting and under 75% -> Amber (was Green in March)
    ("TST-A3", "TST-P3", "Speed-watch volunteers on four routes", "TST_FIRE", date(2024, 10, 1),
     date(2025, 8, 10), "Green", 50, None),
]
UPDATES = [
    ("TST-A1", date(2025, 2, 1), "Green", 40, None),
    ("TST-A1", date(2025, 6, 1), "Red", 50, "Funding for the second year has not been confirmed."),
    ("TST-A2", date(2025, 1, 10), "Green", 30, None),
    ("TST-A2", date(2025, 6, 15), "Green", 60, None),
    ("TST-A3", date(2025, 5, 1), "Green", 50, None),
]
# ASB reported to the council: 520 against a baseline of 400 -> z = 2(sqrt 520 - sqrt 400) = 5.6: Red,
# while the priority it measures (TST-P2) is Green by its actions -> the "disagreement" question
INDICATORS = [("TST-I1", "ASB incidents reported to the council", "incidents", False, "TST_COUNCIL", "TST-P2")]
INDICATOR_VALUES = [("TST-I1", PARTNERSHIP, date(2025, 6, 1), 520.0, 400.0, 380.0)]
RECOMMENDATIONS = [
    # overdue at 16 Jul 2025: 137 days past 1 Mar 2025
    ("TST-R1", "TST-M1", PARTNERSHIP, "Report knife crime outcomes by ward at each meeting", "TST_POLICE",
     "Accepted", date(2025, 3, 1), "on track"),
    ("TST-R2", "TST-M2", PARTNERSHIP, "Publish the ASB case-review procedure on the council website",
     "TST_COUNCIL", "Accepted; drafting", date(2025, 9, 30), "on track"),
    ("TST-R3", "TST-M1", PARTNERSHIP, "Add health partners to the strategy group", "TST_HEALTH",
     "Done in January", date(2025, 1, 31), "achieved"),
]
TRIGGERS = [
    ("TST-CT1", PARTNERSHIP, "Community Trigger", date(2024, 5, 14), True, "Case review; mediation agreed",
     date(2024, 6, 20)),                                                          # 37 days, 2024-25 Q1
    ("TST-CT2", PARTNERSHIP, "CCfA", date(2024, 8, 1), None, "Referred to the committee", date(2024, 9, 10)),
    ("TST-CT3", PARTNERSHIP, "Community Trigger", date(2025, 5, 2), True, None, None),  # open, 2025-26 Q1
    ("TST-CT4", PARTNERSHIP, "Community Trigger", date(2024, 6, 3), False, "Threshold not met; advice given",
     date(2024, 6, 10)),                                                          # 7 days, 2024-25 Q1
]
HEALTH = [
    (PARTNERSHIP, "Strategy group", "standard", "Met", "Terms of reference 2024", date(2025, 3, 31)),
    (PARTNERSHIP, "Strategic assessment", "standard", "Met", "Strategic assessment 2024", date(2025, 3, 31)),
    (PARTNERSHIP, "Information-sharing protocol", "standard", "Not met", "Protocol expired March 2025",
     date(2025, 3, 31)),
    (PARTNERSHIP, "Community engagement", "hallmark", "Partly met", "Survey 2024; no ward meetings",
     date(2025, 3, 31)),
]
CONTRIBUTIONS = [
    (PARTNERSHIP, "TST_POLICE", "TST-P1", "funding", "Safer Streets grant", 25000.0, None, "2025-26"),
    (PARTNERSHIP, "TST_COUNCIL", "TST-P2", "staff", "Two wardens (part time)", None, 1.5, "2025-26"),
    (PARTNERSHIP, "TST_HEALTH", None, "data", "A&E assault attendances monthly", None, None, "2025-26"),
]


def add_meeting_fixture(store: Store) -> None:
    """Replace Newport's plan, meetings, recommendations, cases and health with the fixture above."""
    with store.write() as con:
        con.execute("DELETE FROM meeting_question WHERE meeting_id IN"
                    " (SELECT meeting_id FROM meeting WHERE partnership_code = ?)", [PARTNERSHIP])
        con.execute("DELETE FROM progress_update WHERE action_id IN (SELECT action_id FROM action a"
                    " JOIN priority p USING (priority_id) WHERE p.partnership_code = ?)", [PARTNERSHIP])
        con.execute("DELETE FROM action WHERE priority_id IN"
                    " (SELECT priority_id FROM priority WHERE partnership_code = ?)", [PARTNERSHIP])
        con.execute("DELETE FROM indicator_value WHERE indicator_id IN (SELECT indicator_id FROM indicator"
                    " WHERE priority_id IN (SELECT priority_id FROM priority WHERE partnership_code = ?))",
                    [PARTNERSHIP])
        con.execute("DELETE FROM indicator WHERE priority_id IN"
                    " (SELECT priority_id FROM priority WHERE partnership_code = ?)", [PARTNERSHIP])
        for table in ("priority", "meeting", "recommendation", "community_trigger", "partnership_health",
                      "partner_contribution"):
            con.execute(f"DELETE FROM {table} WHERE partnership_code = ?", [PARTNERSHIP])
        con.execute("DELETE FROM partner WHERE partner_code LIKE 'TST_%'")
        con.executemany("INSERT INTO partner VALUES (?, ?, ?)", PARTNERS)
        con.executemany("INSERT INTO meeting VALUES (?, ?, ?, ?)", MEETINGS)
        con.executemany("INSERT INTO priority (priority_id, partnership_code, title, lead_partner, crime_types)"
                        " VALUES (?, ?, ?, ?, ?)", PRIORITIES)
        con.executemany(
            "INSERT INTO action (action_id, priority_id, title, owner_partner, start_date, due_date, status,"
            " pct_complete, commentary, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*a, datetime(2025, 6, 15, 9, 0)) for a in ACTIONS])
        con.executemany("INSERT INTO progress_update (action_id, update_date, status, pct_complete, commentary,"
                        " updated_by, source) VALUES (?, ?, ?, ?, ?, 'fixture', 'workbook')", UPDATES)
        con.executemany("INSERT INTO indicator (indicator_id, name, unit, higher_is_better, source_partner,"
                        " priority_id) VALUES (?, ?, ?, ?, ?, ?)", INDICATORS)
        con.executemany("INSERT INTO indicator_value (indicator_id, area_code, period, value, baseline, target)"
                        " VALUES (?, ?, ?, ?, ?, ?)", INDICATOR_VALUES)
        con.executemany("INSERT INTO recommendation VALUES (?, ?, ?, ?, ?, ?, ?, ?)", RECOMMENDATIONS)
        con.executemany("INSERT INTO community_trigger VALUES (?, ?, ?, ?, ?, ?, ?)", TRIGGERS)
        con.executemany("INSERT INTO partnership_health VALUES (?, ?, ?, ?, ?, ?)", HEALTH)
        con.executemany("INSERT INTO partner_contribution (partnership_code, partner_code, priority_id, kind,"
                        " description, amount_gbp, fte, period) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", CONTRIBUTIONS)


def fixture_store_from(demo_store_path: Path, folder: Path) -> Store:
    """A private copy of the demo store with the meeting fixture added."""
    store = Store(folder / "meeting.duckdb")
    shutil.copyfile(Store(demo_store_path).current_version(), store.path)  # type: ignore[arg-type]
    add_meeting_fixture(store)
    return store
