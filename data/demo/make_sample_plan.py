"""Generate the SAMPLE action plan and SAMPLE partner indicators for the five Gwent partnerships.

Made-up demonstration data (deterministic, seeded): NOT the real plans of any partnership.
Run from the project root:  python data/demo/make_sample_plan.py
Writes data/demo/action_plan_sample.xlsx and data/demo/indicators_sample.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import sys
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cspdash.ingest.template import HALLMARKS, MINIMUM_STANDARDS, build_workbook, save_workbook  # noqa: E402

SEED = 2025
AS_AT = dt.date(2025, 6, 30)
HERE = Path(__file__).resolve().parent
WORKBOOK = HERE / "action_plan_sample.xlsx"
INDICATORS_CSV = HERE / "indicators_sample.csv"
D = dt.date

PARTNERS: list[tuple[str, str, str]] = [
    ("NEWPORT_CC", "Newport City Council", "local authority"),
    ("CAERPHILLY_CBC", "Caerphilly County Borough Council", "local authority"),
    ("TORFAEN_CBC", "Torfaen County Borough Council", "local authority"),
    ("BLAENAU_GWENT_CBC", "Blaenau Gwent County Borough Council", "local authority"),
    ("MONMOUTHSHIRE_CC", "Monmouthshire County Council", "local authority"),
    ("GWENT_POLICE", "Gwent Police", "police"),
    ("SWFRS", "South Wales Fire and Rescue Service", "fire and rescue"),
    ("ABUHB", "Aneurin Bevan University Health Board", "health"),
    ("PROBATION_WALES", "Probation Service (Wales)", "probation"),
    ("GWENT_OPCC", "Office of the Police and Crime Commissioner for Gwent", "PCC"),
    ("VICTIM_SUPPORT", "Victim Support", "voluntary"),
    ("GDAS", "Gwent Drug and Alcohol Service", "voluntary"),
]

# code, short id, name, council partner code, population scale (Newport = 1), themes
PARTNERSHIPS: list[tuple[str, str, str, str, float, list[str]]] = [
    ("W06000022", "NWP", "Newport", "NEWPORT_CC", 1.0, ["vawg", "asb", "sv", "drugs", "retail", "hate"]),
    ("W06000018", "CAE", "Caerphilly", "CAERPHILLY_CBC", 0.95, ["asb", "vawg", "drugs", "sv", "reoffending"]),
    ("W06000020", "TOR", "Torfaen", "TORFAEN_CBC", 0.6, ["asb", "vawg", "sv", "drugs", "hate"]),
    ("W06000021", "MON", "Monmouthshire", "MONMOUTHSHIRE_CC", 0.45, ["vawg", "asb", "fraud", "road", "drugs"]),
    ("W06000019", "BGW", "Blaenau Gwent", "BLAENAU_GWENT_CBC", 0.45, ["asb", "vawg", "drugs", "reoffending"]),
]

LA = "LA"  # stands for the partnership's own council
#: made-up lead officers (SAMPLE): a role per partner kind, a name picked from the id (no random draw, so every
#: other sample value stays as it was)
OFFICER_NAMES = ("Sian Morgan", "Gareth Price", "Rhian Evans", "Owen Davies", "Carys Jenkins", "Dylan Hughes",
                 "Megan Thomas", "Rhys Williams", "Ffion Lewis", "Huw Roberts", "Nia Powell", "Aled Jones")
OFFICER_ROLES = {"local authority": "Community Safety Manager", "police": "Neighbourhood Inspector",
                 "fire and rescue": "Station Manager, Arson Reduction", "health": "Head of Partnerships",
                 "probation": "Senior Probation Officer", "PCC": "Commissioning Manager",
                 "voluntary": "Service Manager"}


def lead_officer(record_id: str, partner: str) -> str:
    """A made-up named officer of ``partner`` for a priority or action (the same id always gives the same name)."""
    kind = next((t for c, _n, t in PARTNERS if c == partner), "local authority")
    name = OFFICER_NAMES[zlib.crc32(record_id.encode()) % len(OFFICER_NAMES)]
    return f"{name}, {OFFICER_ROLES.get(kind, 'Lead officer')}"


def grant_end(period: str) -> dt.date:
    """The last day of the (last) financial year a grant covers: '2024/25' → 31 March 2025."""
    last = period.split("-")[-1]
    return D(int(last[:4]) + 1, 3, 31)
# theme: title, description, lead, crime types, actions (title, owner, supporting, milestone)
THEMES: dict[str, tuple[str, str, str, str, list[tuple[str, str, list[str], str]]]] = {
    "vawg": ("Violence against women and girls",
             "Reduce domestic abuse, sexual violence and harassment and improve support for victims (VAWDASV).",
             LA, "Violence and sexual offences", [
                 ("Deliver Ask and Act training to frontline staff", LA, ["ABUHB", "SWFRS"], "500 staff trained"),
                 ("Commission an IDVA service for high-risk domestic abuse victims", "GWENT_OPCC",
                  [LA, "VICTIM_SUPPORT", "GWENT_POLICE"], "Service live with 3 IDVAs"),
                 ("Run a night-time economy safety campaign (Ask for Angela, Safe Space venues)", "GWENT_POLICE",
                  [LA, "VICTIM_SUPPORT"], "30 licensed venues signed up"),
                 ("Review the MARAC process and repeat-victim referrals", "GWENT_POLICE",
                  [LA, "ABUHB", "PROBATION_WALES", "VICTIM_SUPPORT"], "MARAC review reported to the CSP board"),
                 ("Deliver healthy-relationships education in secondary schools", LA,
                  ["GWENT_POLICE", "VICTIM_SUPPORT"], "All secondary schools reached"),
             ]),
    "asb": ("Anti-social behaviour",
            "Reduce repeat anti-social behaviour in hot-spot areas and support repeat victims.",
            LA, "Anti-social behaviour", [
                ("Target patrols and youth outreach in ASB hot spots", "GWENT_POLICE", [LA, "SWFRS"],
                 "Problem-solving plan for each hot spot"),
                ("Run ASB case reviews (Community Trigger) within 25 working days", LA,
                 ["GWENT_POLICE", "VICTIM_SUPPORT"], "All case reviews within 25 working days"),
                ("Deliver a summer diversionary activity programme for young people", LA,
                 ["GWENT_POLICE", "SWFRS", "GWENT_OPCC"], "Programme running July-August"),
                ("Reduce deliberate grass and refuse fires (Operation Bang, Dawns Glaw)", "SWFRS",
                 ["GWENT_POLICE", LA], "Deliberate fires 10% below 2023/24"),
                ("Install and monitor redeployable CCTV at repeat locations", LA, ["GWENT_POLICE", "GWENT_OPCC"],
                 "6 cameras deployed"),
            ]),
    "sv": ("Serious violence and knife crime",
           "Prevent serious violence under the Serious Violence Duty, with a focus on knife crime and young people.",
           "GWENT_POLICE", "Violence and sexual offences;Possession of weapons", [
               ("Publish the local Serious Violence Duty strategic needs assessment", LA,
                ["GWENT_POLICE", "ABUHB", "PROBATION_WALES", "SWFRS"], "Needs assessment agreed by the board"),
               ("Install knife surrender bins and run a weapons amnesty in Operation Sceptre weeks", "GWENT_POLICE",
                [LA], "Bins installed in 3 locations"),
               ("Embed Cardiff Model sharing of A&E assault data", "ABUHB", ["GWENT_POLICE", LA],
                "Monthly anonymised data received"),
               ("Deliver knife-crime education sessions in schools and youth clubs", "GWENT_POLICE",
                [LA, "GWENT_OPCC"], "Sessions in every secondary school"),
               ("Run focused deterrence for young people at risk of serious violence", LA,
                ["GWENT_POLICE", "PROBATION_WALES"], "Cohort of 20 young people engaged"),
           ]),
    "drugs": ("Drug and alcohol harm",
              "Reduce drug and alcohol related harm, drug-related deaths and county lines exploitation.",
              "ABUHB", "Drugs", [
                  ("Expand naloxone distribution and training", "GDAS", ["ABUHB", "GWENT_POLICE"],
                   "200 kits issued"),
                  ("Disrupt county lines with targeted warrants and cuckooing safeguarding visits", "GWENT_POLICE",
                   [LA, "PROBATION_WALES"], "Quarterly county-lines intelligence review"),
                  ("Run a custody drug and alcohol referral scheme", "GDAS", ["GWENT_POLICE", "GWENT_OPCC"],
                   "Referral worker in custody 7 days a week"),
                  ("Enforce licensing conditions at problem premises", LA, ["GWENT_POLICE", "ABUHB"],
                   "Licensing reviews of repeat premises"),
                  ("Run a Christmas alcohol harm awareness campaign", "ABUHB", [LA, "GWENT_POLICE"],
                   "Campaign delivered in December"),
              ]),
    "reoffending": ("Reducing reoffending",
                    "Reduce neighbourhood crime by prolific offenders through Integrated Offender Management.",
                    "PROBATION_WALES", "Burglary;Vehicle crime;Shoplifting", [
                        ("Run Integrated Offender Management for prolific neighbourhood-crime offenders",
                         "PROBATION_WALES", ["GWENT_POLICE"], "IOM cohort reviewed monthly"),
                        ("Secure settled accommodation on release from custody", LA, ["PROBATION_WALES"],
                         "90% housed on the night of release"),
                        ("Provide a women's diversion service (Women's Justice Blueprint)", "GWENT_OPCC",
                         ["PROBATION_WALES", "GWENT_POLICE"], "Diversion scheme live"),
                        ("Deliver employment and skills support for people on probation", "PROBATION_WALES", [LA],
                         "50 people into training or work"),
                    ]),
    "hate": ("Hate crime and community cohesion",
             "Increase confidence to report hate crime and reduce community tensions.",
             LA, "Public order;Violence and sexual offences", [
                 ("Increase hate crime reporting through third-party reporting centres", "VICTIM_SUPPORT",
                  [LA, "GWENT_POLICE"], "10 reporting centres open"),
                 ("Run monthly community tension monitoring with partners", LA, ["GWENT_POLICE"],
                  "Monthly tension report to the CSP"),
                 ("Hold Hate Crime Awareness Week events in October", LA, ["GWENT_POLICE", "VICTIM_SUPPORT"],
                  "Events in each community"),
                 ("Train taxi drivers and retail staff to recognise and report hate incidents", LA,
                  ["GWENT_POLICE"], "300 licence holders trained"),
             ]),
    "fraud": ("Fraud and scams",
              "Protect older and vulnerable residents from doorstep crime and scams (fraud is reported to "
              "Action Fraud and is not in police.uk street data).",
              LA, "", [
                  ("Set up No Cold Calling Zones in streets with repeat doorstep crime", LA, ["GWENT_POLICE"],
                   "5 new zones"),
                  ("Deliver scams awareness talks to older residents' groups", "GWENT_POLICE",
                   [LA, "VICTIM_SUPPORT"], "40 talks delivered"),
                  ("Install call blockers for residents repeatedly targeted by phone scams", LA, ["GWENT_OPCC"],
                   "100 call blockers installed"),
                  ("Train bank and post office staff in the Banking Protocol", "GWENT_POLICE", [LA],
                   "All branches trained"),
              ]),
    "road": ("Road safety",
             "Reduce people killed or seriously injured on rural roads (collisions are not in police.uk street data).",
             "GWENT_POLICE", "", [
                 ("Support Community Speed Watch groups in rural villages", "GWENT_POLICE", [LA],
                  "8 active groups"),
                 ("Deliver Biker Down motorcycle safety courses", "SWFRS", ["GWENT_POLICE"], "12 courses"),
                 ("Monitor and engage on the 20mph default speed limit", LA, ["GWENT_POLICE"],
                  "Engagement at 20 sites"),
                 ("Run young driver education in schools and colleges", "SWFRS", [LA, "GWENT_POLICE"],
                  "All year-12 students reached"),
             ]),
    "retail": ("Shoplifting and retail crime",
               "Reduce shoplifting and violence against shop workers in the city centre.",
               "GWENT_POLICE", "Shoplifting", [
                   ("Set up a city-centre business crime reduction partnership with shared offender images",
                    "GWENT_POLICE", [LA], "40 retailers signed up"),
                   ("Deliver the Safer Streets 5 city-centre CCTV upgrade", LA, ["GWENT_OPCC", "GWENT_POLICE"],
                    "New cameras live"),
                   ("Refer prolific shoplifters with substance misuse into treatment", "GDAS",
                    ["GWENT_POLICE", "PROBATION_WALES"], "Referral pathway agreed"),
                   ("Run monthly town-centre patrol days with retailers", "GWENT_POLICE", [LA],
                    "12 patrol days a year"),
               ]),
}

QUARTER_ENDS = [D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31), D(2025, 3, 31), D(2025, 6, 30)]
ARCHETYPES = [("complete", 20), ("green", 32), ("amber", 22), ("red", 10), ("overdue", 9), ("not_started", 7)]
AMBER_REASONS = [
    "a staff vacancy in the lead team has slowed delivery; recovery plan agreed but the milestone may slip a quarter",
    "funding for 2025/26 is not yet confirmed; risk to delivery from April",
    "the data-sharing agreement is awaiting information-governance sign-off",
    "venue and partner availability delayed the programme; revised timetable agreed",
    "take-up is below plan in two wards; engagement approach being reviewed",
]
RED_REASONS = [
    "the lead officer post has been vacant for two quarters; escalated to the CSP board",
    "the contractor has missed two delivery dates; escalated to the council's procurement team",
    "partner funding was withdrawn; alternative funding being sought through the PCC",
    "referrals are well below plan and the service model is being redesigned",
]
NOT_STARTED_REASONS = [
    "the 2025/26 grant agreement is signed", "the new coordinator is in post", "the needs assessment is agreed",
]


def _month_start(day: dt.date) -> dt.date:
    return D(day.year, day.month, 1)


def _add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _round5(value: float) -> int:
    return int(max(0, min(100, 5 * round(value / 5))))


def make_actions(rng: random.Random, priority_id: str, theme: str, council: str, place: str
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """3-5 actions for one priority and their quarterly progress history."""
    _title, _desc, _lead, _types, pool = THEMES[theme]
    count = rng.randint(3, min(5, len(pool)))
    chosen = sorted(rng.sample(range(len(pool)), count))
    actions: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    officer = f"Community Safety Manager ({place})"
    for number, index in enumerate(chosen, start=1):
        title, owner, supporting, milestone = pool[index]
        owner = council if owner == LA else owner
        supporting = [council if p == LA else p for p in supporting]
        archetype = rng.choices([a for a, _ in ARCHETYPES], weights=[w for _, w in ARCHETYPES])[0]
        action_id = f"{priority_id}-A{number}"
        if archetype == "complete":
            start = _month_start(_random_date(rng, D(2024, 4, 1), D(2024, 7, 1)))
            dates = [q for q in QUARTER_ENDS if q >= _add_days(start, 60)][: rng.choice([3, 4])]
            due = dates[-1] if rng.random() < 0.6 else QUARTER_ENDS[QUARTER_ENDS.index(dates[-1]) - 1]
        elif archetype == "overdue":
            start = _month_start(_random_date(rng, D(2024, 4, 1), D(2024, 6, 1)))
            due = rng.choice([D(2024, 12, 31), D(2025, 3, 31), D(2025, 5, 31)])
            dates = QUARTER_ENDS[-rng.choice([3, 4]):]
        elif archetype == "not_started":
            start = rng.choice([D(2025, 7, 1), D(2025, 9, 1), D(2025, 10, 1)])
            due = D(2026, 3, 31)
            dates = QUARTER_ENDS[-3:]
        else:
            start = _month_start(_random_date(rng, D(2024, 4, 1), D(2024, 10, 1)))
            due = rng.choice([D(2025, 9, 30), D(2025, 12, 31), D(2026, 3, 31)])
            dates = [q for q in QUARTER_ENDS if q >= _add_days(start, 60)][-rng.choice([3, 4]):]
        statuses = _trajectory(rng, archetype, len(dates))
        span = max(1, (due - start).days)
        pct = 0
        for position, (when, status) in enumerate(zip(dates, statuses, strict=True)):
            elapsed = min(1.0, max(0.0, (when - start).days / span))
            if status == "Complete":
                pct = 100
            elif status == "Not started":
                pct = 0
            else:
                drag = {"Green": 1.0, "Amber": 0.75, "Red": 0.5}[status]
                pct = max(pct, _round5(100 * elapsed * drag + rng.uniform(-5, 5)))
                pct = min(pct, 95)
            comment = _commentary(rng, status, milestone, when, start, due, position == len(dates) - 1)
            progress.append({
                "action_id": action_id, "update_date": when, "status": status, "pct_complete": pct,
                "commentary": comment, "updated_by": officer,
                "recorded_at": dt.datetime.combine(_add_days(when, rng.randint(3, 12)),
                                                   dt.time(9 + rng.randint(0, 7), rng.choice([0, 15, 30, 45]))),
                "source": "workbook",
            })
        last = progress[-1]
        actions.append({
            "action_id": action_id, "priority_id": priority_id, "title": title, "owner_partner": owner,
            "lead_officer": lead_officer(action_id, owner),
            "supporting_partners": ";".join(supporting), "start_date": start, "due_date": due,
            "milestone": milestone, "status": last["status"], "pct_complete": last["pct_complete"],
            "commentary": last["commentary"], "updated_at": dt.datetime.combine(last["update_date"], dt.time()),
            "updated_by": officer,
        })
    return actions, progress


def _trajectory(rng: random.Random, archetype: str, length: int) -> list[str]:
    if archetype == "complete":
        return [rng.choice(["Green", "Green", "Amber"]) for _ in range(length - 1)] + ["Complete"]
    if archetype == "not_started":
        return ["Not started"] * length
    if archetype == "green":
        start = ["Amber"] if rng.random() < 0.3 else ["Green"]
        return start + ["Green"] * (length - 1)
    if archetype == "amber":
        return ["Green"] * (length - 2) + [rng.choice(["Green", "Amber"]), "Amber"]
    if archetype == "red":
        return ["Green"] * (length - 2) + ["Amber", "Red"]
    return ["Green"] * (length - 3) + ["Amber", "Amber", "Red"]  # overdue


def _commentary(rng: random.Random, status: str, milestone: str, when: dt.date, start: dt.date, due: dt.date,
                latest: bool) -> str:
    if status == "Complete":
        return f"Complete: {milestone.lower()} achieved by {when:%B %Y}."
    if status == "Not started":
        return (f"Not started: planned to begin {start:%B %Y} once {rng.choice(NOT_STARTED_REASONS)}.")
    if status == "Green":
        return rng.choice([f"On track: {milestone.lower()} expected by {due:%B %Y}.",
                           "On track; delivered as planned this quarter.",
                           "On track; partners attending the delivery group regularly."])
    if status == "Amber":
        return f"At risk: {rng.choice(AMBER_REASONS)}."
    if due < when:
        revised = _add_days(due, 120 + rng.randint(0, 90))
        return (f"Overdue: was due {due:%d %B %Y}; {rng.choice(RED_REASONS)}. "
                f"Revised completion date {revised:%B %Y}.")
    return f"Off track: {rng.choice(RED_REASONS)}."


def build(rng: random.Random) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Every sheet's rows and the indicator CSV rows."""
    sheets: dict[str, list[dict[str, Any]]] = {name: [] for name in (
        "Partners", "Priorities", "Actions", "Progress", "Indicators", "Contributions", "Events", "Meetings",
        "Recommendations", "CommunityTriggers", "PartnershipHealth")}
    sheets["Partners"] = [{"partner_code": c, "partner_name": n, "partner_type": t} for c, n, t in PARTNERS]
    indicator_rows: list[dict[str, Any]] = []
    for code, short, place, council, scale, themes in PARTNERSHIPS:
        plan = f"Safer {place} Community Safety Partnership Plan 2024-27 (SAMPLE)"
        theme_priority: dict[str, str] = {}
        for number, theme in enumerate(themes, start=1):
            title, description, lead, crime_types, _pool = THEMES[theme]
            priority_id = f"{short}-P{number}"
            theme_priority[theme] = priority_id
            sheets["Priorities"].append({
                "priority_id": priority_id, "partnership_code": code, "title": title,
                "description": description, "lead_partner": council if lead == LA else lead,
                "lead_officer": lead_officer(priority_id, council if lead == LA else lead),
                "crime_types": crime_types or None, "plan_name": plan, "is_sample": True,
            })
            actions, progress = make_actions(rng, priority_id, theme, council, place)
            sheets["Actions"] += actions
            sheets["Progress"] += progress
        sheets["Contributions"] += _contributions(rng, code, short, council, scale, theme_priority)
        sheets["Events"] += _events(code, short, theme_priority)
        meetings = _meetings(code, short, place)
        sheets["Meetings"] += meetings
        sheets["Recommendations"] += _recommendations(rng, code, short, council, meetings, theme_priority)
        sheets["CommunityTriggers"] += _triggers(rng, code, short)
        sheets["PartnershipHealth"] += _health(rng, code, short, place)
        definitions, values = _indicators(rng, code, short, council, scale, theme_priority)
        sheets["Indicators"] += definitions
        indicator_rows += values
    return sheets, indicator_rows


