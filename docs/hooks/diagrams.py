"""mkdocs hook: replace ``<!-- diagram: examples.snippets.NAME -->`` with a Mermaid diagram.

The diagram is drawn from the template that the snippet's ``build(stack)`` synthesizes at docs
build time: nodes are its CloudFormation resources, edges its Ref/GetAtt references. So a
diagram cannot drift from what the construct really defines.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"<!-- diagram: ([\w.]+) -->")


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".")[0])
        for inner in value.values():
            found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def mermaid(template: dict[str, Any]) -> str:
    """A Mermaid flowchart of a template's resources and their references."""
    resources = template.get("Resources", {})
    lines = ["```mermaid", "flowchart LR"]
    for logical_id, resource in resources.items():
        kind = resource["Type"].removeprefix("AWS::")
        lines.append(f'  {logical_id}["{kind}<br/><small>{logical_id}</small>"]')
    for logical_id, resource in resources.items():
        for target in sorted(_references(resource.get("Properties", {})) & set(resources)):
            lines.append(f"  {logical_id} --> {target}")
    lines.append("```")
    return "\n".join(lines)


def _diagram(module_name: str) -> str:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module = importlib.import_module(module_name)
    stack = cdk.Stack(cdk.App(), "Docs")
    module.build(stack)
    return mermaid(Template.from_stack(stack).to_json())


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(lambda match: _diagram(match.group(1)), markdown)
