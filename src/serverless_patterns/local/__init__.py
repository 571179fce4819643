"""The local cloud: deploy a synthesized CDK app offline on moto's server and run its real handlers.

Needs the ``local`` extra: ``pip install "serverless-patterns[local]"`` (moto server, boto3,
Powertools). See ``docs/local.md`` for what is emulated and what is not.

Examples
--------
>>> from serverless_patterns.local import LambdaRuntime
>>> runtime = LambdaRuntime("http://127.0.0.1:5000")
>>> runtime.close()
"""

from serverless_patterns.local.runtime import FunctionSpec, Invocation, LambdaRuntime

__all__ = ["FunctionSpec", "Invocation", "LambdaRuntime"]