def _contributions(rng: random.Random, code: str, short: str, council: str, scale: float,
                   priority: dict[str, str]) -> list[dict[str, Any]]:
    def row(partner: str, theme: str | None, kind: str, description: str, amount: float | None = None,
            fte: float | None = None, period: str = "2024/25") -> dict[str, Any]:
        return {"partnership_code": code, "partner_code": partner,
                "priority_id": priority.get(theme) if theme else None, "kind": kind, "description": description,
                "amount_gbp": amount, "fte": fte, "period": period,
                "grant_end": grant_end(period) if kind == "funding" else None}

    grant = round(120_000 * scale, -3)
    rows = [
        row("GWENT_OPCC", None, "funding", "PCC Community Safety Fund grant", grant),
        row("GWENT_OPCC", None, "funding", "PCC Community Safety Fund grant", round(grant * 1.03, -3),
            period="2025/26"),
        row(council, None, "staff", "Community safety team", fte=round(4.0 * scale * 2) / 2),
        row("GWENT_POLICE", "asb", "staff", "Neighbourhood policing problem-solving hub", fte=round(3 * scale * 2) / 2),
        row("SWFRS", "asb", "in-kind", "Arson reduction team visits and Phoenix youth engagement programme",
            round(15_000 * scale, -2)),
        row("ABUHB", "sv" if "sv" in priority else "vawg", "data",
            "Monthly anonymised A&E assault attendance data (Cardiff Model)"),
        row("GWENT_OPCC", "vawg", "funding", "VAWDASV grant: independent domestic violence advisers",
            round(85_000 * scale, -3)),
        row("VICTIM_SUPPORT", "hate" if "hate" in priority else "asb", "in-kind",
            "Victim advocacy and third-party hate crime reporting", round(8_000 * scale, -2)),
    ]
    if "drugs" in priority:
        rows.append(row("GDAS", "drugs", "staff", "Custody and community drug workers", fte=1.0 if scale < 0.9 else 2.0))
    if "reoffending" in priority:
        rows.append(row("PROBATION_WALES", "reoffending", "staff", "Integrated Offender Management probation officers",
                        fte=1.5))
    if "sv" in priority:
        rows.append(row("GWENT_OPCC", "sv", "funding", "Serious Violence Duty grant (Home Office via the PCC)",
                        round(40_000 * scale, -3)))
    safer_streets = {"NWP": (247_000.0, "retail"), "CAE": (150_000.0, "asb"), "TOR": (118_000.0, "asb")}
    if short in safer_streets:
        amount, theme = safer_streets[short]
        rows.append(row("GWENT_OPCC", theme, "funding",
                        "Safer Streets Fund round 5 (Home Office via the PCC): CCTV, lighting, target hardening",
                        amount, period="2023/24-2024/25"))
    rng.shuffle(rows)
    return rows


