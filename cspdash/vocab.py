"""police.uk vocabulary: crime types, historical names, outcome groups, partner types."""

from __future__ import annotations

CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
ASB = "Anti-social behaviour"
ALL_CRIME = "All crime"

#: names used in older police.uk files, mapped to the current category
HISTORICAL_CRIME_TYPES: dict[str, str] = {
    "Violent crime": "Violence and sexual offences",
    "Violence and sexual offences": "Violence and sexual offences",
    "Public disorder and weapons": "Public order",
    "Other crime": "Other crime",
}

OUTCOME_GROUPS: tuple[str, ...] = (
    "Charged or summonsed",
    "Out-of-court resolution",
    "No suspect identified",
    "Evidential difficulties",
    "Still under investigation",
    "Not in the public interest / other body",
    "Status unavailable",
)

#: every police.uk outcome string → the outcome group shown to committees
OUTCOME_GROUP: dict[str, str] = {
    "Suspect charged": "Charged or summonsed",
    "Suspect charged as part of another case": "Charged or summonsed",
    "Awaiting court outcome": "Charged or summonsed",
    "Court result unavailable": "Charged or summonsed",
    "Court case unable to proceed": "Charged or summonsed",
    "Defendant found not guilty": "Charged or summonsed",
    "Defendant sent to Crown Court": "Charged or summonsed",
    "Offender sent to prison": "Charged or summonsed",
    "Offender given suspended prison sentence": "Charged or summonsed",
    "Offender fined": "Charged or summonsed",
    "Offender given community sentence": "Charged or summonsed",
    "Offender given conditional discharge": "Charged or summonsed",
    "Offender given absolute discharge": "Charged or summonsed",
    "Offender otherwise dealt with": "Charged or summonsed",
    "Offender ordered to pay compensation": "Charged or summonsed",
    "Offender deprived of property": "Charged or summonsed",
    "Local resolution": "Out-of-court resolution",
    "Offender given a caution": "Out-of-court resolution",
    "Offender given penalty notice": "Out-of-court resolution",
    "Offender given a drugs possession warning": "Out-of-court resolution",
    "Investigation complete; no suspect identified": "No suspect identified",
    "Unable to prosecute suspect": "Evidential difficulties",
    "Under investigation": "Still under investigation",
    "Formal action is not in the public interest": "Not in the public interest / other body",
    "Further action is not in the public interest": "Not in the public interest / other body",
    "Further investigation is not in the public interest": "Not in the public interest / other body",
    "Action to be taken by another organisation": "Not in the public interest / other body",
    "Status update unavailable": "Status unavailable",
}

STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
OUTCOME_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
)
STOP_SEARCH_COLUMNS: tuple[str, ...] = (
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude",
    "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
    "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)

#: the partnership self-assessment (Home Office guidance): the national minimum standards and the six hallmarks
#: of an effective partnership (the workbook's PartnershipHealth sheet and the meeting briefing use these)
MINIMUM_STANDARDS: tuple[str, ...] = (
    "Strategy group", "Strategic assessment", "Information-sharing protocol", "Partnership plan refreshed",
    "Community consultation",
)
HALLMARKS: tuple[str, ...] = (
    "Empowered and effective leadership", "Intelligence-led business processes",
    "Effective and responsive delivery structures", "Community engagement",
    "Visible and constructive accountability", "Appropriate skills and knowledge",
)
