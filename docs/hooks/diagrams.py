"""mkdocs hook: replace ``<!-- diagram: examples.snippets.NAME -->`` with a Mermaid diagram.

The diagram is drawn from the construct tree that the snippet's ``build(stack)`` defines, at the
level a reader thinks in: one node per construct-level part (API, route, function, table, queue,
DLQ, bus, rule, state machine, topic, the alarms), not per CloudFormation resource. Roles,
policies, log groups, permissions and mappings are folded into the part that owns them, and what
they reference becomes an edge labelled with what flows. So a diagram cannot drift from what the
construct really defines, and stays readable.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aws_cdk as cdk
    from constructs import IConstruct

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"<!-- diagram: ([\w.]+) -->")

#: CloudFormation type of a part's main resource -> the kind of part it is.
KINDS = {
    "AWS::ApiGateway::RestApi": "API",
    "AWS::ApiGatewayV2::Api": "API",
    "AWS::ApiGateway::Method": "route",
    "AWS::ApiGatewayV2::Route": "route",
    "AWS::Lambda::Function": "function",
    "AWS::DynamoDB::Table": "table",
    "AWS::DynamoDB::GlobalTable": "table",
    "AWS::SQS::Queue": "queue",
    "AWS::Events::EventBus": "bus",
    "AWS::Events::Rule": "rule",
    "AWS::StepFunctions::StateMachine": "state machine",
    "AWS::SNS::Topic": "topic",
    "AWS::CloudWatch::Alarm": "alarms",
    "AWS::CloudWatch::CompositeAlarm": "alarms",
}
#: (from, to) in the direction something flows -> what flows.
FLOWS = {
    ("API", "route"): "requests",
    ("route", "function"): "requests",
    ("queue", "function"): "messages",
    ("queue", "DLQ"): "failed messages",
    ("function", "queue"): "messages",
    ("function", "DLQ"): "failed async events",
    ("function", "table"): "items",
    ("function", "bus"): "events",
    ("function", "state machine"): "executions",
    ("bus", "rule"): "events",
    ("rule", "function"): "matched events",
    ("rule", "queue"): "matched events",
    ("rule", "state machine"): "matched events",
    ("rule", "bus"): "matched events",
    ("rule", "DLQ"): "undelivered events",
    ("rule", "topic"): "matched events",
    ("state machine", "function"): "task input",
    ("state machine", "table"): "items",
    ("function", "alarms"): "metrics",
    ("queue", "alarms"): "metrics",
    ("DLQ", "alarms"): "metrics",
    ("state machine", "alarms"): "metrics",
    ("API", "alarms"): "metrics",
    ("alarms", "topic"): "alarm notifications",
    ("function", "topic"): "messages",
}
#: A reference that points against the flow: (referring kind, referenced kind).
AGAINST_FLOW = {("route", "API"), ("rule", "bus"), ("alarms", "function"), ("alarms", "queue"), ("alarms", "DLQ"),
                ("alarms", "state machine"), ("alarms", "API")}  # fmt: skip


class Part:
    """One node: a construct-level part and the CloudFormation resources folded into it."""

    def __init__(self, key: str, kind: str, label: str) -> None:
        self.key = key
        self.kind = kind
        self.label = label


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


def _route_path(method_path: str) -> str:
    """``Stack/Users/Api/Resource/Default/users/{id}/GET`` -> ``/users/{id}``."""
    parts = method_path.split("/")
    below = parts[parts.index("Default") + 1 : -1] if "Default" in parts else []
    return "/" + "/".join(below)


def _label(stack: cdk.Stack, path: str) -> str:
    """The last two meaningful ids of a construct path below the stack: ``Users/Table``."""
    ids = [part for part in path.removeprefix(stack.node.path + "/").split("/") if part not in {"Resource", "Default"}]
    return "/".join(ids[-2:])


def parts_of(stack: cdk.Stack) -> tuple[dict[str, Part], dict[str, str]]:
    """The parts of ``stack`` by key, and the part key of every CloudFormation logical id."""
    from aws_cdk import CfnResource

    parts: dict[str, Part] = {}
    owner_path: dict[str, str] = {}  # construct path of a part's L2 -> part key
    logical_paths: dict[str, str] = {}
    alarm_count = 0
    route_verbs: dict[str, list[str]] = {}
    for node in stack.node.find_all():
        if not isinstance(node, CfnResource):
            continue
        logical_id = stack.resolve(node.logical_id)
        logical_paths[logical_id] = node.node.path
        kind = KINDS.get(node.cfn_resource_type)
        if kind is None:
            continue
        scope: IConstruct = node.node.scope or node
        l2_path = scope.node.path if node.node.id == "Resource" else node.node.path
        if kind == "queue" and "deadletter" in l2_path.lower().replace("/", ""):
            kind = "DLQ"
        if kind == "route":
            if node.cfn_resource_type == "AWS::ApiGatewayV2::Route":
                verb, _, path = str(getattr(node, "route_key", "")).partition(" ")  # "GET /users/{id}"
            else:
                verb, path = l2_path.rpartition("/")[2], _route_path(l2_path)
            api_path = l2_path.split("/Default/")[0] if "/Default/" in l2_path else scope.node.path
            key = f"route:{api_path}:{path}"
            verbs = route_verbs.setdefault(key, [])
            verbs.append(verb)
            parts[key] = Part(key, "route", f"{', '.join(verbs)} {path}")
            owner_path[node.node.path] = key
            continue
        if kind == "alarms":
            alarm_count += 1
            key = "alarms"
            parts[key] = Part(key, "alarms", f"{alarm_count} alarms")
            owner_path[node.node.path] = key
            continue
        name = _label(stack, l2_path)
        parts[l2_path] = Part(l2_path, kind, name)
        owner_path[l2_path] = l2_path
        owner_path[node.node.path] = l2_path
    owner_of: dict[str, str] = {}
    for logical_id, path in logical_paths.items():
        candidate = path
        while candidate:
            if candidate in owner_path:
                owner_of[logical_id] = owner_path[candidate]
                break
            candidate = candidate.rpartition("/")[0]
    return parts, owner_of


def edges_of(
    template: Mapping[str, Any], parts: dict[str, Part], owner_of: dict[str, str]
) -> set[tuple[str, str, str]]:
    """``(from part, to part, what flows)`` for every reference between two parts."""
    edges: set[tuple[str, str, str]] = set()
    # A consumer's IAM policy names the queue it reads: it must not draw a function -> queue flow.
    from_policies: set[tuple[str, str, str]] = set()
    for logical_id, resource in template.get("Resources", {}).items():
        source = owner_of.get(logical_id)
        if source is None:
            continue
        for target_id in _references(resource.get("Properties", {})):
            target = owner_of.get(target_id)
            if target is None or target == source:
                continue
            start, end = parts[source], parts[target]
            if resource["Type"] == "AWS::Lambda::EventSourceMapping" or (start.kind, end.kind) in AGAINST_FLOW:
                start, end = end, start
            flow = FLOWS.get((start.kind, end.kind))
            if flow is not None:
                found = from_policies if resource["Type"] == "AWS::IAM::Policy" else edges
                found.add((start.key, end.key, flow))
    reversed_flows = {(end, start) for start, end, _ in edges}
    return edges | {edge for edge in from_policies if (edge[0], edge[1]) not in reversed_flows}


def mermaid(stack: cdk.Stack) -> str:
    """A Mermaid flowchart of ``stack``'s parts and what flows between them."""
    from aws_cdk.assertions import Template

    template = Template.from_stack(stack).to_json()  # first: aspects (LambdaAlarms.for_scope) add parts at synth
    parts, owner_of = parts_of(stack)
    edges = edges_of(template, parts, owner_of)
    ids = {key: f"n{index}" for index, key in enumerate(parts)}
    lines = ["```mermaid", "flowchart LR"]
    for key, part in parts.items():
        lines.append(f'  {ids[key]}["{part.kind}<br/><small>{part.label}</small>"]')
    for start, end, flow in sorted(edges):
        lines.append(f"  {ids[start]} -->|{flow}| {ids[end]}")
    lines.append("```")
    return "\n".join(lines)


def _diagram(module_name: str) -> str:
    import aws_cdk as cdk

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module = importlib.import_module(module_name)
    stack = cdk.Stack(cdk.App(), "Docs")
    module.build(stack)
    return mermaid(stack)


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(lambda match: _diagram(match.group(1)), markdown)