def _events(code: str, short: str, priority: dict[str, str]) -> list[dict[str, Any]]:
    events: list[tuple[str, str | None, str, dt.date, dt.date | None, str]] = [
        ("ASB Awareness Week", "asb", "ASB Awareness Week 2024", D(2024, 7, 1), D(2024, 7, 7), "campaign"),
        ("Operation Bang", "asb", "Operation Bang: bonfire-period deliberate fire prevention", D(2024, 10, 14),
         D(2024, 11, 10), "operation"),
        ("Sceptre", "sv", "Operation Sceptre knife crime week", D(2024, 11, 11), D(2024, 11, 17), "operation"),
        ("16 Days", "vawg", "16 Days of Action against gender-based violence", D(2024, 11, 25), D(2024, 12, 10),
         "campaign"),
        ("Christmas", "drugs", "Christmas drink and drug driving and night-time economy operation",
         D(2024, 12, 1), D(2024, 12, 31), "operation"),
        ("Sceptre 2025", "sv", "Operation Sceptre knife crime week", D(2025, 5, 19), D(2025, 5, 25), "operation"),
        ("ASB Awareness Week 2025", "asb", "ASB Awareness Week 2025", D(2025, 6, 30), D(2025, 7, 6), "campaign"),
    ]
    if "hate" in priority:
        events.append(("Hate", "hate", "Hate Crime Awareness Week", D(2024, 10, 12), D(2024, 10, 19), "campaign"))
    if "fraud" in priority:
        events.append(("Scams", "fraud", "Scams Awareness Fortnight", D(2024, 6, 3), D(2024, 6, 16), "campaign"))
    if "road" in priority:
        events.append(("Road", "road", "Road Safety Week", D(2024, 11, 17), D(2024, 11, 23), "campaign"))
    go_live = {"NWP": D(2024, 9, 16), "CAE": D(2024, 10, 7), "TOR": D(2024, 11, 4)}
    if short in go_live:
        theme = "retail" if "retail" in priority else "asb"
        events.append(("CCTV", theme, "Safer Streets 5 CCTV go-live", go_live[short], None, "intervention"))
    events.sort(key=lambda e: (e[3], e[2]))
    return [{"event_id": f"{short}-E{n:02d}", "partnership_code": code, "priority_id": priority.get(theme or ""),
             "title": title, "start_date": start, "end_date": end, "kind": kind}
            for n, (_key, theme, title, start, end, kind) in enumerate(events, start=1)]


