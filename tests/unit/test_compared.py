"""The "Compared with" page sources every claim it makes about another tool."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "compared.md"
TOOLS = ["AWS Solutions Constructs", "cdk-monitoring-constructs", "Powertools for AWS Lambda", "SAM CLI", "LocalStack"]


def _table() -> list[list[str]]:
    rows = [line for line in PAGE.read_text().splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_table_has_a_column_per_tool() -> None:
    header = _table()[0]
    assert header[1] == "serverless-patterns"
    assert [next(tool for tool in TOOLS if tool in cell) for cell in header[2:]] == TOOLS


def test_every_cell_about_another_tool_links_its_source_or_says_nothing() -> None:
    text = PAGE.read_text()
    references = set(re.findall(r"^\[([\w-]+)\]: https://", text, flags=re.MULTILINE))
    unsourced = []
    for row in _table()[1:]:
        for tool, cell in zip(TOOLS, row[2:], strict=True):
            cited = set(re.findall(r"\[([\w-]+)\]", cell)) & references
            if cell != "—" and not cited:
                unsourced.append(f"{row[0]} / {tool}: {cell}")
    assert not unsourced, unsourced


def test_page_says_what_each_tool_does_that_this_library_does_not() -> None:
    section = PAGE.read_text().split("## What they do that this library does not", 1)[1]
    for tool in ["AWS Solutions Constructs", "cdk-monitoring-constructs", "Powertools for AWS Lambda", "SAM CLI"]:
        assert f"**{tool}**" in section
    assert "**LocalStack**" in section
