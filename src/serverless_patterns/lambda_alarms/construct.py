"""LambdaAlarms: alarms, an encrypted alarm topic and dashboards for functions, DLQs, APIs and state machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from aws_cdk import Annotations, AspectPriority, Aspects, NestedStack, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import Construct, IConstruct
from typing_extensions import Unpack

from serverless_patterns._internal.jsii_values import duration_milliseconds
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns.lambda_alarms import dashboard as dashboards
from serverless_patterns.lambda_alarms import discovery, spread, watched
from serverless_patterns.lambda_alarms.alarms import DEAD_LETTER_QUEUES, FUNCTIONS, HTTP_APIS, REST_APIS, STATE_MACHINES
from serverless_patterns.lambda_alarms.aspect import DefineAtSynthesis
from serverless_patterns.lambda_alarms.composite import define_health
from serverless_patterns.lambda_alarms.growing import Growing
from serverless_patterns.lambda_alarms.options import AlarmOptions, ForScopeOptions, Resolver
from serverless_patterns.lambda_alarms.resources import AlarmActions, define_alarms
from serverless_patterns.lambda_alarms.sink_alarms import RULES, SOURCE_QUEUES, TABLES
from serverless_patterns.lambda_alarms.specs import Table, applicable
from serverless_patterns.lambda_alarms.topic import allow_cloudwatch_to_use, define_key, define_topic
from serverless_patterns.lambda_alarms.watched import (
    Watched,
    WatchedFunction,
    WatchedHttpApi,
    WatchedQueue,
    WatchedRestApi,
    WatchedRule,
    WatchedSourceQueue,
    WatchedStateMachine,
    WatchedTable,
)

W = TypeVar("W", bound=Watched)


class LambdaAlarms(Construct, Growing):
    """Defines alarms, an encrypted alarm topic and dashboards for a serverless application.

    Watches Lambda functions, dead-letter queues, Step Functions state machines, REST and HTTP API
    stages, EventBridge rules, source queues and DynamoDB tables, given one by one (options or
    ``add_*`` methods) or found in a whole scope (:meth:`for_scope`), including those inside this
    library's constructs; each ``Watched*`` record says in ``because`` why it is watched. One
    composite alarm, ``<prefix> unhealthy``, is in ALARM when any alarm is, and it alone notifies
    the KMS-encrypted, TLS-only SNS topic: one page, not sixty. The member alarms notify
    ``member_alarm_action``, or a second, quieter topic (``detail_topic``) nobody is subscribed to
    until you subscribe a chat channel or a ticket system.

    Alarms per watched resource (thresholds in :class:`AlarmOptions`, alarm names
    ``<prefix>-<path>-<kind>``, every missing datapoint treated as not breaching because a
    resource that does no work emits no data and is not failing):

    - function: ``ErrorRate`` (metric math ``100 * errors / invocations``), ``Errors``,
      ``Throttles``, ``Duration`` (p99 as a percentage of the function's own timeout); for
      asynchronously invoked functions ``DeadLetterErrors`` and ``AsyncEventAge``; optionally
      ``ConcurrentExecutions``;
    - dead-letter queue: ``MessagesVisible`` (any message, one period);
    - state machine: ``ExecutionsFailed``, ``ExecutionsTimedOut``, ``ExecutionThrottled``;
    - REST API stage: ``ServerErrorRate`` (metric math ``100 * 5XXError / Count``), ``LatencyP99``;
      optionally ``ClientErrorRate`` (``100 * 4XXError / Count``);
    - HTTP API stage: the same kinds on ``5xx``, ``4xx``, ``Count`` and ``Latency`` (``ApiId``, ``Stage``);
    - EventBridge rule: ``FailedInvocations``, ``InvocationsFailedToBeSentToDlq`` (one period each),
      ``ThrottledRules``;
    - source queue (read by an event source mapping): ``OldestMessageAge``, its threshold derived
      from the queue's visibility timeout, ``maxReceiveCount`` and retention period;
    - DynamoDB table: ``Throttles`` (read + write throttle events), ``SystemErrors``;
    - asynchronously invoked function, also: ``AsyncEventsDropped``;
    - optionally (``AlarmOptions.anomaly_band_width``), anomaly detection alarms on function
      errors and duration and API latency.

    The dashboard has an alarm status widget and a row per watched resource; it is split into
    several dashboards when CloudWatch's limits (500 widgets, 2,500 metrics per dashboard) need it.
    Alarms, composite alarms and dashboards are L1s (``CfnAlarm``, ``CfnCompositeAlarm``,
    ``CfnDashboard``) written from Python data, at the construct paths aws-cdk-lib's L2s use.

    **Order does not matter.** The topic is defined at once; what to watch is decided, and the
    alarms and dashboards are defined, when the app is synthesized (by an aspect, as
    cdk-monitoring-constructs' ``MonitoringAspect`` does), so resources defined after
    ``LambdaAlarms`` are watched too. Read ``alarms``, ``dashboards`` and the watched lists after
    synthesis. Rules that depend on what is watched (nothing to watch, an override key that
    contains nothing watched) are checked then. Each alarm is a CloudFormation resource and a
    stack holds at most 500: when its stack would hold more, the alarms are spread over nested
    stacks ``Alarms1``, ``Alarms2``, ... (children of this construct, at most 400 alarms each, in
    definition order), each with its own dashboard and composite alarm, under the one
    ``<prefix> unhealthy`` alarm; see ``lambda_alarms/spread.py``.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    functions
        Lambda functions to watch (a ``ServerlessFunction`` or any ``IFunction``). Default: - none.
    dead_letter_queues
        Queues to watch as dead-letter queues. Default: - none.
    state_machines
        State machines to watch. Default: - none.
    rest_apis
        REST APIs (``RestApi``, ``SpecRestApi``, a ``Stage``, or any construct holding them, such
        as a ``CrudApi``) whose stages to watch. Default: - none.
    rules
        EventBridge rules to watch (an imported rule is taken to be on the default bus).
        Default: - none.
    queues
        Source queues (queues a consumer reads) to watch for the age of their oldest message.
        Default: - none.
    tables
        DynamoDB tables (``Table``, ``TableV2``, or any construct whose default child is one) to
        watch. Default: - none.
    http_apis
        HTTP APIs (``aws_apigatewayv2.HttpApi``, or any construct holding one) whose stages to
        watch. Default: - none.
    watch_scope
        Watch every function, dead-letter queue, state machine and REST API stage in this
        construct's tree (a stack, a stage, the app, or any construct). Default: - no discovery.
    exclude
        Subtrees that discovery skips. Default: - none.
    asynchronous_functions
        Functions to treat as asynchronously invoked although nothing in the tree says so (for
        example invoked with ``InvocationType=Event`` by code); they are watched too.
        Default: - decided from the tree: a DLQ, an EventInvokeConfig, or an EventBridge, SNS,
        S3, SES, CloudWatch Logs, IoT or EventBridge Scheduler permission.
    alarm_options
        Thresholds and evaluation settings for every watched resource. Default: - the defaults
        documented in :class:`AlarmOptions`.
    overrides
        Per-resource options: a watched resource, or any construct containing watched resources
        (a ``ServerlessFunction``, another L3, a stack), mapped to the options that apply to it.
        Default: - none.
    alarm_name_prefix
        First part of every alarm name. Default: the stack name of this construct.
    topic
        An existing topic for the alarm actions instead of a new one; not with ``topic_key``.
        Default: - a new topic encrypted with ``topic_key``.
    topic_key
        The KMS key that encrypts the new topic; its policy must let ``cloudwatch.amazonaws.com``
        use ``kms:Decrypt`` and ``kms:GenerateDataKey`` (added to a key of this app, a warning for
        an imported one); not with ``topic``. Default: - a new customer-managed key (rotation on).
    emails
        E-mail addresses subscribed to the topic. Default: - none.
    ok_actions
        Also notify when an alarm returns to OK. Default: ``False``.
    composite_alarm
        Define the ``<prefix> unhealthy`` composite alarm and let it alone notify ``topic``.
        ``False``: every alarm notifies ``topic``, as before 0.3. Default: ``True``.
    member_alarm_action
        What the member alarms notify when ``composite_alarm`` is on (Control Tower's
        CT.CLOUDWATCH.PR.1 wants every alarm to have an action). Default: - a second topic,
        ``detail_topic``, encrypted like the first.
    dashboard
        Define the dashboard(s). Default: ``True``.
    dashboard_name
        Name of the first dashboard; further ones get ``-2``, ``-3``, ... Default: - names
        generated by CloudFormation.

    Attributes
    ----------
    topic
        The SNS topic the alarms notify.
    topic_key
        The KMS key of a new topic (``topic_key`` or the one defined), else ``None``.
    alarms
        Every alarm, a ``CfnAlarm`` by alarm name (filled at synthesis). For an ``IAlarm``:
        ``cloudwatch.Alarm.from_alarm_arn(scope, id, alarm.attr_arn)``.
    dashboards
        The dashboards (``CfnDashboard``), in order (filled at synthesis; empty when ``dashboard=False``).
    composite_alarm
        The ``<prefix> unhealthy`` composite alarm, a ``CfnCompositeAlarm`` (filled at synthesis;
        ``None`` when off).
    detail_topic
        The member alarms' topic when the construct defined one, else ``None``.
    functions, dead_letter_queues, state_machines, rest_apis, rules, source_queues, tables, http_apis
        What is watched, each as a ``Watched*`` record (filled at synthesis).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import LambdaAlarms, ServerlessFunction
    >>> app = App()
    >>> stack = Stack(app, "Docs")
    >>> alarms = LambdaAlarms.for_scope(stack, "Alarms", stack, emails=["ops@example.com"])
    >>> fn = ServerlessFunction(stack, "Hello", entry="examples/order_system/handlers/ingest")
    >>> _ = app.synth()
    >>> sorted(alarms.alarms)[:2]
    ['Docs-Hello-Duration', 'Docs-Hello-ErrorRate']
    """

    @typed_options
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        functions: Sequence[lambda_.IFunction] = (),
        dead_letter_queues: Sequence[sqs.IQueue] = (),
        state_machines: Sequence[stepfunctions.IStateMachine] = (),
        rest_apis: Sequence[IConstruct] = (),
        rules: Sequence[events.IRule] = (),
        queues: Sequence[sqs.IQueue] = (),
        tables: Sequence[IConstruct] = (),
        http_apis: Sequence[IConstruct] = (),
        watch_scope: IConstruct | None = None,
        exclude: Sequence[IConstruct] = (),
        asynchronous_functions: Sequence[lambda_.IFunction] = (),
        alarm_options: AlarmOptions | None = None,
        overrides: Mapping[IConstruct, AlarmOptions] | None = None,
        alarm_name_prefix: str | None = None,
        topic: sns.ITopic | None = None,
        topic_key: kms.IKey | None = None,
        emails: Sequence[str] = (),
        ok_actions: bool = False,
        composite_alarm: bool = True,
        member_alarm_action: cloudwatch.IAlarmAction | None = None,
        dashboard: bool = True,
        dashboard_name: str | None = None,
    ) -> None:
        prefix = alarm_name_prefix if alarm_name_prefix is not None else Stack.of(scope).stack_name
        labels = watched.Labels(Stack.of(scope))
        checks = Rules()
        (alarm_options or AlarmOptions()).check(checks, "")
        for key, value in (overrides or {}).items():
            value.check(checks, f"overrides[{labels.of(key)}].")
        checks.exclusive(topic=topic, topic_key=topic_key)
        checks.matches(
            "alarm_name_prefix", prefix, r"[A-Za-z0-9._\-/ ]{1,100}", "1 to 100 letters, digits, spaces or . _ - /"
        )
        checks.matches("dashboard_name", dashboard_name, r"[A-Za-z0-9_\-]{1,200}", "1 to 200 letters, digits, - or _")
        for email in emails:
            checks.matches("emails", email, r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an e-mail address like ops@example.com")
        checks.unique("emails", emails)
        checks.raise_if_broken_at(f"{scope.node.path}/{id}" if scope.node.path else id)

        super().__init__(scope, id)
        self._stack = Stack.of(self)
        self._prefix = prefix
        self._alarm_options = alarm_options or AlarmOptions()
        self._overrides: list[tuple[IConstruct, AlarmOptions]] = list((overrides or {}).items())
        self._wanted = watched.Wanted(
            functions=list(functions),
            asynchronous_functions=list(asynchronous_functions),
            dead_letter_queues=list(dead_letter_queues),
            state_machines=list(state_machines),
            rest_apis=list(rest_apis),
            watch_scope=watch_scope,
            exclude=list(exclude),
            rules=list(rules),
            queues=list(queues),
            tables=list(tables),
            http_apis=list(http_apis),
        )
        self._dashboard = dashboard
        self._dashboard_name = dashboard_name
        self._defined = False

        self.topic_key: kms.IKey | None = None
        if topic is None:
            if topic_key is None:
                self.topic_key = define_key(self)
            else:
                self.topic_key = topic_key
                allow_cloudwatch_to_use(self, topic_key)
            topic = define_topic(self, self.topic_key, f"{prefix} alarms")
        self.topic: sns.ITopic = topic
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self._ok_actions = ok_actions
        self._composite = composite_alarm
        self.detail_topic: sns.ITopic | None = None
        # What the member alarms notify: a topic (its ARN is read at synthesis), or any action.
        self._member_topic: sns.ITopic = self.topic
        self._member_action = member_alarm_action if composite_alarm else None
        if composite_alarm and member_alarm_action is None:
            detail_key = self.topic_key if self.topic_key is not None else define_key(self)
            self.detail_topic = define_topic(self, detail_key, f"{prefix} alarm details", "DetailTopic")
            self._member_topic = self.detail_topic
        self._custom_rows: list[dashboards.Row] = []

        self.alarms: dict[str, cloudwatch.CfnAlarm] = {}
        self.dashboards: list[cloudwatch.CfnDashboard] = []
        self.composite_alarm: cloudwatch.CfnCompositeAlarm | None = None
        self.functions: list[WatchedFunction] = []
        self.dead_letter_queues: list[WatchedQueue] = []
        self.state_machines: list[WatchedStateMachine] = []
        self.rest_apis: list[WatchedRestApi] = []
        self.rules: list[WatchedRule] = []
        self.source_queues: list[WatchedSourceQueue] = []
        self.tables: list[WatchedTable] = []
        self.http_apis: list[WatchedHttpApi] = []
        # MUTATING: it defines constructs. Aspects of a lower priority number inherited from above
        # run on this node first, READONLY ones (checks) after it and on every alarm it defines.
        # On a leaf child, not on this construct: an aspect visits every descendant of the node it
        # is added to, one jsii callback each, and this construct gets hundreds of alarms.
        Aspects.of(Construct(self, "DefineAtSynthesis")).add(DefineAtSynthesis(self), priority=AspectPriority.MUTATING)

    @classmethod
    @typed_options
    def for_scope(
        cls,
        scope: Construct,
        id: str,
        scope_to_watch: IConstruct,
        **options: Unpack[ForScopeOptions],
    ) -> LambdaAlarms:
        """Defines alarms for everything watchable in ``scope_to_watch`` (see the class), each record saying why.

        The same as ``LambdaAlarms(scope, id, watch_scope=scope_to_watch, **options)``. The scope
        is read at synthesis: define ``LambdaAlarms`` before or after what it watches.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import LambdaAlarms, ServerlessFunction
        >>> app = App()
        >>> services = Stack(app, "Services")
        >>> monitoring = Stack(app, "Monitoring")
        >>> alarms = LambdaAlarms.for_scope(monitoring, "Alarms", services)
        >>> _ = ServerlessFunction(services, "Hello", entry="examples/order_system/handlers/ingest")
        >>> _ = app.synth()
        >>> [watched.label for watched in alarms.functions]
        ['Services/Hello']
        """
        return cls(scope, id, watch_scope=scope_to_watch, **options)

    # At synthesis ------------------------------------------------------------------------------

    def define_alarms(self) -> None:
        """Decide what to watch and define the alarms and dashboards; the aspect calls it at synthesis.

        Idempotent: a second synthesis (``Template.from_stack`` after ``app.synth()``) keeps the
        first result.
        """
        if self._defined:
            return
        self._defined = True
        wanted = self._wanted
        # The construct's own subtree (topic, key) holds nothing to watch.
        found = discovery.discover(wanted.roots(), [*wanted.exclude, self])
        labels = watched.Labels(self._stack, found)
        self.functions = watched.functions(found, wanted, labels)
        self.dead_letter_queues = watched.dead_letter_queues(found, wanted, labels)
        self.state_machines = watched.state_machines(found, wanted, labels)
        self.rest_apis = watched.rest_apis(found, wanted, labels, self)
        self.rules = watched.rules(found, wanted, labels)
        self.source_queues = watched.source_queues(found, wanted, labels)
        self.tables = watched.tables(found, wanted, labels)
        self.http_apis = watched.http_apis(found, wanted, labels)
        resolver = Resolver(self._alarm_options, self._overrides)
        self._check_watched(resolver, labels)

        work: list[tuple[Table[Any], Watched]] = [
            *((FUNCTIONS, item) for item in self.functions),
            *((DEAD_LETTER_QUEUES, item) for item in self.dead_letter_queues),
            *((STATE_MACHINES, item) for item in self.state_machines),
            *((REST_APIS, item) for item in self.rest_apis),
            *((RULES, item) for item in self.rules),
            *((SOURCE_QUEUES, item) for item in self.source_queues),
            *((TABLES, item) for item in self.tables),
            *((HTTP_APIS, item) for item in self.http_apis),
        ]
        plans = [(table, item, resolver.options_for(item.construct)) for table, item in work]
        counts = [len(applicable(table, item, options)) for table, item, options in plans]
        scopes: list[Construct] = [self for _ in plans]
        nested: list[NestedStack] = []
        if spread.needed(spread.resources_in(self._stack), sum(counts), self._other_resources(sum(counts), len(work))):
            parts = spread.pack(counts)
            nested = [NestedStack(self, f"Alarms{number}") for number in range(1, max(parts) + 2)]
            scopes = [nested[part] for part in parts]
        topic_arns = [self.topic.topic_arn]
        if self._member_action is not None:
            member_actions = AlarmActions(action=self._member_action)
        else:
            member_topic = self._member_topic
            member_arn = topic_arns[0] if member_topic is self.topic else member_topic.topic_arn
            member_actions = AlarmActions(topic_arn=member_arn)
        members: dict[int, list[tuple[str, str]]] = {}
        rows = []
        for (table, item, options), scope in zip(plans, scopes, strict=True):
            row, defined = self._row(table, item, options, scope, member_actions)
            members.setdefault(id(scope), []).extend(defined)
            rows.append(row)
        health: list[str] = []
        if self._composite and self.alarms:
            top, health = define_health(
                self,
                nested,
                members,
                self._prefix,
                alarm_count=len(self.alarms),
                actions=topic_arns,
                ok_actions=topic_arns if self._ok_actions else [],
            )
            self.composite_alarm = top.alarm
        if not self._dashboard:
            return
        title = f"{self._prefix} alarms"
        business_roots = [root for root in (wanted.watch_scope, *wanted.rest_apis) if root is not None]
        business = dashboards.business_rows(business_roots, [*wanted.exclude, self], labels)
        if not nested:
            every_row = [*rows, *business, *self._custom_rows]
            self.dashboards = dashboards.dashboards(
                self, self._stack, every_row, name=self._dashboard_name, title=title, health=health
            )
            return
        # Spread: each nested stack shows its own rows and alarms (a template holds at most 1 MB,
        # so the graphs of thousands of resources cannot all sit in one); the first dashboard,
        # in this stack, shows the service health, the business metrics and the rows added with
        # add_dashboard_row.
        self.dashboards = dashboards.dashboards(
            self, self._stack, [*business, *self._custom_rows], name=self._dashboard_name, title=title, health=health
        )
        for number, stack in enumerate(nested, start=1):
            part_rows = [row for row, scope in zip(rows, scopes, strict=True) if scope is stack]
            name = None if self._dashboard_name is None else f"{self._dashboard_name}-part{number}"
            self.dashboards += dashboards.dashboards(
                stack, stack, part_rows, name=name, title=f"{title} (part {number} of {len(nested)})"
            )

    def _other_resources(self, alarm_count: int, row_count: int) -> int:
        """An upper bound of what the construct defines in its own stack besides the member alarms."""
        composites = (alarm_count // 50 + 2) if self._composite else 0
        dashboard_count = (
            (4 * row_count + alarm_count // 100) // 400 + 1 + len(self._custom_rows) if self._dashboard else 0
        )
        return composites + dashboard_count

    def _check_watched(self, resolver: Resolver, labels: watched.Labels) -> None:
        rules = Rules()
        records: list[watched.Watched] = [
            *self.functions,
            *self.dead_letter_queues,
            *self.state_machines,
            *self.rest_apis,
            *self.rules,
            *self.source_queues,
            *self.tables,
            *self.http_apis,
        ]
        unknown_timeouts = resolver.check_watched(rules, records, self.functions, labels)
        rules.raise_if_broken(self)
        for label in unknown_timeouts:
            Annotations.of(self).add_warning_v2(
                "serverless-patterns:lambda-alarms-unknown-timeout",
                f"{label} has no timeout known at synth: no Duration alarm",
            )

    def _row(
        self, table: Table[W], item: W, options: AlarmOptions, scope: Construct, actions: AlarmActions
    ) -> tuple[dashboards.Row, list[tuple[str, str]]]:
        """Define the alarms of one watched resource from its table in ``scope``; return its row and (name, ARN)s."""
        label = item.label
        assert options.period is not None  # DEFAULTS sets every period
        metrics = table.metrics(item, round(duration_milliseconds(options.period) / 1000))
        group = Construct(scope, f"{table.group}-{label.replace('/', '-')}")
        defined = define_alarms(
            group,
            table,
            item,
            options=options,
            metrics=metrics,
            prefix=self._prefix,
            actions=actions,
            ok_actions=self._ok_actions,
        )
        for alarm_name, alarm, _ in defined:
            self.alarms[alarm_name] = alarm
        widgets, metric_count = dashboards.ROWS[table.group](item, metrics, options)
        return dashboards.Row(widgets, metric_count, [arn for _, _, arn in defined]), [
            (alarm_name, arn) for alarm_name, _, arn in defined
        ]