def _meetings(code: str, short: str, place: str) -> list[dict[str, Any]]:
    committee = f"{place} Crime and Disorder Scrutiny Committee"
    return [{"meeting_id": f"{short}-M-{day.isoformat()}", "partnership_code": code, "committee": committee,
             "meeting_date": day} for day in (D(2024, 11, 20), D(2025, 3, 19), D(2025, 7, 16))]


RECOMMENDATIONS: list[tuple[str, str | None, str]] = [
    ("Report serious violence and knife crime trends by ward at every meeting", "sv", "GWENT_POLICE"),
    ("Report the number of ASB case reviews (Community Trigger) held, their outcomes and timeliness", "asb", LA),
    ("Add commentary and a named lead officer to every Amber and Red action in the quarterly report", None, LA),
    ("Set out how CCTV and diversionary activity will be sustained after grant funding ends", "asb", LA),
    ("Invite the health board to present A&E assault attendance data", "vawg", "ABUHB"),
    ("Review the reach of the summer diversionary programme in the wards with the highest ASB rates", "asb", LA),
    ("Publish a summary of the strategic assessment on the council website", None, LA),
    ("Report proven reoffending for the Integrated Offender Management cohort", "reoffending", "PROBATION_WALES"),
    ("Report take-up of domestic abuse services by victims from rural areas", "vawg", "GWENT_OPCC"),
]
RESPONSES = {
    "achieved": "Accepted and completed; reported to the committee.",
    "on track": "Accepted; work under way and due to report on time.",
    "slipped": "Accepted; delayed by staff changes, revised date agreed with the chair.",
    "not achieved": "Accepted; could not be delivered within current resources - the board will reconsider.",
}


