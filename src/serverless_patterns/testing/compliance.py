"""Compliance checks on synthesized stacks: cdk-nag AwsSolutions and cfn-lint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template
from constructs import IConstruct

from serverless_patterns._internal.compliance import ACKNOWLEDGED_METADATA_TYPE


@dataclass(frozen=True)
class Finding:
    """One compliance finding: which tool, which rule, where, and what it says."""

    tool: str
    rule: str
    location: str
    message: str

    def __str__(self) -> str:
        return f"[{self.tool}] {self.rule} at {self.location}: {self.message}"


def nag_findings(scope: IConstruct) -> list[Finding]:
    """Run cdk-nag's AwsSolutions rules over ``scope`` (acknowledged rules excluded)."""
    from cdk_nag import AwsSolutionsChecks

    report = AwsSolutionsChecks().validate_scope(scope)
    return [
        Finding("cdk-nag", violation.rule_name, str(resource.construct_path), violation.description.splitlines()[0])
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def cfn_lint_findings(template: dict[str, Any] | Stack, regions: list[str] | None = None) -> list[Finding]:
    """Run cfn-lint over a template (or a stack's template) for ``regions`` (default us-east-1)."""
    from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]

    body = Template.from_stack(template).to_json() if isinstance(template, Stack) else template
    matches = lint(json.dumps(body), config=ManualArgs(regions=regions or ["us-east-1"]))
    return [
        Finding("cfn-lint", match.rule.id, "/".join(str(part) for part in match.path), match.message)
        for match in matches
    ]


def compliance_findings(stack: Stack) -> list[Finding]:
    """Every cdk-nag AwsSolutions and cfn-lint finding of ``stack``."""
    return [*nag_findings(stack), *cfn_lint_findings(stack)]


def assert_compliant(stack: Stack) -> None:
    """Fail with a list of every finding when ``stack`` has any cdk-nag or cfn-lint finding.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import QueueProcessor
    >>> stack = Stack(App(), "Orders")
    >>> _ = QueueProcessor(stack, "Ingest", entry="examples/order_system/handlers", handler="ingest.index.handler")
    >>> assert_compliant(stack)
    """
    findings = compliance_findings(stack)
    if findings:
        listing = "\n".join(f"  {finding}" for finding in findings)
        raise AssertionError(f"{stack.node.path} has {len(findings)} compliance finding(s):\n{listing}")


def acknowledgments(scope: IConstruct) -> dict[str, str]:
    """Every rule acknowledged in ``scope``'s tree, as ``"path rule" -> reason``."""
    found: dict[str, str] = {}
    for construct in scope.node.find_all():
        for entry in construct.node.metadata:
            if entry.type != ACKNOWLEDGED_METADATA_TYPE:
                continue
            for key, reason in dict(entry.data).items():
                rule = key.removeprefix("Annotation::")
                found[f"{construct.node.path} {rule}"] = str(reason)
    return found
