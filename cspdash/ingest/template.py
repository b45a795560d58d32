"""The action-plan workbook template, declared once: sheets, columns, types and allowed values.

The loader (cspdash.ingest.action_plan), the exporter, the blank template in data/templates/ and its
README all come from SHEETS below. Regenerate the template and README with::

    python -m cspdash.ingest.template
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cspdash.analysis.rag import AMBER, COMMENTARY_RULE_TEXT, GREEN, RAG_ORDER, STATUS_MEANINGS
from cspdash.analysis.rag import STATUSES_WITHOUT_COMMENTARY as STATUSES_WITHOUT_COMMENTARY
from cspdash.config import TEMPLATES_DIR
from cspdash.vocab import CRIME_TYPES, HALLMARKS, MINIMUM_STANDARDS

if TYPE_CHECKING:
    from openpyxl import Workbook

ACTION_STATUSES: tuple[str, ...] = RAG_ORDER
RECOMMENDATION_STATUSES: tuple[str, ...] = ("achieved", "on track", "slipped", "not achieved")
PARTNER_TYPES: tuple[str, ...] = (
    "local authority", "police", "fire and rescue", "health", "probation", "PCC", "voluntary", "other",
)
CONTRIBUTION_KINDS: tuple[str, ...] = ("funding", "staff", "in-kind", "data")
EVENT_KINDS: tuple[str, ...] = ("campaign", "intervention", "operation")
TRIGGER_KINDS: tuple[str, ...] = ("Community Trigger", "CCfA")
HEALTH_KINDS: tuple[str, ...] = ("standard", "hallmark")
HEALTH_STATUSES: tuple[str, ...] = ("Met", "Partly met", "Not met", "Not assessed")
PROGRESS_SOURCES: tuple[str, ...] = ("workbook", "app")
YES_NO: tuple[str, ...] = ("Yes", "No")

#: column types: what a cell may hold and how it is stored
TYPE_DESCRIPTIONS: dict[str, str] = {
    "text": "text",
    "id": "text identifier, unique within the sheet",
    "date": "date: an Excel date, YYYY-MM-DD or dd/mm/yyyy",
    "timestamp": "date and time: an Excel date-time or YYYY-MM-DD HH:MM[:SS[.ffffff]]",
    "percent": "whole number 0-100",
    "number": "number, 0 or more (no £ sign needed)",
    "boolean": "Yes or No",
    "choice": "one of the allowed values (not case-sensitive)",
    "partner": "a partner code or partner name from the Partners sheet (or already in the store)",
    "partners": "partner codes or names separated by ';'",
    "priority": "a Priority ID from the Priorities sheet (or already in the store)",
    "action": "an Action ID from the Actions sheet (or already in the store)",
    "meeting": "a Meeting ID from the Meetings sheet (or already in the store)",
    "partnership": "partnership code: the ONS code of the partnership's local authority, e.g. W06000022",
    "crime_types": "police.uk crime types separated by ';'",
}


@dataclass(frozen=True)
class Column:
    """One column of a template sheet: its header, store column, type and rules."""

    header: str
    db_column: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] = ()
    example: str = ""
    description: str = ""
    default: Any = None  # stored when the cell is blank


@dataclass(frozen=True)
class Sheet:
    """One sheet of the template and the store table it fills."""

    name: str
    table: str
    columns: tuple[Column, ...]
    description: str
    key: tuple[str, ...]  # db columns that order the rows on export

    @property
    def csv_name(self) -> str:
        """File name for the one-CSV-per-sheet form, e.g. community_triggers.csv."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower() + ".csv"

    def column(self, db_column: str) -> Column:
        """The column that fills ``db_column``."""
        return next(c for c in self.columns if c.db_column == db_column)


