"""The public Powertools layer: account per partition and region, verified versions, SSM resolution."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from serverless_patterns import ServerlessFunction, ValidationError
from serverless_patterns.function.powertools import LAYER_ACCOUNTS, VERIFIED_VERSIONS
from tests.constructs.stacks import ECHO


def _layers(region: str | None, **options: object) -> list[object]:
    env = cdk.Environment(account="111111111111", region=region) if region else None
    stack = cdk.Stack(cdk.App(), "Test", env=env)
    ServerlessFunction(stack, "Fn", entry=ECHO, **options)  # type: ignore[arg-type]
    function = next(iter(Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()))
    layers: list[object] = function["Properties"]["Layers"]
    return layers


@pytest.mark.parametrize(
    ("region", "arn"),
    [
        # Powertools' published layer list: commercial regions, China (cn-north-1) and GovCloud each
        # have their own publishing account and partition.
        ("eu-west-1", "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27"),
        (
            "cn-north-1",
            "arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27",
        ),
        (
            "us-gov-west-1",
            "arn:aws-us-gov:lambda:us-gov-west-1:165093116878:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27",
        ),
        (
            "us-gov-east-1",
            "arn:aws-us-gov:lambda:us-gov-east-1:165087284144:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27",
        ),
    ],
)
def test_layer_comes_from_the_account_that_publishes_it_in_the_region(region: str, arn: str) -> None:
    assert _layers(region) == [arn]


def test_runtime_and_architecture_choose_the_layer_name() -> None:
    layers = _layers("eu-west-1", runtime=lambda_.Runtime.PYTHON_3_12, architecture=lambda_.Architecture.X86_64)
    assert layers == ["arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:27"]


def test_a_pinned_version_overrides_the_verified_one() -> None:
    assert _layers("eu-west-1", powertools_layer_version=31) == [
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:31"
    ]


def test_environment_agnostic_stacks_look_the_account_up_by_region_at_deploy() -> None:
    stack = cdk.Stack(cdk.App(), "Anywhere")
    ServerlessFunction(stack, "Fn", entry=ECHO)
    ServerlessFunction(stack, "Other", entry=ECHO)
    template = Template.from_stack(stack).to_json()
    mapping = template["Mappings"]["PowertoolsLayerAccounts"]
    assert {region: row["account"] for region, row in mapping.items()} == LAYER_ACCOUNTS
    layer = json.dumps(
        next(iter(r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"))["Properties"][
            "Layers"
        ]
    )
    assert '"Fn::FindInMap": ["PowertoolsLayerAccounts", {"Ref": "AWS::Region"}, "account"]' in layer
    assert '{"Ref": "AWS::Partition"}' in layer


def test_from_ssm_resolves_the_published_parameter_at_deploy() -> None:
    assert _layers("eu-west-1", powertools_layer_from_ssm=True) == [
        "{{resolve:ssm:/aws/service/powertools/python/arm64/python3.14/latest}}"
    ]
    assert _layers(None, powertools_layer_from_ssm=True, architecture=lambda_.Architecture.X86_64) == [
        "{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.14/latest}}"
    ]


def _fails(region: str | None, message: str, **options: object) -> None:
    env = cdk.Environment(account="111111111111", region=region) if region else None
    with pytest.raises(ValidationError) as caught:
        ServerlessFunction(cdk.Stack(cdk.App(), "Test", env=env), "Fn", entry=ECHO, **options)  # type: ignore[arg-type]
    assert caught.value.construct_path == "Test/Fn"
    assert message in caught.value.problems


def test_fails_when_the_region_has_no_published_layer() -> None:
    # The layer is published in China's cn-north-1 only.
    _fails(
        "cn-northwest-1",
        "the public Powertools layer is not published in region cn-northwest-1 (partition aws-cn): "
        "give powertools_layer=False and add your own layer",
    )


def test_fails_when_the_runtime_has_no_verified_version() -> None:
    _fails(
        "eu-west-1",
        "no verified Powertools layer version for python3.9 on arm64: give powertools_layer_version, "
        "use powertools_layer_from_ssm=True, or give powertools_layer=False and add your own layer",
        runtime=lambda_.Runtime.PYTHON_3_9,
    )


def test_fails_when_a_version_is_pinned_and_resolved_from_ssm() -> None:
    _fails(
        "eu-west-1",
        "powertools_layer_version and powertools_layer_from_ssm cannot be combined: give only one of them",
        powertools_layer_version=27,
        powertools_layer_from_ssm=True,
    )


def test_turning_the_layer_off_skips_every_layer_check() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account="111111111111", region="cn-northwest-1"))
    ServerlessFunction(stack, "Fn", entry=ECHO, powertools_layer=False, runtime=lambda_.Runtime.PYTHON_3_9)


def test_the_default_runtime_and_architecture_have_a_verified_version() -> None:
    from serverless_patterns._internal import defaults

    assert (defaults.RUNTIME.name, "arm64") in VERIFIED_VERSIONS


def test_every_layer_form_is_compliant(compliant) -> None:  # type: ignore[no-untyped-def]
    agnostic = cdk.Stack(cdk.App(), "Anywhere")
    ServerlessFunction(agnostic, "Pinned", entry=ECHO)
    ServerlessFunction(agnostic, "Latest", entry=ECHO, powertools_layer_from_ssm=True)
    compliant(agnostic)
