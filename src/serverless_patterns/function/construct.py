"""ServerlessFunction: a Python Lambda function with the reference article's best practices built in."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge, acknowledge_all
from serverless_patterns._internal.jsii_values import runtime_is_python, runtime_name
from serverless_patterns._internal.log_groups import log_group
from serverless_patterns._internal.queues import dead_letter_queue as dead_letter_queue_of
from serverless_patterns._internal.tidy import depends_only_on
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules, is_unresolved
from serverless_patterns.function import powertools
from serverless_patterns.function.environment import check_environment_name, check_environment_size
from serverless_patterns.function.handler_check import check_entry
from serverless_patterns.function.role import without_basic_execution_policy


class ServerlessFunction(lambda_.Function):
    """Defines a Python Lambda function with its own role, log group, tracing and Powertools.

    What it defines, with default options: a ``lambda.Function`` (newest Python runtime, arm64,
    256 MiB, 10 s timeout, X-Ray active, JSON logs), an execution role with no AWS managed
    policy whose log permissions cover only the function's own log group, that log group
    (retention one month, retained on stack deletion), and the public Powertools for AWS Lambda
    (Python) layer with ``POWERTOOLS_*`` variables.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id; the Lambda function is its child ``"Resource"``.
    entry
        Folder holding the handler code; it becomes the Lambda task root. ``__pycache__`` and
        ``*.pyc`` are excluded so that the asset hash depends on the source only.
        Give ``entry`` or ``code``.
    code
        Any ``lambda.Code`` instead of ``entry``.
    handler
        ``module.function`` inside the code; with ``entry``, the module file must exist and define
        the function (checked at synth, without importing it). Default: ``"index.handler"``.
    runtime
        Default: ``Runtime.PYTHON_3_14``, the newest Python runtime that aws-cdk-lib knows.
    architecture
        Default: ``Architecture.ARM_64`` (cheaper per GB-second than x86_64).
    memory_mib
        Memory size, 128 to 10240 MiB. Default: 256.
    timeout
        1 second to 15 minutes. Default: 10 seconds.
    description
        Default: - no description.
    environment
        Plain configuration variables. Default: - none.
    secrets
        Environment variable name to Secrets Manager secret: the variable holds the secret's
        ARN and the function is granted read access to the secret. Default: - none.
    service_name
        ``POWERTOOLS_SERVICE_NAME``. Default: the construct id.
    metrics_namespace
        ``POWERTOOLS_METRICS_NAMESPACE``. Default: ``"ServerlessPatterns"``.
    log_level
        ``POWERTOOLS_LOG_LEVEL``: DEBUG, INFO, WARNING, ERROR or CRITICAL. Default: ``"INFO"``.
    log_retention
        Default: ``RetentionDays.ONE_MONTH``.
    log_removal_policy
        Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE``: logs outlive the stack, but a
        failed first deployment deletes the group it created.
    log_encryption_key
        Customer managed KMS key of the log group (a ``kms.Key`` of the app gets the key policy
        statement CloudWatch Logs needs). Default: - keys CloudWatch Logs manages.
    tracing
        X-Ray active tracing. Default: ``True``.
    powertools_layer
        Attach the public Powertools for AWS Lambda (Python) v3 layer for the stack's region, the
        runtime and the architecture, from the account that publishes it in that partition
        (commercial, China's cn-north-1, GovCloud). A region, runtime or architecture the library
        has no verified figure for is a ``ValidationError`` at synth; turn the layer off there and
        add your own. Default: ``True``.
    powertools_layer_version
        Pin this version of the public layer instead. Default: - the version verified for the
        runtime and architecture (27 for Python 3.10 to 3.14, from Powertools' published layer list).
    powertools_layer_from_ssm
        Resolve the layer at deploy time from the SSM parameter Powertools publishes,
        ``/aws/service/powertools/python/{arch}/{python3.X}/latest``, instead of a pinned version:
        every deployment then takes the newest layer. Default: ``False``.
    layers
        Further layers. Default: - none.
    retry_attempts
        Retries of a failed asynchronous invocation, 0 to 2. Default: - Lambda's default (2).
    max_event_age
        Maximum age of an asynchronous event, 60 seconds to 6 hours. Default: - 6 hours.
    on_failure
        Destination of asynchronous invocations that failed for good. Default: - none.
    dead_letter_queue_enabled
        Define an encrypted, TLS-only DLQ (14-day retention) for failed asynchronous invocations.
        Turn it on for every function invoked asynchronously (events, S3, SNS). Default: ``False``.
    dead_letter_queue
        An existing queue as the asynchronous DLQ instead. Default: - none.
    reserved_concurrent_executions
        Default: - the account's unreserved pool.
    provisioned_concurrent_executions
        Publishes a version behind the alias ``live`` with this provisioned concurrency.
        Default: - none.
    snap_start
        SnapStart on published versions (publishes a version behind the alias ``live``). It
        cannot be combined with provisioned concurrency or ephemeral storage over 512 MiB.
        Default: ``False``.
    ephemeral_storage_mib
        ``/tmp`` size, 512 to 10240 MiB. Default: 512.

    Attributes
    ----------
    function
        The ``lambda.Function``: pass it wherever an ``IFunction`` is expected.
    role, log_group
        The execution role and the log group.
    alias
        The alias ``live`` when provisioned concurrency or SnapStart asked for one, else ``None``.
    dead_letter_queue
        The asynchronous DLQ, when one is configured.
    service_name, metrics_namespace
        The function's ``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_METRICS_NAMESPACE``: where its
        Powertools metrics go (see :meth:`metric_powertools`).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import ServerlessFunction
    >>> stack = Stack(App(), "Docs")
    >>> fn = ServerlessFunction(
    ...     stack, "Charge", entry="examples/order_system/handlers", handler="orders.payment.charge", memory_mib=512
    ... )
    >>> fn.timeout.to_seconds()
    10
    """

    @typed_options
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        entry: str | None = None,
        code: lambda_.Code | None = None,
        handler: str = "index.handler",
        runtime: lambda_.Runtime | None = None,
        architecture: lambda_.Architecture | None = None,
        memory_mib: int = defaults.MEMORY_MIB,
        timeout: Duration | None = None,
        description: str | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, secretsmanager.ISecret] | None = None,
        service_name: str | None = None,
        metrics_namespace: str = "ServerlessPatterns",
        log_level: str = "INFO",
        log_retention: logs.RetentionDays = defaults.LOG_RETENTION,
        log_removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
        log_encryption_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        tracing: bool = True,
        powertools_layer: bool = True,
        powertools_layer_version: int | None = None,
        powertools_layer_from_ssm: bool = False,
        layers: Sequence[lambda_.ILayerVersion] | None = None,
        retry_attempts: int | None = None,
        max_event_age: Duration | None = None,
        on_failure: lambda_.IDestination | None = None,
        dead_letter_queue_enabled: bool = False,
        dead_letter_queue: sqs.IQueue | None = None,
        reserved_concurrent_executions: int | None = None,
        provisioned_concurrent_executions: int | None = None,
        snap_start: bool = False,
        ephemeral_storage_mib: int = 512,
    ) -> None:
        runtime = runtime or defaults.RUNTIME
        architecture = architecture or defaults.ARCHITECTURE
        timeout = timeout or defaults.TIMEOUT
        environment = dict(environment or {})
        secrets = dict(secrets or {})
        rules = Rules()
        rules.exclusive(entry=entry, code=code)
        rules.check(entry is not None or code is not None, "give entry (a folder of handler code) or code")
        if entry is not None:
            check_entry(rules, entry, handler)
        rules.matches("handler", handler, r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", "'module.function'")
        rules.check(
            runtime_is_python(runtime),
            f"runtime must be a Python runtime, got {runtime_name(runtime)}",
        )
        rules.in_range("memory_mib", memory_mib, 128, 10240, "MiB")
        rules.duration_in_range("timeout", timeout, 1, 900)
        rules.whole_seconds("timeout", timeout)
        rules.in_range("ephemeral_storage_mib", ephemeral_storage_mib, 512, 10240, "MiB")
        rules.one_of("log_level", log_level, ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
        rules.in_range("retry_attempts", retry_attempts, 0, 2)
        rules.duration_in_range("max_event_age", max_event_age, 60, 21600)
        rules.at_least("reserved_concurrent_executions", reserved_concurrent_executions, 0)
        rules.at_least("provisioned_concurrent_executions", provisioned_concurrent_executions, 1)
        if (
            provisioned_concurrent_executions is not None
            and reserved_concurrent_executions is not None
            and not is_unresolved(provisioned_concurrent_executions)
            and not is_unresolved(reserved_concurrent_executions)
        ):
            # Provisioned concurrency comes out of the function's reserved concurrency
            # (https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html).
            rules.check(
                provisioned_concurrent_executions <= reserved_concurrent_executions,
                "provisioned_concurrent_executions must be at most reserved_concurrent_executions "
                f"({reserved_concurrent_executions}), got {provisioned_concurrent_executions}",
            )
        rules.exclusive(dead_letter_queue_enabled=dead_letter_queue_enabled, dead_letter_queue=dead_letter_queue)
        rules.exclusive(
            powertools_layer_version=powertools_layer_version, powertools_layer_from_ssm=powertools_layer_from_ssm
        )
        rules.at_least("powertools_layer_version", powertools_layer_version, 1)
        if powertools_layer:
            powertools.check(rules, Stack.of(scope), runtime, architecture, pinned=powertools_layer_version is not None)
        for name in [*environment, *secrets]:
            check_environment_name(rules, name)
        overlap = sorted(set(environment) & set(secrets))
        rules.check(not overlap, f"environment and secrets both set {', '.join(overlap)}: give each once")
        env = {
            "POWERTOOLS_SERVICE_NAME": service_name or id,
            "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
            "POWERTOOLS_LOG_LEVEL": log_level,
            **environment,
        }
        for name, secret in secrets.items():
            env[name] = secret.secret_arn
        check_environment_size(rules, env)
        if snap_start:
            rules.check(
                provisioned_concurrent_executions is None,
                "snap_start cannot be combined with provisioned_concurrent_executions",
            )
            rules.check(
                ephemeral_storage_mib <= 512,
                f"snap_start allows at most 512 MiB of ephemeral storage, got {ephemeral_storage_mib}",
            )
            rules.check(
                runtime_name(runtime) in {"python3.12", "python3.13", "python3.14"},
                f"snap_start needs Python 3.12 or newer, got {runtime_name(runtime)}",
            )
        if rules.problems:
            # The path costs jsii round trips: read it only to report.
            rules.raise_if_broken_at(f"{scope.node.path}/{id}" if scope.node.path else id)

        # Everything the function's constructor needs exists before it; what lives inside the
        # function's own scope (its log group, DLQ and Powertools layer) is attached right after.
        self._environment = dict(env)
        self._dead_letter_queue: sqs.IQueue | None = dead_letter_queue
        super().__init__(
            scope,
            id,
            code=code or lambda_.Code.from_asset(str(entry), exclude=defaults.ASSET_EXCLUDES),
            handler=handler,
            runtime=runtime,
            architecture=architecture,
            memory_size=memory_mib,
            timeout=timeout,
            description=description,
            environment=env,
            role=role,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            reserved_concurrent_executions=reserved_concurrent_executions,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            ephemeral_storage_size=None if ephemeral_storage_mib == 512 else Size.mebibytes(ephemeral_storage_mib),
        )
        self.service_name: str = env["POWERTOOLS_SERVICE_NAME"]
        self.metrics_namespace: str = env["POWERTOOLS_METRICS_NAMESPACE"]
        resource = self.node.default_child
        assert isinstance(resource, lambda_.CfnFunction)
        # Read once: every property read is a jsii round trip.
        execution_role = self.role
        if role is None:
            assert execution_role is not None  # lambda.Function always defines one when given none
            role_resource = execution_role.node.default_child
            assert isinstance(role_resource, iam.CfnRole)
            without_basic_execution_policy(execution_role, role_resource)
            role_resource.description = f"Execution role of {self.node.path}"

        self._log_group = log_group(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=log_removal_policy,
            encryption_key=log_encryption_key,
        )
        resource.logging_config = lambda_.CfnFunction.LoggingConfigProperty(
            log_format="JSON", log_group=self._log_group.log_group_name
        )
        # Lambda names its log streams at run time, so the stream part of the resource is a wildcard
        # inside this function's own log group.
        self.add_to_role_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self._log_group.log_group_arn],
            )
        )

        if dead_letter_queue_enabled:
            self._dead_letter_queue = dead_letter_queue_of(
                self, "DeadLetterQueue", holds="the function's failed asynchronous invocations"
            )
        if self._dead_letter_queue is not None:
            resource.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
                target_arn=self._dead_letter_queue.queue_arn
            )
            self.add_to_role_policy(
                iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self._dead_letter_queue.queue_arn])
            )

        all_layers = list(layers or [])
        if powertools_layer:
            arn = powertools.layer_arn(
                self, runtime, architecture, version=powertools_layer_version, from_ssm=powertools_layer_from_ssm
            )
            all_layers.insert(0, lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", arn))
        if all_layers:
            self.add_layers(*all_layers)

        for secret in secrets.values():
            secret.grant_read(self)
        if role is None:
            default_policy = execution_role.node.try_find_child("DefaultPolicy")  # type: ignore[union-attr]
            assert default_policy is not None  # the log statement above always defines it
            depends_only_on(resource, default_policy)

        if retry_attempts is not None or max_event_age is not None or on_failure is not None:
            self.configure_async_invoke(
                retry_attempts=retry_attempts, max_event_age=max_event_age, on_failure=on_failure
            )

        self.alias: lambda_.Alias | None = None
        if provisioned_concurrent_executions is not None or snap_start:
            self.alias = lambda_.Alias(
                self,
                "LiveAlias",
                alias_name="live",
                version=self.current_version,
                provisioned_concurrent_executions=provisioned_concurrent_executions,
            )

        self._acknowledge_tradeoffs(resource, reserved_concurrent_executions is not None, on_failure is not None)
        if tracing and role is None:
            acknowledge(
                execution_role,  # type: ignore[arg-type]
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.",
            )

    @property
    def log_group(self) -> logs.ILogGroup:
        """The function's own log group, where Lambda sends its logs (``LoggingConfig.LogGroup``)."""
        return self._log_group

    @property
    def dead_letter_queue(self) -> sqs.IQueue | None:
        """The queue of failed asynchronous invocations, when one is configured."""
        return self._dead_letter_queue

    @typed_options
    def metric_powertools(
        self, metric_name: str, *, period: Duration | None = None, statistic: str = "Sum", label: str | None = None
    ) -> cloudwatch.Metric:
        """A metric the function's code emits with Powertools Metrics: its namespace, dimension ``service``.

        Powertools adds the service name as the ``service`` dimension of every metric
        (https://docs.powertools.aws.dev/lambda/python/latest/core/metrics/), so the metric is
        found under the function's ``metrics_namespace`` with ``service=<service_name>``.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> stack = Stack(App(), "Docs")
        >>> fn = ServerlessFunction(stack, "Charge", entry="examples/order_system/handlers/ingest", service_name="pay")
        >>> metric = fn.metric_powertools("PaymentDeclined")
        >>> metric.namespace, metric.dimensions, metric.statistic
        ('ServerlessPatterns', {'service': 'pay'}, 'Sum')
        """
        return cloudwatch.Metric(
            namespace=self.metrics_namespace,
            metric_name=metric_name,
            dimensions_map={"service": self.service_name},
            period=period,
            statistic=statistic,
            label=label,
        )

    @property
    def function(self) -> ServerlessFunction:
        """This function itself.

        .. deprecated:: 0.2
           A ``ServerlessFunction`` is a ``lambda.Function``: pass it directly.
        """
        warnings.warn(
            "ServerlessFunction is a lambda.Function since 0.2: use it directly instead of .function",
            DeprecationWarning,
            stacklevel=2,
        )
        return self

    def _acknowledge_tradeoffs(self, resource: lambda_.CfnFunction, reserved: bool, on_failure: bool) -> None:
        """Acknowledge the scanner rules this function does not meet by design, each with its reason."""
        no_vpc = (
            "The function reaches only AWS service endpoints, over TLS with IAM; a VPC would add NAT or "
            "endpoint costs and buys nothing without private resources (give code that needs a VPC its own function)."
        )
        rules = [
            ("CT.LAMBDA.PR.3", no_vpc),
            ("CKV_AWS_117", no_vpc),
            (
                "CKV_AWS_173",
                "Lambda encrypts environment variables at rest with an AWS managed key; the library passes secrets "
                "by ARN (secrets=), never as values, so the variables hold only configuration.",
            ),
        ]
        if not reserved:
            rules.append(
                (
                    "CKV_AWS_115",
                    "Reserved concurrency is opt-in (reserved_concurrent_executions): reserving takes capacity from "
                    "the account's shared pool, which must keep 100 unreserved.",
                )
            )
        if self._dead_letter_queue is None and not on_failure:
            rules.append(
                (
                    "CKV_AWS_116",
                    "A Lambda DLQ catches failed asynchronous invocations only; this function is invoked "
                    "synchronously or by an event source with its own DLQ (dead_letter_queue_enabled for async use).",
                )
            )
        acknowledge_all(resource, rules)

    @typed_options
    def add_environment(self, key: str, value: str, *, remove_in_edge: bool | None = None) -> lambda_.Function:
        """Add a plain configuration variable to the function.

        Raises ``ValidationError`` for a name Lambda reserves or when the variables would exceed
        Lambda's 4 KB.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> fn = ServerlessFunction(Stack(App(), "Docs"), "Fn", entry="examples/order_system/handlers/ingest")
        >>> _ = fn.add_environment("TABLE", "orders")
        """
        environment = getattr(self, "_environment", None)
        if environment is not None and environment.get(key) != value:
            rules = Rules()
            check_environment_name(rules, key)
            check_environment_size(rules, {**environment, key: value})
            rules.raise_if_broken(self)
            environment[key] = value
        return super().add_environment(key, value, remove_in_edge=remove_in_edge)
