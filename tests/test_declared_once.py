"""Names and rules declared in one place: URL parameter names (cspdash/ui/params.py), the minimum standards and
hallmarks (cspdash/vocab.py). Read from the source where importing would start the app's caches."""

from __future__ import annotations

import ast
from pathlib import Path

from cspdash import vocab
from cspdash.ingest import template
from cspdash.metrics import meeting
from cspdash.ui import params

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "cspdash" / "ui"
PARAM_CALLS = {"url_choice": 2, "url_multi_choice": 2}  # function → position of the URL parameter name


def _param_arguments() -> list[tuple[str, int, ast.expr]]:
    """(file, line, expression) of every URL parameter name the ui passes or reads."""
    found = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in PARAM_CALLS and len(node.args) > PARAM_CALLS[name]:
                found.append((path.name, node.lineno, node.args[PARAM_CALLS[name]]))
            elif name in ("get", "get_all") and "query_params" in ast.unparse(node.func) and node.args:
                if "request" not in ast.unparse(node.func):  # the sign-in ticket is not a filter
                    found.append((path.name, node.lineno, node.args[0]))
    return found


def test_every_url_parameter_name_comes_from_params() -> None:
    arguments = _param_arguments()
    assert len(arguments) >= 20, arguments
    literal = [(f, line, ast.unparse(e)) for f, line, e in arguments
               if not (isinstance(e, ast.Attribute) and ast.unparse(e.value) in ("params", "url"))
               and ast.unparse(e) != "param"]
    assert not literal, f"URL parameter names written in place instead of cspdash/ui/params.py: {literal}"
    used = {e.attr for _f, _l, e in arguments if isinstance(e, ast.Attribute)}
    declared = {name for name in vars(params) if name.isupper() and name not in ("URL_PARAMS", "OLD_NAMES")}
    assert used <= declared
    assert set(params.URL_PARAMS) == {getattr(params, name) for name in declared}, "URL_PARAMS lists every name"
    assert not set(params.OLD_NAMES) & set(params.URL_PARAMS) and set(params.OLD_NAMES.values()) <= set(params.URL_PARAMS)


def test_links_name_their_parameters_from_params() -> None:
    """A link's parameters (link_params(selection, name=value)) are named from params too: a name typed in place
    ('ct=') is how the Overview's links once asked Crime trends for a parameter other pages did not share."""
    typed = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "link_params":
                typed += [(path.name, node.lineno, k.arg) for k in node.keywords if k.arg is not None]
    assert not typed, f"link parameters named in place instead of from cspdash/ui/params.py: {typed}"


def test_one_name_for_the_crime_type_on_every_page() -> None:
    """Hot spots, Crime trends and Compare read the crime type under one name, the one users type ('type')."""
    readers = {path.name for path in UI.glob("*.py") if "params.CRIME_TYPE" in path.read_text(encoding="utf-8")}
    assert {"hotspot_blocks.py", "trend_blocks.py", "compare_blocks.py"} <= readers
    assert params.CRIME_TYPE == "type"


def test_standards_and_hallmarks_are_declared_once() -> None:
    assert meeting.MINIMUM_STANDARDS is vocab.MINIMUM_STANDARDS is template.MINIMUM_STANDARDS
    assert meeting.HALLMARKS is vocab.HALLMARKS is template.HALLMARKS
    assert len(vocab.HALLMARKS) == 6  # "the six hallmarks of an effective partnership"
    for path in (ROOT / "cspdash").rglob("*.py"):
        if path.name != "vocab.py":
            text = path.read_text(encoding="utf-8")
            assert "Intelligence-led business processes" not in text, f"{path} copies the hallmarks"
            assert "Information-sharing protocol" not in text, f"{path} copies the minimum standards"


def _strings_outside_docstrings(path: Path) -> list[tuple[int, str, bool]]:
    """(line, text, formatted?) of every string written in the module's code, docstrings left out; an f-string's
    literal parts are joined with '{}' where a value goes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            found.append((node.lineno, str(text), True))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append((node.lineno, node.value, False))
    return found


def test_the_pack_and_slides_take_units_and_formats_from_the_catalogue() -> None:
    """Money, counts and the rate unit in the PDF pack and the slides are the measure catalogue's, not written in
    place: no '£{…}' f-string, no ':,.0f' count format, no 'per 1,000 residents' typed into the report code."""
    written = []
    for path in sorted((ROOT / "cspdash" / "report").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        written += [f"{path.name}:{n}: {spec}" for n, line in enumerate(source.splitlines(), 1)
                    for spec in (":,.0f}", ":,.1f}") if spec in line]
        written += [f"{path.name}:{line}: {text!r}" for line, text, formatted in _strings_outside_docstrings(path)
                    if (formatted and "£{}" in text) or "per 1,000 residents" in text]
    assert not written, "units and formats typed into the report instead of read from the catalogue: " + "; ".join(
        written)
