"""Which sinks of a synthesized app no alarm watches: where failed work ends up or is dropped, unseen.

A **sink** is a resource where work that failed lands or is lost; each kind has the CloudWatch
metrics that show it, and it is **watched** when a notifying alarm reads one of them for it:

- **dead-letter queue**: a queue's redrive policy, a function's or rule target's DLQ, an on-failure
  destination or a subscription's DLQ points at it; what lands there failed for good. Watched by
  AWS/SQS ``ApproximateNumberOfMessagesVisible`` or ``ApproximateAgeOfOldestMessage`` by ``QueueName``.
- **source queue**: a Lambda event source mapping reads it; a stuck consumer leaves messages to age
  and expire. Watched by the same SQS metrics.
- **rule**: an EventBridge rule with targets drops an event whose delivery still fails after its
  retries. Watched by AWS/Events ``FailedInvocations`` or ``InvocationsFailedToBeSentToDlq`` by
  ``RuleName``.
- **state machine**: a failed, timed-out or aborted execution ends the work. Watched by AWS/States
  ``ExecutionsFailed``, ``ExecutionsTimedOut`` or ``ExecutionsAborted`` by ``StateMachineArn``.
- **API stage**: a server error is a request the API failed. Watched by AWS/ApiGateway ``5XXError``
  by ``ApiName``, and ``Stage`` when given: without it the metric sums every stage of the API
  (HTTP APIs: ``5xx`` by ``ApiId``).
- **async function**: Lambda queues asynchronous events and drops them after their retries (a DLQ
  or on-failure destination gets a copy first). Watched by AWS/Lambda ``AsyncEventsDropped`` by
  ``FunctionName``.
- **table**: a throttled or failed request is work its caller lost. Watched by AWS/DynamoDB
  ``ThrottledRequests``, ``SystemErrors``, ``ReadThrottleEvents`` or ``WriteThrottleEvents`` by
  ``TableName``.

The metric names and dimensions are AWS's: Amazon SQS Developer Guide "Available CloudWatch
metrics for Amazon SQS"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html);
EventBridge User Guide "Monitoring Amazon EventBridge"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html); Step Functions
Developer Guide "Monitoring Step Functions metrics using Amazon CloudWatch"
(https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html); API Gateway
Developer Guide "Amazon API Gateway dimensions and metrics"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html);
Lambda Developer Guide "Types of metrics for Lambda functions", asynchronous invocation metrics
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html); DynamoDB Developer
Guide "DynamoDB Metrics and dimensions"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html).

Precisely, an ``AWS::CloudWatch::Alarm`` watches a sink when

- one of its metrics (``MetricName`` at the top level, or a ``MetricStat`` inside its metric math
  ``Metrics``) has the sink's namespace and one of its metric names, and the named dimension's
  value refers to the sink: a ``Ref`` or ``Fn::GetAtt`` of it (also inside ``Fn::Select`` and the
  like), an ``Fn::ImportValue`` of an output of another stack that refers to it, or a literal
  equal to its name property (``QueueName``, ``Name``, ``TableName``, ``FunctionName``,
  ``StageName``...); and
- it notifies someone: it has ``AlarmActions`` (and ``ActionsEnabled`` is not false), or an
  ``AWS::CloudWatch::CompositeAlarm`` that notifies names it in its ``AlarmRule`` (by ``Fn::GetAtt``
  or by its literal ``AlarmName``), at any depth. An alarm that tells nobody watches nothing.

Sinks are looked for in the stacks of the given scope; alarms in every stack of its app, so a
monitoring stack of its own (as the reference article has) counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk.assertions import Template
from constructs import Construct, IConstruct

from serverless_patterns._internal.jsii_values import is_instance

Reference = tuple[str, str]
"""A resource of the app: (stack artifact id, logical id)."""


@dataclass(frozen=True)
class _Watch:
    namespace: str
    metrics: frozenset[str]
    dimension: str

    def describe(self) -> str:
        return f"{self.namespace} {' or '.join(sorted(self.metrics))} by {self.dimension}"


_QUEUE_DEAD_LETTER = _Watch(
    "AWS/SQS", frozenset({"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"}), "QueueName"
)
_QUEUE_SOURCE = _Watch(
    "AWS/SQS", frozenset({"ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible"}), "QueueName"
)
_RULE = _Watch("AWS/Events", frozenset({"FailedInvocations", "InvocationsFailedToBeSentToDlq"}), "RuleName")
_STATE_MACHINE = _Watch(
    "AWS/States", frozenset({"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}), "StateMachineArn"
)
_REST_STAGE = _Watch("AWS/ApiGateway", frozenset({"5XXError"}), "Stage")
_HTTP_STAGE = _Watch("AWS/ApiGateway", frozenset({"5xx"}), "Stage")
_ASYNC_FUNCTION = _Watch("AWS/Lambda", frozenset({"AsyncEventsDropped"}), "FunctionName")
_TABLE = _Watch(
    "AWS/DynamoDB",
    frozenset({"ThrottledRequests", "SystemErrors", "ReadThrottleEvents", "WriteThrottleEvents"}),
    "TableName",
)

# Services that invoke Lambda asynchronously: a permission for one makes a function a sink.
_ASYNC_PRINCIPALS = frozenset(
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
# The property holding each sink type's name, for alarms that name it literally.
_NAME_PROPERTIES = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::Events::Rule": "Name",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::ApiGateway::Stage": "StageName",
    "AWS::ApiGatewayV2::Stage": "StageName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::DynamoDB::GlobalTable": "TableName",
}


@dataclass(frozen=True)
class UnwatchedSink:
    """A sink that no notifying alarm watches: where, what, why it is a sink, and what would watch it."""

    stack: str
    logical_id: str
    path: str
    kind: str
    reason: str
    wanted: str

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.stack}/{self.logical_id} ({self.path}): {self.reason}; wants an alarm on {self.wanted}"
        )


@dataclass(frozen=True)
class _Sink:
    reference: Reference
    kind: str
    reason: str
    watch: _Watch


class _App:
    """The templates of every stack of an app, with their exports."""

    def __init__(self, stacks: list[Stack]) -> None:
        self.templates: dict[str, dict[str, Any]] = {
            stack.artifact_id: dict(Template.from_stack(stack).to_json()) for stack in stacks
        }
        self.exports: dict[str, tuple[str, Any]] = {}
        for stack_id, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                name = (output.get("Export") or {}).get("Name")
                if isinstance(name, str):
                    self.exports[name] = (stack_id, output.get("Value"))

    def resources(self, stack_id: str) -> dict[str, Any]:
        resources: dict[str, Any] = self.templates[stack_id].get("Resources", {})
        return resources

    def references(self, stack_id: str, value: Any) -> set[Reference]:
        """The resources ``value`` (in ``stack_id``'s template) refers to, across stacks through exports."""
        found: set[Reference] = set()
        for kind, target in _intrinsics(value):
            if kind == "ref":
                found.add((stack_id, target))
            elif target in self.exports:
                producer, exported = self.exports[target]
                found |= self.references(producer, exported)
        return found


def _intrinsics(value: Any) -> Iterator[tuple[str, str]]:
    """``("ref", logical id)`` for each Ref/Fn::GetAtt and ``("import", name)`` for each Fn::ImportValue."""
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            yield "ref", value["Ref"]
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and isinstance(attribute[0], str):
            yield "ref", attribute[0]
        elif isinstance(attribute, str):
            yield "ref", attribute.split(".")[0]
        if isinstance(value.get("Fn::ImportValue"), str):
            yield "import", value["Fn::ImportValue"]
        for item in value.values():
            yield from _intrinsics(item)
    elif isinstance(value, list):
        for item in value:
            yield from _intrinsics(item)


def _stacks_of(scope: IConstruct | Iterable[Stack]) -> list[Stack]:
    if isinstance(scope, Stack):
        return [scope]
    if isinstance(scope, Construct):
        return [node for node in scope.node.find_all() if isinstance(node, Stack)]
    return list(scope)  # type: ignore[arg-type]  # an iterable of stacks


def _sinks(app: _App, stack_id: str) -> list[_Sink]:
    resources = app.resources(stack_id)
    sinks: dict[str, _Sink] = {}

    def referred(value: Any) -> list[str]:
        return sorted(logical_id for stack, logical_id in app.references(stack_id, value) if stack == stack_id)

    dead_letter: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    async_reasons: dict[str, list[str]] = {}
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        pointers: list[Any] = []
        if kind in {"AWS::SQS::Queue", "AWS::SNS::Subscription"}:
            pointers.append((properties.get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
        elif kind == "AWS::Lambda::Function":
            pointers.append((properties.get("DeadLetterConfig") or {}).get("TargetArn"))
            if properties.get("DeadLetterConfig"):
                async_reasons.setdefault(logical_id, []).append("it has a dead-letter queue")
        elif kind == "AWS::Events::Rule":
            pointers += [(target.get("DeadLetterConfig") or {}).get("Arn") for target in properties.get("Targets", [])]
        elif kind in ("AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"):
            pointers.append(((properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"))
            if kind == "AWS::Lambda::EventSourceMapping":
                for queue in referred(properties.get("EventSourceArn")):
                    sources.setdefault(queue, []).append(logical_id)
            else:
                for function in referred(properties.get("FunctionName")):
                    async_reasons.setdefault(function, []).append(f"the event invoke config {logical_id}")
        elif kind == "AWS::Lambda::Permission" and properties.get("Principal") in _ASYNC_PRINCIPALS:
            for function in referred(properties.get("FunctionName")):
                async_reasons.setdefault(function, []).append(f"{properties['Principal']} invokes it")
        for queue in referred([pointer for pointer in pointers if pointer is not None]):
            dead_letter.setdefault(queue, []).append(logical_id)

    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        reference = (stack_id, logical_id)
        if kind == "AWS::SQS::Queue" and logical_id in dead_letter:
            reason = f"failed work of {', '.join(dead_letter[logical_id])} lands there"
            sinks[logical_id] = _Sink(reference, "dead-letter queue", reason, _QUEUE_DEAD_LETTER)
        elif kind == "AWS::SQS::Queue" and logical_id in sources:
            reason = f"the event source mapping {', '.join(sources[logical_id])} reads it"
            sinks[logical_id] = _Sink(reference, "source queue", reason, _QUEUE_SOURCE)
        elif kind == "AWS::Events::Rule" and properties.get("Targets"):
            reason = f"it delivers to {len(properties['Targets'])} target(s); a failed delivery is dropped"
            sinks[logical_id] = _Sink(reference, "rule", reason, _RULE)
        elif kind == "AWS::StepFunctions::StateMachine":
            sinks[logical_id] = _Sink(reference, "state machine", "its executions can fail", _STATE_MACHINE)
        elif kind == "AWS::ApiGateway::Stage":
            sinks[logical_id] = _Sink(reference, "API stage", "it serves requests", _REST_STAGE)
        elif kind == "AWS::ApiGatewayV2::Stage":
            sinks[logical_id] = _Sink(reference, "API stage", "it serves requests", _HTTP_STAGE)
        elif kind == "AWS::Lambda::Function" and logical_id in async_reasons:
            reason = f"invoked asynchronously: {'; '.join(async_reasons[logical_id])}"
            sinks[logical_id] = _Sink(reference, "async function", reason, _ASYNC_FUNCTION)
        elif kind in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
            sinks[logical_id] = _Sink(reference, "table", "it stores the application's data", _TABLE)
    return list(sinks.values())


def _notifying_alarms(app: _App) -> set[Reference]:
    """Every metric alarm that notifies someone, itself or through a notifying composite alarm."""
    alarms: dict[Reference, dict[str, Any]] = {}
    composites: dict[Reference, dict[str, Any]] = {}
    names: dict[str, Reference] = {}
    for stack_id, template in app.templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            properties = resource.get("Properties") or {}
            if resource.get("Type") == "AWS::CloudWatch::Alarm":
                alarms[(stack_id, logical_id)] = properties
            elif resource.get("Type") == "AWS::CloudWatch::CompositeAlarm":
                composites[(stack_id, logical_id)] = properties
            else:
                continue
            if isinstance(properties.get("AlarmName"), str):
                names[properties["AlarmName"]] = (stack_id, logical_id)

    def notifies(properties: dict[str, Any]) -> bool:
        return bool(properties.get("AlarmActions")) and properties.get("ActionsEnabled", True) is not False

    def named(reference: Reference, rule: Any) -> set[Reference]:
        found = app.references(reference[0], rule)
        text = " ".join(_strings(rule))
        return found | {alarm for name, alarm in names.items() if f'"{name}"' in text}

    notifying = {reference for reference, properties in {**alarms, **composites}.items() if notifies(properties)}
    pending = [reference for reference in composites if reference in notifying]
    while pending:
        composite = pending.pop()
        for child in named(composite, composites[composite].get("AlarmRule")):
            if child not in notifying:
                notifying.add(child)
                if child in composites:
                    pending.append(child)
    return {reference for reference in notifying if reference in alarms}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _metrics(properties: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The metrics an alarm reads: its own, or each ``MetricStat`` of its metric math."""
    if properties.get("MetricName"):
        yield properties
    for query in properties.get("Metrics") or []:
        metric = (query.get("MetricStat") or {}).get("Metric")
        if metric:
            yield metric


def _watched(app: _App) -> set[tuple[Reference, str, str]]:
    """(resource, namespace, metric name) for every dimension value of a notifying alarm that refers to a resource."""
    watched: set[tuple[Reference, str, str]] = set()
    literal_names: dict[str, set[Reference]] = {}
    for stack_id, template in app.templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            name = (resource.get("Properties") or {}).get(_NAME_PROPERTIES.get(resource.get("Type", ""), ""))
            if isinstance(name, str):
                literal_names.setdefault(name, set()).add((stack_id, logical_id))
    for stack_id, alarm_id in _notifying_alarms(app):
        properties = app.resources(stack_id)[alarm_id]["Properties"]
        for metric in _metrics(properties):
            namespace, metric_name = metric.get("Namespace"), metric.get("MetricName")
            for dimension in metric.get("Dimensions") or []:
                value = dimension.get("Value")
                targets = app.references(stack_id, value)
                if isinstance(value, str):
                    targets |= literal_names.get(value, set())
                for target in targets:
                    watched.add((target, f"{namespace}|{dimension.get('Name')}", str(metric_name)))
    return watched


def _api_names_match(app: _App, sink: _Sink, watched_alarm_metric: dict[str, Any], alarm_stack: str) -> bool:
    """A REST stage's metric also names its API: ``ApiName`` must be the API's ``Name`` (or refer to the API)."""
    stage = app.resources(sink.reference[0])[sink.reference[1]].get("Properties") or {}
    apis = app.references(sink.reference[0], stage.get("RestApiId") or stage.get("ApiId"))
    dimensions = {item.get("Name"): item.get("Value") for item in watched_alarm_metric.get("Dimensions") or []}
    wanted = "ApiName" if sink.watch is _REST_STAGE else "ApiId"
    value = dimensions.get(wanted)
    if value is None:
        return False
    if app.references(alarm_stack, value) & apis:
        return True
    names = {(app.resources(stack)[api].get("Properties") or {}).get("Name") for stack, api in apis}
    return isinstance(value, str) and value in names


def unwatched_sinks(scope: IConstruct | Iterable[Stack]) -> list[UnwatchedSink]:
    """Every sink in ``scope``'s stacks that no notifying alarm of its app watches (see the module's table).

    ``scope`` is a stack, a stage or app (every stack in it), or a list of stacks.

    Examples
    --------
    >>> from aws_cdk import App, Stack, aws_sqs as sqs
    >>> stack = Stack(App(), "Plain")
    >>> parked = sqs.Queue(stack, "Parked")
    >>> _ = sqs.Queue(stack, "Jobs", dead_letter_queue=sqs.DeadLetterQueue(queue=parked, max_receive_count=3))
    >>> [(sink.kind, sink.path, sink.wanted) for sink in unwatched_sinks(stack)]  # doctest: +NORMALIZE_WHITESPACE
    [('dead-letter queue', 'Plain/Parked/Resource',
      'AWS/SQS ApproximateAgeOfOldestMessage or ApproximateNumberOfMessagesVisible by QueueName')]
    """
    stacks = _stacks_of(scope)
    if not stacks:
        return []
    everything = [node for node in stacks[0].node.root.node.find_all() if isinstance(node, Stack)]
    app = _App(everything)
    watched = _watched(app)
    alarm_metrics = _rest_stage_metrics(app)
    found = []
    for stack in stacks:
        paths = {
            str(stack.resolve(node.logical_id)): node.node.path
            for node in stack.node.find_all()
            if is_instance(node, (CfnResource,)) and Stack.of(node) is stack
        }
        for sink in _sinks(app, stack.artifact_id):
            key_namespace = f"{sink.watch.namespace}|{sink.watch.dimension}"
            hits = [
                name for target, namespace, name in watched if target == sink.reference and namespace == key_namespace
            ]
            seen = any(name in sink.watch.metrics for name in hits)
            if sink.watch in (_REST_STAGE, _HTTP_STAGE):
                # A metric by API alone sums every stage of the API: it watches each of them.
                seen = any(
                    _api_names_match(app, sink, metric, alarm_stack)
                    and (
                        not _has_dimension(metric, "Stage")
                        or sink.reference in _dimension_targets(app, alarm_stack, metric, "Stage")
                    )
                    for alarm_stack, metric in alarm_metrics
                    if metric.get("MetricName") in sink.watch.metrics
                )
            if seen:
                continue
            found.append(
                UnwatchedSink(
                    stack=stack.artifact_id,
                    logical_id=sink.reference[1],
                    path=paths.get(sink.reference[1], sink.reference[1]),
                    kind=sink.kind,
                    reason=sink.reason,
                    wanted=sink.watch.describe(),
                )
            )
    return found


def _rest_stage_metrics(app: _App) -> list[tuple[str, dict[str, Any]]]:
    return [
        (stack_id, metric)
        for stack_id, alarm_id in _notifying_alarms(app)
        for metric in _metrics(app.resources(stack_id)[alarm_id]["Properties"])
        if metric.get("Namespace") == "AWS/ApiGateway"
    ]


def _has_dimension(metric: dict[str, Any], name: str) -> bool:
    return any(dimension.get("Name") == name for dimension in metric.get("Dimensions") or [])


def _dimension_targets(app: _App, stack_id: str, metric: dict[str, Any], name: str) -> set[Reference]:
    targets: set[Reference] = set()
    for dimension in metric.get("Dimensions") or []:
        if dimension.get("Name") != name:
            continue
        value = dimension.get("Value")
        targets |= app.references(stack_id, value)
        if isinstance(value, str):
            for stack, resources in ((stack, app.resources(stack)) for stack in app.templates):
                for logical_id, resource in resources.items():
                    stage_name = (resource.get("Properties") or {}).get("StageName")
                    if resource.get("Type", "").endswith("::Stage") and stage_name == value:
                        targets.add((stack, logical_id))
    return targets


def assert_observed(scope: IConstruct | Iterable[Stack]) -> None:
    """Fail with a list of every sink in ``scope`` that no notifying alarm watches (see :func:`unwatched_sinks`).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import LambdaAlarms, SagaWorkflow, SagaStep
    >>> from aws_cdk import aws_lambda as lambda_
    >>> app = App()
    >>> stack = Stack(app, "Orders")
    >>> step = SagaStep(name="pay", function=lambda_.Function.from_function_name(stack, "Pay", "pay"))
    >>> _ = SagaWorkflow(stack, "Saga", steps=[step])
    >>> _ = LambdaAlarms.for_scope(stack, "Alarms", stack)
    >>> assert_observed(stack)
    """
    sinks = unwatched_sinks(scope)
    if sinks:
        listing = "\n".join(f"  {sink}" for sink in sinks)
        raise AssertionError(f"{len(sinks)} sink(s) no alarm watches:\n{listing}")
