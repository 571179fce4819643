"""Compliance checks on synthesized stacks: cdk-nag AwsSolutions, cfn-lint, cfn-guard and checkov."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import CfnResource, IPolicyValidationContextBeta1, Stack
from aws_cdk.assertions import Template
from constructs import IConstruct

from serverless_patterns._internal.compliance import ACKNOWLEDGED_METADATA_TYPE, acknowledged_reason
from serverless_patterns._internal.jsii_values import is_instance

_RULES_IN_BUNDLE = "package/rules/control-tower/cfn-guard"
_CONTROL_ID = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")


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
    from cfnlint.decode.decode import decode_str  # type: ignore[import-untyped]

    body = Template.from_stack(template).to_json() if isinstance(template, Stack) else template
    # What cfnlint.api.lint does, with the rules loaded once per process instead of once per call.
    decoded, matches = decode_str(json.dumps(body))
    if not matches and decoded is not None:
        matches = list(_cfn_lint_runner(tuple(regions or ["us-east-1"])).validate_template(decoded))
    return [
        Finding("cfn-lint", match.rule.id, "/".join(str(part) for part in match.path), match.message)
        for match in matches
    ]


@functools.cache
def _cfn_lint_runner(regions: tuple[str, ...]) -> Any:
    """A cfn-lint runner for ``regions``, made once: loading its rules costs about 0.5 s, linting a template less.

    cfn-lint's own command line runs every template it is given with one runner's rules, as here.
    """
    from cfnlint.config import ConfigMixIn  # type: ignore[import-untyped]
    from cfnlint.runner import Runner  # type: ignore[import-untyped]

    return Runner(ConfigMixIn(regions=list(regions)))


@jsii.implements(IPolicyValidationContextBeta1)
class _TemplatePaths:
    def __init__(self, root: IConstruct, paths: list[str]) -> None:
        self._root = root
        self._paths = paths

    @property
    def app_construct(self) -> IConstruct:
        return self._root

    @property
    def template_paths(self) -> list[str]:
        return self._paths


def guard_findings(stack: Stack, template: dict[str, Any] | None = None) -> list[Finding]:
    """Run the AWS Control Tower proactive controls (cfn-guard rules) over ``stack``'s template.

    The rules and the cfn-guard binary come with ``cdklabs.cdk-validator-cfnguard``, the CDK
    policy-validation plugin that bundles them. Only the rule files that name a resource type of
    the template are run (the same findings, about ten times faster than all of them). A finding on
    a resource whose construct (or a scope of it) acknowledges the control id (``"CT.LAMBDA.PR.3"``)
    is left out, like cdk-nag's. ``template`` saves a synthesis when the caller has it already.
    """
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

    template = template if template is not None else dict(Template.from_stack(stack).to_json())
    types = {str(resource.get("Type")) for resource in template.get("Resources", {}).values()}
    rules = [str(path) for path in _control_tower_rules() if any(f'"{kind}"' in path.read_text() for kind in types)]
    if not rules:
        return []
    with tempfile.TemporaryDirectory(prefix="cfn-guard-") as folder:
        path = Path(folder) / f"{stack.artifact_id}.template.json"
        path.write_text(json.dumps(template))
        try:
            validator = CfnGuardValidator(control_tower_rules_enabled=False, rules=rules)
            report = validator.validate(_TemplatePaths(stack.node.root, [str(path)]))
        except Exception as error:
            # The plugin (0.0.62) fails on some results it cannot map to a resource, e.g. a KMS key
            # policy that misses CT.KMS.PR.3's statement; say which stack, keep the plugin's message.
            raise RuntimeError(f"cfn-guard could not report on {stack.node.path}: {error}") from error
    constructs = _constructs_by_logical_id(stack)
    findings: list[Finding] = []
    for violation in report.violations:
        found = _CONTROL_ID.search(violation.description)
        rule = found.group(1) if found else violation.rule_name
        message = _CONTROL_ID.sub("", violation.description.splitlines()[0]).lstrip(": ")
        for resource in violation.violating_resources:
            construct = constructs.get(resource.resource_logical_id)
            if construct is not None and acknowledged_reason(construct, rule) is not None:
                continue
            location = construct.node.path if construct is not None else resource.resource_logical_id
            findings.append(Finding("cfn-guard", rule, location, message))
    return findings


@functools.cache
def _control_tower_rules() -> tuple[Path, ...]:
    """The plugin's Control Tower rule files, unpacked once per version from its jsii bundle."""
    import cdklabs.cdk_validator_cfnguard as plugin

    (bundle,) = (Path(plugin.__file__).parent / "_jsii").glob("*.jsii.tgz")
    folder = Path(tempfile.gettempdir()) / "serverless-patterns-cfn-guard" / bundle.stem
    if not folder.exists():
        staging = Path(tempfile.mkdtemp(prefix="cfn-guard-rules-"))
        with tarfile.open(bundle) as archive:
            for member in archive.getmembers():
                if not member.isfile() or not member.name.startswith(_RULES_IN_BUNDLE) or ".." in member.name:
                    continue
                source = archive.extractfile(member)
                assert source is not None  # a regular file
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # another process unpacked the same bundle first
            (staging / _RULES_IN_BUNDLE).rename(folder)
        shutil.rmtree(staging, ignore_errors=True)
    return tuple(sorted(folder.rglob("*.guard")))


