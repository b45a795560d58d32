"""Queries for the Data page: the load log, rejected rows, completeness."""

from __future__ import annotations

import duckdb
import pandas as pd

#: each load source as people read it in the load log (the store keeps the short code)
SOURCE_NAMES = {
    "geography": "Geography (areas and councils)", "population": "Population", "boundaries": "Area boundaries",
    "indicators": "Indicators", "action_plan": "Action plan workbook", "police_uk_street": "police.uk street crime",
    "police_uk_outcomes": "police.uk outcomes", "police_uk_stop_search": "police.uk stop and search",
}


def source_name(code: object) -> str:
    """A load source's plain name ('police_uk_street' → 'police.uk street crime'; an unknown code in words)."""
    text = "" if code is None else str(code)
    if text in SOURCE_NAMES:
        return SOURCE_NAMES[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def load_log(con: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """The most recent loads first (sources by their plain names)."""
    log = con.execute(
        "SELECT loaded_at AS \"Loaded at\", source AS \"Source\", file_name AS \"File\", rows_read AS \"Rows read\","
        " rows_loaded AS \"Rows loaded\", rows_rejected AS \"Rows rejected\", detail AS \"Detail\","
        " loaded_by AS \"Loaded by\", sha256 AS \"SHA-256\" FROM load_log ORDER BY load_id DESC LIMIT ?",
        [limit],
    ).df()
    log["Source"] = [source_name(v) for v in log["Source"]]
    return log


def rejected_rows(con: duckdb.DuckDBPyConnection, limit: int = 2000) -> pd.DataFrame:
    """Every rejected row with where and why (nothing is lost: the raw value is kept)."""
    return con.execute(
        "SELECT r.file_name AS \"File\", r.line AS \"Line\", r.column_name AS \"Column\", r.value AS \"Value\","
        " r.reason AS \"Expected\", l.loaded_at AS \"Loaded at\" FROM load_reject r JOIN load_log l USING (load_id)"
        " ORDER BY r.load_id DESC, r.line LIMIT ?",
        [limit],
    ).df()


def completeness_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Street records per force and month with a status (ok, low, missing), ready to show."""
    from cspdash.store.completeness import completeness

    table = completeness(con, source="street")
    return pd.DataFrame({
        "Force": table["force"],
        "Month": pd.to_datetime(table["month"]).dt.strftime("%Y-%m"),
        "Street records": table["rows"],
        "Status": table["status"],
    })


def completeness_summary(con: duckdb.DuckDBPyConnection) -> str:
    """One sentence: the months covered and how many force-months are missing or far below normal."""
    from cspdash.store.completeness import completeness_counts

    first_month, last_month, gaps, cells = completeness_counts(con, source="street")
    if not cells or first_month is None or last_month is None:
        return "No police.uk street data is loaded yet."
    first, last = f"{first_month:%b %Y}", f"{last_month:%b %Y}"
    if gaps == 0:
        return f"Every month from {first} to {last} is published for every force loaded."
    return (f"{gaps} force-months between {first} and {last} are missing or far below normal: "
            "they are shown as gaps, never as zero.")


#: how British Transport Police records are counted (README and the Data page say the same)
BTP_NOTE = ("British Transport Police records (crimes on the railway, placed at stations) are loaded and kept, and "
            "listed here under their own name, but counted in no partnership's figures or rates: police.uk "
            "publishes them apart from the territorial force that covers the partnership, and adding them would mix "
            "two forces' recording and publishing months.")


def geography_summary(con: duckdb.DuckDBPyConnection) -> str:
    """One sentence on the geography in use: the shipped national one (with its attribution) or the analyst's own."""
    from cspdash.ingest.national import ATTRIBUTION, installed_detail

    installed = installed_detail(con)
    if installed:
        shown = installed.split("; files sha256")[0]
        return (f"Geography: the shipped {shown}. Records published under 2011 LSOA codes are placed in their 2021 "
                "LSOA with the ONS 2011→2021 lookup (merged areas exactly; a split area's records in its 2021 "
                f"piece with the most residents). {ATTRIBUTION}")
    return ("Geography: loaded from your own files (see the load log); the shipped national geography is not "
            "installed in this store.")


def police_forces(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """police.uk force names matched to police force areas, with how many partnerships each force holds."""
    return con.execute(
        """SELECT f.force AS "police.uk force (Falls within)", f.file_slug AS "File name part",
                  f.pfa_code AS "Force area code", f.pfa_name AS "Force area",
                  count(p.partnership_code) AS "Partnerships",
                  (SELECT count(*) FROM published_month m WHERE m.source = 'street' AND m.force = f.force)
                      AS "Months loaded"
           FROM police_force f LEFT JOIN partnership p ON p.force = f.force AND p.source = 'shipped'
           GROUP BY ALL ORDER BY "Months loaded" DESC, 1"""
    ).df()
