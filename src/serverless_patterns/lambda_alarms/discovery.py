"""Find what to watch in a construct tree: functions, queues, state machines, APIs, rules and tables.

Discovery reads the CloudFormation (L1) resources, so it finds what this library's constructs,
plain aws-cdk-lib L2s and hand-written L1s define alike. Whether a queue is a dead-letter queue,
and whether a function is invoked asynchronously, is decided from the references between
resources, never from names:

- a queue is a dead-letter queue when another queue's ``RedrivePolicy.deadLetterTargetArn``, a
  function's ``DeadLetterConfig.TargetArn``, an EventBridge target's ``DeadLetterConfig.Arn``, an
  SNS subscription's ``RedrivePolicy.deadLetterTargetArn``, a Lambda ``EventInvokeConfig`` or an
  event source mapping's on-failure destination points at it;
- a function is invoked asynchronously when it has a ``DeadLetterConfig``, an
  ``EventInvokeConfig``, or a permission that lets EventBridge, SNS, S3, SES, CloudWatch Logs or
  IoT invoke it (those services always invoke asynchronously);
- a queue is a source queue when a Lambda event source mapping reads it (and it is not a
  dead-letter queue);
- every EventBridge rule with targets, every DynamoDB table (``AWS::DynamoDB::Table`` and
  ``AWS::DynamoDB::GlobalTable``) and every HTTP API stage (``AWS::ApiGatewayV2::Stage`` of an API
  whose ``ProtocolType`` is ``HTTP``) is watched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import CfnResource, Stack, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import IConstruct

# Services that invoke Lambda asynchronously (the event is queued by Lambda, retried, and can go
# to a DLQ or on-failure destination): a permission for one of them makes a function "async".
ASYNC_PRINCIPALS = frozenset(
    {
        "events.amazonaws.com",
        "sns.amazonaws.com",
        "s3.amazonaws.com",
        "ses.amazonaws.com",
        "logs.amazonaws.com",
        "iot.amazonaws.com",
        "scheduler.amazonaws.com",
    }
)

# Lambda's timeout when the CloudFormation property is absent.
LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3


@dataclass
class Found:
    """Every watchable resource found in a tree, keyed by construct path (so each appears once)."""

    functions: dict[str, lambda_.CfnFunction] = field(default_factory=dict)
    dead_letter_queues: dict[str, sqs.CfnQueue] = field(default_factory=dict)
    state_machines: dict[str, stepfunctions.CfnStateMachine] = field(default_factory=dict)
    rest_api_stages: dict[str, apigateway.CfnStage] = field(default_factory=dict)
    # Function path -> why it counts as asynchronously invoked.
    async_reasons: dict[str, list[str]] = field(default_factory=dict)
    # Queue path -> paths of the resources that send failed work to it.
    dead_letter_sources: dict[str, list[str]] = field(default_factory=dict)
    rules: dict[str, events.CfnRule] = field(default_factory=dict)
    # Source queue path -> the queue, and the paths of the event source mappings that read it.
    source_queues: dict[str, sqs.CfnQueue] = field(default_factory=dict)
    source_consumers: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, dynamodb.CfnTable | dynamodb.CfnGlobalTable] = field(default_factory=dict)
    http_api_stages: dict[str, apigatewayv2.CfnStage] = field(default_factory=dict)


def walk(roots: Iterable[IConstruct], exclude: Iterable[IConstruct] = ()) -> Iterator[IConstruct]:
    """Every construct under ``roots`` (each once), skipping the subtrees of ``exclude``."""
    excluded = {construct.node.path for construct in exclude}
    seen: set[str] = set()
    for root in roots:
        for construct in root.node.find_all():
            path = construct.node.path
            if path in seen or any(path == ex or path.startswith(ex + "/") for ex in excluded if ex):
                continue
            seen.add(path)
            yield construct


def discover(roots: Iterable[IConstruct], exclude: Iterable[IConstruct] = ()) -> Found:
    """Find the functions, dead-letter queues, state machines and REST API stages under ``roots``."""
    constructs = list(walk(roots, exclude))
    index = _LogicalIdIndex(constructs)
    found = Found()
    queues: dict[str, sqs.CfnQueue] = {}

    def mark_dead_letter(value: Any, owner: CfnResource) -> None:
        for target in index.targets(value, owner):
            if isinstance(target, sqs.CfnQueue):
                queues[target.node.path] = target
                sources = found.dead_letter_sources.setdefault(target.node.path, [])
                if owner.node.path not in sources:  # a rule with several targets sharing one DLQ
                    sources.append(owner.node.path)

    def mark_async(value: Any, owner: CfnResource, reason: str) -> None:
        for target in index.targets(value, owner):
            if isinstance(target, lambda_.CfnFunction):
                found.async_reasons.setdefault(target.node.path, []).append(reason)

    for construct in constructs:
        if isinstance(construct, lambda_.CfnFunction):
            found.functions[construct.node.path] = construct
            if construct.dead_letter_config is not None:
                found.async_reasons.setdefault(construct.node.path, []).append("dead-letter queue")
                mark_dead_letter(construct.dead_letter_config, construct)
        elif isinstance(construct, sqs.CfnQueue):
            if construct.redrive_policy is not None:
                mark_dead_letter(_get(_resolve(construct, construct.redrive_policy), "deadLetterTargetArn"), construct)
        elif isinstance(construct, events.CfnRule):
            targets = _as_list(_resolve(construct, construct.targets))
            for target in targets:
                mark_dead_letter(_get(_get(target, "deadLetterConfig"), "arn"), construct)
            if targets:  # a rule without targets delivers nothing, so nothing can fail
                found.rules[construct.node.path] = construct
        elif isinstance(construct, sns.CfnSubscription):
            if construct.redrive_policy is not None:
                mark_dead_letter(_get(_resolve(construct, construct.redrive_policy), "deadLetterTargetArn"), construct)
        elif isinstance(construct, lambda_.CfnEventInvokeConfig):
            mark_async(construct.function_name, construct, "event invoke config")
            on_failure = _get(_get(_resolve(construct, construct.destination_config), "onFailure"), "destination")
            mark_dead_letter(on_failure, construct)
        elif isinstance(construct, lambda_.CfnEventSourceMapping):
            on_failure = _get(_get(_resolve(construct, construct.destination_config), "onFailure"), "destination")
            mark_dead_letter(on_failure, construct)
            for source in index.targets(construct.event_source_arn, construct):
                if isinstance(source, sqs.CfnQueue):
                    found.source_queues[source.node.path] = source
                    found.source_consumers.setdefault(source.node.path, []).append(construct.node.path)
        elif isinstance(construct, lambda_.CfnPermission):
            principal = construct.principal
            if isinstance(principal, str) and not Token.is_unresolved(principal) and principal in ASYNC_PRINCIPALS:
                mark_async(construct.function_name, construct, f"invoked by {principal}")
        elif isinstance(construct, stepfunctions.CfnStateMachine):
            found.state_machines[construct.node.path] = construct
        elif isinstance(construct, apigateway.CfnStage):
            found.rest_api_stages[construct.node.path] = construct
        elif isinstance(construct, (dynamodb.CfnTable, dynamodb.CfnGlobalTable)):
            found.tables[construct.node.path] = construct
        elif isinstance(construct, apigatewayv2.CfnStage):
            api = http_api_of(construct)
            if api is not None:
                found.http_api_stages[construct.node.path] = construct

    found.dead_letter_queues = dict(sorted(queues.items()))
    # A dead-letter queue read by a function (a redrive consumer) is watched as a dead-letter queue.
    for path in found.dead_letter_queues:
        found.source_queues.pop(path, None)
    return found


def function_timeout_seconds(function: lambda_.CfnFunction) -> float | None:
    """The function's timeout in seconds (Lambda's 3 s when unset), or ``None`` when only known at deploy."""
    timeout = function.timeout
    if timeout is None:
        return LAMBDA_DEFAULT_TIMEOUT_SECONDS
    if Token.is_unresolved(timeout):
        return None
    return float(timeout)


def rest_api_of(stage: apigateway.CfnStage) -> tuple[apigateway.CfnRestApi | None, str | None]:
    """The REST API a stage belongs to and its ``Name`` (API Gateway's ``ApiName`` metric dimension).

    The name is ``None`` when it is known only at deploy time (or the API is defined elsewhere).
    """
    index = _LogicalIdIndex(Stack.of(stage).node.find_all())
    for target in index.targets(stage.rest_api_id, stage):
        if isinstance(target, apigateway.CfnRestApi):
            name = target.name
            return target, name if isinstance(name, str) and not Token.is_unresolved(name) else None
    return None, None


def http_api_of(stage: apigatewayv2.CfnStage) -> apigatewayv2.CfnApi | None:
    """The HTTP API (``ProtocolType: HTTP``) of a stage; ``None`` for a WebSocket API or one defined elsewhere."""
    index = _LogicalIdIndex(Stack.of(stage).node.find_all())
    for target in index.targets(stage.api_id, stage):
        if isinstance(target, apigatewayv2.CfnApi) and target.protocol_type == "HTTP":
            return target
    return None


_REFERENCE_TARGETS = (sqs.CfnQueue, lambda_.CfnFunction, apigateway.CfnRestApi, apigatewayv2.CfnApi)


class _LogicalIdIndex:
    """Map the ``Ref``/``Fn::GetAtt`` logical ids of a resolved value back to the resources."""

    def __init__(self, constructs: Iterable[IConstruct]) -> None:
        self._by_stack: dict[tuple[str, str], CfnResource] = {}
        self._by_id: dict[str, list[CfnResource]] = {}
        for construct in constructs:
            # Only what a reference can point at that discovery cares about: resolving every
            # logical id of a large tree costs a jsii round trip each.
            if isinstance(construct, _REFERENCE_TARGETS):
                stack = Stack.of(construct)
                logical_id = stack.resolve(construct.logical_id)
                self._by_stack[(stack.node.path, logical_id)] = construct
                self._by_id.setdefault(logical_id, []).append(construct)

    def targets(self, value: Any, owner: CfnResource) -> list[CfnResource]:
        """The resources that ``value`` (a token or structure, resolved in ``owner``'s stack) refers to."""
        if value is None:
            return []
        stack = Stack.of(owner)
        resolved = stack.resolve(value)
        found = []
        for logical_id in _referenced_ids(resolved):
            same_stack = self._by_stack.get((stack.node.path, logical_id))
            if same_stack is not None:
                found.append(same_stack)
            elif len(self._by_id.get(logical_id, [])) == 1:
                # A reference to another stack resolves to the producer's logical id before synthesis.
                found.append(self._by_id[logical_id][0])
        return found


def _referenced_ids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and isinstance(attribute[0], str):
            yield attribute[0]
        for item in value.values():
            yield from _referenced_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _referenced_ids(item)


def _resolve(owner: CfnResource, value: Any) -> Any:
    return None if value is None else Stack.of(owner).resolve(value)


def get_key(value: Any, key: str) -> Any:
    """``value[key]`` for a resolved L1 structure, whatever the key's case (camelCase or PascalCase)."""
    return _get(value, key)


def _get(value: Any, key: str) -> Any:
    """``value[key]`` for a resolved L1 structure, whatever the key's case (camelCase or PascalCase)."""
    if not isinstance(value, dict):
        return None
    wanted = key.lower()
    for name, item in value.items():
        if name.lower() == wanted:
            return item
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