def checkov_findings(stack: Stack, checkov: str = "checkov") -> list[Finding]:
    """Run checkov (the ``checkov`` executable, in a virtual environment of its own) over ``stack``'s template.

    Checks skipped in a resource's ``Metadata.checkov.skip`` (where the library writes the checkov
    ids it acknowledges, with their reasons) are not findings. checkov runs offline
    (``BC_SKIP_MAPPING=TRUE``, no download of Bridgecrew's mappings).
    """
    template = Template.from_stack(stack).to_json()
    constructs = _constructs_by_logical_id(stack)
    with tempfile.TemporaryDirectory(prefix="checkov-") as folder:
        path = Path(folder) / f"{stack.artifact_id}.template.json"
        path.write_text(json.dumps(template))
        result = subprocess.run(
            [checkov, "--framework", "cloudformation", "--file", str(path), "--output", "json", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
        )
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise RuntimeError(f"checkov failed ({result.returncode}): {result.stderr[-2000:]}")
    report: Any = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    findings: list[Finding] = []
    for entry in reports:
        for failed in entry.get("results", {}).get("failed_checks", []):
            logical_id = str(failed.get("resource", "")).split(".")[-1]
            construct = constructs.get(logical_id)
            location = construct.node.path if construct is not None else logical_id
            findings.append(Finding("checkov", failed["check_id"], location, failed.get("check_name", "")))
    return findings


def checkov_skips(stack: Stack) -> dict[str, str]:
    """Every checkov check skipped in ``stack``'s template, as ``"logical id check id" -> reason``."""
    skips: dict[str, str] = {}
    for logical_id, resource in Template.from_stack(stack).to_json().get("Resources", {}).items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            skips[f"{logical_id} {skip['id']}"] = str(skip.get("comment", ""))
    return skips


def _constructs_by_logical_id(stack: Stack) -> dict[str, CfnResource]:
    return {
        str(stack.resolve(node.logical_id)): node
        for node in stack.node.find_all()
        if is_instance(node, (CfnResource,)) and Stack.of(node) is stack
    }


def compliance_findings(stack: Stack) -> list[Finding]:
    """Every cdk-nag AwsSolutions, cfn-lint and cfn-guard (Control Tower) finding of ``stack``."""
    template = dict(Template.from_stack(stack).to_json())  # synthesized once for both template scanners
    return [*nag_findings(stack), *cfn_lint_findings(template), *guard_findings(stack, template)]


def assert_compliant(stack: Stack) -> None:
    """Fail with a list of every finding when ``stack`` has any cdk-nag, cfn-lint or cfn-guard finding.

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