def _recommendations(rng: random.Random, code: str, short: str, council: str, meetings: list[dict[str, Any]],
                     priority: dict[str, str]) -> list[dict[str, Any]]:
    pool = [r for r in RECOMMENDATIONS if r[1] is None or r[1] in priority]
    chosen = rng.sample(pool, rng.randint(3, min(5, len(pool))))
    rows = []
    for number, (text, _theme, lead) in enumerate(chosen, start=1):
        meeting = meetings[0] if number <= 2 else meetings[1]
        due = meetings[1]["meeting_date"] if meeting is meetings[0] else rng.choice([D(2025, 6, 30), D(2025, 9, 30)])
        if due <= AS_AT:
            status = rng.choice(["achieved", "achieved", "slipped", "not achieved", "on track"])
        else:
            status = rng.choice(["on track", "on track", "achieved"])
        rows.append({"reference": f"{short}-R-{meeting['meeting_date'].year}-{number:02d}",
                     "meeting_id": meeting["meeting_id"], "partnership_code": code, "recommendation": text,
                     "lead_partner": council if lead == LA else lead, "response": RESPONSES[status],
                     "due_date": due, "status": status})
    return rows


TRIGGER_MET = [
    "mediation between neighbours", "tenancy enforcement by the housing association",
    "redeployable CCTV installed", "a Community Protection Notice issued",
    "a multi-agency problem-solving plan", "referral to Victim Support and additional patrols",
]


