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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import IConstruct

from serverless_patterns._internal.jsii_values import is_instance
from serverless_patterns._internal.validation import is_unresolved

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
    # Logical ids and stacks of what was walked, to follow references later.
    index: _LogicalIdIndex = field(default_factory=lambda: _LogicalIdIndex(()))


def walk(
    roots: Iterable[IConstruct],
    exclude: Iterable[IConstruct] = (),
    kinds: tuple[type, ...] = (CfnResource,),
    keep: Callable[[IConstruct], bool] | None = None,
) -> Iterator[tuple[str, IConstruct]]:
    """Every construct of ``kinds`` under ``roots`` (each once, with its path), skipping the subtrees of ``exclude``.

    With ``keep``, the constructs it accepts instead, whatever their kind. The type of a jsii
    object is known on the Python side, so other constructs are skipped before their path is
    read: each path costs a jsii round trip.
    """
    excluded = [path for path in (construct.node.path for construct in exclude) if path]
    seen: set[str] = set()
    for root in roots:
        for construct in root.node.find_all():
            if not (keep(construct) if keep is not None else is_instance(construct, kinds)):
                continue
            path = construct.node.path
            if path in seen or any(path == ex or path.startswith(ex + "/") for ex in excluded):
                continue
            seen.add(path)
            yield path, construct


# What discovery reads: the watched resources, the ones that refer to them, and the stacks
# (a resource's stack is then known from its path, without asking jsii).
_DISCOVERED = (
    lambda_.CfnFunction,
    sqs.CfnQueue,
    events.CfnRule,
    sns.CfnSubscription,
    lambda_.CfnEventInvokeConfig,
    lambda_.CfnEventSourceMapping,
    lambda_.CfnPermission,
    stepfunctions.CfnStateMachine,
    apigateway.CfnStage,
    apigateway.CfnRestApi,
    dynamodb.CfnTable,
    dynamodb.CfnGlobalTable,
    apigatewayv2.CfnStage,
    apigatewayv2.CfnApi,
    Stack,
)


def discover(roots: Iterable[IConstruct], exclude: Iterable[IConstruct] = ()) -> Found:
    """Find the functions, dead-letter queues, state machines and REST API stages under ``roots``."""
    constructs = list(walk(roots, exclude, _DISCOVERED))
    index = _LogicalIdIndex(constructs)
    found = Found(index=index)
    queues: dict[str, sqs.CfnQueue] = {}

    def mark_dead_letter(value: Any, owner_path: str) -> None:
        for target_path, target in index.targets(value, owner_path):
            if isinstance(target, sqs.CfnQueue):
                queues[target_path] = target
                sources = found.dead_letter_sources.setdefault(target_path, [])
                if owner_path not in sources:  # a rule with several targets sharing one DLQ
                    sources.append(owner_path)

    def mark_async(value: Any, owner_path: str, reason: str) -> None:
        for target_path, target in index.targets(value, owner_path):
            if isinstance(target, lambda_.CfnFunction):
                found.async_reasons.setdefault(target_path, []).append(reason)

    for path, construct in constructs:
        if isinstance(construct, lambda_.CfnFunction):
            found.functions[path] = construct
            if construct.dead_letter_config is not None:
                found.async_reasons.setdefault(path, []).append("dead-letter queue")
                mark_dead_letter(construct.dead_letter_config, path)
        elif isinstance(construct, sqs.CfnQueue):
            redrive = construct.redrive_policy
            if redrive is not None:
                mark_dead_letter(_get(index.resolve(redrive, path), "deadLetterTargetArn"), path)
        elif isinstance(construct, events.CfnRule):
            targets = _as_list(index.resolve(construct.targets, path))
            for target in targets:
                mark_dead_letter(_get(_get(target, "deadLetterConfig"), "arn"), path)
            if targets:  # a rule without targets delivers nothing, so nothing can fail
                found.rules[path] = construct
        elif isinstance(construct, sns.CfnSubscription):
            redrive = construct.redrive_policy
            if redrive is not None:
                mark_dead_letter(_get(index.resolve(redrive, path), "deadLetterTargetArn"), path)
        elif isinstance(construct, lambda_.CfnEventInvokeConfig):
            resolved = index.resolve({"f": construct.function_name, "d": construct.destination_config}, path)
            mark_async(resolved.get("f"), path, "event invoke config")
            mark_dead_letter(_get(_get(resolved.get("d"), "onFailure"), "destination"), path)
        elif isinstance(construct, lambda_.CfnEventSourceMapping):
            resolved = index.resolve({"s": construct.event_source_arn, "d": construct.destination_config}, path)
            mark_dead_letter(_get(_get(resolved.get("d"), "onFailure"), "destination"), path)
            for source_path, source in index.targets(resolved.get("s"), path):
                if isinstance(source, sqs.CfnQueue):
                    found.source_queues[source_path] = source
                    found.source_consumers.setdefault(source_path, []).append(path)
        elif isinstance(construct, lambda_.CfnPermission):
            principal = construct.principal
            if isinstance(principal, str) and principal in ASYNC_PRINCIPALS:
                mark_async(construct.function_name, path, f"invoked by {principal}")
        elif isinstance(construct, stepfunctions.CfnStateMachine):
            found.state_machines[path] = construct
        elif isinstance(construct, apigateway.CfnStage):
            found.rest_api_stages[path] = construct
        elif isinstance(construct, (dynamodb.CfnTable, dynamodb.CfnGlobalTable)):
            found.tables[path] = construct
        elif isinstance(construct, apigatewayv2.CfnStage):
            api = index.http_api_of(construct, path)
            if api is not None:
                found.http_api_stages[path] = construct

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
    if is_unresolved(timeout):
        return None
    return float(timeout)


