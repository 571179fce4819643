"""CrudApi: a REST resource (API Gateway, Lambda, DynamoDB) with validation and safe concurrent writes."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Annotations, Aspects, CfnOutput, Duration, IAspect, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct, IConstruct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns._internal.log_groups import log_group
from serverless_patterns._internal.validation import Rules
from serverless_patterns.crud_api.openapi import ResourceSpec, openapi_document
from serverless_patterns.crud_api.schema import (
    handler_config,
    request_schema,
    schema_problems,
    to_api_gateway,
)
from serverless_patterns.function import ServerlessFunction

RUNTIME_PACKAGE = Path(__file__).resolve().parent.parent / "runtime" / "crud_api"
_ENVIRONMENT_LIMIT = 4096
_RESOURCE_NAME = r"[a-z][a-z0-9-]{0,62}"
_ATTRIBUTE_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
_WEB_ACL_ARN = r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/.+"
_ORIGIN = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?"
# COG4 asks every method for a Cognito authorizer; these methods are authorized another way, by choice.
_COG4_REASONS = {
    apigateway.AuthorizationType.IAM: (
        "The method uses IAM (SigV4) authorization, the library's default; COG4 accepts only Cognito."
    ),
    apigateway.AuthorizationType.CUSTOM: (
        "The method uses the Lambda authorizer the user chose; COG4 accepts only Cognito."
    ),
}
_CORS_HEADERS = [
    "Content-Type",
    "Authorization",
    "If-Match",
    "Idempotency-Key",
    "X-Amz-Date",
    "X-Amz-Security-Token",
]


class Operation(str, Enum):
    """An operation a CrudApi resource can expose."""

    CREATE = "create"
    """``POST /{resource}``"""
    GET = "get"
    """``GET /{resource}/{id}``"""
    LIST = "list"
    """``GET /{resource}``"""
    UPDATE = "update"
    """``PUT /{resource}/{id}``"""
    DELETE = "delete"
    """``DELETE /{resource}/{id}``"""


ALL_OPERATIONS = (Operation.CREATE, Operation.GET, Operation.LIST, Operation.UPDATE, Operation.DELETE)
_READ_OPERATIONS = {Operation.GET: "dynamodb:GetItem", Operation.LIST: "dynamodb:Scan"}
_WRITE_OPERATIONS = {
    Operation.CREATE: "dynamodb:PutItem",
    Operation.UPDATE: "dynamodb:UpdateItem",
    Operation.DELETE: "dynamodb:DeleteItem",
}
_HTTP_METHODS = {
    Operation.LIST: "GET",
    Operation.CREATE: "POST",
    Operation.GET: "GET",
    Operation.UPDATE: "PUT",
    Operation.DELETE: "DELETE",
}


class CrudRestApi(Construct):
    """Defines the REST API that one or more CrudApi resources share, with its two shared functions.

    A ``CrudApi`` without ``api=`` defines one of these for itself; pass ``first.api`` to further
    ``CrudApi`` constructs to serve ``/users`` and ``/orders`` from one API. Every resource of the
    API is served by the same two functions: a read function (``GET``) and a write function
    (``POST``, ``PUT``, ``DELETE``), so an added resource costs a table, two API resources, its
    methods and a model (9 CloudFormation resources; 11 with CORS), not four more functions.

    What it defines: a regional ``RestApi`` with a request validator and JSON error gateway
    responses; a stage with JSON access logs (log group with retention, retained), execution
    logging at ERROR, no data trace, metrics, X-Ray tracing and throttling; the read and write
    ``ServerlessFunction`` s (one shared code asset holding the handler package and a
    ``config.json`` of every resource's schema, written at synthesis); one invoke permission per
    function; the idempotency table of ``POST`` retries (one per API, not per resource); a WAFv2
    web ACL associated with the stage (see ``web_acl``); a ``Url`` output. It does not write the
    account-wide API Gateway CloudWatch role that stage logging needs: deploy
    :class:`ApiGatewayCloudWatchRole` once per account and region for that.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    rest_api_name
        Default: - the construct path.
    description
        Default: - none.
    stage_name
        Letters, digits, ``-`` and ``_``. Default: ``"prod"``.
    throttling_rate_limit
        Steady-state requests per second of the stage, 0 to 10000. Default: 100.
    throttling_burst_limit
        Burst of the stage, 0 to 5000. Default: 200.
    log_retention
        Retention of the access log group. Default: ``RetentionDays.ONE_MONTH``.
    data_trace
        Log full requests and responses in execution logs. They include bodies, so personal data
        ends up in logs: leave it off in production. Default: ``False``.
    memory_mib
        Memory of the two functions. Default: 256.
    removal_policy
        Of the idempotency table and the access log group.
        Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE``.
    encryption_key
        Customer managed KMS key of the idempotency table. Default: - an AWS managed key.
    log_encryption_key
        Customer managed KMS key of the access log group and of the two functions' log groups
        (a ``kms.Key`` of the app gets the statement CloudWatch Logs needs). Default: - keys
        CloudWatch Logs manages.
    web_acl
        Protect the stage with a WAFv2 web ACL: a regional one with the AWS managed common and
        known-bad-inputs rule groups and a per-IP rate limit (a tenth of what the stage's rate
        allows over five minutes, at least 100). A web ACL costs a monthly fee per ACL and rule
        plus a fee per million requests. ``False`` leaves the stage without one (cdk-nag then
        reports APIG3). Default: ``True``.
    web_acl_arn
        Associate this existing regional web ACL (one managed centrally, for example) instead of
        defining one. Default: - a new web ACL.

    Attributes
    ----------
    rest_api
        The ``apigateway.RestApi``.
    stage
        Its deployment stage.
    access_log_group
        The stage's access log group.
    read_function, write_function
        The shared ``ServerlessFunction`` s.
    idempotency_table
        The table of ``Idempotency-Key`` records (``id`` key, ``expiration`` TTL).
    request_validator
        The validator of bodies and parameters used by every method.
    web_acl
        The web ACL this construct defined, or ``None``.
    gateway_responses
        The ``BAD_REQUEST_BODY``, ``DEFAULT_4XX`` and ``DEFAULT_5XX`` responses in the error envelope
        (with ``Access-Control-Allow-Origin`` when every CORS resource allows the same one origin).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import CrudApi, CrudRestApi
    >>> stack = Stack(App(), "Shop")
    >>> api = CrudRestApi(stack, "Api", stage_name="v1")
    >>> users = CrudApi(stack, "Users", api=api, resource_name="users", schema={"type": "object"})
    >>> users.api is api
    True
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rest_api_name: str | None = None,
        description: str | None = None,
        stage_name: str = "prod",
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        log_retention: logs.RetentionDays = defaults.LOG_RETENTION,
        data_trace: bool = False,
        memory_mib: int = defaults.MEMORY_MIB,
        removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
        encryption_key: kms.IKey | None = None,
        log_encryption_key: kms.IKey | None = None,
        web_acl: bool = True,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        rules = Rules()
        rules.check(
            web_acl or web_acl_arn is None, "web_acl_arn needs web_acl=True (it names the web ACL to associate)"
        )
        rules.matches(
            "web_acl_arn",
            web_acl_arn,
            _WEB_ACL_ARN,
            "a regional WAFv2 web ACL ARN",
        )
        rules.matches("stage_name", stage_name, r"[A-Za-z0-9_-]{1,128}", "1 to 128 letters, digits, - or _")
        rules.in_range("throttling_rate_limit", throttling_rate_limit, 0, 10000)
        rules.in_range("throttling_burst_limit", throttling_burst_limit, 0, 5000)
        rules.raise_if_broken(self)

        self._stage_name = stage_name
        self._specs: dict[str, ResourceSpec] = {}
        self._config: dict[str, dict[str, Any]] = {}
        self._statements: dict[tuple[str, tuple[str, ...]], iam.PolicyStatement] = {}
        self._code_bound = False
        # resource name -> table name, per function, rendered as CRUD_TABLES="users=<name>;orders=<name>"
        self._tables: dict[str, list[tuple[str, str]]] = {"ReadFunction": [], "WriteFunction": []}

        self.access_log_group = log_group(
            self,
            "AccessLogs",
            retention=log_retention,
            removal_policy=removal_policy,
            encryption_key=log_encryption_key,
        )
        self.rest_api = apigateway.RestApi(
            self,
            "Resource",
            rest_api_name=rest_api_name or self.node.path.replace("/", "-"),
            description=description,
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            # One role per account and region, owned by ApiGatewayCloudWatchRole's stack: an API
            # that wrote it would overwrite other stacks' setting and orphan its role.
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=data_trace,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
            ),
        )
        self.stage: apigateway.Stage = self.rest_api.deployment_stage
        acknowledge(
            self.stage,
            "CKV_AWS_120",
            "No stage cache: it costs by the hour and would serve items older than their ETag, against the API's "
            "If-Match optimistic locking.",
        )
        self.web_acl: wafv2.CfnWebACL | None = None
        if web_acl:
            if web_acl_arn is None:
                self.web_acl = _default_web_acl(self, throttling_rate_limit)
                web_acl_arn = self.web_acl.attr_arn
            wafv2.CfnWebACLAssociation(
                self, "WebAclAssociation", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl_arn
            )
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        self._add_gateway_responses()

        self.idempotency_table = dynamodb.Table(
            self,
            "IdempotencyTable",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            time_to_live_attribute="expiration",
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED
            if encryption_key is not None
            else dynamodb.TableEncryption.AWS_MANAGED,
            encryption_key=encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )
        _acknowledge_aws_managed_encryption(self.idempotency_table, encryption_key)

        placeholder = lambda_.Code.from_inline("# replaced at synthesis by the CrudApi code asset\n")
        self.read_function = ServerlessFunction(
            self,
            "ReadFunction",
            code=placeholder,
            handler="crud_api.read.handler",
            memory_mib=memory_mib,
            description=f"Reads of the CrudApi resources of {self.node.path}",
            service_name=f"{id}-read",
            log_encryption_key=log_encryption_key,
        )
        self.write_function = ServerlessFunction(
            self,
            "WriteFunction",
            code=placeholder,
            handler="crud_api.write.handler",
            memory_mib=memory_mib,
            description=f"Writes of the CrudApi resources of {self.node.path}",
            service_name=f"{id}-write",
            log_encryption_key=log_encryption_key,
            environment={"CRUD_IDEMPOTENCY_TABLE": self.idempotency_table.table_name},
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
        # One permission per function for the whole API instead of two per method.
        self.read_integration = apigateway.LambdaIntegration(self.read_function, scope_permission_to_method=False)
        self.write_integration = apigateway.LambdaIntegration(self.write_function, scope_permission_to_method=False)
        CfnOutput(self, "Url", value=self.rest_api.url, description=f"URL of the {stage_name} stage")
        # The aspect sits on an empty child: every node it visits is a call from jsii into Python.
        Aspects.of(Construct(self, "CodeHook")).add(_BindCode(self))

    @property
    def url(self) -> str:
        """The stage's URL (a token until deploy).

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> url = api.url
        """
        return self.rest_api.url

    @property
    def resource_names(self) -> list[str]:
        """Names of the resources attached so far, in order.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> api.resource_names
        []
        """
        return list(self._specs)

    def openapi(self, title: str | None = None) -> dict[str, Any]:
        """The OpenAPI 3 document of every resource of this API.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> api.openapi()["openapi"]
        '3.0.3'
        """
        return openapi_document(title or self.node.id, self._stage_name, list(self._specs.values()))

    def metric_client_errors(self, period: Duration | None = None) -> cloudwatch.Metric:
        """API Gateway's ``4XXError`` count of the API (sum over ``period``, default 5 minutes).

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> api.metric_client_errors().metric_name
        '4XXError'
        """
        return self.rest_api.metric_client_error(period=period)

    def metric_server_errors(self, period: Duration | None = None) -> cloudwatch.Metric:
        """API Gateway's ``5XXError`` count of the API (sum over ``period``, default 5 minutes).

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> api.metric_server_errors().metric_name
        '5XXError'
        """
        return self.rest_api.metric_server_error(period=period)

    def metric_latency(self, period: Duration | None = None) -> cloudwatch.Metric:
        """API Gateway's ``Latency`` of the API (average over ``period``, default 5 minutes).

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> api.metric_latency().metric_name
        'Latency'
        """
        return self.rest_api.metric_latency(period=period)

    def _attach(
        self,
        spec: ResourceSpec,
        *,
        table: dynamodb.ITable,
        cors_origins: Sequence[str],
        allow_unknown_fields: bool,
    ) -> None:
        """Register a resource with the shared functions: grants, table name and configuration."""
        if self._code_bound:
            raise RuntimeError(f"{self.node.path} was already synthesized: attach resources before synthesis")
        self._specs[spec.name] = spec
        self._config[spec.name] = {
            "idAttribute": spec.id_attribute,
            "partitionAttribute": spec.partition_attribute,
            **handler_config(spec.schema, allow_unknown_fields=allow_unknown_fields),
            "operations": list(spec.operations),
            "corsOrigins": list(cors_origins),
        }
        kinds = [Operation(operation) for operation in spec.operations]
        read_actions = {_READ_OPERATIONS[kind] for kind in kinds if kind in _READ_OPERATIONS}
        if spec.partition_attribute is not None and Operation.LIST in kinds:
            read_actions.add("dynamodb:Query")  # listing one group of items
        reads = tuple(sorted(read_actions))
        writes = tuple(sorted(_WRITE_OPERATIONS[kind] for kind in kinds if kind in _WRITE_OPERATIONS))
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

    def _acknowledge_invoke_permissions(self) -> None:
        """Acknowledge CT.LAMBDA.PR.2 on every Lambda permission that lets this REST API invoke a function.

        That covers the two shared functions and any authorizer function; each permission's
        SourceArn is this API's execute-api ARN, built with Fn::Join, which the rule cannot evaluate.
        """
        stack = Stack.of(self)
        api_reference = json.dumps({"Ref": stack.resolve(self.rest_api.rest_api_id)["Ref"]})
        for node in stack.node.find_all():
            if not isinstance(node, lambda_.CfnPermission) or node.principal != "apigateway.amazonaws.com":
                continue
            if api_reference in json.dumps(stack.resolve(node.source_arn)):
                acknowledge(
                    node,
                    "CT.LAMBDA.PR.2",
                    "Only this REST API may invoke the function: SourceArn is the API's execute-api ARN "
                    "(an Fn::Join, which the Control Tower rule cannot evaluate).",
                )

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

    def _warn_about_environment_size(self) -> None:
        # Lambda allows 4 KB of environment variables per function; table names are known only at
        # deploy, so estimate them at 64 characters (stack name, logical id and a random suffix).
        for function in (self.read_function, self.write_function):
            entries = self._tables[function.node.id]
            # Table names resolve at deploy (about 64 characters); the other variables take about 200 bytes.
            estimate = 200 + sum(len(name) + 2 + 64 for name, _ in entries)
            if estimate > _ENVIRONMENT_LIMIT:
                Annotations.of(function).add_warning_v2(
                    "@serverless-patterns/crud-api:environment-size",
                    f"CRUD_TABLES of {len(entries)} resources may take about {estimate} bytes of environment, "
                    "over Lambda's 4 KB limit: split the resources over a second CrudRestApi",
                )

    def _add_gateway_responses(self) -> None:
        # Errors API Gateway answers itself (auth, throttling, model validation) get the handlers' shape.
        def template(code: str) -> dict[str, str]:
            body = f'{{"error":{{"code":"{code}","message":$context.error.messageString,"details":[]}}}}'
            return {"application/json": body}

        self.gateway_responses = [
            self.rest_api.add_gateway_response(
                "BadRequestBody",
                type=apigateway.ResponseType.BAD_REQUEST_BODY,
                templates=template("BAD_REQUEST_BODY"),
            ),
            self.rest_api.add_gateway_response(
                "Default4xx",
                type=apigateway.ResponseType.DEFAULT_4_XX,
                templates=template("$context.error.responseType"),
            ),
            self.rest_api.add_gateway_response(
                "Default5xx",
                type=apigateway.ResponseType.DEFAULT_5_XX,
                templates=template("$context.error.responseType"),
            ),
        ]

    def _add_cors_to_gateway_responses(self) -> None:
        # Gateway responses belong to the API, CORS to each resource: when every resource that
        # asked for CORS allows the same single origin (or "*"), API Gateway's own errors carry it
        # too, so a browser can read them. Several different origins cannot be expressed statically.
        origins = {tuple(entry["corsOrigins"]) for entry in self._config.values() if entry["corsOrigins"]}
        if len(origins) != 1:
            return
        (allowed,) = origins
        if len(allowed) != 1:
            return
        for response in self.gateway_responses:
            cfn = response.node.default_child
            assert isinstance(cfn, apigateway.CfnGatewayResponse)
            cfn.response_parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{allowed[0]}'"}

    def _bind_code(self) -> None:
        """Give both functions their tables (``CRUD_TABLES``) and the code asset: handlers plus configuration."""
        if self._code_bound:
            return
        self._code_bound = True
        self._add_cors_to_gateway_responses()
        self._acknowledge_invoke_permissions()
        for function in (self.read_function, self.write_function):
            entries = self._tables[function.node.id]
            function.add_environment("CRUD_TABLES", ";".join(f"{name}={table}" for name, table in entries) or "-")
        self._warn_about_environment_size()
        config = json.dumps({"resources": self._config}, sort_keys=True, indent=1)
        folder = _code_folder(config)
        asset = s3_assets.Asset(self, "Code", path=str(folder), exclude=defaults.ASSET_EXCLUDES)
        for function in (self.read_function, self.write_function):
            cfn = function.node.default_child
            assert isinstance(cfn, lambda_.CfnFunction)
            cfn.code = lambda_.CfnFunction.CodeProperty(s3_bucket=asset.s3_bucket_name, s3_key=asset.s3_object_key)
            asset.add_resource_metadata(cfn, "Code")


def _default_web_acl(scope: Construct, rate_limit: float) -> wafv2.CfnWebACL:
    """A regional web ACL: AWS managed common and known-bad-input rules and a per-IP rate limit."""

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        )

    def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name
                )
            ),
            visibility_config=visibility(name),
        )

    # Per client IP over five minutes: a tenth of what the stage's steady rate allows, at least WAF's minimum of 100.
    per_ip_limit = max(100, int(rate_limit * 300 / 10))
    return wafv2.CfnWebACL(
        scope,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=visibility("CrudApi"),
        rules=[
            managed("AWSManagedRulesCommonRuleSet", 0),
            managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerIp",
                priority=2,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=per_ip_limit
                    )
                ),
                visibility_config=visibility("RatePerIp"),
            ),
        ],
    )


