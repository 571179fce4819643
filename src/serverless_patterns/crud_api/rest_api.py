"""CrudRestApi: the REST API, stage, web ACL and two shared functions that CrudApi resources attach to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct
from typing_extensions import Unpack

from serverless_patterns._internal import defaults
from serverless_patterns._internal.compliance import acknowledge
from serverless_patterns._internal.log_groups import log_group
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns._internal.waf import WEB_ACL_ARN, default_web_acl
from serverless_patterns.crud_api import code
from serverless_patterns.crud_api import construct as crud_api  # a module: construct.py imports this one
from serverless_patterns.crud_api.backend import ApiMetrics, CrudBackend, acknowledge_invoke_permissions
from serverless_patterns.crud_api.gateway_responses import allow_single_origin, error_responses
from serverless_patterns.crud_api.openapi import ResourceSpec, openapi_document
from serverless_patterns.crud_api.resource import ResourceOptions
from serverless_patterns.runtime.crud_api import contract


class CrudRestApi(Construct, ApiMetrics):
    """Defines the REST API that one or more CrudApi resources share, with its two shared functions.

    A ``CrudApi`` without ``api=`` defines one of these for itself; pass ``first.api`` to further
    ``CrudApi`` constructs to serve ``/users`` and ``/orders`` from one API. Every resource of the
    API is served by the same two functions: a read function (``GET``) and a write function
    (``POST``, ``PUT``, ``DELETE``), so an added resource costs a table, two API resources, its
    methods and a model (9 CloudFormation resources; 11 with CORS), not four more functions.

    What it defines: a regional ``RestApi`` with a request validator and JSON error gateway
    responses; a stage with JSON access logs (log group with retention, retained), execution
    logging at ERROR, no data trace, metrics, X-Ray tracing and throttling; the read and write
    ``ServerlessFunction`` s (sharing one code asset, see below); one invoke permission per
    function; the idempotency table of ``POST`` retries (one per API, not per resource); a WAFv2
    web ACL associated with the stage (see ``web_acl``); a ``Url`` output. It does not write the
    account-wide API Gateway CloudWatch role that stage logging needs: deploy
    :class:`ApiGatewayCloudWatchRole` once per account and region for that.

    How each resource's configuration reaches the functions: both get ``code``, a
    :class:`~serverless_patterns.crud_api.CrudApiCode` (a ``lambda.Code``), at construction.
    It is one S3 asset holding the handler package ``crud_api/`` and ``crud_api/config.json``
    (per resource: id and partition attributes, schema, the validator compiled from it,
    operations, CORS origins), staged at synthesis once every resource is attached (the child
    ``"Code"``); the functions' ``Code`` property resolves to its bucket and key. Table names,
    known only at deploy, are the ``CRUD_TABLES`` environment variable, set at construction to a
    value that resolves at synthesis. Every name both sides read is defined in
    ``serverless_patterns.runtime.crud_api.contract``. Attach every resource before synthesis (or
    before resolving the functions' code): a later one is an error. To ship other code, override
    it after construction as with any L2 (``fn.node.default_child.code = ...`` or
    ``add_property_override("Code", ...)``): the library never writes ``Code`` again.

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
    code
        Their ``CrudApiCode``; its ``asset`` is the staged ``s3_assets.Asset`` after synthesis.
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

    @typed_options
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
        rules.matches("web_acl_arn", web_acl_arn, WEB_ACL_ARN, "a regional WAFv2 web ACL ARN")
        rules.matches("stage_name", stage_name, r"[A-Za-z0-9_-]{1,128}", "1 to 128 letters, digits, - or _")
        rules.in_range("throttling_rate_limit", throttling_rate_limit, 0, 10000)
        rules.in_range("throttling_burst_limit", throttling_burst_limit, 0, 5000)
        rules.raise_if_broken(self)

        self._stage_name = stage_name
        self._finished = False

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
        self._metered = self.rest_api
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
                self.web_acl = default_web_acl(self, "WebAcl", rate_limit=throttling_rate_limit, metric_name="CrudApi")
                web_acl_arn = self.web_acl.attr_arn
            wafv2.CfnWebACLAssociation(
                self, "WebAclAssociation", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl_arn
            )
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        self.gateway_responses = error_responses(self.rest_api)

        self.backend = CrudBackend(
            self,
            kind="CrudApi",
            finish=self._finish,
            memory_mib=memory_mib,
            removal_policy=removal_policy,
            encryption_key=encryption_key,
            log_encryption_key=log_encryption_key,
        )
        self.idempotency_table = self.backend.idempotency_table
        self.code = self.backend.code
        self.read_function = self.backend.read_function
        self.write_function = self.backend.write_function
        # One permission per function for the whole API instead of two per method.
        self.read_integration = apigateway.LambdaIntegration(self.read_function, scope_permission_to_method=False)
        self.write_integration = apigateway.LambdaIntegration(self.write_function, scope_permission_to_method=False)
        CfnOutput(self, "Url", value=self.rest_api.url, description=f"URL of the {stage_name} stage")
        code.at_synthesis(self, self._finish)

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
        return self.backend.resource_names

    @typed_options
    def add_resource(
        self, id: str, *, resource_name: str, schema: Mapping[str, Any], **options: Unpack[ResourceOptions]
    ) -> crud_api.CrudApi:
        """Define a :class:`CrudApi` resource on this API, as the child ``id`` of this construct.

        The same as ``CrudApi(self, id, api=self, ...)``: it takes the resource options of
        :class:`CrudApi` (``ResourceOptions``: see there for each) with the same defaults; the
        API options belong to this construct. Resources are added before synthesis.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Shop"), "Api")
        >>> users = api.add_resource("Users", resource_name="users", schema={"type": "object"})
        >>> orders = api.add_resource("Orders", resource_name="orders", schema={"type": "object"}, operations=["get"])
        >>> api.resource_names, users.node.path, sorted(orders.methods)
        (['users', 'orders'], 'Shop/Api/Users', ['get'])
        """
        return crud_api.CrudApi(self, id, api=self, resource_name=resource_name, schema=schema, **options)

    @typed_options
    def openapi(self, title: str | None = None) -> dict[str, Any]:
        """The OpenAPI 3 document of every resource of this API.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudRestApi(Stack(App(), "Docs"), "Api")
        >>> api.openapi()["openapi"]
        '3.0.3'
        """
        return openapi_document(title or self.node.id, self._stage_name, self.backend.specs)

    def _attach(self, spec: ResourceSpec, *, table: dynamodb.ITable, cors_origins: Sequence[str]) -> None:
        """Register a resource with the shared functions: grants, table name and configuration."""
        self.backend.attach(spec, table=table, cors_origins=list(cors_origins))

    def _finish(self) -> None:
        """At synthesis, once every resource is attached: what depends on all of them, the code asset included."""
        if self._finished:
            return
        self._finished = True
        allow_single_origin(
            self.gateway_responses, (entry[contract.CORS_ORIGINS_KEY] for entry in self.backend.config.values())
        )
        acknowledge_invoke_permissions(self, self.rest_api.rest_api_id, "REST API")
        self.backend.finish()
