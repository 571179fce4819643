"""What a CRUD API's gateway does not decide: the two shared functions, their code, grants and tables.

:class:`CrudRestApi` (REST, payload 1.0) and :class:`CrudHttpApi` (HTTP API, payload 2.0) put
the same backend behind their gateways: one read and one write ``ServerlessFunction`` sharing one
:class:`~serverless_patterns.crud_api.code.CrudApiCode` asset, the idempotency table of ``POST``
retries, least-privilege table grants (one statement per set of actions) and the per-resource
configuration the handlers read (``config.json`` and ``CRUD_TABLES``). :class:`CrudBackend` is a
plain helper, not a construct: it defines its children in the API construct it is given, so the
REST API's construct ids (and logical ids) are those it had before HTTP APIs shared them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns._internal.tables import table as defined_table
from serverless_patterns._internal.types import typed_options
from serverless_patterns.crud_api import code
from serverless_patterns.crud_api.openapi import ResourceSpec
from serverless_patterns.crud_api.operations import table_actions
from serverless_patterns.crud_api.schema import handler_config
from serverless_patterns.function import ServerlessFunction
from serverless_patterns.runtime.crud_api import contract


class CrudBackend:
    """The idempotency table, the read and write functions and their code, defined in ``scope``.

    ``finish`` is the API's own synthesis step (``scope._finish``): it is what ``CrudApiCode``
    calls when its location is resolved before synthesis, and it must end with :meth:`finish`.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from constructs import Construct
    >>> api = Construct(Stack(App(), "Shop"), "Api")
    >>> backend = CrudBackend(api, kind="CrudApi", finish=lambda: None)
    >>> backend.read_function.node.path, backend.resource_names
    ('Shop/Api/ReadFunction', [])
    """

    def __init__(
        self,
        scope: Construct,
        *,
        kind: str,
        finish: Callable[[], None],
        memory_mib: int = defaults.MEMORY_MIB,
        removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
        encryption_key: kms.IKey | None = None,
        log_encryption_key: kms.IKey | None = None,
    ) -> None:
        self._scope = scope
        self._specs: dict[str, ResourceSpec] = {}
        self._config: dict[str, dict[str, Any]] = {}
        self._statements: dict[tuple[str, tuple[str, ...]], iam.PolicyStatement] = {}
        self._staged = False
        # resource name -> table name, per function, rendered as CRUD_TABLES="users=<name>;orders=<name>"
        self._tables: dict[str, list[tuple[str, str]]] = {"ReadFunction": [], "WriteFunction": []}

        self.idempotency_table = defined_table(
            scope,
            "IdempotencyTable",
            partition_key=contract.IDEMPOTENCY_KEY_ATTRIBUTE,
            time_to_live_attribute=contract.IDEMPOTENCY_EXPIRY_ATTRIBUTE,
            encryption_key=encryption_key,
            removal_policy=removal_policy,
        )
        self.code = code.CrudApiCode(scope.node.path, finish=finish)
        self.read_function = ServerlessFunction(
            scope,
            "ReadFunction",
            code=self.code,
            handler=contract.READ_HANDLER,
            description=f"Reads of the {kind} resources of {scope.node.path}",
            service_name=f"{scope.node.id}-read",
            log_encryption_key=log_encryption_key,
            environment={contract.TABLES_VARIABLE: code.tables_environment(lambda: self._tables["ReadFunction"])},
            memory_mib=memory_mib,
        )
        self.write_function = ServerlessFunction(
            scope,
            "WriteFunction",
            code=self.code,
            handler=contract.WRITE_HANDLER,
            description=f"Writes of the {kind} resources of {scope.node.path}",
            service_name=f"{scope.node.id}-write",
            log_encryption_key=log_encryption_key,
            environment={
                contract.TABLES_VARIABLE: code.tables_environment(lambda: self._tables["WriteFunction"]),
                contract.IDEMPOTENCY_TABLE_VARIABLE: self.idempotency_table.table_name,
            },
            memory_mib=memory_mib,
        )
        # Exactly the item actions Powertools idempotency uses on its records.
        self.write_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[self.idempotency_table.table_arn],
            )
        )
        if encryption_key is not None:
            encryption_key.grant(
                self.write_function, "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"
            )

    @property
    def resource_names(self) -> list[str]:
        """Names of the resources attached so far, in order."""
        return list(self._specs)

    @property
    def specs(self) -> list[ResourceSpec]:
        """The attached resources, in order."""
        return list(self._specs.values())

    @property
    def config(self) -> Mapping[str, Mapping[str, Any]]:
        """The handlers' configuration entries by resource name (what ``config.json`` will hold)."""
        return self._config

    def attach(
        self,
        spec: ResourceSpec,
        *,
        table: dynamodb.ITable,
        cors_origins: list[str],
        extra_config: Mapping[str, Any] | None = None,
    ) -> None:
        """Register a resource with the shared functions: grants, table name and configuration."""
        if self._staged:
            raise RuntimeError(
                f"{self._scope.node.path}: cannot attach {spec.name!r}, the code asset of its functions is already "
                "staged (at synthesis, or when its location was resolved): attach every resource before"
            )
        self._specs[spec.name] = spec
        self._config[spec.name] = {
            contract.ID_ATTRIBUTE_KEY: spec.id_attribute,
            contract.PARTITION_ATTRIBUTE_KEY: spec.partition_attribute,
            **handler_config(spec.schema, allow_unknown_fields=spec.allow_unknown_fields),
            contract.OPERATIONS_KEY: list(spec.operations),
            contract.CORS_ORIGINS_KEY: cors_origins,
            **(extra_config or {}),
        }
        reads, writes = table_actions(spec.operations, grouped=spec.partition_attribute is not None)
        if reads:
            self._grant(self.read_function, reads, table)
            self._tables[self.read_function.node.id].append((spec.name, table.table_name))
        if writes:
            self._grant(self.write_function, writes, table)
            self._tables[self.write_function.node.id].append((spec.name, table.table_name))
        if table.encryption_key is not None:
            if reads:
                table.encryption_key.grant(self.read_function, "kms:Decrypt", "kms:DescribeKey")
            if writes:
                table.encryption_key.grant(
                    self.write_function,
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                )

    def finish(self) -> None:
        """Warn about the functions' environment size and stage the code asset (once, at synthesis)."""
        if self._staged:
            return
        self._staged = True
        for function in (self.read_function, self.write_function):
            code.warn_about_environment_size(function, self._tables[function.node.id])
        self.code.stage(self._scope, config=self._config)

    def _grant(self, function: ServerlessFunction, actions: tuple[str, ...], table: dynamodb.ITable) -> None:
        # One statement per set of actions, listing every table whose operations need exactly that
        # set: per-operation least privilege, and the role's inline policy (10,240 characters at
        # most) grows by one table ARN per resource, not by one statement per action and table.
        key = (function.node.id, actions)
        statement = self._statements.get(key)
        if statement is None:
            statement = iam.PolicyStatement(actions=list(actions), resources=[table.table_arn])
            self._statements[key] = statement
            function.add_to_role_policy(statement)
        else:
            statement.add_resources(table.table_arn)


