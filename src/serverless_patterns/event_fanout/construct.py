"""EventFanout: an EventBridge bus with filtered routes to many targets, per-route DLQs and an archive."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, Aws, Duration, Names, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_patterns._internal import defaults, json_schema
from serverless_patterns._internal.queues import dead_letter_queue as define_dead_letter_queue
from serverless_patterns._internal.validation import Rules, is_unresolved
from serverless_patterns.event_fanout.routes import FanoutRoute, FanoutTarget
from serverless_patterns.function import ServerlessFunction

if TYPE_CHECKING:
    from aws_cdk import aws_kms as kms

#: EventBridge accepts at most five targets per rule: longer routes are split over several rules.
MAX_TARGETS_PER_RULE = 5
DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_MAX_EVENT_AGE = Duration.hours(2)
DEFAULT_ARCHIVE_RETENTION = Duration.days(7)

_ROUTE_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_PATTERN_FIELDS = ("account", "detail", "detail_type", "id", "region", "resources", "source", "time", "version")
_PUBLISHER_SOURCE = Path(__file__).resolve().parent.parent / "runtime" / "event_publisher"


class EventFanout(Construct):
    """Defines an EventBridge bus whose filtered routes deliver to many targets without losing events.

    What it defines, with default options: a custom event bus (encrypted by EventBridge with an
    AWS owned key), per route one rule (one more per five further targets: EventBridge's limit)
    with the route's event pattern, and a dead-letter queue shared by the route's targets
    (SQS-managed encryption, TLS-only, 14-day retention, retained on stack deletion) whose
    resource policy lets only the route's rules send to it. Every target gets the route's retry
    policy (2 retries, events at most 2 hours old) unless a :class:`FanoutTarget` overrides it.

    A ``ServerlessFunction`` with an alias (SnapStart, provisioned concurrency) is invoked through
    its alias. EventBridge invokes Lambda functions asynchronously: once Lambda has accepted the event,
    a failure inside the function is no delivery failure and never reaches the rule's DLQ. So,
    for every Lambda target defined in the same stack whose asynchronous failures go nowhere
    yet (no function DLQ, no asynchronous invocation config), the construct sets the route's
    DLQ as the function's on-failure destination: an event is then either handled, or in the
    route's DLQ (delivery failure: the event itself; function failure: Lambda's invocation
    record with the event under ``requestPayload``). Functions it cannot configure (imported,
    other stack, already configured) get a warning annotation unless they have a DLQ.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    routes
        The routes, at least one, with unique names.
    event_bus_name
        Name of the new bus. Default: - a name CloudFormation generates (with ``encryption_key``: a
        name derived from the construct path, because the key policy must name the bus).
    event_bus
        An existing bus to add the routes to instead of a new one. Default: - a new bus.
    encryption_key
        A customer managed KMS key for the new bus and its archive (its key policy must let
        EventBridge use it). Default: - an AWS owned key.
    archive
        Archive every event that reaches the bus so that it can be replayed after a bug fix.
        Default: ``False``.
    archive_retention
        How long the archive keeps events, whole days, at least 1. Default: 7 days (with ``archive``).
    schemas
        JSON Schema (draft 2020-12) of the ``detail`` per detail-type, compiled at synthesis into
        validators shipped in :attr:`publisher_layer`, for the publisher to validate events before
        sending. A keyword the validator cannot honour is a validation error (the EventFanout page
        lists the supported ones). Default: - no validation.
    configure_function_failures
        Send asynchronous failures of Lambda targets to the route's DLQ (see above).
        Default: ``True``.
    dead_letter_queue_retention
        Retention of the route DLQs, 1 minute to 14 days. Default: 14 days.
    removal_policy
        What happens to the DLQs and the archive on stack deletion.
        Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE`` (kept, except when their first
        creation rolls back).

    Attributes
    ----------
    event_bus
        The ``IEventBus`` the routes read from.
    rules
        Route name to the route's ``events.Rule`` list (one rule per five targets).
    dead_letter_queues
        Route name to the route's DLQ.
    archive
        The ``events.Archive`` when ``archive`` is on, else ``None``.
    schemas
        The detail schemas, as shipped in :attr:`publisher_layer`.

    Examples
    --------
    >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
    >>> from serverless_patterns.event_fanout import EventFanout, FanoutRoute
    >>> stack = Stack(App(), "Docs")
    >>> review = sqs.Queue(stack, "Review", enforce_ssl=True)
    >>> fanout = EventFanout(
    ...     stack,
    ...     "Orders",
    ...     event_bus_name="order-events",
    ...     routes=[
    ...         FanoutRoute(
    ...             name="HighValue",
    ...             event_pattern=events.EventPattern(
    ...                 source=["order.service"], detail={"amount": events.Match.greater_than(1000)}
    ...             ),
    ...             targets=[review],
    ...         )
    ...     ],
    ...     archive=True,
    ... )
    >>> sorted(fanout.dead_letter_queues)
    ['HighValue']
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        routes: Sequence[FanoutRoute],
        event_bus_name: str | None = None,
        event_bus: events.IEventBus | None = None,
        encryption_key: kms.IKey | None = None,
        archive: bool = False,
        archive_retention: Duration | None = None,
        schemas: Mapping[str, Mapping[str, Any]] | None = None,
        configure_function_failures: bool = True,
        dead_letter_queue_retention: Duration = defaults.DLQ_RETENTION,
        removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
    ) -> None:
        super().__init__(scope, id)
        routes = list(routes)
        self._validate(
            routes=routes,
            event_bus=event_bus,
            event_bus_name=event_bus_name,
            encryption_key=encryption_key,
            archive=archive,
            archive_retention=archive_retention,
            schemas=schemas,
            dead_letter_queue_retention=dead_letter_queue_retention,
        )

        self.schemas: dict[str, dict[str, Any]] = {name: dict(schema) for name, schema in (schemas or {}).items()}
        if encryption_key is not None and event_bus_name is None:
            # The key policy names the bus: a name CloudFormation generates would make a cycle.
            event_bus_name = Names.unique_resource_name(self, max_length=256, separator="-")
        self.event_bus: events.IEventBus = event_bus or events.EventBus(
            self,
            "Bus",
            event_bus_name=event_bus_name,
            kms_key=encryption_key,
            description=f"Event bus of {self.node.path}",
        )

        self.archive: events.Archive | None = None
        if archive:
            source_event_bus = self.event_bus
            if encryption_key is not None and event_bus_name is not None:
                # The archive's key policy names its bus: by a formatted ARN, not the bus's GetAtt,
                # or the key and the bus would depend on each other.
                source_event_bus = events.EventBus.from_event_bus_arn(
                    self,
                    "BusByArn",
                    Stack.of(self).format_arn(service="events", resource="event-bus", resource_name=event_bus_name),
                )
            self.archive = events.Archive(
                self,
                "Archive",
                source_event_bus=source_event_bus,
                # Every event that reaches the bus comes from this account's principals or rules.
                event_pattern=events.EventPattern(account=[Aws.ACCOUNT_ID]),
                retention=archive_retention or DEFAULT_ARCHIVE_RETENTION,
                kms_key=encryption_key,
                description=f"Every event of {self.node.path}, for replay",
            )
            self.archive.apply_removal_policy(removal_policy)
            if source_event_bus is not self.event_bus:
                self.archive.node.add_dependency(self.event_bus)  # no GetAtt orders them

        self.rules: dict[str, list[events.Rule]] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self._configure_function_failures = configure_function_failures
        for route in routes:
            self._add_route(route, dead_letter_queue_retention, removal_policy)
        self._publisher_layer: lambda_.LayerVersion | None = None

    def _validate(
        self,
        *,
        routes: list[FanoutRoute],
        event_bus: events.IEventBus | None,
        event_bus_name: str | None,
        encryption_key: kms.IKey | None,
        archive: bool,
        archive_retention: Duration | None,
        schemas: Mapping[str, Mapping[str, Any]] | None,
        dead_letter_queue_retention: Duration,
    ) -> None:
        rules = Rules()
        rules.duration_in_range("dead_letter_queue_retention", dead_letter_queue_retention, 60, 1209600)
        rules.check(bool(routes), "routes must hold at least one route, got none")
        rules.unique("route names", [route.name for route in routes])
        rules.exclusive(event_bus=event_bus, event_bus_name=event_bus_name)
        rules.exclusive(event_bus=event_bus, encryption_key=encryption_key)
        if archive_retention is not None:
            rules.check(archive, "archive_retention needs archive=True")
            if not is_unresolved(archive_retention):
                days = archive_retention.to_seconds() / 86400
                rules.check(
                    days >= 1 and days.is_integer(),
                    f"archive_retention must be a whole number of days, at least 1, got {days:g} days",
                )
        for detail_type, schema in (schemas or {}).items():
            rules.check(
                isinstance(schema, Mapping),
                f"schema of detail-type {detail_type!r} must be a JSON Schema object, got {type(schema).__name__}",
            )
            if isinstance(schema, Mapping):
                for problem in json_schema.schema_problems(schema):
                    rules.check(False, f"schema of detail-type {detail_type!r} {problem}")
        for route in routes:
            label = f"route {route.name!r}"
            rules.matches("route name", route.name, _ROUTE_NAME, "letters, digits, '-' and '_', at most 64")
            rules.check(bool(route.targets), f"{label} must have at least one target, got none")
            rules.check(
                any(getattr(route.event_pattern, field) is not None for field in _PATTERN_FIELDS),
                f"{label} event_pattern must have at least one field (source, detail_type, detail, ...), got none",
            )
            rules.in_range(f"{label} retry_attempts", route.retry_attempts, 0, 185)
            rules.duration_in_range(f"{label} max_event_age", route.max_event_age, 60, 86400)
            for index, target in enumerate(route.targets):
                options = target if isinstance(target, FanoutTarget) else FanoutTarget(destination=target)
                where = f"{label} target {index}"
                kind = _kind(options.destination)
                rules.check(
                    kind is not None,
                    f"{where} must be a function, queue, topic or state machine, "
                    f"got {type(options.destination).__name__}",
                )
                rules.in_range(f"{where} retry_attempts", options.retry_attempts, 0, 185)
                rules.duration_in_range(f"{where} max_event_age", options.max_event_age, 60, 86400)
                if kind == "queue" and options.message_group_id is None:
                    queue: sqs.IQueue = options.destination  # type: ignore[assignment]
                    rules.check(not queue.fifo, f"{where} is a FIFO queue: give it a message_group_id")
        rules.raise_if_broken(self)

    def _add_route(self, route: FanoutRoute, dlq_retention: Duration, removal_policy: RemovalPolicy) -> None:
        scope = Construct(self, route.name)
        dead_letter_queue = define_dead_letter_queue(
            scope,
            "DeadLetterQueue",
            holds="the events the route's targets could not take",
            retention=dlq_retention,
            removal_policy=removal_policy,
        )
        self.dead_letter_queues[route.name] = dead_letter_queue

        options = [t if isinstance(t, FanoutTarget) else FanoutTarget(destination=t) for t in route.targets]
        chunks = [options[i : i + MAX_TARGETS_PER_RULE] for i in range(0, len(options), MAX_TARGETS_PER_RULE)]
        self.rules[route.name] = []
        for number, chunk in enumerate(chunks, start=1):
            rule = events.Rule(
                scope,
                "Rule" if number == 1 else f"Rule{number}",
                event_bus=self.event_bus,
                event_pattern=route.event_pattern,
                description=route.description or f"Route {route.name} of {self.node.path}",
            )
            for target in chunk:
                rule.add_target(self._rule_target(route, target, dead_letter_queue))
            self.rules[route.name].append(rule)

    def _rule_target(
        self, route: FanoutRoute, target: FanoutTarget, dead_letter_queue: sqs.Queue
    ) -> events.IRuleTarget:
        retry_attempts = target.retry_attempts if target.retry_attempts is not None else route.retry_attempts
        max_event_age = target.max_event_age or route.max_event_age or DEFAULT_MAX_EVENT_AGE
        common: dict[str, Any] = {
            "dead_letter_queue": dead_letter_queue,
            "retry_attempts": retry_attempts,
            "max_event_age": max_event_age,
        }
        destination = target.destination
        kind = _kind(destination)
        if kind == "serverless_function":
            assert isinstance(destination, ServerlessFunction)
            # Its alias (SnapStart, provisioned concurrency) is what should receive events.
            invoked: lambda_.IFunction = destination.alias or destination
            self._send_function_failures(invoked, dead_letter_queue)
            return targets.LambdaFunction(invoked, **common)
        if kind == "function":
            function: lambda_.IFunction = destination  # type: ignore[assignment]
            self._send_function_failures(function, dead_letter_queue)
            return targets.LambdaFunction(function, **common)
        if kind == "queue":
            return targets.SqsQueue(destination, message_group_id=target.message_group_id, **common)  # type: ignore[arg-type]
        if kind == "topic":
            return targets.SnsTopic(destination, **common)  # type: ignore[arg-type]
        return targets.SfnStateMachine(destination, **common)  # type: ignore[arg-type]

    def _send_function_failures(self, function: lambda_.IFunction, dead_letter_queue: sqs.Queue) -> None:
        """Make the route's DLQ the function's asynchronous on-failure destination when nothing catches them."""
        if not self._configure_function_failures:
            return
        configurable: lambda_.Function | lambda_.Alias | None = None
        if isinstance(function, (lambda_.Function, lambda_.Alias)) and Stack.of(function) is Stack.of(self):
            configurable = function
        if configurable is None:
            Annotations.of(self).add_warning_v2(
                "serverless-patterns:event-fanout-function-failures",
                f"{function.node.path}: EventFanout can configure only a Function or Alias defined in its own "
                "stack, so failures inside this function are not sent to a DLQ: give it an on-failure "
                "destination or a DLQ",
            )
            return
        underlying = configurable.version.lambda_ if isinstance(configurable, lambda_.Alias) else configurable
        if isinstance(underlying, lambda_.Function) and underlying.dead_letter_queue is not None:
            return  # the function's own DLQ already keeps its failed asynchronous events
        if configurable.node.try_find_child("EventInvokeConfig") is not None:
            return  # configured by the user or by an earlier route: leave that choice alone
        configurable.configure_async_invoke(on_failure=destinations.SqsDestination(dead_letter_queue))
        # Lambda checks at deploy time that the role may send to the destination.
        config = configurable.node.try_find_child("EventInvokeConfig")
        policy = configurable.role.node.try_find_child("DefaultPolicy") if configurable.role else None
        if config is not None and policy is not None:
            config.node.add_dependency(policy)

    def dead_letter_queue(self, route_name: str) -> sqs.Queue:
        """The DLQ of the route named ``route_name``.

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> fanout.dead_letter_queue("HighValue").node.path
        'Docs/Orders/HighValue/DeadLetterQueue'
        """
        return self.dead_letter_queues[route_name]

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``grantee`` ``events:PutEvents`` on the bus.

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> from aws_cdk import aws_iam as iam
        >>> publisher = iam.Role(stack, "Publisher", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        >>> fanout.grant_put_events(publisher).success
        True
        """
        return self.event_bus.grant_put_events_to(grantee)

    def metric_dead_letter_messages(
        self, route_name: str, *, period: Duration | None = None, statistic: str = "Maximum"
    ) -> cloudwatch.Metric:
        """``ApproximateNumberOfMessagesVisible`` of the route's DLQ: events that were lost to their targets.

        Alarm on ``>= 1``: each message is an event a target never processed.

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> fanout.metric_dead_letter_messages("HighValue").metric_name
        'ApproximateNumberOfMessagesVisible'
        """
        return self.dead_letter_queues[route_name].metric_approximate_number_of_messages_visible(
            period=period or Duration.minutes(1), statistic=statistic
        )

    def metric_oldest_dead_letter_age(self, route_name: str, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``ApproximateAgeOfOldestMessage`` of the route's DLQ (act before the retention drops it).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> fanout.metric_oldest_dead_letter_age("HighValue").metric_name
        'ApproximateAgeOfOldestMessage'
        """
        return self.dead_letter_queues[route_name].metric_approximate_age_of_oldest_message(
            period=period or Duration.minutes(1), statistic="Maximum"
        )

    @property
    def event_bus_name(self) -> str:
        """The bus name (a token until deploy)."""
        return self.event_bus.event_bus_name

    @property
    def event_bus_arn(self) -> str:
        """The bus ARN (a token until deploy)."""
        return self.event_bus.event_bus_arn

    @property
    def publisher_layer(self) -> lambda_.LayerVersion:
        """A Lambda layer with the ``event_publisher`` module and this fanout's schemas (defined on first use).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> fanout.publisher_layer.node.path
        'Docs/Orders/PublisherLayer'
        """
        if self._publisher_layer is None:
            self._publisher_layer = lambda_.LayerVersion(
                self,
                "PublisherLayer",
                code=lambda_.Code.from_asset(_stage_publisher(self.schemas)),
                compatible_architectures=[lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64],
                description=f"event_publisher module and detail schemas of {self.node.path}",
            )
        return self._publisher_layer

    def attach_publisher(self, function: lambda_.Function) -> None:
        """Let ``function`` publish to the bus: the publisher layer, ``EVENT_BUS_NAME`` and ``events:PutEvents``.

        In the handler: ``from event_publisher import publish`` then ``publish([...])``.

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> from aws_cdk import aws_lambda as lambda_
        >>> api = lambda_.Function(
        ...     stack, "Api", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
        ...     code=lambda_.Code.from_inline("def handler(event, context): pass"),
        ... )
        >>> fanout.attach_publisher(api)
        """
        function.add_layers(self.publisher_layer)
        function.add_environment("EVENT_BUS_NAME", self.event_bus.event_bus_name)
        self.grant_put_events(function)


def _kind(destination: object) -> str | None:
    """What kind of target ``destination`` is; jsii interfaces cannot be checked with isinstance."""
    if isinstance(destination, ServerlessFunction):
        return "serverless_function"
    for attribute, kind in (
        ("function_arn", "function"),
        ("queue_arn", "queue"),
        ("topic_arn", "topic"),
        ("state_machine_arn", "state_machine"),
    ):
        if hasattr(destination, attribute):
            return kind
    return None


def _stage_publisher(schemas: Mapping[str, Any]) -> str:
    """A folder laid out as a Python layer: ``python/event_publisher/`` plus ``schemas.json`` and their validators."""
    folder = Path(tempfile.mkdtemp(prefix="event-publisher-"))
    atexit.register(shutil.rmtree, folder, True)
    package = folder / "python" / "event_publisher"
    shutil.copytree(_PUBLISHER_SOURCE, package, ignore=shutil.ignore_patterns(*defaults.ASSET_EXCLUDES))
    (package / "schemas.json").write_text(json.dumps(schemas, sort_keys=True, indent=1))
    validators = {name: json_schema.validator_source(schema, draft="2020-12") for name, schema in schemas.items()}
    (package / "validators.json").write_text(json.dumps(validators, sort_keys=True, indent=1))
    return str(folder)
