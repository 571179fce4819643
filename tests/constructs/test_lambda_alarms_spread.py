"""LambdaAlarms beyond one stack: alarms spread over nested stacks, no stack over 500 resources.

CloudFormation's quotas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
500 resources and 200 outputs per stack, 1 MB per template (uploaded to S3, as CDK does).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from serverless_patterns.lambda_alarms import LambdaAlarms
from serverless_patterns.lambda_alarms import spread as spreading

ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def _services(app: cdk.App, functions: int, per_stack: int) -> None:
    """``functions`` functions in stacks of ``per_stack``, one shared role per stack (one resource each)."""
    for start in range(0, functions, per_stack):
        stack = cdk.Stack(app, f"Services{start // per_stack + 1}", env=ENV)
        role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        for number in range(start, min(start + per_stack, functions)):
            lambda_.Function(
                stack,
                f"Fn{number}",
                runtime=lambda_.Runtime.PYTHON_3_14,
                handler="index.handler",
                code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
                role=role,
            )


def _templates(outdir: str) -> dict[str, dict[str, Any]]:
    """Every template of the assembly, nested stacks' included, by file name."""
    return {path.name: json.loads(path.read_text()) for path in Path(outdir).glob("*.template.json")}


def _synth(functions: int, per_stack: int, outdir: str) -> tuple[LambdaAlarms, dict[str, dict[str, Any]]]:
    app = cdk.App(outdir=outdir)
    _services(app, functions, per_stack)
    monitoring = cdk.Stack(app, "Monitoring", env=ENV)
    alarms = LambdaAlarms.for_scope(monitoring, "Alarms", app)
    app.synth()
    return alarms, _templates(outdir)


def _types(template: dict[str, Any], kind: str) -> int:
    return sum(1 for resource in template.get("Resources", {}).values() if resource["Type"] == kind)


def test_a_thousand_functions_synthesize_with_no_stack_over_500_resources(tmp_path: Path) -> None:
    alarms, templates = _synth(1000, 100, str(tmp_path))
    assert len(alarms.functions) == 1000
    assert len(alarms.alarms) == 4000  # ErrorRate, Errors, Throttles, Duration per function
    for name, template in templates.items():
        assert len(template.get("Resources", {})) <= 500, name
        assert len(template.get("Outputs", {})) <= 200, name
        assert (tmp_path / name).stat().st_size <= 1024 * 1024, name
    nested = {name: t for name, t in templates.items() if name.endswith(".nested.template.json")}
    assert len(nested) == 10  # 4000 alarms, 400 at most in each
    assert sum(_types(t, "AWS::CloudWatch::Alarm") for t in templates.values()) == 4000
    assert _types(templates["Monitoring.template.json"], "AWS::CloudWatch::Alarm") == 0
    assert len(alarms.dashboards) == 11  # health and custom rows, then one per nested stack
    # One page: the top composite, over one composite per nested stack.
    top = templates["Monitoring.template.json"]["Resources"]
    pages = [r for r in top.values() if r["Type"] == "AWS::CloudWatch::CompositeAlarm"]
    assert [r["Properties"]["AlarmName"] for r in pages] == ["Monitoring unhealthy"]
    assert all(_types(t, "AWS::CloudWatch::CompositeAlarm") >= 1 for t in nested.values())


def test_spreading_is_deterministic_and_off_when_one_stack_holds_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, one_stack = _synth(20, 20, str(tmp_path / "one"))
    assert not [name for name in one_stack if name.endswith(".nested.template.json")]

    monkeypatch.setattr(spreading, "MAX_RESOURCES_PER_STACK", 60)
    monkeypatch.setattr(spreading, "ALARMS_PER_NESTED_STACK", 30)
    _, first = _synth(20, 20, str(tmp_path / "first"))
    _, second = _synth(20, 20, str(tmp_path / "second"))
    assert first == second
    nested = sorted(name for name in first if name.endswith(".nested.template.json"))
    assert len(nested) == 3  # 80 alarms, whole functions of 4 alarms, 28 a part
    assert [_types(first[name], "AWS::CloudWatch::Alarm") for name in nested] == [28, 28, 24]


def test_pack_never_splits_a_row() -> None:
    assert spreading.pack([4, 4, 4], capacity=8) == [0, 0, 1]
    assert spreading.pack([10, 1], capacity=8) == [0, 1]