C = Column
SHEETS: tuple[Sheet, ...] = (
    Sheet("Partners", "partner", (
        C("Partner code", "partner_code", "id", True, example="GWENT_POLICE",
          description="Short code used everywhere else in the workbook."),
        C("Partner name", "partner_name", "text", True, example="Gwent Police",
          description="Full name; other sheets may use the name instead of the code."),
        C("Partner type", "partner_type", "choice", False, PARTNER_TYPES, "police"),
    ), "Every organisation named in the plan. Partners are shared by all partnerships and are never deleted.",
        ("partner_code",)),
    Sheet("Priorities", "priority", (
        C("Priority ID", "priority_id", "id", True, example="NWP-P1"),
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Priority title", "title", "text", True, example="Anti-social behaviour"),
        C("Description", "description", "text", False, example="Reduce repeat ASB in the city centre"),
        C("Lead partner", "lead_partner", "partner", True, example="NEWPORT_CC"),
        C("Lead officer", "lead_officer", "text", False, example="Sian Morgan, Community Safety Manager",
          description="The named person accountable for the priority (name and role)."),
        C("Crime types (; separated)", "crime_types", "crime_types", False, CRIME_TYPES,
          "Violence and sexual offences; Possession of weapons",
          "The police.uk crime types whose trends belong to this priority."),
        C("Plan name", "plan_name", "text", False, example="Safer Newport Partnership Plan 2024-27"),
        C("Sample?", "is_sample", "boolean", False, YES_NO, "No",
          "Yes marks made-up demonstration data; blank means No.", default=False),
    ), "The partnership's priorities, each with a lead partner.", ("partnership_code", "priority_id")),
    Sheet("Actions", "action", (
        C("Action ID", "action_id", "id", True, example="NWP-P1-A1"),
        C("Priority ID", "priority_id", "priority", True, example="NWP-P1"),
        C("Action title", "title", "text", True, example="Deliver targeted patrols in ASB hot spots"),
        C("Owner partner", "owner_partner", "partner", True, example="GWENT_POLICE"),
        C("Lead officer", "lead_officer", "text", False, example="Insp. Gareth Price, Gwent Police",
          description="The named person accountable for the action (name and role)."),
        C("Supporting partners (; separated)", "supporting_partners", "partners", False,
          example="NEWPORT_CC; SWFRS"),
        C("Start date", "start_date", "date", False, example="2024-04-01"),
        C("Due date", "due_date", "date", False, example="2025-03-31",
          description="Must not be before the start date."),
        C("Milestone", "milestone", "text", False, example="Patrol plan agreed by Q1"),
        C("Status", "status", "choice", True, ACTION_STATUSES, AMBER, STATUS_MEANINGS + "."),
        C("% complete", "pct_complete", "percent", False, example="60"),
        C("Commentary", "commentary", "text", False, example="Recruitment delayed; revised date June",
          description=COMMENTARY_RULE_TEXT.replace("Commentary is required whenever", "Required when")),
        C("Last updated", "updated_at", "timestamp", False, example="2025-06-30 00:00:00"),
        C("Updated by", "updated_by", "text", False, example="csp.manager"),
    ), "The actions under each priority and their current status.", ("priority_id", "action_id")),
    Sheet("Progress", "progress_update", (
        C("Action ID", "action_id", "action", True, example="NWP-P1-A1"),
        C("Update date", "update_date", "date", True, example="2025-03-31"),
        C("Status", "status", "choice", True, ACTION_STATUSES, GREEN),
        C("% complete", "pct_complete", "percent", False, example="40"),
        C("Commentary", "commentary", "text", False, example="Patrols running in 3 of 4 hot spots",
          description=COMMENTARY_RULE_TEXT.replace("Commentary is required whenever", "Required when")),
        C("Updated by", "updated_by", "text", False, example="csp.manager",
          description="Blank: the person loading the workbook."),
        C("Recorded at", "recorded_at", "timestamp", False, example="2025-04-02 09:15:00",
          description="When the update was recorded; blank: the time of loading."),
        C("Source", "source", "choice", False, PROGRESS_SOURCES, "workbook",
          description="Blank: workbook."),
    ), "Quarterly progress history. Append-only: loading adds new rows and never deletes history.",
        ("action_id", "update_date", "recorded_at", "status", "pct_complete", "commentary")),
    Sheet("Indicators", "indicator", (
        C("Indicator ID", "indicator_id", "id", True, example="NWP-ASB-REPORTS",
          description="The id used in the partner-indicator CSV's 'indicator' column."),
        C("Indicator name", "name", "text", True, example="ASB reports to the council"),
        C("Unit", "unit", "text", False, example="reports"),
        C("Higher is better?", "higher_is_better", "boolean", False, YES_NO, "No"),
        C("Source partner", "source_partner", "partner", False, example="NEWPORT_CC"),
        C("Priority ID", "priority_id", "priority", False, example="NWP-P2"),
        C("Description", "description", "text", False, example="Monthly ASB reports logged by the council"),
    ), "Partner performance indicators and the priority each one evidences (values come from a separate CSV).",
        ("indicator_id",)),
    Sheet("Contributions", "partner_contribution", (
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Partner", "partner_code", "partner", True, example="GWENT_OPCC"),
        C("Priority ID", "priority_id", "priority", False, example="NWP-P2"),
        C("Kind", "kind", "choice", True, CONTRIBUTION_KINDS, "funding",
          "funding = cash (grants, budgets); in-kind = support given rather than paid (staff time, services, "
          "premises), with its £ value in Amount when known; staff = posts (FTE); data = data shared. Cash and "
          "in-kind are never added together."),
        C("Description", "description", "text", False, example="PCC Community Safety Fund grant"),
        C("Amount (£)", "amount_gbp", "number", False, example="45000"),
        C("FTE", "fte", "number", False, example="1.5"),
        C("Period", "period", "text", False, example="2024/25",
          description="The financial year (April to March), e.g. 2024/25; a grant over several years: one row "
          "per year."),
        C("Grant end date", "grant_end", "date", False, example="2025-03-31",
          description="When the grant or funding stops (blank if ongoing)."),
    ), "What each partner puts in: cash funding, in-kind support, staff, data, per financial year.",
        ("partnership_code", "partner_code", "priority_id", "kind", "period", "description", "amount_gbp", "fte")),
    Sheet("Events", "plan_event", (
        C("Event ID", "event_id", "id", True, example="NWP-E1"),
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Priority ID", "priority_id", "priority", False, example="NWP-P3"),
        C("Event title", "title", "text", True, example="Operation Sceptre knife crime week"),
        C("Start date", "start_date", "date", True, example="2024-11-11"),
        C("End date", "end_date", "date", False, example="2024-11-17"),
        C("Kind", "kind", "choice", False, EVENT_KINDS, "operation"),
    ), "Campaigns, interventions and operations to mark on trend charts.", ("partnership_code", "event_id")),
    Sheet("Meetings", "meeting", (
        C("Meeting ID", "meeting_id", "id", True, example="NWP-M-2025-03-19"),
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Committee", "committee", "text", True, example="Crime and Disorder Scrutiny Committee"),
        C("Meeting date", "meeting_date", "date", True, example="2025-03-19"),
    ), "Crime and disorder scrutiny committee meetings.", ("partnership_code", "meeting_id")),
    Sheet("Recommendations", "recommendation", (
        C("Reference", "reference", "id", True, example="NWP-R-2024-01"),
        C("Meeting ID", "meeting_id", "meeting", False, example="NWP-M-2024-11-20"),
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Recommendation", "recommendation", "text", True,
          example="Report knife-crime outcomes by ward at the next meeting"),
        C("Lead partner", "lead_partner", "partner", False, example="GWENT_POLICE"),
        C("Response", "response", "text", False, example="Accepted; ward table added to the quarterly report"),
        C("Due date", "due_date", "date", False, example="2025-03-19"),
        C("Recommendation status", "status", "choice", True, RECOMMENDATION_STATUSES, "on track"),
    ), "The committee's own recommendations and their follow-up.", ("partnership_code", "reference")),
    Sheet("CommunityTriggers", "community_trigger", (
        C("Case ID", "case_id", "id", True, example="NWP-CT-2024-003"),
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Kind", "kind", "choice", True, TRIGGER_KINDS, "Community Trigger"),
        C("Received date", "received_date", "date", True, example="2024-05-14"),
        C("Threshold met?", "threshold_met", "boolean", False, YES_NO, "Yes",
          description="Community Trigger threshold: 3 qualifying complaints in 6 months."),
        C("Outcome", "outcome", "text", False, example="Case review held; mediation and CCTV agreed"),
        C("Resolved date", "resolved_date", "date", False, example="2024-06-20",
          description="Must not be before the received date; blank while open."),
    ), "Community Trigger (ASB case review) and Councillor Call for Action cases.",
        ("partnership_code", "case_id")),
    Sheet("PartnershipHealth", "partnership_health", (
        C("Partnership code", "partnership_code", "partnership", True, example="W06000022"),
        C("Item", "item", "text", True, example="Strategic assessment",
          description="A minimum standard (" + "; ".join(MINIMUM_STANDARDS) + ") or a hallmark of an "
          "effective partnership (" + "; ".join(HALLMARKS) + ")."),
        C("Kind", "kind", "choice", True, HEALTH_KINDS, "standard"),
        C("Status", "status", "choice", False, HEALTH_STATUSES, "Met"),
        C("Evidence", "evidence", "text", False, example="Strategic assessment 2024 agreed by the board"),
        C("Assessed on", "assessed_on", "date", False, example="2025-03-31"),
    ), "Self-assessment against the minimum standards and the six hallmarks.", ("partnership_code", "kind", "item")),
)
del C