def acknowledge_invoke_permissions(api: Construct, api_id: str, label: str) -> None:
    """Acknowledge CT.LAMBDA.PR.2 on every Lambda permission that lets the API ``api_id`` invoke a function.

    That covers the two shared functions and any authorizer function; each permission's
    SourceArn is the API's execute-api ARN, built with Fn::Join, which the rule cannot evaluate.
    """
    stack = Stack.of(api)
    api_reference = json.dumps({"Ref": stack.resolve(api_id)["Ref"]})
    for node in stack.node.find_all():
        if not isinstance(node, lambda_.CfnPermission) or node.principal != "apigateway.amazonaws.com":
            continue
        if api_reference in json.dumps(stack.resolve(node.source_arn)):
            acknowledge(
                node,
                "CT.LAMBDA.PR.2",
                f"Only this {label} may invoke the function: SourceArn is the API's execute-api ARN "
                "(an Fn::Join, which the Control Tower rule cannot evaluate).",
            )


class ApiMetrics:
    """API Gateway's metrics of a CrudRestApi's or CrudHttpApi's API (a mixin; each sets ``_metered``)."""

    _metered: apigateway.RestApi | apigwv2.HttpApi
    write_function: ServerlessFunction

    @typed_options
    def metric_client_errors(self, period: Duration | None = None) -> cloudwatch.Metric:
        """API Gateway's client error count of the API (``4XXError``, ``4xx`` on HTTP APIs), summed over ``period``.

        ``period`` defaults to 5 minutes.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import CrudRestApi
        >>> CrudRestApi(Stack(App(), "Docs"), "Api").metric_client_errors().metric_name
        '4XXError'
        """
        return self._metered.metric_client_error(period=period)

    @typed_options
    def metric_server_errors(self, period: Duration | None = None) -> cloudwatch.Metric:
        """API Gateway's server error count of the API (``5XXError``, ``5xx`` on HTTP APIs), summed over ``period``.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import CrudHttpApi
        >>> CrudHttpApi(Stack(App(), "Docs"), "Api").metric_server_errors().metric_name
        '5xx'
        """
        return self._metered.metric_server_error(period=period)

    @typed_options
    def metric_latency(self, period: Duration | None = None) -> cloudwatch.Metric:
        """API Gateway's ``Latency`` of the API (average over ``period``, default 5 minutes).

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import CrudRestApi
        >>> CrudRestApi(Stack(App(), "Docs"), "Api").metric_latency().metric_name
        'Latency'
        """
        return self._metered.metric_latency(period=period)

    @typed_options
    def business_metrics(self, period: Duration | None = None) -> list[cloudwatch.IMetric]:
        """The write function's business metrics (sums over ``period``, default 5 minutes), for dashboards.

        ``PreconditionFailed`` (a lost update prevented: 412), ``IdempotentReplay`` (a retried
        ``POST`` answered from its idempotency record) and ``ValidationRejected`` (a body that
        breaks the schema: 422), emitted by the handler with Powertools Metrics.
        ``LambdaAlarms`` puts them on its dashboard.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import CrudRestApi
        >>> [metric.metric_name for metric in CrudRestApi(Stack(App(), "Docs"), "Api").business_metrics()]
        ['PreconditionFailed', 'IdempotentReplay', 'ValidationRejected']
        """
        return [
            self.write_function.metric_powertools(name, period=period, label=name) for name in contract.BUSINESS_METRICS
        ]
