"""The layering rules of DESIGN.md, enforced: imports only go down, streamlit only in ui, pages stay thin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# lower rank = lower layer; a module may import only modules of its own or a lower rank
RANK = {
    "config": 0, "vocab": 0, "accounts": 0, "__init__": 0, "__main__": 9,
    "analysis": 1, "store": 2, "ingest": 3, "demo": 3, "metrics": 4, "charts": 5, "report": 6,
    "ui": 7, "cli": 8,
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _package_files() -> list[Path]:
    return sorted((ROOT / "cspdash").rglob("*.py"))


@pytest.mark.parametrize("path", _package_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_go_down(path: Path) -> None:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = RANK[_layer(module)]
    for name in _imports(path):
        if name == "streamlit" or name.startswith("streamlit."):
            assert _layer(module) == "ui", f"{module} imports streamlit; only cspdash/ui may"
        if name.startswith("cspdash."):
            other = RANK[_layer(name)]
            assert other <= own, f"{module} (layer {_layer(module)}) imports {name} (higher layer {_layer(name)})"


def test_analysis_is_pure() -> None:
    for path in (ROOT / "cspdash" / "analysis").rglob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in {"duckdb", "streamlit", "plotly"}, f"{path.name} imports {name}"


PAGE_FILES = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "dashboard.py"]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+.*\b(FROM|INTO|SET)\b", re.IGNORECASE | re.DOTALL)


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_pages_are_thin(path: Path) -> None:
    text = path.read_text()
    for name in _imports(path):
        root = name.split(".")[0]
        assert root not in {"duckdb", "plotly", "pandas"}, f"{path.name} imports {name}: pages ask cspdash"
        assert not name.startswith("cspdash.store"), f"{path.name} reaches into the store"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.search(node.value), f"{path.name} contains SQL: {node.value[:60]!r}"
    assert len(text.splitlines()) <= 120, f"{path.name} has {len(text.splitlines())} lines; move logic down a layer"
