"""What LambdaAlarms watches: one record per resource, from discovery and from the resources given explicitly.

A resource both given and discovered is watched once: records are keyed by the path of the
CloudFormation resource (an L2 given explicitly is matched through its ``default_child``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aws_cdk import Annotations, CfnResource, Fn, Stack, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions

from serverless_patterns.lambda_alarms import discovery

if TYPE_CHECKING:
    from constructs import Construct, IConstruct


class Watched(Protocol):
    """What every watched record has: a readable label and the construct it watches."""

    @property
    def label(self) -> str:
        """The construct path without the alarms' stack and trailing ``Resource`` ids."""
        ...

    @property
    def construct(self) -> IConstruct:
        """The watched construct (a CloudFormation resource, or an imported L2)."""
        ...


@dataclass(frozen=True)
class WatchedFunction:
    """A Lambda function the construct watches.

    ``timeout_seconds`` is ``None`` when the timeout is known only at deploy time;
    ``asynchronous_because`` lists why the function counts as asynchronously invoked (empty when
    it does not).
    """

    label: str
    construct: IConstruct
    function_name: str
    timeout_seconds: float | None
    asynchronous_because: tuple[str, ...]
    because: str = ""

    @property
    def asynchronous(self) -> bool:
        """Whether DeadLetterErrors and AsyncEventAge alarms apply."""
        return bool(self.asynchronous_because)


@dataclass(frozen=True)
class WatchedQueue:
    """A dead-letter queue the construct watches; ``dead_letter_of`` names the paths that feed it."""

    label: str
    construct: IConstruct
    queue_name: str
    dead_letter_of: tuple[str, ...]
    because: str = ""


@dataclass(frozen=True)
class WatchedStateMachine:
    """A Step Functions state machine the construct watches."""

    label: str
    construct: IConstruct
    state_machine_arn: str
    because: str = ""


@dataclass(frozen=True)
class WatchedRestApi:
    """A REST API stage the construct watches (``api_name`` and ``stage_name`` are metric dimensions)."""

    label: str
    construct: IConstruct
    api_name: str
    stage_name: str
    because: str = ""


@dataclass(frozen=True)
class WatchedRule:
    """An EventBridge rule the construct watches.

    ``rule_name`` and ``event_bus_name`` are the metric dimensions: EventBridge publishes the
    metrics of a rule on a custom bus with both ``EventBusName`` and ``RuleName``, and those of a
    rule on the default bus with ``RuleName`` only (``event_bus_name`` is ``None``).
    """

    label: str
    construct: IConstruct
    rule_name: str
    event_bus_name: str | None
    because: str = ""


@dataclass(frozen=True)
class WatchedSourceQueue:
    """A queue that a function reads (an event source mapping), watched for the age of its oldest message.

    The settings are ``None`` when known only at deploy time (SQS's own defaults apply when unset:
    30 s visibility, 4 days retention); ``max_receive_count`` is ``None`` without a redrive policy.
    """

    label: str
    construct: IConstruct
    queue_name: str
    visibility_timeout_seconds: float | None
    retention_seconds: float | None
    max_receive_count: int | None
    consumed_by: tuple[str, ...]
    because: str = ""


@dataclass(frozen=True)
class WatchedTable:
    """A DynamoDB table the construct watches (``table_name`` is the ``TableName`` dimension)."""

    label: str
    construct: IConstruct
    table_name: str
    because: str = ""


@dataclass(frozen=True)
class WatchedHttpApi:
    """An HTTP API stage the construct watches (``api_id`` and ``stage_name`` are metric dimensions)."""

    label: str
    construct: IConstruct
    api_id: str
    stage_name: str
    because: str = ""


@dataclass
class Wanted:
    """What a LambdaAlarms was asked to watch, explicitly or by scope; read once, at synthesis."""

    functions: list[lambda_.IFunction]
    asynchronous_functions: list[lambda_.IFunction]
    dead_letter_queues: list[sqs.IQueue]
    state_machines: list[stepfunctions.IStateMachine]
    rest_apis: list[IConstruct]
    watch_scope: IConstruct | None
    exclude: list[IConstruct]
    rules: list[events.IRule]
    queues: list[sqs.IQueue]
    tables: list[IConstruct]
    http_apis: list[IConstruct]

    def roots(self) -> list[IConstruct]:
        """Where discovery looks: the watched scope, and the stack of every resource given explicitly.

        An explicit resource's stack is read to learn whether a function is invoked asynchronously
        and which resources feed a dead-letter queue.
        """
        roots: list[IConstruct] = [] if self.watch_scope is None else [self.watch_scope]
        given: list[IConstruct] = [
            *self.functions,
            *self.asynchronous_functions,
            *self.dead_letter_queues,
            *self.state_machines,
            *self.rest_apis,
            *self.rules,
            *self.queues,
            *self.tables,
            *self.http_apis,
        ]
        return roots + [Stack.of(construct) for construct in given]


