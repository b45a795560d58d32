"""The meeting briefing's words that the meeting page shows as well as the pack: 'what changed since the previous
meeting' and the file name of an export. Kept apart from the PDF code so the page does not import fpdf2 (about
29 MB of the server's memory); the pack and the slides are built in a child process (ui/export_process.py)."""

from __future__ import annotations

import re

from cspdash.metrics.meeting import Briefing

#: said in place of the Community Trigger case list in public output (pack and meeting page): a list of cases
#: gives away the small counts the rule hides
TRIGGER_LOG_LEFT_OUT = ("Individual cases are not listed in public output; the counts by quarter below show "
                        "small counts as <5.")


def what_changed_lines(b: Briefing) -> dict[str, list[str]]:
    """The 'what changed since the previous meeting' bullets by heading."""
    moves = b.rag_changes
    worse = moves[moves["change"].isin(["new Red", "new Amber", "worse"])] if not moves.empty else moves
    better = moves[moves["change"] == "better"] if not moves.empty else moves
    changes = b.crime_changes
    real = changes[changes["verdict"] == "significant"] if not changes.empty else changes
    lines = {
        "New Red and Amber items": [
            f"{r.level.capitalize()} {r.item_id} '{r.title}' ({b.partner(r.lead_partner)}): "
            f"{r.rag_then} → {r.rag_now}" + (f". {r.reason}" if isinstance(r.reason, str) and r.reason else "")
            for r in worse.itertuples()],
        "Improved": [f"{r.level.capitalize()} {r.item_id} '{r.title}': {r.rag_then} → {r.rag_now}"
                     for r in better.itertuples()],
        "Real changes in crime": [f"{r.crime_type}: {r.sentence}" for r in real.itertuples()],
        "SPC signals": [str(s) for s in b.spc_signals.get("sentence", [])],
        "New or intensifying hot spots": [
            f"{r.area_name} ({r.area_code}): {r.persistence}, {r.hot_spot_class}, {b.count(r.crimes_latest)} in the "
            "last 3 months" for r in b.new_hot_spots.itertuples()],
        "Overdue recommendations": [
            f"{r.reference} ({b.partner(r.lead_partner)}): {r.recommendation} — due {r.due_date:%-d %b %Y}, "
            f"{r.days_overdue} days overdue" for r in b.overdue_recommendations.itertuples()],
    }
    return lines


def export_file_name(b: Briefing, kind: str, extension: str) -> str:
    """A file name a committee clerk can file: 'Caerphilly-scrutiny-briefing-pack-16-Jul-2025.pdf'."""
    place = re.sub(r"[^A-Za-z0-9]+", "-", b.meeting.partnership_name).strip("-") or "partnership"
    return f"{place}-scrutiny-{kind}-{b.meeting.meeting_date:%d-%b-%Y}.{extension}"
