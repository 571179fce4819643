"""EventFanout: an EventBridge bus with filtered routes to many targets, per-route DLQs and an archive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Aws, Duration, Names, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from serverless_patterns._internal import defaults
from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._internal.queues import dead_letter_queue as define_dead_letter_queue
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules, is_unresolved
from serverless_patterns.event_fanout.metrics import FanoutMetrics
from serverless_patterns.event_fanout.publisher import define_publisher_layer, validate_schemas
from serverless_patterns.event_fanout.routes import Destination, FanoutRoute, FanoutTarget
from serverless_patterns.event_fanout.targets import rule_target
from serverless_patterns.runtime.event_publisher import contract as publisher_contract

#: EventBridge accepts at most five targets per rule: longer routes are split over several rules.
MAX_TARGETS_PER_RULE = 5
DEFAULT_ARCHIVE_RETENTION = Duration.days(7)

_ROUTE_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_PATTERN_FIELDS = ("account", "detail", "detail_type", "id", "region", "resources", "source", "time", "version")


class EventFanout(Construct, FanoutMetrics):
    """Defines an EventBridge bus whose filtered routes deliver to many targets without losing events.

    What it defines, with default options: a custom event bus (encrypted by EventBridge with an
    AWS owned key), per route one rule (one more per five further targets: EventBridge's limit)
    with the route's event pattern, and a dead-letter queue shared by the route's targets
    (SQS-managed encryption, TLS-only, 14-day retention, retained on stack deletion) whose
    resource policy lets only the route's rules send to it. Every target gets the route's retry
    policy (2 retries, events at most 2 hours old) unless a :class:`FanoutTarget` overrides it.

    Targets are any ``lambda.IFunction`` (a plain ``lambda.Function`` too), ``sqs.IQueue``,
    ``sns.ITopic`` or ``sfn.IStateMachine``, imported ones included. A ``ServerlessFunction``
    with an alias (SnapStart, provisioned concurrency) is invoked through its alias.
    EventBridge invokes Lambda functions asynchronously: once Lambda has accepted the event, a
    failure inside the function is no delivery failure and never reaches the rule's DLQ. So,
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
        The routes, with unique names; :meth:`add_route` adds more. The fanout needs at least
        one route by synth time. Default: - none yet.
    event_bus_name
        Name of the new bus. Default: - a name CloudFormation generates (with ``encryption_key``: a
        name derived from the construct path, because the key policy must name the bus).
    event_bus
        An existing bus (any ``events.IEventBus``, imported ones included) to add the routes to
        instead of a new one; not with ``event_bus_name`` or ``encryption_key``. Default: - a new bus.
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
    >>> audit = sqs.Queue(stack, "Audit", enforce_ssl=True)
    >>> rules = fanout.add_route("Audit", event_pattern=events.EventPattern(source=["order.service"]), targets=[audit])
    >>> sorted(fanout.dead_letter_queues)
    ['Audit', 'HighValue']
    """

    @typed_options
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        routes: Sequence[FanoutRoute] = (),
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
        rules = Rules()
        rules.duration_in_range("dead_letter_queue_retention", dead_letter_queue_retention, 60, 1209600)
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
        validate_schemas(rules, schemas)
        rules.unique("route names", [route.name for route in routes])
        for route in routes:
            _check_route(rules, route)
        rules.raise_if_broken(self)

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
        self._dead_letter_queue_retention = dead_letter_queue_retention
        self._removal_policy = removal_policy
        for route in routes:
            self._define_route(route)
        self._publisher_layer: lambda_.LayerVersion | None = None
        # Namespaces of the publishing functions' metrics, in the order the functions were attached.
        self._publisher_namespaces: list[str] = []
        self.node.add_validation(_HasRoutes(self))

    @typed_options
    def add_route(
        self,
        name: str,
        *,
        event_pattern: events.EventPattern,
        targets: Sequence[Destination | FanoutTarget],
        retry_attempts: int = defaults.EVENT_RETRY_ATTEMPTS,
        max_event_age: Duration | None = None,
        description: str | None = None,
    ) -> list[events.Rule]:
        """Add a route: a rule (one per five targets) with ``event_pattern``, delivering to ``targets``.

        The options and their rules are those of :class:`FanoutRoute`; the route gets its own
        dead-letter queue, and its name must differ from every other route's. A route added
        here is the same as one given in ``routes``: same construct ids, same template.

        Parameters
        ----------
        name
            The route's name, unique in this fanout: letters, digits, ``-`` and ``_``, at most 64.
        event_pattern
            An ``events.EventPattern`` with at least one field.
        targets
            One or more destinations (any ``lambda.IFunction``, ``sqs.IQueue``, ``sns.ITopic``,
            ``sfn.IStateMachine``), each bare or in a :class:`FanoutTarget`.
        retry_attempts
            Delivery retries by EventBridge for every target, 0 to 185. Default: 2.
        max_event_age
            How long EventBridge keeps retrying, 60 seconds to 24 hours. Default: 2 hours.
        description
            The rule's description. Default: - names the route and its fanout.

        Returns
        -------
        list[events.Rule]
            The route's rules, also in :attr:`rules` under ``name``.

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_lambda as lambda_
        >>> stack = Stack(App(), "Docs")
        >>> fanout = EventFanout(stack, "Orders")
        >>> email = lambda_.Function(
        ...     stack, "Email", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
        ...     code=lambda_.Code.from_inline("def handler(event, context): pass"),
        ... )
        >>> rules = fanout.add_route(
        ...     "OrderPlaced", event_pattern=events.EventPattern(detail_type=["Order Placed"]), targets=[email]
        ... )
        >>> rules[0].node.path
        'Docs/Orders/OrderPlaced/Rule'
        """
        route = FanoutRoute(
            name=name,
            event_pattern=event_pattern,
            targets=list(targets),
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            description=description,
        )
        rules = Rules()
        rules.unique("route names", [*self.rules, name])
        _check_route(rules, route)
        rules.raise_if_broken(self)
        return self._define_route(route)

    def _define_route(self, route: FanoutRoute) -> list[events.Rule]:
        scope = Construct(self, route.name)
        dead_letter_queue = define_dead_letter_queue(
            scope,
            "DeadLetterQueue",
            holds="the events the route's targets could not take",
            retention=self._dead_letter_queue_retention,
            removal_policy=self._removal_policy,
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
                rule.add_target(
                    rule_target(
                        self,
                        route,
                        target,
                        dead_letter_queue,
                        configure_function_failures=self._configure_function_failures,
                    )
                )
            self.rules[route.name].append(rule)
        return self.rules[route.name]

    def _route_dead_letter_queue(self, route_name: str) -> sqs.Queue:
        if route_name not in self.dead_letter_queues:
            known = ", ".join(map(repr, self.dead_letter_queues)) or "none yet"
            raise ValidationError(self.node.path, [f"route_name must name a route ({known}), got {route_name!r}"])
        return self.dead_letter_queues[route_name]

    @typed_options
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
        return self._route_dead_letter_queue(route_name)

    @typed_options
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
            self._publisher_layer = define_publisher_layer(self, self.schemas)
        return self._publisher_layer

    @typed_options
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
        function.add_environment(publisher_contract.EVENT_BUS_NAME_ENV, self.event_bus.event_bus_name)
        self.grant_put_events(function)
        # The publisher counts in the function's POWERTOOLS_METRICS_NAMESPACE (a ServerlessFunction's), else
        # in the default one.
        namespace = getattr(function, "metrics_namespace", publisher_contract.DEFAULT_METRICS_NAMESPACE)
        if namespace not in self._publisher_namespaces:
            self._publisher_namespaces.append(namespace)


def _check_route(rules: Rules, route: FanoutRoute) -> None:
    """The rules of one route, the same whether given in ``routes`` or to ``add_route``."""
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
        rules.in_range(f"{where} retry_attempts", options.retry_attempts, 0, 185)
        rules.duration_in_range(f"{where} max_event_age", options.max_event_age, 60, 86400)
        if options.message_group_id is None and hasattr(options.destination, "queue_arn"):
            queue: sqs.IQueue = options.destination  # type: ignore[assignment]
            rules.check(not queue.fifo, f"{where} is a FIFO queue: give it a message_group_id")


@jsii.implements(IValidation)
class _HasRoutes:
    """At synth: a fanout without a single route delivers nothing (routes may be added after construction)."""

    def __init__(self, fanout: EventFanout) -> None:
        self._fanout = fanout

    def validate(self) -> list[str]:
        if self._fanout.rules:
            return []
        return ["routes must hold at least one route (give routes or call add_route), got none"]