class Labels:
    """Readable labels: a construct path without the alarms' stack name and trailing ``Resource`` ids."""

    def __init__(self, stack: Stack) -> None:
        self._stack_path = stack.node.path.split("/")

    def of(self, construct: IConstruct) -> str:
        """The label of a construct."""
        return self.of_path(construct.node.path)

    def of_path(self, path: str) -> str:
        """The label of a construct path."""
        parts = path.split("/")
        while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
            parts.pop()
        if parts[: len(self._stack_path)] == self._stack_path and len(parts) > len(self._stack_path):
            parts = parts[len(self._stack_path) :]
        return "/".join(parts)


def functions(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedFunction]:
    """The functions to watch: discovered in the scope first, then those given, each once."""
    marked = {_function_key(function) for function in wanted.asynchronous_functions}
    result: dict[str, WatchedFunction] = {}
    candidates: list[lambda_.CfnFunction | lambda_.IFunction] = [
        cfn for path, cfn in found.functions.items() if _under(wanted.watch_scope, path)
    ]
    candidates += [*wanted.functions, *wanted.asynchronous_functions]
    for candidate in candidates:
        key = _function_key(candidate)
        if key in result:
            continue
        cfn = candidate if isinstance(candidate, lambda_.CfnFunction) else candidate.node.default_child
        reasons = list(found.async_reasons.get(key, []))
        if key in marked:
            reasons.append("asynchronous_functions option")
        if isinstance(cfn, lambda_.CfnFunction):
            timeout = discovery.function_timeout_seconds(cfn)
            because = _because(candidate, "a Lambda function", "functions")
            result[key] = WatchedFunction(labels.of(cfn), cfn, cfn.ref, timeout, tuple(reasons), because)
        else:
            assert not isinstance(candidate, lambda_.CfnFunction)  # an imported function has no CfnFunction
            result[key] = WatchedFunction(
                labels.of(candidate), candidate, candidate.function_name, None, tuple(reasons), "given: functions"
            )
    return list(result.values())


def dead_letter_queues(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedQueue]:
    """The dead-letter queues to watch: discovered in the scope first, then those given, each once."""

    def feeders(path: str) -> tuple[str, ...]:
        return tuple(labels.of_path(source) for source in found.dead_letter_sources.get(path, []))

    result: dict[str, WatchedQueue] = {}
    for path, cfn in found.dead_letter_queues.items():
        if _under(wanted.watch_scope, path):
            because = f"found: dead-letter queue of {', '.join(feeders(path))}"
            result[path] = WatchedQueue(labels.of(cfn), cfn, cfn.attr_queue_name, feeders(path), because)
    for queue in wanted.dead_letter_queues:
        queue_cfn = queue.node.default_child
        if isinstance(queue_cfn, sqs.CfnQueue):
            path = queue_cfn.node.path
            if path not in result:
                result[path] = WatchedQueue(
                    labels.of(queue_cfn),
                    queue_cfn,
                    queue_cfn.attr_queue_name,
                    feeders(path),
                    "given: dead_letter_queues",
                )
        elif queue.node.path not in result:
            result[queue.node.path] = WatchedQueue(
                labels.of(queue), queue, queue.queue_name, (), "given: dead_letter_queues"
            )
    return list(result.values())