_REFERENCE_TARGETS = (sqs.CfnQueue, lambda_.CfnFunction, apigateway.CfnRestApi, apigatewayv2.CfnApi)


class _LogicalIdIndex:
    """Map the ``Ref``/``Fn::GetAtt`` logical ids of a resolved value back to the resources.

    Paths are read once, by :func:`walk`; a resource's stack is the walked stack whose path is
    the longest prefix of the resource's path (``Stack.of`` only for a resource outside them),
    and the logical ids of a stack are resolved together: every read is a jsii round trip.
    """

    def __init__(self, constructs: Iterable[tuple[str, IConstruct]]) -> None:
        self._stacks: dict[str, Stack] = {}
        self._by_stack: dict[tuple[str, str], tuple[str, CfnResource]] = {}
        self._by_id: dict[str, list[tuple[str, CfnResource]]] = {}
        pending: dict[str, list[tuple[str, CfnResource]]] = {}
        # Path by object identity (the object is kept, so its id is not reused).
        self._paths: dict[int, tuple[IConstruct, str]] = {}
        for path, construct in constructs:
            self._paths[id(construct)] = (construct, path)
            if isinstance(construct, Stack):
                self._stacks[path] = construct
        for path, construct in constructs:
            if isinstance(construct, Stack):
                continue
            stack_path = self.stack_path(path, construct)
            # Only what a reference can point at that discovery cares about.
            if isinstance(construct, _REFERENCE_TARGETS):
                pending.setdefault(stack_path, []).append((path, construct))
        for stack_path, members in pending.items():
            logical_ids = self._stacks[stack_path].resolve([construct.logical_id for _, construct in members])
            for logical_id, member in zip(logical_ids, members, strict=True):
                self._by_stack[(stack_path, logical_id)] = member
                self._by_id.setdefault(logical_id, []).append(member)

    def path_of(self, construct: IConstruct) -> str:
        """The construct's path: known for what was walked, read (one round trip) for the rest."""
        known = self._paths.get(id(construct))
        return known[1] if known is not None else construct.node.path

    def stack_path(self, path: str, construct: IConstruct) -> str:
        """The path of the stack that holds the construct at ``path``."""
        best = self._known_stack(path)
        if best is None:
            stack = Stack.of(construct)
            best = stack.node.path
            self._stacks[best] = stack
        return best

    def resolve(self, value: Any, owner_path: str) -> Any:
        """``value`` resolved in the stack of the resource at ``owner_path`` (``None`` stays ``None``)."""
        if value is None:
            return None
        return self._stacks[self._stack_of_walked(owner_path)].resolve(value)

    def targets(self, value: Any, owner_path: str) -> list[tuple[str, CfnResource]]:
        """The resources (with their paths) that ``value``, resolved in the owner's stack, refers to."""
        if value is None:
            return []
        stack_path = self._stack_of_walked(owner_path)
        resolved = self._stacks[stack_path].resolve(value)
        found = []
        for logical_id in _referenced_ids(resolved):
            same_stack = self._by_stack.get((stack_path, logical_id))
            if same_stack is not None:
                found.append(same_stack)
            elif len(self._by_id.get(logical_id, [])) == 1:
                # A reference to another stack resolves to the producer's logical id before synthesis.
                found.append(self._by_id[logical_id][0])
        return found

    def rest_api_of(self, stage: apigateway.CfnStage, path: str) -> tuple[apigateway.CfnRestApi | None, str | None]:
        """The REST API a stage belongs to and its ``Name`` (API Gateway's ``ApiName`` metric dimension).

        The name is ``None`` when it is known only at deploy time (or the API is defined elsewhere).
        """
        self.stack_path(path, stage)  # a stage given explicitly may sit outside the walked stacks
        for _, target in self.targets(stage.rest_api_id, path):
            if isinstance(target, apigateway.CfnRestApi):
                name = target.name
                return target, name if isinstance(name, str) and not is_unresolved(name) else None
        return None, None

    def http_api_of(self, stage: apigatewayv2.CfnStage, path: str) -> apigatewayv2.CfnApi | None:
        """The HTTP API (``ProtocolType: HTTP``) of a stage; ``None`` for a WebSocket API or one defined elsewhere."""
        self.stack_path(path, stage)  # a stage given explicitly may sit outside the walked stacks
        for _, target in self.targets(stage.api_id, path):
            if isinstance(target, apigatewayv2.CfnApi) and target.protocol_type == "HTTP":
                return target
        return None

    def _known_stack(self, path: str) -> str | None:
        best = None
        for stack_path in self._stacks:
            if path.startswith(stack_path + "/") and (best is None or len(stack_path) > len(best)):
                best = stack_path
        return best

    def _stack_of_walked(self, path: str) -> str:
        best = self._known_stack(path)
        assert best is not None  # the stack of every walked resource was learned in __init__
        return best


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
