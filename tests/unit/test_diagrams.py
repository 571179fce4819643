"""Each construct page's diagram is at the level a reader thinks in: a few parts, labelled flows."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import aws_cdk as cdk
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs" / "constructs").glob("*.md"))
NODE = re.compile(r'^  n\d+\["([^<]+)<br/><small>([^"<]+)</small>"\]$', re.MULTILINE)
EDGE = re.compile(r"^  n\d+ -->\|([^|]+)\| n\d+$", re.MULTILINE)


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("diagrams_hook", ROOT / "docs" / "hooks" / "diagrams.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _diagrams() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for module in re.findall(r"<!-- diagram: ([\w.]+) -->", page.read_text()):
            found.append((page.name, module))
    return found


def test_every_construct_page_has_a_diagram() -> None:
    assert {page for page, _ in _diagrams()} >= {"queue_processor.md", "crud_api.md", "event_fanout.md"}


@pytest.mark.parametrize(("page", "module_name"), _diagrams())
def test_diagram_has_at_most_15_parts_and_labelled_flows(page: str, module_name: str) -> None:
    hook = _hook()
    stack = cdk.Stack(cdk.App(), "Docs")
    importlib.import_module(module_name).build(stack)
    diagram = hook.mermaid(stack)
    nodes = NODE.findall(diagram)
    edges = EDGE.findall(diagram)
    assert 2 <= len(nodes) <= 15, f"{page}: {len(nodes)} nodes\n{diagram}"
    kinds = {kind for kind, _ in nodes}
    assert kinds <= {*hook.KINDS.values(), "DLQ"}, kinds
    # Every line is a node, a labelled edge or the fence: no unlabelled arrow.
    body = diagram.splitlines()[2:-1]
    assert len(body) == len(nodes) + len(edges), diagram
    assert edges, f"{page}: no flow between the parts\n{diagram}"


def test_queue_processor_diagram_reads_queue_to_function_to_dlq() -> None:
    hook = _hook()
    stack = cdk.Stack(cdk.App(), "Docs")
    importlib.import_module("examples.snippets.queue_processor").build(stack)
    diagram = hook.mermaid(stack)
    names = dict(re.findall(r'^  (n\d+)\[".*<small>([^<]+)</small>', diagram, re.MULTILINE))
    arrows = re.findall(r"^  (n\d+) -->\|([^|]+)\| (n\d+)$", diagram, re.MULTILINE)
    flows = {(names[start], flow, names[end]) for start, flow, end in arrows}
    assert flows == {
        ("Ingest/Queue", "messages", "Ingest/Function"),
        ("Ingest/Queue", "failed messages", "Ingest/DeadLetterQueue"),
    }