SHEET_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}
#: sheets the loader reads past without complaint
IGNORED_SHEETS: frozenset[str] = frozenset({"instructions", "about", "readme", "lists", "notes"})
TEMPLATE_XLSX = "action_plan_template.xlsx"
README_MD = "README.md"

INSTRUCTIONS: tuple[str, ...] = (
    "Community safety partnership action plan: template",
    "",
    "Fill in one row per item on each sheet. Keep the header row exactly as it is.",
    "Every column is described in data/templates/README.md (type, required or not, allowed values, example).",
    "Partners: list every organisation once; other sheets may use the partner code or the partner name.",
    "Dates: Excel dates, YYYY-MM-DD or dd/mm/yyyy. Lists of partners or crime types: separate with ';'.",
    f"RAG rule: {STATUS_MEANINGS}.",
    COMMENTARY_RULE_TEXT,
    "Loading checks every row first. If any row has a problem, nothing is loaded and every problem is listed "
    "with its sheet, row, column and the value expected: a half-loaded plan is worse than none.",
    "Meetings, recommendations and Community Trigger cases are merged by reference: a row updates or adds one, "
    "and records the file does not list are kept. Priorities, actions, contributions, events and health replace "
    "those of the partnerships named in the workbook; a load that would remove any held record lists them and "
    "needs a confirmation (--replace on the command line, 'Replace them' on the Data page). Progress is history: "
    "rows are added, never deleted.",
    "You may also save each sheet as its own CSV file (actions.csv, priorities.csv, ...).",
)


