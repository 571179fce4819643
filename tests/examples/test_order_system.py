"""The order system example: one synth of the whole app, its compliance and its wiring."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from examples.order_system.app import OrderSystemStack, build_app
from serverless_patterns.testing import checkov_findings, checkov_skips

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def outdir(order_system_app: cdk.App) -> Path:
    return Path(order_system_app.outdir)


@pytest.fixture(scope="module")
def stack(order_system_app: cdk.App) -> cdk.Stack:
    found = order_system_app.node.find_child("OrderSystem")
    assert isinstance(found, OrderSystemStack)
    return found


@pytest.fixture(scope="module")
def template(stack: cdk.Stack) -> Template:
    return Template.from_stack(stack)


def test_whole_app_has_zero_findings(stack: cdk.Stack, compliant: Callable[[cdk.Stack], None]) -> None:
    # cdk-nag AwsSolutions, cfn-lint and cfn-guard with AWS Control Tower's proactive controls.
    compliant(stack)


def _validation_violations(outdir: Path) -> list[str]:
    # CDK writes the report only when a validation plugin ran; a plugin that found nothing is left out of it.
    report = json.loads((outdir / "validation-report.json").read_text())
    return [violation["ruleName"] for plugin in report["pluginReports"] for violation in plugin["violations"]]


def test_cdk_template_validation_finds_nothing(template: Template, outdir: Path) -> None:
    assert _validation_violations(outdir) == []


def test_cdk_template_validation_is_not_vacuous_it_reports_an_empty_stack(
    tmp_path: Path, cdk_validation: cdk.CloudFormationValidatePlugin
) -> None:
    app = cdk.App(outdir=str(tmp_path))
    cdk.Stack(app, "Empty")
    cdk.Validations.of(app).add_plugins(cdk_validation)
    app.synth()
    assert _validation_violations(tmp_path) == ["F0001"]  # "Resources section must exist and be non-empty"


def _checkov() -> str:
    """checkov in its own virtual environment, made by ``python3 tasks.py test`` (it pins old dependencies)."""
    checkov = os.environ.get("CHECKOV", str(ROOT / ".venv-checkov" / "bin" / "checkov"))
    if not Path(checkov).exists():
        pytest.fail(f"checkov is not installed at {checkov}: run `python3 tasks.py test` once to create it")
    return checkov


def test_whole_app_has_zero_checkov_failures(stack: cdk.Stack) -> None:
    findings = checkov_findings(stack, _checkov())
    assert findings == [], "\n".join(map(str, findings))


def test_every_checkov_skip_carries_the_librarys_reason(stack: cdk.Stack) -> None:
    skips = checkov_skips(stack)
    # Each check checkov failed on the example before the library said why: 70, and 5 more for the
    # PlaceOrders function the example gained since (the same five checks as every function's).
    assert len(skips) == 75
    assert all(len(reason) >= 20 for reason in skips.values()), skips


def test_order_placed_starts_the_saga_and_reaches_three_functions(template: Template) -> None:
    rules = template.find_resources(
        "AWS::Events::Rule",
        {"Properties": {"EventPattern": {"source": ["shop.orders"], "detail-type": ["OrderPlaced"]}}},
    )
    targets = [t for rule in rules.values() for t in rule["Properties"]["Targets"]]
    arns = [str(target["Arn"]) for target in targets]
    assert sum("OrderSaga" in arn for arn in arns) == 1
    assert len(targets) == 5  # e-mail, inventory, warehouse, saga; the high-value rule adds the topic


def test_high_value_orders_reach_the_alert_topic(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like({"detail": {"amount": [{"numeric": [">", 1000]}]}}),
            "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("HighValueAlerts")}})],
        },
    )


def test_every_function_and_dlq_is_alarmed(template: Template) -> None:
    functions = template.find_resources("AWS::Lambda::Function")
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    alarmed = {
        dimension["Value"]["Ref"]
        for alarm in alarms.values()
        for metric in alarm["Properties"].get("Metrics", [{"MetricStat": {"Metric": alarm["Properties"]}}])
        for dimension in metric.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
        if dimension["Name"] == "FunctionName" and isinstance(dimension["Value"], dict)
    }
    assert set(functions) <= alarmed


def test_openapi_document_is_written_beside_the_templates(stack: cdk.Stack, outdir: Path) -> None:
    document = json.loads((outdir / "openapi.json").read_text())
    assert document["openapi"].startswith("3.")
    assert sorted(document["paths"]) == ["/orders", "/orders/{id}", "/users", "/users/{id}"]
    order = document["components"]["schemas"]
    assert any("items" in schema.get("properties", {}) for schema in order.values())


def _actions(statement: dict[str, object]) -> list[str]:
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else [str(action) for action in actions]  # type: ignore[union-attr]


def test_no_identity_policy_grants_a_wildcard_action(template: Template) -> None:
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ] + [
        statement
        for role in template.find_resources("AWS::IAM::Role").values()
        for inline in role["Properties"].get("Policies", [])
        for statement in inline["PolicyDocument"]["Statement"]
    ]
    assert len(statements) > 20
    wildcards = [action for statement in statements for action in _actions(statement) if "*" in action]
    assert wildcards == []


def test_logical_ids_are_kept(template: Template, snapshot_json) -> None:  # type: ignore[no-untyped-def]
    """Every logical id of the example, by type: a changed id replaces the resource in a deployed stack.

    A change here must come with a CHANGELOG entry and its ``override_logical_id`` migration (the
    functions' ids moved once, when ServerlessFunction became a lambda.Function; stateful resources
    never did).
    """
    resources = template.to_json()["Resources"]
    assert {logical_id: resource["Type"] for logical_id, resource in sorted(resources.items())} == snapshot_json


def test_the_http_api_variant_serves_the_same_resources_with_zero_findings(
    tmp_path: Path, compliant: Callable[[cdk.Stack], None]
) -> None:
    app = build_app(str(tmp_path), http_api=True)
    stack = app.node.find_child("OrderSystem")
    assert isinstance(stack, OrderSystemStack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::ApiGateway::RestApi", 0)
    template.resource_count_is("AWS::ApiGatewayV2::Api", 1)
    template.resource_count_is("AWS::ApiGatewayV2::Route", 10)
    document = json.loads((tmp_path / "openapi.json").read_text())
    assert sorted(document["paths"]) == ["/orders", "/orders/{id}", "/users", "/users/{id}"]
    compliant(stack)
