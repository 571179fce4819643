"""LambdaAlarms: alarms, an encrypted alarm topic and dashboards for functions, DLQs, APIs and state machines."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aws_cdk import Annotations, ArnFormat, Duration, Stack, Token
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as stepfunctions
from constructs import Construct, IConstruct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.keys import deny_grants_except_for_aws_services
from serverless_patterns._internal.validation import Rules
from serverless_patterns.lambda_alarms import discovery
from serverless_patterns.lambda_alarms.options import DEFAULTS, AlarmOptions

if TYPE_CHECKING:
    from typing_extensions import TypedDict, Unpack

    class _ForScopeOptions(TypedDict, total=False):
        functions: Sequence[lambda_.IFunction]
        dead_letter_queues: Sequence[sqs.IQueue]
        state_machines: Sequence[stepfunctions.IStateMachine]
        rest_apis: Sequence[IConstruct]
        exclude: Sequence[IConstruct]
        asynchronous_functions: Sequence[lambda_.IFunction]
        alarm_options: AlarmOptions | None
        overrides: Mapping[IConstruct, AlarmOptions] | None
        alarm_name_prefix: str | None
        topic: sns.ITopic | None
        emails: Sequence[str]
        ok_actions: bool
        dashboard: bool
        dashboard_name: str | None


# CloudWatch dashboard quotas (CloudWatch User Guide, "CloudWatch service quotas" and "Dashboard
# body structure"): at most 500 widgets per dashboard (a limit users meet in practice, e.g.
# gchq/sleeper issue 2245), at most 500 metrics per graph widget and 2,500 metrics per dashboard;
# an alarm status widget lists at most 100 alarms. The dashboard grid is 24 units wide. Rows are
# packed into as many dashboards as these limits need; the metric count is conservative (a
# metric math expression and each of its inputs count as one).
MAX_WIDGETS_PER_DASHBOARD = 500
MAX_METRICS_PER_DASHBOARD = 2500
MAX_ALARMS_PER_STATUS_WIDGET = 100
GRID_WIDTH = 24
# Our own, far below the quota of 500: a graph stays readable with at most 4 lines.
MAX_METRICS_PER_GRAPH = 4
# CloudWatch alarm names are at most 255 characters.
MAX_ALARM_NAME = 255

_WIDGET_HEIGHT = 6
_DEFAULT_DATAPOINTS = DEFAULTS.datapoints_to_alarm or 1


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


@dataclass(frozen=True)
class _Spec:
    """A metric known on the Python side, so alarms and graph lines are made without jsii round trips."""

    namespace: str
    name: str
    dimensions: Mapping[str, str]
    statistic: str
    period: Duration | None

    def metric(self, *, labelled: bool = False) -> cloudwatch.Metric:
        """The metric; alarms use it unlabelled (a simpler template), graph lines labelled."""
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=self.name,
            dimensions_map=dict(self.dimensions),
            statistic=self.statistic,
            period=self.period,
            label=f"{self.name} ({self.statistic})" if labelled else None,
        )


@dataclass
class _Row:
    widgets: list[cloudwatch.IWidget]
    metric_count: int
    alarms: list[cloudwatch.Alarm]


class LambdaAlarms(Construct):
    """Defines alarms, an encrypted alarm topic and dashboards for a serverless application.

    Watches Lambda functions, dead-letter queues, Step Functions state machines and REST API
    stages, given one by one or found in a whole scope (:meth:`for_scope`), including those inside
    this library's constructs. Every alarm notifies one KMS-encrypted, TLS-only SNS topic.

    Alarms per watched resource (thresholds in :class:`AlarmOptions`, alarm names
    ``<prefix>-<path>-<kind>``, every missing datapoint treated as not breaching because a
    resource that does no work emits no data and is not failing):

    - function: ``ErrorRate`` (metric math ``100 * errors / invocations``), ``Errors``,
      ``Throttles``, ``Duration`` (p99 as a percentage of the function's own timeout); for
      asynchronously invoked functions ``DeadLetterErrors`` and ``AsyncEventAge``; optionally
      ``ConcurrentExecutions``;
    - dead-letter queue: ``MessagesVisible`` (any message, one period);
    - state machine: ``ExecutionsFailed``, ``ExecutionsTimedOut``, ``ExecutionThrottled``;
    - REST API stage: ``ServerErrorRate`` (metric math ``100 * 5XXError / Count``), ``LatencyP99``.

    The dashboard has an alarm status widget and a row per watched resource; it is split into
    several dashboards when CloudWatch's limits (500 widgets, 2,500 metrics per dashboard) need it.

    Discovery reads the tree when the construct is defined: define ``LambdaAlarms`` after the
    resources it should find. Each alarm is a CloudFormation resource and a stack holds at most
    500: for many functions, put ``LambdaAlarms`` in a monitoring stack of its own (as the
    reference article does).

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    functions
        Lambda functions to watch (``ServerlessFunction`` or any ``IFunction``). Default: - none.
    dead_letter_queues
        Queues to watch as dead-letter queues. Default: - none.
    state_machines
        State machines to watch. Default: - none.
    rest_apis
        REST APIs (``RestApi``, ``SpecRestApi``, a ``Stage``, or any construct holding them, such
        as a ``CrudApi``) whose stages to watch. Default: - none.
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
        An existing topic for the alarm actions instead of a new one. Default: - a new topic
        encrypted with a new customer-managed KMS key (rotation on) that CloudWatch may use.
    emails
        E-mail addresses subscribed to the topic. Default: - none.
    ok_actions
        Also notify the topic when an alarm returns to OK. Default: ``False``.
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
        The KMS key of a new topic, else ``None``.
    alarms
        Every alarm, by alarm name.
    dashboards
        The dashboards, in order (empty when ``dashboard=False``).
    functions, dead_letter_queues, state_machines, rest_apis
        What is watched, each as a ``Watched*`` record.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import LambdaAlarms, ServerlessFunction
    >>> stack = Stack(App(), "Docs")
    >>> fn = ServerlessFunction(stack, "Hello", entry="examples/order_system/handlers/ingest")
    >>> alarms = LambdaAlarms.for_scope(stack, "Alarms", stack, emails=["ops@example.com"])
    >>> sorted(alarms.alarms)[:2]
    ['Docs-Hello-Duration', 'Docs-Hello-ErrorRate']
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        functions: Sequence[lambda_.IFunction] = (),
        dead_letter_queues: Sequence[sqs.IQueue] = (),
        state_machines: Sequence[stepfunctions.IStateMachine] = (),
        rest_apis: Sequence[IConstruct] = (),
        watch_scope: IConstruct | None = None,
        exclude: Sequence[IConstruct] = (),
        asynchronous_functions: Sequence[lambda_.IFunction] = (),
        alarm_options: AlarmOptions | None = None,
        overrides: Mapping[IConstruct, AlarmOptions] | None = None,
        alarm_name_prefix: str | None = None,
        topic: sns.ITopic | None = None,
        emails: Sequence[str] = (),
        ok_actions: bool = False,
        dashboard: bool = True,
        dashboard_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._stack = Stack.of(self)
        self._prefix = alarm_name_prefix if alarm_name_prefix is not None else self._stack.stack_name
        self._base_options = DEFAULTS.merged_with(alarm_options or AlarmOptions())
        self._user_options = alarm_options or AlarmOptions()
        overrides = dict(overrides or {})

        rules = Rules()
        self._user_options.check(rules, "")
        for key, value in overrides.items():
            value.check(rules, f"overrides[{self._label(key)}].")
        rules.matches(
            "alarm_name_prefix",
            self._prefix,
            r"[A-Za-z0-9._\-/ ]{1,100}",
            "1 to 100 letters, digits, spaces or . _ - /",
        )
        rules.matches("dashboard_name", dashboard_name, r"[A-Za-z0-9_\-]{1,200}", "1 to 200 letters, digits, - or _")
        for email in emails:
            rules.matches("emails", email, r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an e-mail address like ops@example.com")
        rules.unique("emails", emails)

        all_functions = [*functions, *asynchronous_functions]
        roots: list[IConstruct] = [] if watch_scope is None else [watch_scope]
        for explicit in [*all_functions, *dead_letter_queues, *state_machines, *rest_apis]:
            roots.append(Stack.of(explicit))
        found = discovery.discover(roots, exclude)

        self.functions: list[WatchedFunction] = self._watched_functions(
            found, watch_scope, all_functions, asynchronous_functions
        )
        self.dead_letter_queues: list[WatchedQueue] = self._watched_queues(found, watch_scope, dead_letter_queues)
        self.state_machines: list[WatchedStateMachine] = self._watched_state_machines(
            found, watch_scope, state_machines
        )
        self.rest_apis: list[WatchedRestApi] = self._watched_rest_apis(found, watch_scope, rest_apis)

        watched: list[IConstruct] = [
            *(item.construct for item in self.functions),
            *(item.construct for item in self.dead_letter_queues),
            *(item.construct for item in self.state_machines),
            *(item.construct for item in self.rest_apis),
        ]
        rules.check(
            bool(watched),
            "nothing to watch: give functions, dead_letter_queues, state_machines, rest_apis, or a watch_scope "
            "that holds at least one of them",
        )
        self._overrides = sorted(overrides.items(), key=lambda item: len(item[0].node.path))
        for key, _ in self._overrides:
            rules.check(
                any(_contains(key, construct) for construct in watched),
                f"overrides key {key.node.path} contains no watched resource",
            )
        self._options: dict[str, AlarmOptions] = {}
        for construct in watched:
            options = self._options_for(construct)
            self._options[construct.node.path] = options
            rules.check(
                (options.datapoints_to_alarm or 0) <= (options.evaluation_periods or 0),
                f"datapoints_to_alarm must be at most evaluation_periods ({options.evaluation_periods}) "
                f"for {self._label(construct)}, got {options.datapoints_to_alarm}",
            )
            period_seconds = options.period.to_seconds() if options.period is not None else 0
            rules.check(
                period_seconds * (options.evaluation_periods or 0) <= 86400,
                f"period times evaluation_periods must be at most one day for {self._label(construct)}, "
                f"got {period_seconds * (options.evaluation_periods or 0)} seconds",
            )
        for function in self.functions:
            if function.timeout_seconds is None and self._duration_asked_explicitly(function.construct):
                rules.check(
                    False,
                    f"duration_percent_of_timeout needs a known function timeout, but the timeout of "
                    f"{function.label} is known only at deploy time: disable the Duration alarm for it",
                )
            elif function.timeout_seconds is None:
                Annotations.of(self).add_warning_v2(
                    "serverless-patterns:lambda-alarms-unknown-timeout",
                    f"{function.label} has no timeout known at synth: no Duration alarm",
                )
        rules.raise_if_broken(self)

        self.topic_key: kms.Key | None = None
        if topic is None:
            self.topic_key = kms.Key(
                self,
                "TopicKey",
                description=f"Encrypts the alarm topic of {self.node.path}",
                enable_key_rotation=True,
                removal_policy=defaults.REMOVAL_POLICY,
            )
            deny_grants_except_for_aws_services(self.topic_key)
            # CloudWatch publishes alarm notifications to an encrypted topic only when the key
            # policy lets it use the key (the AWS managed aws/sns key does not): the two actions
            # SNS documents for AWS service publishers. No source condition: the request that
            # SNS makes to KMS on CloudWatch's behalf is not documented to carry one, and a
            # condition that does not match would silently drop every notification.
            self.topic_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowCloudWatchAlarmsToPublish",
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=["*"],
                )
            )
            topic = sns.Topic(
                self,
                "Topic",
                display_name=f"{self._prefix} alarms"[:100],
                master_key=self.topic_key,
                enforce_ssl=True,
            )
            # A topic policy replaces SNS's default policy, which let the account's principals (and so
            # CloudWatch) publish: without this Allow the alarms change state and no notification is
            # ever sent. Scoped to this account's alarms against the confused deputy
            # (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger,
            # https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
            stack = Stack.of(self)
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowCloudWatchAlarmsToPublish",
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {
                            "aws:SourceArn": stack.format_arn(
                                service="cloudwatch",
                                resource="alarm",
                                resource_name="*",
                                arn_format=ArnFormat.COLON_RESOURCE_NAME,
                            )
                        },
                    },
                )
            )
        self.topic: sns.ITopic = topic
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self._action = cloudwatch_actions.SnsAction(self.topic)
        self._ok_actions = ok_actions

        self.alarms: dict[str, cloudwatch.Alarm] = {}
        rows: list[_Row] = []
        for function in self.functions:
            rows.append(self._function(function))
        for queue in self.dead_letter_queues:
            rows.append(self._queue(queue))
        for machine in self.state_machines:
            rows.append(self._state_machine(machine))
        for api in self.rest_apis:
            rows.append(self._rest_api(api))

        self.dashboards: list[cloudwatch.Dashboard] = []
        if dashboard:
            self._dashboards(rows, dashboard_name)

    @classmethod
    def for_scope(
        cls,
        scope: Construct,
        id: str,
        scope_to_watch: IConstruct,
        **options: Unpack[_ForScopeOptions],
    ) -> LambdaAlarms:
        """Defines alarms for every function, DLQ, state machine and REST API stage in ``scope_to_watch``.

        The same as ``LambdaAlarms(scope, id, watch_scope=scope_to_watch, **options)``.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import LambdaAlarms, ServerlessFunction
        >>> app = App()
        >>> services = Stack(app, "Services")
        >>> _ = ServerlessFunction(services, "Hello", entry="examples/order_system/handlers/ingest")
        >>> monitoring = Stack(app, "Monitoring")
        >>> alarms = LambdaAlarms.for_scope(monitoring, "Alarms", services)
        >>> [watched.label for watched in alarms.functions]
        ['Services/Hello']
        """
        return cls(scope, id, watch_scope=scope_to_watch, **options)

    # What to watch -------------------------------------------------------------------------

    def _watched_functions(
        self,
        found: discovery.Found,
        watch_scope: IConstruct | None,
        explicit: Sequence[lambda_.IFunction],
        asynchronous: Sequence[lambda_.IFunction],
    ) -> list[WatchedFunction]:
        marked = {_function_key(_as_function(fn)) for fn in asynchronous}
        result: dict[str, WatchedFunction] = {}
        candidates: list[lambda_.CfnFunction | lambda_.IFunction] = [
            cfn for path, cfn in found.functions.items() if _under(watch_scope, path)
        ]
        candidates += [_as_function(fn) for fn in explicit]
        for candidate in candidates:
            key = _function_key(candidate)
            if key in result:
                continue
            cfn = candidate if isinstance(candidate, lambda_.CfnFunction) else candidate.node.default_child
            reasons = list(found.async_reasons.get(key, []))
            if key in marked:
                reasons.append("asynchronous_functions option")
            if isinstance(cfn, lambda_.CfnFunction):
                result[key] = WatchedFunction(
                    self._label(cfn), cfn, cfn.ref, discovery.function_timeout_seconds(cfn), tuple(reasons)
                )
            else:
                assert not isinstance(candidate, lambda_.CfnFunction)  # an imported function has no CfnFunction
                result[key] = WatchedFunction(
                    self._label(candidate), candidate, candidate.function_name, None, tuple(reasons)
                )
        return list(result.values())

    def _watched_queues(
        self, found: discovery.Found, watch_scope: IConstruct | None, explicit: Sequence[sqs.IQueue]
    ) -> list[WatchedQueue]:
        result: dict[str, WatchedQueue] = {}
        for path, cfn in found.dead_letter_queues.items():
            if _under(watch_scope, path):
                sources = tuple(self._label_of_path(source) for source in found.dead_letter_sources.get(path, []))
                result[path] = WatchedQueue(self._label(cfn), cfn, cfn.attr_queue_name, sources)
        for queue in explicit:
            queue_cfn = queue.node.default_child
            if isinstance(queue_cfn, sqs.CfnQueue):
                path = queue_cfn.node.path
                if path not in result:
                    sources = tuple(self._label_of_path(s) for s in found.dead_letter_sources.get(path, []))
                    result[path] = WatchedQueue(self._label(queue_cfn), queue_cfn, queue_cfn.attr_queue_name, sources)
            elif queue.node.path not in result:
                result[queue.node.path] = WatchedQueue(self._label(queue), queue, queue.queue_name, ())
        return list(result.values())

    def _watched_state_machines(
        self, found: discovery.Found, watch_scope: IConstruct | None, explicit: Sequence[stepfunctions.IStateMachine]
    ) -> list[WatchedStateMachine]:
        result: dict[str, WatchedStateMachine] = {}
        for path, cfn in found.state_machines.items():
            if _under(watch_scope, path):
                result[path] = WatchedStateMachine(self._label(cfn), cfn, cfn.ref)
        for machine in explicit:
            machine_cfn = machine.node.default_child
            if isinstance(machine_cfn, stepfunctions.CfnStateMachine):
                if machine_cfn.node.path not in result:
                    result[machine_cfn.node.path] = WatchedStateMachine(
                        self._label(machine_cfn), machine_cfn, machine_cfn.ref
                    )
            elif machine.node.path not in result:
                result[machine.node.path] = WatchedStateMachine(
                    self._label(machine), machine, machine.state_machine_arn
                )
        return list(result.values())

    def _watched_rest_apis(
        self, found: discovery.Found, watch_scope: IConstruct | None, explicit: Sequence[IConstruct]
    ) -> list[WatchedRestApi]:
        stages = [stage for path, stage in found.rest_api_stages.items() if _under(watch_scope, path)]
        for api in explicit:
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
                Annotations.of(self).add_warning_v2(
                    "serverless-patterns:lambda-alarms-unnamed-api",
                    f"{path}: the REST API or stage name is not known at synth, so the stage is not watched",
                )
                continue
            result[path] = WatchedRestApi(f"{self._label(rest_api)}/{stage_name}", stage, name, stage_name)
        return list(result.values())

    # Options, names, labels ----------------------------------------------------------------

    def _options_for(self, construct: IConstruct) -> AlarmOptions:
        options = self._base_options
        datapoints_given = self._user_options.datapoints_to_alarm is not None
        for key, value in self._overrides:
            if _contains(key, construct):
                options = options.merged_with(value)
                datapoints_given = datapoints_given or value.datapoints_to_alarm is not None
        if not datapoints_given and options.evaluation_periods is not None:
            # The default "2 out of N" becomes "1 out of 1" when only one period is evaluated.
            options = replace(options, datapoints_to_alarm=min(_DEFAULT_DATAPOINTS, options.evaluation_periods))
        return options

    def _duration_asked_explicitly(self, construct: IConstruct) -> bool:
        asked = self._user_options.duration_percent_of_timeout is not None
        for key, value in self._overrides:
            if _contains(key, construct) and value.duration_percent_of_timeout is not None:
                asked = True
        return asked and "Duration" not in self._options_for(construct).disabled

    def _label(self, construct: IConstruct) -> str:
        return self._label_of_path(construct.node.path)

    def _label_of_path(self, path: str) -> str:
        """A construct path without this stack's name and without trailing ``Resource`` ids."""
        parts = path.split("/")
        while len(parts) > 1 and parts[-1] in ("Resource", "Default"):
            parts.pop()
        stack_path = self._stack.node.path.split("/")
        if parts[: len(stack_path)] == stack_path and len(parts) > len(stack_path):
            parts = parts[len(stack_path) :]
        return "/".join(parts)

    def _alarm_name(self, label: str, kind: str) -> str:
        name = f"{self._prefix}-{label.replace('/', '-')}-{kind}"
        if len(name) > MAX_ALARM_NAME:
            digest = hashlib.sha256(name.encode()).hexdigest()[:8]
            name = f"{name[: MAX_ALARM_NAME - len(kind) - 10]}-{digest}-{kind}"
        return name

    # Alarms and widgets --------------------------------------------------------------------

    def _alarm(  # noqa: PLR0917 - private: every call site passes the same seven facts in order
        self,
        group: Construct,
        label: str,
        kind: str,
        metric: cloudwatch.IMetric | _Spec,
        threshold: float,
        options: AlarmOptions,
        description: str,
        *,
        single_period: bool = False,
    ) -> cloudwatch.Alarm | None:
        if kind in options.disabled:
            return None
        name = self._alarm_name(label, kind)
        alarm = cloudwatch.Alarm(
            group,
            kind,
            alarm_name=name,
            alarm_description=description,
            metric=metric.metric() if isinstance(metric, _Spec) else metric,
            threshold=threshold,
            evaluation_periods=1 if single_period else (options.evaluation_periods or 1),
            datapoints_to_alarm=1 if single_period else options.datapoints_to_alarm,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No datapoint means the resource did no work in that period: not a failure.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        if self._ok_actions:
            alarm.add_ok_action(self._action)
        self.alarms[name] = alarm
        return alarm

    def _group(self, kind: str, label: str) -> Construct:
        return Construct(self, f"{kind}-{label.replace('/', '-')}")

    def _function(self, function: WatchedFunction) -> _Row:
        options = self._options[function.construct.node.path]
        period = options.period or DEFAULTS.period
        dimensions = {"FunctionName": function.function_name}
        group = self._group("Function", function.label)
        label = function.label

        def metric(name: str, statistic: str) -> _Spec:
            return _Spec("AWS/Lambda", name, dimensions, statistic, period)

        invocations, errors, throttles = (
            metric("Invocations", "Sum"),
            metric("Errors", "Sum"),
            metric("Throttles", "Sum"),
        )
        error_rate = cloudwatch.MathExpression(
            expression="100 * errors / invocations",
            using_metrics={"errors": errors.metric(), "invocations": invocations.metric()},
            period=period,
            label="Error rate (%)",
        )
        alarms: list[cloudwatch.Alarm | None] = [
            self._alarm(
                group,
                label,
                "ErrorRate",
                error_rate,
                _num(options.error_rate_percent),
                options,
                f"{label}: at least {options.error_rate_percent}% of invocations failed",
            ),
            self._alarm(
                group,
                label,
                "Errors",
                errors,
                _num(options.errors),
                options,
                f"{label}: at least {options.errors} errors in a period",
            ),
            self._alarm(
                group,
                label,
                "Throttles",
                throttles,
                _num(options.throttles),
                options,
                f"{label}: invocations throttled (concurrency exhausted)",
            ),
        ]
        duration_p50, duration_p99 = metric("Duration", "p50"), metric("Duration", "p99")
        duration_annotations = []
        if function.timeout_seconds is not None:
            timeout_ms = function.timeout_seconds * 1000
            threshold_ms = timeout_ms * _num(options.duration_percent_of_timeout) / 100
            alarms.append(
                self._alarm(
                    group,
                    label,
                    "Duration",
                    duration_p99,
                    threshold_ms,
                    options,
                    f"{label}: p99 duration at least {options.duration_percent_of_timeout}% of its "
                    f"{_number(function.timeout_seconds)} s timeout ({_number(threshold_ms)} ms)",
                )
            )
            duration_annotations.append(cloudwatch.HorizontalAnnotation(value=timeout_ms, label="timeout"))
            if "Duration" not in options.disabled:
                duration_annotations.append(
                    cloudwatch.HorizontalAnnotation(
                        value=threshold_ms,
                        label=f"p99 alarm ({_number(_num(options.duration_percent_of_timeout))}% of timeout)",
                        color=cloudwatch.Color.ORANGE,
                    )
                )
        async_metrics: list[_Spec] = []
        if function.asynchronous:
            dead_letter_errors = metric("DeadLetterErrors", "Sum")
            event_age = metric("AsyncEventAge", "Maximum")
            async_metrics = [dead_letter_errors]
            alarms.append(
                self._alarm(
                    group,
                    label,
                    "DeadLetterErrors",
                    dead_letter_errors,
                    _num(options.dead_letter_errors),
                    options,
                    f"{label}: failed events could not be sent to the dead-letter queue (lost)",
                )
            )
            age = options.async_event_age or DEFAULTS.async_event_age
            assert age is not None
            alarms.append(
                self._alarm(
                    group,
                    label,
                    "AsyncEventAge",
                    event_age,
                    age.to_milliseconds(),
                    options,
                    f"{label}: asynchronous events waited at least {age.to_human_string()} before running",
                )
            )
        concurrency = metric("ConcurrentExecutions", "Maximum")
        if options.concurrent_executions is not None:
            alarms.append(
                self._alarm(
                    group,
                    label,
                    "ConcurrentExecutions",
                    concurrency,
                    options.concurrent_executions,
                    options,
                    f"{label}: at least {options.concurrent_executions} concurrent executions",
                )
            )
        widgets: list[cloudwatch.IWidget] = [
            _graph(f"{label}: invocations", [invocations]),
            _graph(f"{label}: errors", [errors], right=[error_rate]),
            _graph(f"{label}: duration", [duration_p50, duration_p99], annotations=duration_annotations),
            _graph(
                f"{label}: throttles" + (", async" if async_metrics else ""),
                [throttles, *async_metrics],
                right=[concurrency] + ([event_age] if function.asynchronous else []),
            ),
        ]
        metric_count = 1 + 3 + 2 + 2 + (2 if function.asynchronous else 0)
        return _Row(widgets, metric_count, [alarm for alarm in alarms if alarm is not None])

    def _queue(self, queue: WatchedQueue) -> _Row:
        options = self._options[queue.construct.node.path]
        period = options.period or DEFAULTS.period
        label = queue.label
        dimensions = {"QueueName": queue.queue_name}
        visible = _Spec("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimensions, "Maximum", period)
        oldest = _Spec("AWS/SQS", "ApproximateAgeOfOldestMessage", dimensions, "Maximum", period)
        feeders = f" (dead-letter queue of {', '.join(queue.dead_letter_of)})" if queue.dead_letter_of else ""
        alarm = self._alarm(
            self._group("Queue", label),
            label,
            "MessagesVisible",
            visible,
            _num(options.dead_letter_queue_messages),
            options,
            f"{label}{feeders}: messages waiting in a dead-letter queue are work not done",
            single_period=True,
        )
        widgets: list[cloudwatch.IWidget] = [
            _graph(f"{label}: dead-letter messages", [visible], width=12),
            _graph(f"{label}: age of oldest message", [oldest], width=12),
        ]
        return _Row(widgets, 2, [alarm] if alarm else [])

    def _state_machine(self, machine: WatchedStateMachine) -> _Row:
        options = self._options[machine.construct.node.path]
        period = options.period or DEFAULTS.period
        label = machine.label
        group = self._group("StateMachine", label)

        def metric(name: str, statistic: str = "Sum") -> _Spec:
            return _Spec("AWS/States", name, {"StateMachineArn": machine.state_machine_arn}, statistic, period)

        failed, timed_out, throttled = (
            metric("ExecutionsFailed"),
            metric("ExecutionsTimedOut"),
            metric("ExecutionThrottled"),
        )
        alarms = [
            self._alarm(
                group,
                label,
                "ExecutionsFailed",
                failed,
                _num(options.executions_failed),
                options,
                f"{label}: executions failed",
            ),
            self._alarm(
                group,
                label,
                "ExecutionsTimedOut",
                timed_out,
                _num(options.executions_timed_out),
                options,
                f"{label}: executions timed out",
            ),
            self._alarm(
                group,
                label,
                "ExecutionThrottled",
                throttled,
                _num(options.executions_throttled),
                options,
                f"{label}: executions throttled",
            ),
        ]
        widgets: list[cloudwatch.IWidget] = [
            _graph(
                f"{label}: executions",
                [metric("ExecutionsStarted"), metric("ExecutionsSucceeded"), failed, timed_out],
                width=12,
            ),
            _graph(
                f"{label}: execution time and throttles", [metric("ExecutionTime", "p99")], right=[throttled], width=12
            ),
        ]
        return _Row(widgets, 6, [alarm for alarm in alarms if alarm is not None])

    def _rest_api(self, api: WatchedRestApi) -> _Row:
        options = self._options[api.construct.node.path]
        period = options.period or DEFAULTS.period
        label = api.label
        group = self._group("RestApi", label)

        def metric(name: str, statistic: str) -> _Spec:
            return _Spec("AWS/ApiGateway", name, {"ApiName": api.api_name, "Stage": api.stage_name}, statistic, period)

        count, server_errors, client_errors = (
            metric("Count", "Sum"),
            metric("5XXError", "Sum"),
            metric("4XXError", "Sum"),
        )
        server_error_rate = cloudwatch.MathExpression(
            expression="100 * server_errors / requests",
            using_metrics={"server_errors": server_errors.metric(), "requests": count.metric()},
            period=period,
            label="5XX rate (%)",
        )
        latency_p50, latency_p99 = metric("Latency", "p50"), metric("Latency", "p99")
        latency = options.latency_p99 or DEFAULTS.latency_p99
        assert latency is not None
        alarms = [
            self._alarm(
                group,
                label,
                "ServerErrorRate",
                server_error_rate,
                _num(options.server_error_rate_percent),
                options,
                f"{label}: at least {options.server_error_rate_percent}% of requests got a 5XX",
            ),
            self._alarm(
                group,
                label,
                "LatencyP99",
                latency_p99,
                latency.to_milliseconds(),
                options,
                f"{label}: p99 latency at least {latency.to_human_string()}",
            ),
        ]
        widgets: list[cloudwatch.IWidget] = [
            _graph(f"{label}: requests", [count], width=8),
            _graph(f"{label}: errors", [client_errors, server_errors], right=[server_error_rate], width=8),
            _graph(f"{label}: latency", [latency_p50, latency_p99], width=8),
        ]
        return _Row(widgets, 1 + 3 + 2, [alarm for alarm in alarms if alarm is not None])

    def _dashboards(self, rows: list[_Row], name: str | None) -> None:
        pages: list[list[_Row]] = [[]]
        widgets = metrics = alarm_count = 0
        for row in rows:
            status_widgets = math.ceil((alarm_count + len(row.alarms)) / MAX_ALARMS_PER_STATUS_WIDGET)
            too_many_widgets = 1 + status_widgets + widgets + len(row.widgets) > MAX_WIDGETS_PER_DASHBOARD
            if pages[-1] and (too_many_widgets or metrics + row.metric_count > MAX_METRICS_PER_DASHBOARD):
                pages.append([])
                widgets = metrics = alarm_count = 0
            pages[-1].append(row)
            widgets += len(row.widgets)
            metrics += row.metric_count
            alarm_count += len(row.alarms)
        for number, page in enumerate(pages, start=1):
            page_name = None if name is None else (name if number == 1 else f"{name}-{number}")
            dashboard = cloudwatch.Dashboard(
                self, "Dashboard" if number == 1 else f"Dashboard{number}", dashboard_name=page_name
            )
            title = f"# {self._prefix} alarms" + (f" ({number} of {len(pages)})" if len(pages) > 1 else "")
            dashboard.add_widgets(cloudwatch.TextWidget(markdown=title, width=GRID_WIDTH, height=1))
            page_alarms = [alarm for row in page for alarm in row.alarms]
            for start in range(0, len(page_alarms), MAX_ALARMS_PER_STATUS_WIDGET):
                chunk = page_alarms[start : start + MAX_ALARMS_PER_STATUS_WIDGET]
                dashboard.add_widgets(
                    cloudwatch.AlarmStatusWidget(
                        alarms=chunk,
                        title="Alarm status",
                        width=GRID_WIDTH,
                        height=min(2 + math.ceil(len(chunk) / 4), 20),
                        sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
                    )
                )
            for row in page:
                dashboard.add_widgets(*row.widgets)
            self.dashboards.append(dashboard)


def _graph(
    title: str,
    left: Sequence[cloudwatch.IMetric | _Spec],
    *,
    right: Sequence[cloudwatch.IMetric | _Spec] = (),
    width: int = 6,
    annotations: Sequence[cloudwatch.HorizontalAnnotation] = (),
) -> cloudwatch.GraphWidget:
    assert len(left) + len(right) <= MAX_METRICS_PER_GRAPH
    return cloudwatch.GraphWidget(
        title=title,
        left=[_labelled(metric) for metric in left],
        right=[_labelled(metric) for metric in right] or None,
        left_annotations=list(annotations) or None,
        width=width,
        height=_WIDGET_HEIGHT,
    )


def _labelled(metric: cloudwatch.IMetric | _Spec) -> cloudwatch.IMetric:
    return metric.metric(labelled=True) if isinstance(metric, _Spec) else metric


def _as_function(function: lambda_.IFunction) -> lambda_.IFunction:
    return function


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


def _contains(scope: IConstruct, construct: IConstruct) -> bool:
    """Whether ``construct`` is ``scope`` itself, inside it, or its L2 parent's CloudFormation resource."""
    path, root = construct.node.path, scope.node.path
    if not root or path == root or path.startswith(root + "/"):
        return True
    # A watched CloudFormation resource matches the L2 or ServerlessFunction given as key.
    default_child = scope.node.default_child
    return default_child is not None and default_child.node.path == path


def _num(value: float | None) -> float:
    assert value is not None  # every threshold has a default in DEFAULTS
    return float(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