def normalise_label(text: str) -> str:
    """A header or sheet name reduced to lowercase letters and digits, for lenient matching."""
    return re.sub(r"[^a-z0-9]+", "", text.lower().replace("&", "and").replace("%", "pct"))


def format_cell(column: Column, value: Any) -> Any:
    """A store value as it is written to a workbook cell (and read back to the same value)."""
    if value is None:
        return None
    if column.type == "boolean" and isinstance(value, bool):
        return "Yes" if value else "No"
    if column.type == "timestamp":
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
    if column.type == "date":
        return value if isinstance(value, dt.date) else str(value)
    if column.type in ("partners", "crime_types"):
        return "; ".join(part for part in str(value).split(";") if part)
    return value


def build_workbook(rows_by_sheet: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                   about: Sequence[str] | None = None) -> Workbook:
    """A template workbook: Instructions (and About), every sheet with headers, dropdowns and the given rows."""
    from openpyxl import Workbook  # here, not at the top: pages that never write a workbook skip its 13 MB
    from openpyxl.styles import Font

    workbook = Workbook()
    instructions = workbook.active
    assert instructions is not None
    instructions.title = "Instructions"
    for line in INSTRUCTIONS:
        instructions.append([line])
    instructions["A1"].font = Font(bold=True, size=14)
    instructions.column_dimensions["A"].width = 120
    if about:
        sheet = workbook.create_sheet("About", 0)
        for line in about:
            sheet.append([line])
        sheet["A1"].font = Font(bold=True, size=14, color="C00000")
        sheet.column_dimensions["A"].width = 120
    rows_by_sheet = rows_by_sheet or {}
    for spec in SHEETS:
        rows = rows_by_sheet.get(spec.name, [])
        _write_sheet(workbook, spec, rows)
    return workbook


