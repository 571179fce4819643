"""Unit tests of the local cloud's pure parts: template rewrites, batch failure rules, routing, resolving."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from serverless_patterns.local import LocalCloudError, check_moto_version, find_assembly
from serverless_patterns.local.apigateway import _match_path
from serverless_patterns.local.assembly import read_assembly, substitute
from serverless_patterns.local.resolve import DeployedResource, StackScope
from serverless_patterns.local.sqs_poller import _failed_ids
from serverless_patterns.local.template import prepare_template


# -- moto version and assemblies ---------------------------------------------------------------
def test_tested_moto_version_passes() -> None:
    assert check_moto_version("5.2.5") == "5.2.5"


def test_fails_when_moto_is_another_version() -> None:
    with pytest.raises(LocalCloudError, match=r"tested with moto 5\.2\.x, found moto 5\.3\.0"):
        check_moto_version("5.3.0")


def test_fails_when_the_folder_has_no_manifest(tmp_path: Path) -> None:
    with pytest.raises(LocalCloudError, match=r"manifest\.json not found"):
        read_assembly(tmp_path, account="1", region="us-east-1")


def test_fails_when_the_manifest_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{nope")
    with pytest.raises(LocalCloudError, match="is not valid JSON"):
        read_assembly(tmp_path, account="1", region="us-east-1")


def test_fails_when_the_template_file_is_missing(tmp_path: Path) -> None:
    manifest = {"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.json"}}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(LocalCloudError, match=r"stack App: template .*App\.json not found"):
        read_assembly(tmp_path, account="1", region="us-east-1")


def test_stacks_come_dependencies_first(tmp_path: Path) -> None:
    artifacts = {
        "Second": {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": "t.json"},
            "dependencies": ["First"],
        },
        "First": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "t.json"}},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    (tmp_path / "t.json").write_text(json.dumps({"Resources": {}}))
    assert [stack.stack_name for stack in read_assembly(tmp_path, account="1", region="r")] == ["First", "Second"]


def test_find_assembly_accepts_an_app_folder_with_cdk_out(tmp_path: Path) -> None:
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "manifest.json").write_text("{}")
    assert find_assembly(tmp_path) == tmp_path / "cdk.out"


def test_asset_placeholders_are_substituted() -> None:
    text = "cdk-${AWS::AccountId}-${AWS::Region}-${AWS::Partition}"
    assert substitute(text, account="1", region="eu-west-1") == "cdk-1-eu-west-1-aws"


# -- template rewrites ---------------------------------------------------------------------------
def test_global_table_becomes_a_table() -> None:
    template = {
        "Resources": {
            "T": {
                "Type": "AWS::DynamoDB::GlobalTable",
                "Properties": {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "Replicas": [{"Region": "us-east-1"}],
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            }
        }
    }
    prepared, notes = prepare_template(template)
    table = prepared["Resources"]["T"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert "Replicas" not in table["Properties"]
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert notes == ["T (AWS::DynamoDB::GlobalTable) deployed as one AWS::DynamoDB::Table"]
    assert template["Resources"]["T"]["Type"] == "AWS::DynamoDB::GlobalTable"  # the input is not changed


def test_skipped_resources_leave_no_dangling_reference() -> None:
    template = {
        "Resources": {
            "Policy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {}},
            "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "prod"}},
            "Q": {"Type": "AWS::SQS::Queue", "DependsOn": ["Policy"], "Properties": {"Tags": [{"Ref": "Policy"}]}},
        },
        "Outputs": {"Url": {"Value": {"Fn::Join": ["", ["https://x/", {"Ref": "Stage"}, "/"]]}}},
    }
    prepared, notes = prepare_template(template)
    assert set(prepared["Resources"]) == {"Q"}
    assert "DependsOn" not in prepared["Resources"]["Q"]
    assert prepared["Resources"]["Q"]["Properties"]["Tags"] == ["local-skipped-Policy"]
    assert prepared["Outputs"]["Url"]["Value"]["Fn::Join"][1][1] == "prod"
    assert notes == ["Policy (AWS::SQS::QueuePolicy) enforced by the local cloud, not deployed to moto"]


def test_event_bus_refs_become_its_name() -> None:
    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
            "Rule": {"Type": "AWS::Events::Rule", "Properties": {"EventBusName": {"Ref": "Bus"}}},
        }
    }
    prepared, _ = prepare_template(template)
    assert prepared["Resources"]["Rule"]["Properties"]["EventBusName"] == "orders"


def test_bootstrap_check_is_removed() -> None:
    template = {
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>"}},
        "Rules": {"CheckBootstrapVersion": {}},
        "Resources": {},
    }
    prepared, _ = prepare_template(template)
    assert "Parameters" not in prepared
    assert "Rules" not in prepared


# -- SQS partial batch responses -----------------------------------------------------------------
MESSAGES = [SimpleNamespace(id="a"), SimpleNamespace(id="b"), SimpleNamespace(id="c")]


@pytest.mark.parametrize(
    ("errored", "payload", "report", "failed"),
    [
        (False, None, True, set()),
        (False, {"batchItemFailures": []}, True, set()),
        (False, {"batchItemFailures": [{"itemIdentifier": "b"}]}, True, {"b"}),
        (False, {"batchItemFailures": [{"itemIdentifier": "b"}]}, False, set()),
        (False, {"batchItemFailures": [{"itemIdentifier": ""}]}, True, {"a", "b", "c"}),
        (False, {"batchItemFailures": [{"itemIdentifier": "zzz"}]}, True, {"a", "b", "c"}),
        (False, {"batchItemFailures": "nope"}, True, {"a", "b", "c"}),
        (True, {"errorType": "ValueError"}, True, {"a", "b", "c"}),
        (True, {"errorType": "ValueError"}, False, {"a", "b", "c"}),
    ],
)
def test_failed_records_follow_lambda_rules(errored: bool, payload: object, report: bool, failed: set[str]) -> None:
    assert _failed_ids(errored, payload, report, MESSAGES) == failed


# -- routing -------------------------------------------------------------------------------------
def test_literal_beats_parameter_beats_greedy_proxy() -> None:
    segments = ["items", "new"]
    literal = _match_path("/items/new", segments)
    parameter = _match_path("/items/{id}", segments)
    greedy = _match_path("/{proxy+}", segments)
    assert literal is not None and parameter is not None and greedy is not None
    assert literal[0] > parameter[0] > greedy[0]
    assert parameter[1] == {"id": "new"}
    assert greedy[1] == {"proxy": "items/new"}


def test_path_of_another_length_does_not_match() -> None:
    assert _match_path("/items/{id}", ["items"]) is None
    assert _match_path("/items", ["items", "1"]) is None


# -- resolving -----------------------------------------------------------------------------------
def test_scope_resolves_refs_arns_joins_and_subs() -> None:
    scope = StackScope("App", "123456789012", "eu-west-1")
    scope.resources["Q"] = DeployedResource(
        "App", "Q", "AWS::SQS::Queue", "https://sqs.eu-west-1.amazonaws.com/1/app-q"
    )
    scope.resources["F"] = DeployedResource("App", "F", "AWS::Lambda::Function", "app-f")
    assert scope.resolve({"Fn::GetAtt": ["Q", "Arn"]}) == "arn:aws:sqs:eu-west-1:123456789012:app-q"
    assert scope.resolve({"Fn::Sub": "${F.Arn}:live"}) == "arn:aws:lambda:eu-west-1:123456789012:function:app-f:live"
    assert scope.resolve({"Fn::Join": [":", [{"Ref": "AWS::Region"}, {"Ref": "F"}]]}) == "eu-west-1:app-f"
    assert scope.referenced_ids({"Fn::Sub": "${F}/${Q.Arn}/${!Literal}"}) == ["F", "Q"]
