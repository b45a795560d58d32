"""Fixtures for the trust tests: AppTest runs that behave like the real server across reruns."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard.py"


