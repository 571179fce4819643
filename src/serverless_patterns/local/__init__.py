"""The local cloud: deploy a synthesized CDK app offline on moto's server and run its real handlers.

Needs the ``local`` extra: ``pip install "serverless-patterns[local]"`` (moto server, boto3,
Powertools, jsonschema). See ``docs/local.md`` for what is emulated and what is not.

Examples
--------
>>> from serverless_patterns.local import LocalCloud
>>> with LocalCloud() as cloud:  # doctest: +SKIP
...     deployment = cloud.deploy("cdk.out")
...     print(deployment.api_url())
"""

from serverless_patterns.local._moto import SUPPORTED_MOTO, check_moto_version
from serverless_patterns.local.cloud import LocalCloud, find_assembly
from serverless_patterns.local.deployment import DeployedStack, Deployment
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.put_events import PutEventResult, UnmatchedEventWarning
from serverless_patterns.local.resolve import DeployedResource
from serverless_patterns.local.runtime import FunctionSpec, Invocation, LambdaRuntime

__all__ = [
    "SUPPORTED_MOTO",
    "DeployedResource",
    "DeployedStack",
    "Deployment",
    "FunctionSpec",
    "Invocation",
    "LambdaRuntime",
    "LocalCloud",
    "LocalCloudError",
    "PutEventResult",
    "UnmatchedEventWarning",
    "check_moto_version",
    "find_assembly",
]