def _triggers(rng: random.Random, code: str, short: str) -> list[dict[str, Any]]:
    rows = []
    received = sorted(_random_date(rng, D(2023, 1, 5), D(2025, 6, 20)) for _ in range(rng.randint(8, 15)))
    for number, day in enumerate(received, start=1):
        kind = "CCfA" if rng.random() < 0.15 else "Community Trigger"
        if kind == "CCfA":
            met = None
            outcome = ("Considered by the Crime and Disorder Scrutiny Committee; partners asked to report back on "
                       + rng.choice(["street drinking", "off-road motorbikes", "drug dealing near a school",
                                     "nuisance parking at the retail park"]))
        else:
            met = rng.random() < 0.55
            outcome = (f"Case review held; agreed {rng.choice(TRIGGER_MET)}" if met else
                       rng.choice(["Threshold not met (fewer than 3 qualifying complaints in 6 months); applicant "
                                   "referred to the neighbourhood policing team",
                                   "Threshold not met; being handled under the housing association's ASB policy"]))
        resolved: dt.date | None = _add_days(day, rng.randint(12, 70))
        if resolved is not None and (resolved > AS_AT or (day > D(2025, 5, 1) and rng.random() < 0.5)):
            resolved, outcome = None, "Open: case review being arranged" if met else "Open: being assessed"
        prefix = "CCFA" if kind == "CCfA" else "CT"
        rows.append({"case_id": f"{short}-{prefix}-{day.year}-{number:02d}", "partnership_code": code,
                     "kind": kind, "received_date": day, "threshold_met": met, "outcome": outcome,
                     "resolved_date": resolved})
    return rows


