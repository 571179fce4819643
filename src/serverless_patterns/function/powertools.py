"""The public Powertools for AWS Lambda (Python) v3 layer: where it is published and which versions are verified.

Every figure below comes from Powertools' own documentation in the aws-powertools/powertools-lambda-python
repository (published at https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/):

- commercial regions and their account: ``docs/includes/_layer_homepage_arm64.md`` and
  ``_layer_homepage_x86.md`` (commit 0219b401d6a97e222cb26ade10456f8626a716d3), one row per region,
  all in account 017000801446;
- China and GovCloud: ``docs/getting-started/install.md`` (commit 33f2c8f8b8a6b9b0874f8f24f2d0592c66173b81),
  sections "AWS China regions" (cn-north-1 only, account 498634801083) and "AWS GovCloud regions"
  (us-gov-east-1 in 165087284144, us-gov-west-1 in 165093116878);
- the version: the same ``install.md`` publishes version 27 of ``AWSLambdaPowertoolsPythonV3-{python_version}-{arch}``
  for every Python runtime it lists (3.10 to 3.14) and both architectures, in all three partitions;
- the SSM parameters: the same ``install.md``, "Using SSM Parameter Store":
  ``/aws/service/powertools/python/{arch}/{python3.X}/latest`` holds the latest layer version ARN.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from aws_cdk import Aws, CfnDynamicReference, CfnDynamicReferenceService, CfnMapping, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.region_info import RegionInfo

if TYPE_CHECKING:
    from constructs import Construct

from serverless_patterns._internal.jsii_values import architecture_name, runtime_name
from serverless_patterns._internal.validation import Rules, is_unresolved

_COMMERCIAL_ACCOUNT = "017000801446"
_COMMERCIAL_REGIONS = (
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
# Region -> account that publishes the layer there (the partition follows from the region).
LAYER_ACCOUNTS: dict[str, str] = {
    **dict.fromkeys(_COMMERCIAL_REGIONS, _COMMERCIAL_ACCOUNT),
    "cn-north-1": "498634801083",
    "us-gov-east-1": "165087284144",
    "us-gov-west-1": "165093116878",
}
# (runtime, architecture) -> verified layer version, the same in every region above.
VERIFIED_VERSIONS: dict[tuple[str, str], int] = {
    (runtime, architecture): 27
    for runtime in ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
    for architecture in ("x86_64", "arm64")
}
_TURN_OFF = "give powertools_layer=False and add your own layer"


def check(
    rules: Rules, stack: Stack, runtime: lambda_.Runtime, architecture: lambda_.Architecture, *, pinned: bool
) -> None:
    """Record why the public layer cannot be used for this region, runtime and architecture, if it cannot."""
    region = _region(stack)
    if region is not None:
        rules.check(
            region in LAYER_ACCOUNTS,
            f"the public Powertools layer is not published in region {region} "
            f"(partition {RegionInfo.get(region).partition or 'unknown'}): {_TURN_OFF}",
        )
    key = (runtime_name(runtime), _architecture(architecture))
    if pinned:
        return
    rules.check(
        key in VERIFIED_VERSIONS,
        f"no verified Powertools layer version for {key[0]} on {key[1]}: give powertools_layer_version, "
        f"use powertools_layer_from_ssm=True, or {_TURN_OFF}",
    )


def layer_arn(
    scope: Construct,
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    *,
    version: int | None,
    from_ssm: bool,
) -> str:
    """The layer version ARN: pinned (the verified or given version) or the SSM parameter's latest."""
    arch = _architecture(architecture)
    if from_ssm:
        name = f"/aws/service/powertools/python/{arch}/{runtime_name(runtime)}/latest"
        return CfnDynamicReference(CfnDynamicReferenceService.SSM, name).to_string()
    stack = Stack.of(scope)
    layer_version = version if version is not None else VERIFIED_VERSIONS[(runtime_name(runtime), arch)]
    name = f"AWSLambdaPowertoolsPythonV3-{runtime_name(runtime).replace('.', '')}-{arch}:{layer_version}"
    region = _region(stack)
    if region is not None:
        partition = RegionInfo.get(region).partition
        return f"arn:{partition}:lambda:{region}:{LAYER_ACCOUNTS[region]}:layer:{name}"
    # An environment-agnostic stack: the account is looked up by region at deploy time, and a
    # region without the layer fails there with CloudFormation's "mapping key not found".
    account = _accounts_mapping(stack).find_in_map(Aws.REGION, "account")
    return f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{account}:layer:{name}"


# Per stack, read once (every read is a jsii round trip): its region when known at synth, and the
# accounts mapping once defined. Weak keys: a stack's facts go with the stack.
_REGIONS: weakref.WeakKeyDictionary[Stack, str | None] = weakref.WeakKeyDictionary()
_MAPPINGS: weakref.WeakKeyDictionary[Stack, CfnMapping] = weakref.WeakKeyDictionary()


def _region(stack: Stack) -> str | None:
    """The stack's region, or ``None`` for an environment-agnostic stack."""
    if stack not in _REGIONS:
        region = stack.region
        _REGIONS[stack] = None if is_unresolved(region) else region
    return _REGIONS[stack]


def _accounts_mapping(stack: Stack) -> CfnMapping:
    known = _MAPPINGS.get(stack)
    if known is not None:
        return known
    found = stack.node.try_find_child("PowertoolsLayerAccounts")
    if isinstance(found, CfnMapping):
        _MAPPINGS[stack] = found
        return found
    _MAPPINGS[stack] = mapping = CfnMapping(
        stack,
        "PowertoolsLayerAccounts",
        mapping={region: {"account": account} for region, account in LAYER_ACCOUNTS.items()},
    )
    return mapping


def _architecture(architecture: lambda_.Architecture) -> str:
    return architecture_name(architecture)