def state_machines(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedStateMachine]:
    """The state machines to watch: discovered in the scope first, then those given, each once."""
    result: dict[str, WatchedStateMachine] = {}
    for path, cfn in found.state_machines.items():
        if _under(wanted.watch_scope, path):
            result[path] = WatchedStateMachine(labels.of(cfn), cfn, cfn.ref, "found: a Step Functions state machine")
    for machine in wanted.state_machines:
        machine_cfn = machine.node.default_child
        if isinstance(machine_cfn, stepfunctions.CfnStateMachine):
            if machine_cfn.node.path not in result:
                result[machine_cfn.node.path] = WatchedStateMachine(
                    labels.of(machine_cfn), machine_cfn, machine_cfn.ref, "given: state_machines"
                )
        elif machine.node.path not in result:
            result[machine.node.path] = WatchedStateMachine(
                labels.of(machine), machine, machine.state_machine_arn, "given: state_machines"
            )
    return list(result.values())


def rest_apis(found: discovery.Found, wanted: Wanted, labels: Labels, owner: Construct) -> list[WatchedRestApi]:
    """The REST API stages to watch; a stage whose API or stage name is unknown at synth is skipped with a warning."""
    stages = [stage for path, stage in found.rest_api_stages.items() if _under(wanted.watch_scope, path)]
    discovered = {stage.node.path for stage in stages}
    for api in wanted.rest_apis:
        # A RestApi's stages are defined inside it; so are those of constructs that hold one.
        stages += [child for child in api.node.find_all() if isinstance(child, apigateway.CfnStage)]
    result: dict[str, WatchedRestApi] = {}
    for stage in stages:
        path = stage.node.path
        if path in result:
            continue
        rest_api, name = discovery.rest_api_of(stage)
        stage_name = stage.stage_name
        if rest_api is None or name is None or stage_name is None or Token.is_unresolved(stage_name):
            # API Gateway's metrics are keyed by the API's name and the stage's name: without
            # both known at synth there is nothing to alarm on.
            Annotations.of(owner).add_warning_v2(
                "serverless-patterns:lambda-alarms-unnamed-api",
                f"{path}: the REST API or stage name is not known at synth, so the stage is not watched",
            )
            continue
        because = "found: a REST API stage" if path in discovered else "given: rest_apis"
        result[path] = WatchedRestApi(f"{labels.of(rest_api)}/{stage_name}", stage, name, stage_name, because)
    return list(result.values())


def rules(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedRule]:
    """The EventBridge rules to watch: those with targets in the scope, then those given, each once."""
    result: dict[str, WatchedRule] = {}
    for path, cfn in found.rules.items():
        if _under(wanted.watch_scope, path):
            result[path] = _rule(cfn, labels, "found: an EventBridge rule with targets")
    for rule in wanted.rules:
        rule_cfn = rule.node.default_child
        if isinstance(rule_cfn, events.CfnRule):
            if rule_cfn.node.path not in result:
                result[rule_cfn.node.path] = _rule(rule_cfn, labels, "given: rules")
        elif rule.node.path not in result:
            # An imported rule: its name is all that is known, so it is taken to be on the default bus.
            result[rule.node.path] = WatchedRule(labels.of(rule), rule, rule.rule_name, None, "given: rules")
    return list(result.values())


def _rule(cfn: events.CfnRule, labels: Labels, because: str) -> WatchedRule:
    bus = cfn.event_bus_name
    on_default_bus = bus is None or bus == "default"
    # A rule's ARN is arn:...:rule/<rule> on the default bus and arn:...:rule/<bus>/<rule> on a
    # custom one; its Ref is not the bare name on a custom bus, so the name is cut from the ARN.
    name = Fn.select(1 if on_default_bus else 2, Fn.split("/", cfn.attr_arn))
    return WatchedRule(labels.of(cfn), cfn, name, None if on_default_bus else bus, because)


def source_queues(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedSourceQueue]:
    """The source queues to watch: read by an event source mapping in the scope, then those given, each once."""
    result: dict[str, WatchedSourceQueue] = {}
    for path, cfn in found.source_queues.items():
        if _under(wanted.watch_scope, path):
            consumers = tuple(labels.of_path(consumer) for consumer in found.source_consumers.get(path, []))
            result[path] = _source_queue(cfn, labels, consumers, f"found: read by {', '.join(consumers)}")
    for queue in wanted.queues:
        queue_cfn = queue.node.default_child
        if isinstance(queue_cfn, sqs.CfnQueue):
            if queue_cfn.node.path not in result:
                consumers = tuple(labels.of_path(c) for c in found.source_consumers.get(queue_cfn.node.path, []))
                result[queue_cfn.node.path] = _source_queue(queue_cfn, labels, consumers, "given: queues")
        elif queue.node.path not in result:
            result[queue.node.path] = WatchedSourceQueue(
                labels.of(queue), queue, queue.queue_name, None, None, None, (), "given: queues"
            )
    return list(result.values())