HEALTH_EVIDENCE = {
    "Strategy group": "Partnership board meets quarterly with all responsible authorities represented",
    "Strategic assessment": "Strategic assessment refreshed and agreed by the board",
    "Information-sharing protocol": "Wales Accord on the Sharing of Personal Information (WASPI) protocol signed",
    "Partnership plan refreshed": "Three-year plan 2024-27 published; annual refresh agreed",
    "Community consultation": "Resident survey and ward walkabouts inform priorities",
    "Empowered and effective leadership": "Chair and vice-chair from different partners; clear terms of reference",
    "Intelligence-led business processes": "Quarterly performance pack with SPC trend charts and hot-spot analysis",
    "Effective and responsive delivery structures": "Task groups for each priority report to the board",
    "Community engagement": "PACT meetings and online surveys; 'you said, we did' published",
    "Visible and constructive accountability": "Annual report to the crime and disorder scrutiny committee",
    "Appropriate skills and knowledge": "Analyst post shared with Gwent Police; partner training plan",
}
HEALTH_GAPS = {
    "Information-sharing protocol": "WASPI protocol review overdue; health data not yet covered",
    "Community consultation": "Survey response rate low in the most deprived wards",
    "Intelligence-led business processes": "No dedicated analyst since the post became vacant",
    "Appropriate skills and knowledge": "New board members not yet inducted",
    "Community engagement": "Engagement limited to PACT meetings; young people under-represented",
}


def _health(rng: random.Random, code: str, short: str, place: str) -> list[dict[str, Any]]:
    rows = []
    items = [(item, "standard") for item in MINIMUM_STANDARDS] + [(item, "hallmark") for item in HALLMARKS]
    for item, kind in items:
        if item in HEALTH_GAPS and rng.random() < 0.35:
            status, evidence = rng.choice(["Partly met", "Partly met", "Not met"]), HEALTH_GAPS[item]
        else:
            status, evidence = "Met", HEALTH_EVIDENCE[item]
        rows.append({"partnership_code": code, "item": item, "kind": kind, "status": status,
                     "evidence": f"{evidence} ({place}, SAMPLE)", "assessed_on": D(2025, 3, 31)})
    return rows


