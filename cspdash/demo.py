"""Build the embedded demo store: Gwent geography, 36 months of real police.uk data and the SAMPLE action plan."""

from __future__ import annotations

from pathlib import Path

from cspdash.config import DEMO_DIR
from cspdash.ingest.load import Progress, load_paths
from cspdash.ingest.report import LoadReport
from cspdash.store.versions import Store

GEOGRAPHY_DIR = "geography"
POLICE_ZIP = "police_uk_gwent.zip"
ACTION_PLAN = "action_plan_sample.xlsx"
INDICATORS = "indicators_sample.csv"


def demo_paths(demo_dir: Path = DEMO_DIR) -> list[Path]:
    """The demo inputs that exist, geography first: geography folder, police.uk zip, sample plan, indicators."""
    wanted = [demo_dir / GEOGRAPHY_DIR, demo_dir / POLICE_ZIP, demo_dir / ACTION_PLAN, demo_dir / INDICATORS]
    return [p for p in wanted if p.exists()]


def build_demo(store: Store, progress: Progress | None = None, demo_dir: Path = DEMO_DIR) -> list[LoadReport]:
    """Load every demo input into store in ONE all-or-nothing write; returns one report per file loaded."""
    return load_paths(store, demo_paths(demo_dir), user="demo", progress=progress)