def _source_queue(cfn: sqs.CfnQueue, labels: Labels, consumers: tuple[str, ...], because: str) -> WatchedSourceQueue:
    redrive = cfn.redrive_policy
    resolved = Stack.of(cfn).resolve(redrive) if redrive is not None else None
    receives = discovery.get_key(resolved, "maxReceiveCount")
    return WatchedSourceQueue(
        labels.of(cfn),
        cfn,
        cfn.attr_queue_name,
        _seconds(cfn.visibility_timeout, SQS_DEFAULT_VISIBILITY_SECONDS),
        _seconds(cfn.message_retention_period, SQS_DEFAULT_RETENTION_SECONDS),
        int(receives) if isinstance(receives, (int, float)) else None,
        consumers,
        because,
    )


# SQS's defaults when a queue does not set them (CreateQueue, "Attributes":
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html).
SQS_DEFAULT_VISIBILITY_SECONDS = 30
SQS_DEFAULT_RETENTION_SECONDS = 345_600


def _seconds(value: float | None, default: float) -> float | None:
    if value is None:
        return default
    return None if Token.is_unresolved(value) else float(value)


def tables(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedTable]:
    """The DynamoDB tables to watch: in the scope, then those given, each once."""
    result: dict[str, WatchedTable] = {}
    for path, cfn in found.tables.items():
        if _under(wanted.watch_scope, path):
            result[path] = WatchedTable(labels.of(cfn), cfn, cfn.ref, "found: a DynamoDB table")
    for table in wanted.tables:
        table_cfn = table.node.default_child
        if isinstance(table_cfn, (dynamodb.CfnTable, dynamodb.CfnGlobalTable)):
            if table_cfn.node.path not in result:
                result[table_cfn.node.path] = WatchedTable(
                    labels.of(table_cfn), table_cfn, table_cfn.ref, "given: tables"
                )
        elif table.node.path not in result:
            name = getattr(table, "table_name", None)
            if isinstance(name, str):
                result[table.node.path] = WatchedTable(labels.of(table), table, name, "given: tables")
    return list(result.values())


def http_apis(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedHttpApi]:
    """The HTTP API stages to watch: in the scope, then the stages inside each construct given, each once."""
    stages = [
        (stage, "found: an HTTP API stage")
        for path, stage in found.http_api_stages.items()
        if _under(wanted.watch_scope, path)
    ]
    for api in wanted.http_apis:
        stages += [
            (child, "given: http_apis") for child in api.node.find_all() if isinstance(child, apigatewayv2.CfnStage)
        ]
    result: dict[str, WatchedHttpApi] = {}
    for stage, because in stages:
        path = stage.node.path
        http_api = discovery.http_api_of(stage)
        if path in result or http_api is None:
            continue
        result[path] = WatchedHttpApi(
            f"{labels.of(http_api)}/{stage.stage_name}", stage, http_api.ref, stage.stage_name, because
        )
    return list(result.values())


def contains(scope: IConstruct, construct: IConstruct) -> bool:
    """Whether ``construct`` is ``scope`` itself, inside it, or its L2 parent's CloudFormation resource."""
    path, root = construct.node.path, scope.node.path
    if not root or path == root or path.startswith(root + "/"):
        return True
    # A watched CloudFormation resource matches the L2 or ServerlessFunction given as key.
    default_child = scope.node.default_child
    return default_child is not None and default_child.node.path == path


def _because(candidate: IConstruct, found_as: str, option: str) -> str:
    """Why a resource is watched: found by discovery (a CloudFormation resource) or given in ``option``."""
    return f"found: {found_as}" if isinstance(candidate, CfnResource) else f"given: {option}"


def _function_key(function: lambda_.CfnFunction | lambda_.IFunction) -> str:
    if isinstance(function, lambda_.CfnFunction):
        return function.node.path
    child = function.node.default_child
    return child.node.path if isinstance(child, lambda_.CfnFunction) else function.node.path


def _under(scope: IConstruct | None, path: str) -> bool:
    if scope is None:
        return False
    root = scope.node.path
    return not root or path == root or path.startswith(root + "/")