SEASON = {
    "asb": [0.85, 0.85, 0.95, 1.0, 1.05, 1.1, 1.25, 1.2, 1.0, 1.15, 1.0, 0.8],
    "fires": [0.7, 0.8, 1.6, 1.9, 1.5, 1.0, 0.9, 0.9, 0.8, 0.9, 1.2, 0.6],
    "assault": [0.9, 0.9, 1.0, 1.0, 1.05, 1.05, 1.1, 1.05, 0.95, 1.0, 0.95, 1.15],
}
MONTHS = [D(2022 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(36)]  # 2022-07 .. 2025-06


def _noisy(rng: random.Random, mean: float) -> int:
    return max(0, round(rng.gauss(mean, math.sqrt(max(mean, 1.0)))))


def _indicators(rng: random.Random, code: str, short: str, council: str, scale: float,
                priority: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Indicator definitions (Indicators sheet) and their SAMPLE values (indicator CSV rows)."""
    violence_priority = priority.get("sv") or priority.get("vawg")
    specs = [
        (f"{short}-ASB-COUNCIL", "ASB reports to the council", "reports", False, council, priority.get("asb"),
         "monthly", "asb", 180 * scale, -0.004),
        (f"{short}-DELIB-FIRES", "Deliberate fires attended (South Wales FRS)", "fires", False, "SWFRS",
         priority.get("asb"), "monthly", "fires", 30 * scale, 0.0),
        (f"{short}-AE-ASSAULT", "A&E attendances for assault (ABUHB)", "attendances", False, "ABUHB",
         violence_priority, "monthly", "assault", 55 * scale, 0.0),
        (f"{short}-REOFFEND", "Proven reoffending rate, adults", "%", False, "PROBATION_WALES",
         priority.get("reoffending"), "quarterly", None, 26.0, -0.03),
        (f"{short}-FEEL-SAFE", "Residents who feel safe outside after dark (survey)", "%", True, council,
         priority.get("asb"), "annual", None, 62.0 - 8 * (scale - 0.45), 0.0),
    ]
    definitions: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for indicator_id, name, unit, higher, source, priority_id, frequency, season, level, trend in specs:
        definitions.append({"indicator_id": indicator_id, "name": name, "unit": unit, "higher_is_better": higher,
                            "source_partner": source, "priority_id": priority_id,
                            "description": f"SAMPLE data, made up for demonstration ({frequency})."})
        series: list[tuple[str, float]] = []
        if frequency == "monthly":
            assert season is not None
            for step, month in enumerate(MONTHS):
                mean = level * SEASON[season][month.month - 1] * (1 + trend) ** step
                if indicator_id == "NWP-AE-ASSAULT" and month >= D(2024, 10, 1):
                    mean *= 1.4  # the clear deterioration the indicator RAG should find
                series.append((f"{month:%Y-%m}", float(_noisy(rng, mean))))
        elif frequency == "quarterly":
            for step, quarter_start in enumerate(MONTHS[::3]):
                rate = level + trend * 10 * step + rng.uniform(-1.2, 1.2)
                series.append((f"{quarter_start.year}-Q{(quarter_start.month - 1) // 3 + 1}", round(rate, 1)))
        else:
            for step, year in enumerate((2022, 2023, 2024)):
                drift = -2.5 * step if short == "CAE" else 0.8 * step
                series.append((f"{year}/{(year + 1) % 100:02d}", round(level + drift + rng.uniform(-1.5, 1.5), 1)))
        first_year = [value for _period, value in series[: {"monthly": 12, "quarterly": 4, "annual": 1}[frequency]]]
        baseline = round(sum(first_year) / len(first_year), 1)
        target = round(baseline + 3, 1) if higher else round(baseline * (0.95 if unit == "%" else 0.9), 1)
        for period, value in series:
            values.append({"indicator": indicator_id, "area_code": code, "period": period, "value": value,
                           "baseline": baseline, "target": target, "indicator_name": name, "unit": unit,
                           "higher_is_better": "Yes" if higher else "No", "source_partner": source})
    return definitions, values


ABOUT = (
    "SAMPLE ACTION PLAN - made-up demonstration data",
    "",
    "This workbook is NOT the real action plan of any community safety partnership. Priorities, actions, "
    "statuses, funding, meetings, recommendations and Community Trigger cases are invented to show how cspdash works.",
    "It covers the five Gwent partnerships; partnership codes are the local authority codes: W06000018 Caerphilly, "
    "W06000019 Blaenau Gwent, W06000020 Torfaen, W06000021 Monmouthshire, W06000022 Newport.",
    f"Status as at {AS_AT:%d %B %Y}. Every priority is flagged 'Sample? = Yes' (priority.is_sample in the store).",
    "Generated by data/demo/make_sample_plan.py (seed 2025); the partner figures are in indicators_sample.csv.",
)


def main() -> None:
    """Write the SAMPLE workbook and indicator CSV."""
    rng = random.Random(SEED)
    sheets, indicator_rows = build(rng)
    save_workbook(build_workbook(sheets, about=ABOUT), WORKBOOK)
    columns = ["indicator", "area_code", "period", "value", "baseline", "target", "indicator_name", "unit",
               "higher_is_better", "source_partner"]
    with open(INDICATORS_CSV, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in indicator_rows:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    print(f"{WORKBOOK.name}: " + ", ".join(f"{name} {len(rows)}" for name, rows in sheets.items()))
    print(f"{INDICATORS_CSV.name}: {len(indicator_rows)} rows")


if __name__ == "__main__":
    main()
