"""ServerlessFunction: a Python Lambda function with the reference article's best practices built in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns._internal.log_groups import log_group
from serverless_patterns._internal.queues import dead_letter_queue as dead_letter_queue_of
from serverless_patterns._internal.tidy import depends_only_on
from serverless_patterns._internal.validation import Rules, is_unresolved
from serverless_patterns.function import powertools

if TYPE_CHECKING:
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_secretsmanager as secretsmanager

_ENV_NAME = r"[A-Za-z][A-Za-z0-9_]*"
# The runtime sets these; Lambda rejects a function configuration that sets them. The list of
# "Reserved environment variables" in
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
_RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# "Environment variables: 4 KB, for all environment variables associated with the function, in
# aggregate" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Lambda
# measures the variables as their JSON object, names and values together: its rejection quotes the
# "String measured: {...}" (InvalidParameterValueException, as reported in
# github-aws-runners/terraform-aws-github-runner issue 3594).
ENVIRONMENT_LIMIT_BYTES = 4096
_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")


def environment_bytes(environment: Mapping[str, str]) -> int:
    """The size Lambda counts against its 4 KB limit, with deploy-time tokens counted as empty.

    Examples
    --------
    >>> environment_bytes({"A": "b"})
    9
    """
    known = {name: _TOKEN.sub("", value) for name, value in environment.items()}
    return len(json.dumps(known, separators=(",", ":"), ensure_ascii=False).encode())


class ServerlessFunction(Construct):
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
        ``module.function`` inside the code. Default: ``"index.handler"``.
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
        tracing: bool = True,
        powertools_layer: bool = True,
        powertools_layer_version: int | None = None,
        powertools_layer_from_ssm: bool = False,
        layers: list[lambda_.ILayerVersion] | None = None,
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
        super().__init__(scope, id)
        runtime = runtime or defaults.RUNTIME
        architecture = architecture or defaults.ARCHITECTURE
        timeout = timeout or defaults.TIMEOUT
        environment = dict(environment or {})
        secrets = dict(secrets or {})

        rules = Rules()
        rules.exclusive(entry=entry, code=code)
        rules.check(entry is not None or code is not None, "give entry (a folder of handler code) or code")
        if entry is not None:
            rules.check(Path(entry).is_dir(), f"entry must be an existing folder, got {entry!r}")
        rules.matches("handler", handler, r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", "'module.function'")
        rules.check(
            runtime.family == lambda_.RuntimeFamily.PYTHON,
            f"runtime must be a Python runtime, got {runtime.name}",
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
            powertools.check(rules, Stack.of(self), runtime, architecture, pinned=powertools_layer_version is not None)
        for name in [*environment, *secrets]:
            _check_environment_name(rules, name)
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
        _check_environment_size(rules, env)
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
                runtime.name in {"python3.12", "python3.13", "python3.14"},
                f"snap_start needs Python 3.12 or newer, got {runtime.name}",
            )
        rules.raise_if_broken(self)

        self.timeout: Duration = timeout
        self.log_group = log_group(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=log_removal_policy,
            encryption_key=log_encryption_key,
        )
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {self.node.path}",
        )
        # Lambda names its log streams at run time, so the stream part of the resource is a wildcard
        # inside this function's own log group.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )

        self.dead_letter_queue: sqs.IQueue | None = dead_letter_queue
        if dead_letter_queue_enabled:
            self.dead_letter_queue = dead_letter_queue_of(
                self, "DeadLetterQueue", holds="the function's failed asynchronous invocations"
            )

        all_layers = list(layers or [])
        if powertools_layer:
            arn = powertools.layer_arn(
                self, runtime, architecture, version=powertools_layer_version, from_ssm=powertools_layer_from_ssm
            )
            all_layers.insert(0, lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", arn))

        self._environment = dict(env)
        self.function = lambda_.Function(
            self,
            "Resource",
            code=code or lambda_.Code.from_asset(str(entry), exclude=defaults.ASSET_EXCLUDES),
            handler=handler,
            runtime=runtime,
            architecture=architecture,
            memory_size=memory_mib,
            timeout=timeout,
            description=description,
            environment=env,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            layers=all_layers or None,
            dead_letter_queue=self.dead_letter_queue,
            reserved_concurrent_executions=reserved_concurrent_executions,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            ephemeral_storage_size=None if ephemeral_storage_mib == 512 else Size.mebibytes(ephemeral_storage_mib),
        )
        for secret in secrets.values():
            secret.grant_read(self.function)
        default_policy = self.role.node.try_find_child("DefaultPolicy")
        assert default_policy is not None  # the log statement above always defines it
        depends_only_on(self.function, default_policy)

        if retry_attempts is not None or max_event_age is not None or on_failure is not None:
            self.function.configure_async_invoke(
                retry_attempts=retry_attempts, max_event_age=max_event_age, on_failure=on_failure
            )

        self.alias: lambda_.Alias | None = None
        if provisioned_concurrent_executions is not None or snap_start:
            self.alias = lambda_.Alias(
                self,
                "LiveAlias",
                alias_name="live",
                version=self.function.current_version,
                provisioned_concurrent_executions=provisioned_concurrent_executions,
            )

        self._acknowledge_tradeoffs(reserved_concurrent_executions is not None, on_failure is not None)
        if tracing:
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Resource::*]",
                "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.",
            )

    def _acknowledge_tradeoffs(self, reserved: bool, on_failure: bool) -> None:
        """Acknowledge the scanner rules this function does not meet by design, each with its reason."""
        no_vpc = (
            "The function reaches only AWS service endpoints, over TLS with IAM; a VPC would add NAT or "
            "endpoint costs and buys nothing without private resources (give code that needs a VPC its own function)."
        )
        for rule in ("CT.LAMBDA.PR.3", "CKV_AWS_117"):
            acknowledge(self.function, rule, no_vpc)
        acknowledge(
            self.function,
            "CKV_AWS_173",
            "Lambda encrypts environment variables at rest with an AWS managed key; the library passes secrets "
            "by ARN (secrets=), never as values, so the variables hold only configuration.",
        )
        if not reserved:
            acknowledge(
                self.function,
                "CKV_AWS_115",
                "Reserved concurrency is opt-in (reserved_concurrent_executions): reserving takes capacity from "
                "the account's shared pool, which must keep 100 unreserved.",
            )
        if self.dead_letter_queue is None and not on_failure:
            acknowledge(
                self.function,
                "CKV_AWS_116",
                "A Lambda DLQ catches failed asynchronous invocations only; this function is invoked "
                "synchronously or by an event source with its own DLQ (dead_letter_queue_enabled for async use).",
            )

    @property
    def function_name(self) -> str:
        """The function's name (a token until deploy)."""
        return self.function.function_name

    @property
    def function_arn(self) -> str:
        """The function's ARN (a token until deploy)."""
        return self.function.function_arn

    def add_environment(self, key: str, value: str) -> None:
        """Add a plain configuration variable to the function.

        Raises ``ValidationError`` for a name Lambda reserves or when the variables would exceed
        Lambda's 4 KB.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> fn = ServerlessFunction(Stack(App(), "Docs"), "Fn", entry="examples/order_system/handlers")
        >>> fn.add_environment("TABLE", "orders")
        """
        rules = Rules()
        _check_environment_name(rules, key)
        _check_environment_size(rules, {**self._environment, key: value})
        rules.raise_if_broken(self)
        self._environment[key] = value
        self.function.add_environment(key, value)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``lambda:InvokeFunction`` on this function (and its versions and alias)."""
        return self.function.grant_invoke(grantee)


def _check_environment_name(rules: Rules, name: str) -> None:
    rules.matches("environment variable name", name, _ENV_NAME, "letters, digits and underscores")
    rules.check(name not in _RESERVED_ENV, f"environment variable {name} is reserved by Lambda")


def _check_environment_size(rules: Rules, environment: Mapping[str, str]) -> None:
    size = environment_bytes(environment)
    rules.check(
        size <= ENVIRONMENT_LIMIT_BYTES,
        f"environment variables must take at most {ENVIRONMENT_LIMIT_BYTES} bytes (Lambda's 4 KB, names and "
        f"values as JSON), got {size} bytes",
    )
