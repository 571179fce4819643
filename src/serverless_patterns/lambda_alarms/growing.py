"""How a LambdaAlarms grows after construction: one ``add_*`` method per kind of resource it watches.

A mixin of :class:`~serverless_patterns.lambda_alarms.construct.LambdaAlarms`, kept apart so the
construct's own module holds its options and what happens at synthesis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import IConstruct, Node

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns.lambda_alarms import dashboard as dashboards
from serverless_patterns.lambda_alarms import watched
from serverless_patterns.lambda_alarms.options import AlarmOptions


class Growing:
    """The ``add_*`` methods of LambdaAlarms (a mixin: LambdaAlarms sets the state they use)."""

    _stack: Stack
    _wanted: watched.Wanted
    _defined: bool
    _custom_rows: list[dashboards.Row]
    _overrides: list[tuple[IConstruct, AlarmOptions]]

    if TYPE_CHECKING:

        @property
        def node(self) -> Node: ...

    @typed_options
    def add_function(
        self, function: lambda_.IFunction, *, asynchronous: bool = False, alarm_options: AlarmOptions | None = None
    ) -> None:
        """Watch a Lambda function (also when it is in the watched scope: it is watched once).

        Parameters
        ----------
        function
            A ``ServerlessFunction`` or any ``IFunction`` (an imported one has no known timeout,
            so no ``Duration`` alarm).
        asynchronous
            Treat it as asynchronously invoked although nothing in the tree says so.
            Default: ``False`` - decided from the tree.
        alarm_options
            Options for this function only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import AlarmOptions, LambdaAlarms, ServerlessFunction
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> fn = ServerlessFunction(stack, "Hello", entry="examples/order_system/handlers/ingest")
        >>> alarms.add_function(fn, asynchronous=True, alarm_options=AlarmOptions(errors=1))
        >>> _ = app.synth()
        >>> alarms.functions[0].asynchronous_because
        ('asynchronous_functions option',)
        """
        self._add(self._wanted.asynchronous_functions if asynchronous else self._wanted.functions, function)
        self._add_override(function, alarm_options)

    @typed_options
    def add_dead_letter_queue(self, queue: sqs.IQueue, *, alarm_options: AlarmOptions | None = None) -> None:
        """Watch a queue as a dead-letter queue: any visible message raises ``MessagesVisible``.

        Parameters
        ----------
        queue
            Any ``IQueue``, imported ones too.
        alarm_options
            Options for this queue only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from aws_cdk import aws_sqs as sqs
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> alarms.add_dead_letter_queue(sqs.Queue(stack, "Parked"))
        >>> _ = app.synth()
        >>> list(alarms.alarms)
        ['Docs-Parked-MessagesVisible']
        """
        self._add(self._wanted.dead_letter_queues, queue)
        self._add_override(queue, alarm_options)

    @typed_options
    def add_state_machine(
        self, state_machine: stepfunctions.IStateMachine, *, alarm_options: AlarmOptions | None = None
    ) -> None:
        """Watch a Step Functions state machine: failed, timed out and throttled executions.

        Parameters
        ----------
        state_machine
            Any ``IStateMachine`` (a ``SagaWorkflow``'s ``state_machine``, an imported one).
        alarm_options
            Options for this state machine only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from aws_cdk import aws_stepfunctions as sfn
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> definition = sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Go"))
        >>> flow = sfn.StateMachine(stack, "Flow", definition_body=definition)
        >>> alarms.add_state_machine(flow)
        >>> _ = app.synth()
        >>> sorted(alarms.alarms)
        ['Docs-Flow-ExecutionThrottled', 'Docs-Flow-ExecutionsFailed', 'Docs-Flow-ExecutionsTimedOut']
        """
        self._add(self._wanted.state_machines, state_machine)
        self._add_override(state_machine, alarm_options)

    @typed_options
    def add_rest_api(self, rest_api: IConstruct, *, alarm_options: AlarmOptions | None = None) -> None:
        """Watch every stage of a REST API: 5XX rate and p99 latency.

        Parameters
        ----------
        rest_api
            A ``RestApi``, ``SpecRestApi``, a ``Stage``, or any construct holding them (a ``CrudApi``).
        alarm_options
            Options for its stages only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from aws_cdk import aws_apigateway as apigateway
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> api = apigateway.RestApi(stack, "Api", rest_api_name="shop")
        >>> _ = api.root.add_method("GET")
        >>> alarms.add_rest_api(api)
        >>> _ = app.synth()
        >>> sorted(alarms.alarms)
        ['Docs-Api-prod-LatencyP99', 'Docs-Api-prod-ServerErrorRate']
        """
        self._add(self._wanted.rest_apis, rest_api)
        self._add_override(rest_api, alarm_options)

    @typed_options
    def add_rule(self, rule: events.IRule, *, alarm_options: AlarmOptions | None = None) -> None:
        """Watch an EventBridge rule: failed deliveries, events lost on the way to the DLQ, throttles.

        Metrics and dimensions: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html

        Parameters
        ----------
        rule
            Any ``IRule`` (an ``EventFanout`` route's rule, a ``SagaWorkflow``'s trigger rule).
        alarm_options
            Options for this rule only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Duration, Stack
        >>> from aws_cdk import aws_events as events
        >>> from aws_cdk import aws_events_targets as targets
        >>> from aws_cdk import aws_sqs as sqs
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> rule = events.Rule(stack, "Nightly", schedule=events.Schedule.rate(Duration.days(1)))
        >>> rule.add_target(targets.SqsQueue(sqs.Queue(stack, "Work")))
        >>> alarms.add_rule(rule)
        >>> _ = app.synth()
        >>> sorted(alarms.alarms)
        ['Docs-Nightly-FailedInvocations', 'Docs-Nightly-InvocationsFailedToBeSentToDlq', 'Docs-Nightly-ThrottledRules']
        """
        self._add(self._wanted.rules, rule)
        self._add_override(rule, alarm_options)

    @typed_options
    def add_queue(self, queue: sqs.IQueue, *, alarm_options: AlarmOptions | None = None) -> None:
        """Watch a source queue (one a consumer reads): the age of its oldest message.

        The threshold is derived from the queue's own settings (see
        ``AlarmOptions.queue_oldest_message_age``); an imported queue needs it set explicitly.

        Parameters
        ----------
        queue
            Any ``IQueue`` (a ``QueueProcessor``'s ``queue``).
        alarm_options
            Options for this queue only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Duration, Stack
        >>> from aws_cdk import aws_sqs as sqs
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> alarms.add_queue(sqs.Queue(stack, "Orders", retention_period=Duration.days(1)))
        >>> _ = app.synth()
        >>> alarms.source_queues[0].retention_seconds
        86400.0
        """
        self._add(self._wanted.queues, queue)
        self._add_override(queue, alarm_options)

    @typed_options
    def add_table(self, table: IConstruct, *, alarm_options: AlarmOptions | None = None) -> None:
        """Watch a DynamoDB table: read and write throttle events, system errors.

        Parameters
        ----------
        table
            A ``Table``, ``TableV2``, an imported ``ITable`` or any construct whose default child is
            a table (a ``CrudApi``'s ``table``).
        alarm_options
            Options for this table only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from aws_cdk import aws_dynamodb as dynamodb
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> key = dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
        >>> alarms.add_table(dynamodb.TableV2(stack, "Orders", partition_key=key))
        >>> _ = app.synth()
        >>> sorted(alarms.alarms)
        ['Docs-Orders-SystemErrors', 'Docs-Orders-Throttles']
        """
        self._add(self._wanted.tables, table)
        self._add_override(table, alarm_options)

    @typed_options
    def add_http_api(self, http_api: IConstruct, *, alarm_options: AlarmOptions | None = None) -> None:
        """Watch every stage of an HTTP API (API Gateway v2): 5xx rate and p99 latency, 4xx rate on request.

        Parameters
        ----------
        http_api
            An ``aws_apigatewayv2.HttpApi``, or any construct holding one.
        alarm_options
            Options for its stages only, as an entry of ``overrides``. Default: - none.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from aws_cdk import aws_apigatewayv2 as apigatewayv2
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms")
        >>> alarms.add_http_api(apigatewayv2.HttpApi(stack, "Api"))
        >>> _ = app.synth()
        >>> sorted(alarms.alarms)
        ['Docs-Api-$default-LatencyP99', 'Docs-Api-$default-ServerErrorRate']
        """
        self._add(self._wanted.http_apis, http_api)
        self._add_override(http_api, alarm_options)

    @typed_options
    def add_dashboard_row(self, widgets: Sequence[cloudwatch.IWidget], *, metric_count: int = 0) -> None:
        """Add a row of widgets (custom metrics, business metrics) after the watched resources' rows.

        The row is packed with the others within CloudWatch's dashboard limits, so it counts
        ``len(widgets)`` widgets and ``metric_count`` metrics against them.

        Parameters
        ----------
        widgets
            The row's widgets, left to right (a row is 24 units wide).
        metric_count
            How many metrics the widgets graph, inputs of metric math included. Default: 0.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from aws_cdk import aws_cloudwatch as cloudwatch
        >>> from aws_cdk import aws_sqs as sqs
        >>> from serverless_patterns import LambdaAlarms
        >>> app = App()
        >>> stack = Stack(app, "Docs")
        >>> alarms = LambdaAlarms(stack, "Alarms", dead_letter_queues=[sqs.Queue(stack, "Parked")])
        >>> orders = cloudwatch.Metric(namespace="Shop", metric_name="OrdersPlaced", statistic="Sum")
        >>> alarms.add_dashboard_row([cloudwatch.GraphWidget(title="Orders", left=[orders])], metric_count=1)
        >>> _ = app.synth()
        >>> len(alarms.dashboards)
        1
        """
        if self._defined:
            raise ValidationError(self.node.path, ["a dashboard row was added after synthesis: add it before"])
        rules = Rules()
        rules.at_least("metric_count", metric_count, 0)
        rules.check(
            len(widgets) <= dashboards.MAX_WIDGETS_PER_DASHBOARD - 3,
            f"a dashboard row holds at most {dashboards.MAX_WIDGETS_PER_DASHBOARD - 3} widgets, got {len(widgets)}",
        )
        rules.raise_if_broken_at(self.node.path)
        self._custom_rows.append(dashboards.Row(list(widgets), metric_count, []))

    def _add(self, wanted: list[Any], resource: IConstruct) -> None:
        if self._defined:
            raise ValidationError(
                self.node.path,
                [f"{resource.node.path} was added after synthesis defined the alarms: add it before synthesis"],
            )
        wanted.append(resource)

    def _add_override(self, resource: IConstruct, options: AlarmOptions | None) -> None:
        if options is None:
            return
        rules = Rules()
        options.check(rules, f"overrides[{watched.Labels(self._stack).of(resource)}].")
        rules.raise_if_broken_at(self.node.path)
        self._overrides.append((resource, options))