#: a text cell starting with one of these would be read as a formula by a spreadsheet (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _write_sheet(workbook: Workbook, spec: Sheet, rows: Sequence[Mapping[str, Any]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = workbook.create_sheet(spec.name)
    sheet.append([c.header for c in spec.columns])
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        note = f"{TYPE_DESCRIPTIONS[column.type]}; {'required' if column.required else 'optional'}"
        if column.allowed and column.type != "crime_types":
            note += "; one of: " + ", ".join(column.allowed)
        if column.description:
            note += ". " + column.description
        cell.comment = Comment(note, "cspdash")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(60, len(column.header) + 4))
        if column.type == "date":
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    for row in rows:
        sheet.append([format_cell(c, row.get(c.db_column)) for c in spec.columns])
    for row_cells in sheet.iter_rows(min_row=2):
        for cell, column in zip(row_cells, spec.columns, strict=False):
            if column.type == "date" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text, not a formula (OWASP CSV injection): kept as typed, shown literally,
                cell.quotePrefix = True  # and still text after the cell is edited in Excel
    last_row = max(1000, len(rows) + 500)
    for index, column in enumerate(spec.columns, start=1):
        if column.allowed and column.type in ("choice", "boolean"):
            validation = DataValidation(type="list", formula1='"' + ",".join(column.allowed) + '"',
                                        allow_blank=not column.required, showDropDown=False)
            validation.error = f"{column.header} must be one of: {', '.join(column.allowed)}"
            validation.errorTitle = f"{column.header}: value not allowed"
            validation.showErrorMessage = True
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def save_workbook(workbook: Workbook, path: Path) -> Path:
    """Save with fixed timestamps so the same content gives the same bytes (stable in git)."""
    fixed = dt.datetime(2025, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    workbook.save(tmp)
    with zipfile.ZipFile(tmp) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", data)
            stable = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            stable.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stable, data)
    tmp.unlink()
    return path


def readme_markdown() -> str:
    """data/templates/README.md: every column of every sheet (type, required, allowed values, example)."""
    lines = [
        "# Action-plan workbook template",
        "",
        "Generated from `cspdash/ingest/template.py` (`python -m cspdash.ingest.template`); "
        "do not edit by hand — a test checks this file matches the specification.",
        "",
        f"`{TEMPLATE_XLSX}` is the blank workbook. Each sheet fills one store table. The same data may be "
        "given as one CSV per sheet, named after the sheet (e.g. `actions.csv`, `priorities.csv`, "
        "`community_triggers.csv`) or with a header row that identifies the sheet. Headers are matched "
        "ignoring case and spacing; the store column name (e.g. `action_id`) is accepted too.",
        "",
        "## Loading rules",
        "",
        "- The whole workbook is checked first. **Any** invalid row makes the whole load fail with every "
        "problem listed (sheet, row, column, value found and what was expected); the store is left unchanged. "
        "A half-loaded plan is worse than none.",
        "- Statuses are matched ignoring case and are stored in the spelling shown below.",
        "- " + COMMENTARY_RULE_TEXT.replace("the status", "an action's status"),
        "- Partner columns accept the partner code or the partner name; a partner must be on the Partners "
        "sheet or already in the store.",
        "- Meetings, recommendations and community triggers are **merged by reference**: a row updates the "
        "record with its reference (or case ID) or adds a new one; records the file does not list are kept. "
        "A one-row file of triggers therefore adds (or updates) one case and removes none.",
        "- The other sheets present (priorities, actions, contributions, events, partnership health) replace the "
        "rows of the partnerships named in the workbook. **A load that would remove a record already held is "
        "refused** with the list of what would go (counts before → after and which records); load again with "
        "`--replace` (command line) or press 'Replace them' (Data page) to confirm. With `--replace` every sheet "
        "present, merged ones included, is the complete list for its partnerships. A sheet left out of the "
        "workbook leaves its table untouched.",
        "- Partners and indicators are shared: rows are added or updated by code, never deleted.",
        "- **Progress is append-only history**: rows not already held (same action, date, status, % complete "
        "and commentary) are added; nothing is ever deleted.",
        "- Sheets named Instructions, About, README, Lists or Notes are ignored; any other unknown sheet or "
        "column is an error (so a typo never loses data silently).",
        "- An export from the dashboard (`export_action_plan`) is in this format and loads back to identical tables.",
        "- To add a quarter's updates only, fill the Progress sheet (and the Actions sheet's current status if it "
        "changed) and leave the other sheets empty: empty sheets name no partnership, so nothing else changes.",
        "- In problem messages, 'line N' is the spreadsheet row number (the header is row 1).",
        "",
        "## Column types",
        "",
        "| type | what a cell holds |",
        "|---|---|",
    ]
    lines += [f"| {name} | {text} |" for name, text in TYPE_DESCRIPTIONS.items()]
    for spec in SHEETS:
        lines += ["", f"## Sheet `{spec.name}` → table `{spec.table}` (CSV: `{spec.csv_name}`)", "",
                  spec.description, "",
                  "| column | store column | type | required | allowed values | example | notes |",
                  "|---|---|---|---|---|---|---|"]
        for column in spec.columns:
            allowed = ", ".join(column.allowed) if column.allowed else ""
            lines.append(
                f"| {column.header} | `{column.db_column}` | {column.type} | "
                f"{'yes' if column.required else 'no'} | {allowed} | {column.example} | {column.description} |"
            )
    lines += ["", "## Partner-indicator CSV (`indicators_template.csv`)", "",
              "Partner figures (council ASB reports, fire incidents, A&E assault attendances, reoffending, survey "
              "results) come as a CSV, one row per indicator, area and period. Unlike the workbook, a bad row is "
              "rejected on its own (listed with its line number in the load report) and the good rows load; "
              "values are replaced on (indicator, area_code, period), and the load report names each value it "
              "replaced (old → new). A period is stored as its first day, so a quarter and its first month would "
              "share one: each indicator and area takes one kind of period in a file (month, quarter or financial "
              "year), and a quarter or year whose indicator and area the store holds by month (another month inside "
              "it is held) is rejected rather than overwrite its first month. An indicator id the store does not know is "
              "created with its name = id (or indicator_name when given) until the workbook's Indicators sheet "
              "defines it; the Indicators sheet is the authority on names, units and priorities.", "",
              "| column | required | what | example |", "|---|---|---|---|"]
    lines += [f"| {name} | {'yes' if required else 'no'} | {what} | {example} |"
              for name, required, what, example in INDICATOR_CSV_COLUMNS]
    from cspdash.ingest.geography import files_markdown  # (shapely and pandas only when the README is made)

    return "\n".join(lines) + "\n\n" + files_markdown()


