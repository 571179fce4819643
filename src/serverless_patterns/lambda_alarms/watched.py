"""What LambdaAlarms watches: one record per resource, from discovery and from the resources given explicitly.

A resource both given and discovered is watched once: records are keyed by the path of the
CloudFormation resource (an L2 given explicitly is matched through its ``default_child``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aws_cdk import Annotations, Stack, Token
from aws_cdk import aws_apigateway as apigateway
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


@dataclass(frozen=True)
class WatchedStateMachine:
    """A Step Functions state machine the construct watches."""

    label: str
    construct: IConstruct
    state_machine_arn: str


@dataclass(frozen=True)
class WatchedRestApi:
    """A REST API stage the construct watches (``api_name`` and ``stage_name`` are metric dimensions)."""

    label: str
    construct: IConstruct
    api_name: str
    stage_name: str


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
            result[key] = WatchedFunction(labels.of(cfn), cfn, cfn.ref, timeout, tuple(reasons))
        else:
            assert not isinstance(candidate, lambda_.CfnFunction)  # an imported function has no CfnFunction
            result[key] = WatchedFunction(
                labels.of(candidate), candidate, candidate.function_name, None, tuple(reasons)
            )
    return list(result.values())


def dead_letter_queues(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedQueue]:
    """The dead-letter queues to watch: discovered in the scope first, then those given, each once."""

    def feeders(path: str) -> tuple[str, ...]:
        return tuple(labels.of_path(source) for source in found.dead_letter_sources.get(path, []))

    result: dict[str, WatchedQueue] = {}
    for path, cfn in found.dead_letter_queues.items():
        if _under(wanted.watch_scope, path):
            result[path] = WatchedQueue(labels.of(cfn), cfn, cfn.attr_queue_name, feeders(path))
    for queue in wanted.dead_letter_queues:
        queue_cfn = queue.node.default_child
        if isinstance(queue_cfn, sqs.CfnQueue):
            path = queue_cfn.node.path
            if path not in result:
                result[path] = WatchedQueue(labels.of(queue_cfn), queue_cfn, queue_cfn.attr_queue_name, feeders(path))
        elif queue.node.path not in result:
            result[queue.node.path] = WatchedQueue(labels.of(queue), queue, queue.queue_name, ())
    return list(result.values())


def state_machines(found: discovery.Found, wanted: Wanted, labels: Labels) -> list[WatchedStateMachine]:
    """The state machines to watch: discovered in the scope first, then those given, each once."""
    result: dict[str, WatchedStateMachine] = {}
    for path, cfn in found.state_machines.items():
        if _under(wanted.watch_scope, path):
            result[path] = WatchedStateMachine(labels.of(cfn), cfn, cfn.ref)
    for machine in wanted.state_machines:
        machine_cfn = machine.node.default_child
        if isinstance(machine_cfn, stepfunctions.CfnStateMachine):
            if machine_cfn.node.path not in result:
                result[machine_cfn.node.path] = WatchedStateMachine(
                    labels.of(machine_cfn), machine_cfn, machine_cfn.ref
                )
        elif machine.node.path not in result:
            result[machine.node.path] = WatchedStateMachine(labels.of(machine), machine, machine.state_machine_arn)
    return list(result.values())


def rest_apis(found: discovery.Found, wanted: Wanted, labels: Labels, owner: Construct) -> list[WatchedRestApi]:
    """The REST API stages to watch; a stage whose API or stage name is unknown at synth is skipped with a warning."""
    stages = [stage for path, stage in found.rest_api_stages.items() if _under(wanted.watch_scope, path)]
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
        result[path] = WatchedRestApi(f"{labels.of(rest_api)}/{stage_name}", stage, name, stage_name)
    return list(result.values())


def contains(scope: IConstruct, construct: IConstruct) -> bool:
    """Whether ``construct`` is ``scope`` itself, inside it, or its L2 parent's CloudFormation resource."""
    path, root = construct.node.path, scope.node.path
    if not root or path == root or path.startswith(root + "/"):
        return True
    # A watched CloudFormation resource matches the L2 or ServerlessFunction given as key.
    default_child = scope.node.default_child
    return default_child is not None and default_child.node.path == path


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
