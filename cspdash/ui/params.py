"""URL parameter names, declared once: every filter a page keeps in the address, so a shared link opens the same
view. The widgets (cspdash/ui/filters.py) and the pages' blocks use these names; tests read URL_PARAMS.

No streamlit here: tests import this module without starting the app's caches.
"""

from __future__ import annotations

# the sidebar (every page)
PARTNERSHIP = "csp"
FORCE = "force"
PERIOD_END = "end"
PERIOD_LENGTH = "len"
# crime trends, compare and hot spots: one name for the crime type on every page, so a link opens the same type
CRIME_TYPE = "type"
AREA_LEVEL = "level"
GRAIN = "grain"
MEASURE = "measure"
COMPARE = "compare"
SPC_BREAK = "break"
AREAS = "area"
# hot spots (also CRIME_TYPE, MEASURE, AREA_LEVEL and AREAS)
CONFIDENCE = "conf"
NEIGHBOURS = "nb"
PERSISTENCE = "persist"
POINTS = "points"
TILES = "tiles"
# action plan and partners
AS_AT = "asat"
PRIORITY = "priority"
SINCE = "since"
SINCE_DATE = "since_date"
PARTNER = "partner"
# prepare for a meeting
MEETING = "meeting"

#: every parameter a page reads, name in the address → what it holds
URL_PARAMS: dict[str, str] = {
    PARTNERSHIP: "partnership code", PERIOD_END: "last month of the period (YYYY-MM)",
    PERIOD_LENGTH: "period length in months",
    FORCE: "police force (partnerships grouped by force; shown when several forces are loaded)", CRIME_TYPE: "crime type (trends, compare, hot spots)", AREA_LEVEL: "area level",
    GRAIN: "month, quarter or financial year", MEASURE: "measure shown", COMPARE: "comparison",
    SPC_BREAK: "month the process limits are recalculated from", AREAS: "areas side by side / area to look into",
    CONFIDENCE: "hot spot confidence", NEIGHBOURS: "neighbour rule",
    PERSISTENCE: "persistence periods", POINTS: "crime locations layer", TILES: "street map background",
    AS_AT: "date statuses are judged at", PRIORITY: "priority", SINCE: "changes since (a meeting or a date)",
    SINCE_DATE: "changes since this date", PARTNER: "partner code", MEETING: "meeting",
}

#: names older links used → the name read now (a link carrying the old name still opens its view)
OLD_NAMES: dict[str, str] = {"ct": CRIME_TYPE}