@jsii.implements(IAspect)
class _BindCode:
    """Writes the shared code asset once every resource is attached (aspects run at synthesis)."""

    def __init__(self, api: CrudRestApi) -> None:
        self._api = api

    def visit(self, node: IConstruct) -> None:
        del node  # only ever the empty hook construct
        self._api._bind_code()


def _code_folder(config: str) -> Path:
    """A folder holding ``crud_api/`` (the handler package) and its ``config.json``, named by content."""
    digest = hashlib.sha256(config.encode())
    sources = sorted(path for path in RUNTIME_PACKAGE.glob("*.py"))
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    folder = Path(tempfile.gettempdir()) / "serverless-patterns-crud-api" / digest.hexdigest()[:24]
    package = folder / "crud_api"
    if not (package / "config.json").exists():
        staging = Path(tempfile.mkdtemp(prefix="crud-api-"))
        (staging / "crud_api").mkdir()
        for path in sources:
            shutil.copyfile(path, staging / "crud_api" / path.name)
        (staging / "crud_api" / "config.json").write_text(config)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(folder)
        except OSError:  # another process wrote the same content first
            shutil.rmtree(staging, ignore_errors=True)
    return folder


class CrudApi(Construct):
    """Defines a REST resource backed by DynamoDB: create, get, list, update and delete with validation.

    ``POST /{resource}`` (201, ``Location``, server-generated id, ``createdAt``, ``updatedAt``,
    ``version`` 1; ``Idempotency-Key`` makes retries safe for 24 hours), ``GET /{resource}/{id}``
    (200 with an ``ETag``), ``GET /{resource}`` (pages of 1 to 100 items, default 25, with an opaque
    ``next`` cursor), ``PUT /{resource}/{id}`` (needs ``If-Match``: 428 without, 412 when stale) and
    ``DELETE /{resource}/{id}`` (204; honours ``If-Match``). Request bodies are validated twice
    against the same schema: by API Gateway's request validator with the generated model and by
    the handler. Errors are ``{"error": {"code", "message", "details"}}``, never a 500 for a bad
    request.

    What it defines: the table (unless ``table`` is given: on-demand, point-in-time recovery,
    retained on update or deletion, encrypted with an AWS managed or your KMS key), the
    ``/{resource}`` and ``/{resource}/{id}`` API resources and their methods, the request model,
    CORS preflight when ``cors_origins`` is given, and a ``TableName`` output. The REST API, its
    stage and its two functions belong to :class:`CrudRestApi`, shared by every ``CrudApi``
    attached to it (``api=``); a ``CrudApi`` without ``api`` defines one as its child ``"Api"``.
    The read function gets only ``dynamodb:GetItem``/``dynamodb:Scan`` and the write function
    only ``dynamodb:PutItem``/``UpdateItem``/``DeleteItem``, each on the tables of the resources
    whose operations use it.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    resource_name
        The path segment, lower case: letters, digits and ``-`` (``"users"``).
    schema
        JSON Schema (draft 4 subset API Gateway models support: ``type``, ``required``,
        ``properties``, ``additionalProperties``, ``items``, ``format``, ``minLength``,
        ``maxLength``, ``minimum``, ``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``,
        ``minItems``, ``maxItems``, ``enum``, ``pattern``, ``title``, ``description``) of the
        fields a client sends. It must not list the server fields (the id attribute,
        ``createdAt``, ``updatedAt``, ``version``); clients may send them back, they are ignored.
    id_attribute
        Name of the id attribute: the table's partition key and the path parameter. Default: ``"id"``.
    operations
        Default: all of create, get, list, update and delete.
    allow_unknown_fields
        Accept body fields the schema does not list (they are stored; an update keeps fields it
        does not mention that are outside the schema). Default: ``False``: such fields get 422
        from the handler and 400 from API Gateway's validator.
    partition_attribute
        Group items by this required string property of the schema: the table's partition key,
        with the id as its sort key. Items are then addressed as ``/{resource}/{partition}/{id}``
        and ``GET /{resource}?{partition_attribute}=value`` lists one group (a Query). It costs one
        more API resource. Default: - none: the id alone is the key.
    table
        An existing table whose partition key is the string ``id_attribute`` (or, with
        ``partition_attribute``, partition key ``partition_attribute`` and sort key ``id_attribute``).
        Default: - a new table.
    time_to_live_attribute
        TTL attribute of the new table. Default: - none.
    encryption_key
        Customer managed KMS key of the new table. Default: - an AWS managed key.
    removal_policy
        Of the new table. Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE``: kept when the
        stack is updated or deleted, deleted when the deployment that created it rolls back.
    deletion_protection
        DynamoDB deletion protection of the new table: nobody can delete it until it is turned
        off, a rolled-back first deployment included. Default: on with ``RemovalPolicy.RETAIN``,
        off otherwise (it would block ``RETAIN_ON_UPDATE_OR_DELETE``'s clean-up of a failed
        first deployment; turn it on once the table holds data).
    api
        The shared REST API to attach to (``first.api``). Default: - a new :class:`CrudRestApi`
        with ``stage_name``, ``throttling_rate_limit``, ``throttling_burst_limit``,
        ``log_retention`` and ``log_encryption_key`` (give those only without ``api``).
    authorizer
        A ``CognitoUserPoolsAuthorizer``, ``TokenAuthorizer`` or ``RequestAuthorizer`` of the API.
        Default: - IAM authorization (SigV4; grant callers with :meth:`grant_invoke`).
    authorization_scopes
        OAuth scopes a Cognito access token needs. Default: - none.
    public
        No authorization at all. Only when asked for: cdk-nag then reports APIG4 and COG4, on
        purpose. Default: ``False``.
    cors_origins
        Allowed origins (``https://app.example.com``); ``["*"]`` only when asked for. Default: - no CORS.
    stage_name, throttling_rate_limit, throttling_burst_limit, log_retention, log_encryption_key
        Options of the new :class:`CrudRestApi` (see there). Default: ``"prod"``, 100, 200,
        one month, keys CloudWatch Logs manages.

    Attributes
    ----------
    api
        The :class:`CrudRestApi` (pass it to further ``CrudApi`` s as ``api``).
    rest_api
        The ``apigateway.RestApi``.
    table
        The table (``ITable``).
    model
        The request model.
    collection, partition, item
        The ``/{resource}``, ``/{resource}/{partition}`` (or ``None``) and item API resources.
    methods
        The methods by operation name.
    read_function, write_function
        The API's shared ``ServerlessFunction`` s.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import CrudApi
    >>> stack = Stack(App(), "Shop")
    >>> users = CrudApi(
    ...     stack,
    ...     "Users",
    ...     resource_name="users",
    ...     schema={
    ...         "type": "object",
    ...         "required": ["email", "name"],
    ...         "properties": {
    ...             "email": {"type": "string", "format": "email"},
    ...             "name": {"type": "string", "minLength": 1, "maxLength": 100},
    ...         },
    ...     },
    ... )
    >>> orders = CrudApi(stack, "Orders", api=users.api, resource_name="orders", schema={"type": "object"})
    >>> orders.read_function is users.read_function
    True
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource_name: str,
        schema: Mapping[str, Any],
        id_attribute: str = "id",
        partition_attribute: str | None = None,
        operations: Sequence[Operation] = ALL_OPERATIONS,
        allow_unknown_fields: bool = False,
        table: dynamodb.ITable | None = None,
        time_to_live_attribute: str | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy | None = None,
        deletion_protection: bool | None = None,
        api: CrudRestApi | None = None,
        authorizer: apigateway.IAuthorizer | None = None,
        authorization_scopes: Sequence[str] | None = None,
        public: bool = False,
        cors_origins: Sequence[str] | None = None,
        stage_name: str | None = None,
        throttling_rate_limit: float | None = None,
        throttling_burst_limit: int | None = None,
        log_retention: logs.RetentionDays | None = None,
        log_encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        allowed_operations = [operation.value for operation in Operation]
        operation_names = [Operation(operation).value for operation in operations if operation in allowed_operations]
        cors = list(cors_origins or [])
        authorization_type = _authorization_type(authorizer, public)

        rules = Rules()
        rules.matches("resource_name", resource_name, _RESOURCE_NAME, "lower-case letters, digits and - (users)")
        if api is not None:
            rules.check(
                resource_name not in api.resource_names,
                f"resource_name {resource_name!r} is already served by {api.node.path}",
            )
        rules.matches("id_attribute", id_attribute, _ATTRIBUTE_NAME, "letters, digits and _ (a path parameter)")
        rules.problems.extend(schema_problems(schema, id_attribute))
        if partition_attribute is not None and isinstance(schema, Mapping):
            properties = schema.get("properties")
            property_schema = properties.get(partition_attribute) if isinstance(properties, Mapping) else None
            rules.check(
                isinstance(property_schema, Mapping)
                and property_schema.get("type") == "string"
                and partition_attribute in (schema.get("required") or []),
                f"partition_attribute must name a required string property of the schema, got {partition_attribute!r}",
            )
        for requested in operations:
            rules.one_of("operations", requested, allowed_operations)
        rules.check(bool(operations), "operations must list at least one operation, got none")
        rules.unique("operations", operation_names)
        for origin in cors:
            rules.check(
                origin == "*" or re.fullmatch(_ORIGIN, origin) is not None,
                f"cors_origins must be origins like https://app.example.com (no path), got {origin!r}",
            )
        rules.check("*" not in cors or len(cors) == 1, f"cors_origins '*' cannot be combined with origins, got {cors}")
        rules.exclusive(public=public, authorizer=authorizer)
        rules.check(
            not authorization_scopes or authorization_type == apigateway.AuthorizationType.COGNITO,
            "authorization_scopes need a Cognito user pool authorizer",
        )
        rules.exclusive(table=table, time_to_live_attribute=time_to_live_attribute)
        rules.exclusive(table=table, encryption_key=encryption_key)
        rules.exclusive(table=table, removal_policy=removal_policy)
        rules.exclusive(table=table, deletion_protection=deletion_protection)
        if time_to_live_attribute is not None:
            rules.matches("time_to_live_attribute", time_to_live_attribute, _ATTRIBUTE_NAME, "letters, digits and _")
        if table is not None:
            _check_table_keys(rules, table, id_attribute, partition_attribute)
        if api is not None:
            given = {
                "stage_name": stage_name,
                "throttling_rate_limit": throttling_rate_limit,
                "throttling_burst_limit": throttling_burst_limit,
                "log_retention": log_retention,
                "log_encryption_key": log_encryption_key,
            }
            for name, value in given.items():
                rules.check(value is None, f"{name} belongs to the shared api {api.node.path}: give it there")
        rules.raise_if_broken(self)

        if api is None:
            api = CrudRestApi(
                self,
                "Api",
                stage_name=stage_name or "prod",
                throttling_rate_limit=100 if throttling_rate_limit is None else throttling_rate_limit,
                throttling_burst_limit=200 if throttling_burst_limit is None else throttling_burst_limit,
                log_retention=log_retention or defaults.LOG_RETENTION,
                log_encryption_key=log_encryption_key,
            )
        self.api: CrudRestApi = api
        self.rest_api: apigateway.RestApi = api.rest_api
        self.read_function: ServerlessFunction = api.read_function
        self.write_function: ServerlessFunction = api.write_function
        self.resource_name = resource_name
        self.id_attribute = id_attribute
        self.schema: dict[str, Any] = json.loads(json.dumps(schema))

        if table is None:
            removal_policy = removal_policy or defaults.REMOVAL_POLICY
            if deletion_protection is None:
                deletion_protection = removal_policy == RemovalPolicy.RETAIN
            table = dynamodb.Table(
                self,
                "Table",
                partition_key=dynamodb.Attribute(
                    name=partition_attribute or id_attribute, type=dynamodb.AttributeType.STRING
                ),
                sort_key=None
                if partition_attribute is None
                else dynamodb.Attribute(name=id_attribute, type=dynamodb.AttributeType.STRING),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=deletion_protection,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED
                if encryption_key is not None
                else dynamodb.TableEncryption.AWS_MANAGED,
                encryption_key=encryption_key,
                time_to_live_attribute=time_to_live_attribute,
                removal_policy=removal_policy,
            )
            _acknowledge_aws_managed_encryption(table, encryption_key)
        self.table: dynamodb.ITable = table

        security = {
            apigateway.AuthorizationType.IAM: "iam",
            apigateway.AuthorizationType.COGNITO: "cognito",
            apigateway.AuthorizationType.CUSTOM: "custom",
        }.get(authorization_type, "none")
        self._spec = ResourceSpec(
            name=resource_name,
            id_attribute=id_attribute,
            partition_attribute=partition_attribute,
            schema=self.schema,
            operations=tuple(operation_names),
            allow_unknown_fields=allow_unknown_fields,
            security=security,
        )
        api._attach(self._spec, table=table, cors_origins=cors, allow_unknown_fields=allow_unknown_fields)

        self.model = apigateway.Model(
            self,
            "Model",
            rest_api=self.rest_api,
            content_type="application/json",
            model_name=_pascal(resource_name) + "Input",
            description=f"Request body of POST and PUT /{resource_name}",
            schema=to_api_gateway(request_schema(schema, id_attribute, allow_unknown_fields=allow_unknown_fields)),
        )
        self.collection = self.rest_api.root.add_resource(resource_name)
        self.partition: apigateway.Resource | None = None
        parent = self.collection
        if partition_attribute is not None:
            self.partition = parent = self.collection.add_resource(f"{{{partition_attribute}}}")
        self.item = parent.add_resource(f"{{{id_attribute}}}")
        if cors:
            for resource, methods in ((self.collection, ["GET", "POST"]), (self.item, ["GET", "PUT", "DELETE"])):
                resource.add_cors_preflight(
                    allow_origins=cors,
                    allow_methods=[*methods, "OPTIONS"],
                    allow_headers=_CORS_HEADERS,
                    expose_headers=["ETag", "Location"],
                    max_age=Duration.hours(1),
                )

        self.methods: dict[str, apigateway.Method] = {}
        auth: dict[str, Any] = {
            "authorization_type": authorization_type,
            "authorizer": authorizer,
            "authorization_scopes": list(authorization_scopes) if authorization_scopes else None,
        }
        path_parameter = {f"method.request.path.{id_attribute}": True}
        list_parameters = {"method.request.querystring.limit": False, "method.request.querystring.next": False}
        if partition_attribute is not None:
            path_parameter[f"method.request.path.{partition_attribute}"] = True
            list_parameters[f"method.request.querystring.{partition_attribute}"] = False
        for operation in operation_names:
            kind = Operation(operation)
            integration = api.read_integration if kind in _READ_OPERATIONS else api.write_integration
            options: dict[str, Any] = {"request_validator": api.request_validator, **auth}
            if kind in (Operation.CREATE, Operation.UPDATE):
                options["request_models"] = {"application/json": self.model}
            if kind is Operation.LIST:
                options["request_parameters"] = list_parameters
            elif kind is not Operation.CREATE:
                options["request_parameters"] = path_parameter
            target = self.collection if kind in (Operation.LIST, Operation.CREATE) else self.item
            self.methods[operation] = target.add_method(_HTTP_METHODS[kind], integration, **options)

        reason = _COG4_REASONS.get(authorization_type)
        if reason is not None:
            for method in self.methods.values():
                acknowledge(method, "AwsSolutions-COG4", reason)
        CfnOutput(self, "TableName", value=table.table_name, description=f"DynamoDB table of /{resource_name}")

    def openapi(self, title: str | None = None) -> dict[str, Any]:
        """The OpenAPI 3 document of the whole REST API this resource belongs to.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> users = CrudApi(Stack(App(), "Docs"), "Users", resource_name="users", schema={"type": "object"})
        >>> sorted(users.openapi()["paths"])
        ['/users', '/users/{id}']
        """
        return self.api.openapi(title)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``execute-api:Invoke`` on every method of this resource (IAM authorization).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_iam as iam
        >>> stack = Stack(App(), "Docs")
        >>> users = CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
        >>> role = iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal())
        >>> grant = users.grant_invoke(role)
        """
        stage = self.api.stage.stage_name
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:Invoke"],
            resource_arns=[
                self.rest_api.arn_for_execute_api("*", f"/{self.resource_name}", stage),
                self.rest_api.arn_for_execute_api("*", f"/{self.resource_name}/*", stage),
            ],
        )

    def grant_read_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant the table's read actions (``dynamodb:GetItem``, ``Query``, ``Scan``, ``BatchGetItem`` ...).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_iam as iam
        >>> stack = Stack(App(), "Docs")
        >>> users = CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
        >>> grant = users.grant_read_data(iam.Role(stack, "Report", assumed_by=iam.AccountRootPrincipal()))
        """
        return self.table.grant_read_data(grantee)


def _acknowledge_aws_managed_encryption(table: dynamodb.Table, encryption_key: kms.IKey | None) -> None:
    if encryption_key is None:
        acknowledge(
            table,
            "CKV_AWS_119",
            "The table is encrypted at rest with the AWS managed key (no key to administer or pay for); "
            "give encryption_key for a customer managed key.",
        )


def _check_table_keys(rules: Rules, table: dynamodb.ITable, id_attribute: str, partition_attribute: str | None) -> None:
    """Require a table defined in the app to have the key the handlers read and write.

    An imported table (``Table.from_table_name``) has no key schema at synth and is not checked.
    """
    cfn = table.node.default_child
    if not isinstance(cfn, (dynamodb.CfnTable, dynamodb.CfnGlobalTable)):
        return
    # TableV2 renders its attribute definitions lazily: resolve both lists to plain data.
    stack = Stack.of(cfn)
    key_schema, definitions = stack.resolve(cfn.key_schema), stack.resolve(cfn.attribute_definitions)
    if not isinstance(key_schema, list) or not isinstance(definitions, list):
        return
    types = {entry.get("attributeName"): entry.get("attributeType") for entry in definitions}
    got = [(str(key.get("attributeName")), str(types.get(key.get("attributeName"), "?"))) for key in key_schema]
    wanted = [(partition_attribute or id_attribute, "S"), *([(id_attribute, "S")] if partition_attribute else [])]
    rules.check(
        got == wanted,
        f"table must have {_key_description(wanted)} (the handlers write string keys), got {_key_description(got)}",
    )


def _key_description(keys: list[tuple[str, str]]) -> str:
    labels = ("partition key", "sort key")
    return " and ".join(f"{label} {name!r} of type {kind}" for label, (name, kind) in zip(labels, keys, strict=False))


def _authorization_type(authorizer: apigateway.IAuthorizer | None, public: bool) -> apigateway.AuthorizationType:
    if public:
        return apigateway.AuthorizationType.NONE
    if authorizer is None:
        return apigateway.AuthorizationType.IAM
    return authorizer.authorization_type or apigateway.AuthorizationType.CUSTOM


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