#: the partner-indicator CSV (loaded by cspdash.ingest.indicators): column, required, meaning, example
INDICATOR_CSV_COLUMNS: tuple[tuple[str, bool, str, str], ...] = (
    ("indicator", True, "indicator id (as on the workbook's Indicators sheet); `indicator_id` also accepted",
     "NWP-ASB-COUNCIL"),
    ("area_code", True, "area the figure is for, usually the partnership (local authority) code", "W06000022"),
    ("period", True, "YYYY-MM, YYYY-MM-DD, YYYY-Qn (calendar quarter), YYYY/YY Qn (financial quarter) or "
     "YYYY/YY (financial year); stored as the period's first day", "2024-06"),
    ("value", True, "number (thousands separators and a trailing % are accepted)", "182"),
    ("baseline", False, "number", "175.8"),
    ("target", False, "number", "158.2"),
    ("indicator_name", False, "name for an indicator not yet defined", "ASB reports to the council"),
    ("unit", False, "unit for an indicator not yet defined", "reports"),
    ("higher_is_better", False, "Yes or No", "No"),
    ("source_partner", False, "partner code or name of the data owner", "NEWPORT_CC"),
)


def write_template(directory: Path = TEMPLATES_DIR) -> list[Path]:
    """Write the blank template workbook and its README into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    xlsx = save_workbook(build_workbook(), directory / TEMPLATE_XLSX)
    indicators = directory / "indicators_template.csv"
    indicators.write_text(",".join(name for name, *_ in INDICATOR_CSV_COLUMNS) + "\n", encoding="utf-8")
    readme = directory / README_MD
    readme.write_text(readme_markdown(), encoding="utf-8")
    return [xlsx, indicators, readme]


def sheets_in(names: Iterable[str]) -> dict[str, Sheet]:
    """Map actual sheet names to template sheets (ignoring case and spacing)."""
    by_label = {normalise_label(s.name): s for s in SHEETS}
    return {name: by_label[normalise_label(name)] for name in names if normalise_label(name) in by_label}


if __name__ == "__main__":
    for written in write_template():
        print(written)
