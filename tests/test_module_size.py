"""No module under cspdash/metrics is over 500 lines: a concept that outgrows that becomes a package of modules
(as plan, hotspots, meeting and crime are), each small enough to read in one sitting."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
METRICS = ROOT / "cspdash" / "metrics"
MAX_LINES = 500


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("path", sorted(METRICS.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_metrics_module_is_at_most_500_lines(path: Path) -> None:
    assert _lines(path) <= MAX_LINES, (
        f"{path.relative_to(ROOT)} has {_lines(path)} lines (limit {MAX_LINES}): split it by concept into a package"
    )


def test_the_limit_is_checked_on_the_real_tree(tmp_path: Path) -> None:
    """The check counts lines as an editor does, and the tree it reads is the package (not an empty glob)."""
    assert len(list(METRICS.rglob("*.py"))) >= 20
    long = tmp_path / "long.py"
    long.write_text("x = 1\n" * (MAX_LINES + 1))
    assert _lines(long) == MAX_LINES + 1 > MAX_LINES


def test_every_metrics_module_is_in_the_architecture_file_map() -> None:
    """docs/architecture.md names each module of the metrics packages, so the map stays the tree."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [f"{path.parent.name}/{path.name}" for path in sorted(METRICS.glob("*/*.py"))
               if path.name != "__init__.py" and f"`{path.name}`" not in text]
    assert not missing, f"docs/architecture.md's metrics packages table does not name {missing}"
