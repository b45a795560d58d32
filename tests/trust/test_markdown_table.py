"""A table drawn as markdown (blocks.markdown_table) shows its cells literally: no markup, links, HTML, maths or
icons from workbook text, and no cell can break the table's columns."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cspdash.ui.blocks import markdown_cell, markdown_table

SPECIAL = set("\\`*_{}[]()<>#+!|~$:&-")


def unescape(cell: str) -> str:
    """What a markdown renderer shows for an escaped cell: a backslash before punctuation is dropped."""
    return re.sub(r"\\(.)", r"\1", cell)


@given(st.text(max_size=60))
def test_a_cell_shows_its_text_literally(text: str) -> None:
    cell = markdown_cell(text)
    assert unescape(cell) == " ".join(text.split())
    # every special character is escaped: none can start markup
    unescaped = re.sub(r"\\.", "", cell)
    assert not SPECIAL & set(unescaped), cell
    assert "\n" not in cell


def test_hostile_cells_and_the_table_shape() -> None:
    frame = pd.DataFrame({
        "Status": ["✖ Red", "▲ Amber", "✔ Green"],
        "Priority": ["<script>alert(1)</script>", "[click](javascript:alert(1))", "Knife | crime\nand $x$"],
        "Actions": [5, 4, None],
    })
    lines = markdown_table(frame).split("\n")
    assert lines[0] == "| Status | Priority | Actions |"
    assert lines[1] == "| --- | --- | --- |"
    assert len(lines) == 2 + len(frame)
    # every row has exactly the columns' number of unescaped separators
    for line in lines:
        assert len(re.findall(r"(?<!\\)\|", line)) == len(frame.columns) + 1, line
    assert lines[2] == r"| ✖ Red | \<script\>alert\(1\)\</script\> | 5 |"
    assert lines[3] == r"| ▲ Amber | \[click\]\(javascript\:alert\(1\)\) | 4 |"
    assert lines[4] == r"| ✔ Green | Knife \| crime and \$x\$ |  |"
    assert markdown_cell(float("nan")) == "" and markdown_cell(None) == ""
