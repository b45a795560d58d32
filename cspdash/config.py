"""Settings: store path, demo data location, roles file, suppression threshold."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
TEMPLATES_DIR = DATA_DIR / "templates"
DEFAULT_DB = DATA_DIR / "cspdash.duckdb"
HARM_WEIGHTS_CSV = DATA_DIR / "harm_weights.csv"

#: counts from 1 to this value are shown as "<5" in public-output mode
SMALL_COUNT_MAX = 4


@dataclass(frozen=True)
class Settings:
    """Runtime settings read from the environment."""

    db_path: Path
    public_output: bool
    users_file: Path
    #: $CSPDASH_USERS names the file: if it is missing the dashboard stays closed (never demo mode)
    users_required: bool = False


def store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store path: an explicit --db, else $CSPDASH_DB, else data/cspdash.duckdb."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get("CSPDASH_DB")
    if env:
        return Path(env).expanduser().absolute()
    return DEFAULT_DB


def settings() -> Settings:
    """Current settings from the environment."""
    return Settings(
        db_path=store_path(),
        public_output=os.environ.get("CSPDASH_PUBLIC_OUTPUT", "0").lower() in {"1", "true", "yes"},
        users_file=Path(os.environ.get("CSPDASH_USERS") or str(PROJECT_ROOT / "config" / "users.toml")),
        users_required=bool(os.environ.get("CSPDASH_USERS")),
    )
