"""The execution role lambda.Function defines, without the AWS managed policy it attaches."""

from __future__ import annotations

import json
import typing
from typing import Any

import jsii
from aws_cdk import IAnyProducer, IStableAnyProducer, Lazy, Stack, Token
from aws_cdk import aws_iam as iam


@jsii.implements(IStableAnyProducer)
class _WithoutBasicExecutionRole:
    """The role's managed policies except ``AWSLambdaBasicExecutionRole``, which ``lambda.Function`` adds.

    That policy lets the function write to any log group (``Resource: *``); the function's own log
    statement replaces it. Policies added later with ``role.add_managed_policy`` are kept.
    """

    def __init__(self, role: iam.IRole, managed_policy_arns: list[str] | None) -> None:
        # The stack, read once: jsii calls produce() again on every resolution.
        self._stack = Stack.of(role)
        self._managed_policy_arns = managed_policy_arns

    def produce(self) -> Any:
        resolved = self._stack.resolve(self._managed_policy_arns) or []
        kept = [arn for arn in resolved if "service-role/AWSLambdaBasicExecutionRole" not in json.dumps(arn)]
        return kept or None


def without_basic_execution_policy(role: iam.IRole, resource: iam.CfnRole) -> None:
    """Drop ``AWSLambdaBasicExecutionRole`` from ``role`` (its L1 ``resource``) at synthesis, keeping the others."""
    # Resolved at synthesis (uncached), after every add_managed_policy call; jsii calls a Python
    # producer only through the context-free IStableAnyProducer.
    producer = _WithoutBasicExecutionRole(role, resource.managed_policy_arns)
    resource.managed_policy_arns = Token.as_list(
        Lazy.uncached_any(typing.cast("IAnyProducer", producer), omit_empty_array=True)
    )
