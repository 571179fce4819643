"""CrudHttpApi: the HTTP API (API Gateway v2), stage and two shared functions that HttpCrudApi resources attach to."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from typing_extensions import Unpack

from serverless_patterns._internal import defaults, json_schema
from serverless_patterns._internal.log_groups import log_group
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns.crud_api import code
from serverless_patterns.crud_api import http_construct as http_crud_api  # a module: it imports this one
from serverless_patterns.crud_api.backend import ApiMetrics, CrudBackend, acknowledge_invoke_permissions
from serverless_patterns.crud_api.http_routes import HttpResourceOptions
from serverless_patterns.crud_api.items import check_origins
from serverless_patterns.crud_api.openapi import ResourceSpec, openapi_document
from serverless_patterns.crud_api.resource import CORS_HEADERS
from serverless_patterns.crud_api.schema import request_schema
from serverless_patterns.runtime.crud_api import contract

COMPARISON = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html"
"""AWS's feature comparison of REST and HTTP APIs: the source of every refusal below."""

UNSUPPORTED = {
    "web_acl": "HTTP APIs cannot be associated with an AWS WAF web ACL (use CrudApi, or a CloudFront "
    "distribution with a web ACL in front)",
    "web_acl_arn": "HTTP APIs cannot be associated with an AWS WAF web ACL",
    "request_validation": "HTTP APIs have no request models or validators (the write function checks "
    "bodies against the schema instead, with the answers a REST API's validator gives)",
    "cache_enabled": "HTTP APIs have no API cache",
    "api_key_required": "HTTP APIs have no API keys or usage plans",
    "tracing_enabled": "HTTP APIs do not trace requests with X-Ray at the gateway (the functions still trace)",
    "data_trace": "HTTP APIs have no execution logs, only access logs",
}
"""REST API features an HTTP API lacks, by the option that asks for one (see :data:`COMPARISON`)."""

# Variables HTTP APIs define for access logs (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "error": "$context.error.message",
    "user": "$context.identity.userArn",
}


class CrudHttpApi(Construct, ApiMetrics):
    """Defines the HTTP API that one or more HttpCrudApi resources share, with its two shared functions.

    The HTTP API (API Gateway v2) counterpart of :class:`CrudRestApi`: the same read and write
    functions, code asset, idempotency table and grants (see there), behind routes with Lambda
    proxy integrations of payload format 2.0. An added resource costs a table and its routes.

    What it defines: an ``HttpApi`` (no default stage); a stage (``$default`` unless named) that
    deploys itself, with JSON access logs (log group with retention, retained), route throttling
    and detailed (per-route) metrics; the read and write ``ServerlessFunction`` s; one Lambda
    integration (payload format 2.0) and one invoke permission each; the idempotency table; CORS, natively, when
    ``cors_origins`` are given; a ``Url`` output.

    What an HTTP API cannot do, and is refused with a ``ValidationError`` when asked for (AWS's
    comparison: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html):
    a WAF web ACL, request models and validators, caching, API keys and usage plans, X-Ray tracing
    at the gateway, execution logs. Bodies are still validated: the write function checks them
    against the request model first and answers ``400 BAD_REQUEST_BODY`` as a REST API's
    validator does, so one schema gives the same 4xx answers on both APIs.

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    http_api_name
        Default: - the construct path.
    description
        Default: - none.
    stage_name
        Default: ``"$default"`` (the API's URL has no stage segment).
    throttling_rate_limit
        Steady-state requests per second of every route, 0 to 10000. Default: 100.
    throttling_burst_limit
        Burst of every route, 0 to 5000. Default: 200.
    log_retention
        Retention of the access log group. Default: ``RetentionDays.ONE_MONTH``.
    memory_mib
        Memory of the two functions. Default: 256.
    removal_policy
        Of the idempotency table and the access log group.
        Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE``.
    encryption_key
        Customer managed KMS key of the idempotency table. Default: - an AWS managed key.
    log_encryption_key
        Customer managed KMS key of the access log group and of the functions' log groups.
        Default: - keys CloudWatch Logs manages.
    cors_origins
        Allowed origins (``https://app.example.com``), configured on the API (an HTTP API's CORS
        covers every route and answers preflight requests itself); ``["*"]`` only when asked for.
        Default: - no CORS.
    web_acl, web_acl_arn, request_validation, cache_enabled, api_key_required, tracing_enabled, data_trace
        Not available on HTTP APIs: refused (see above). Default: off.

    Attributes
    ----------
    http_api
        The ``apigatewayv2.HttpApi``.
    stage
        Its ``HttpStage``.
    access_log_group, read_function, write_function, code, idempotency_table
        As on :class:`CrudRestApi`.
    read_integration, write_integration
        The functions' Lambda proxy integrations (``HttpRouteIntegration`` s, payload format 2.0).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import CrudHttpApi, HttpCrudApi
    >>> stack = Stack(App(), "Shop")
    >>> api = CrudHttpApi(stack, "Api")
    >>> users = HttpCrudApi(stack, "Users", api=api, resource_name="users", schema={"type": "object"})
    >>> users.api is api, api.stage.stage_name
    (True, '$default')
    """

    @typed_options
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        http_api_name: str | None = None,
        description: str | None = None,
        stage_name: str = "$default",
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        log_retention: logs.RetentionDays = defaults.LOG_RETENTION,
        memory_mib: int = defaults.MEMORY_MIB,
        removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
        encryption_key: kms.IKey | None = None,
        log_encryption_key: kms.IKey | None = None,
        cors_origins: Sequence[str] | None = None,
        web_acl: bool = False,
        web_acl_arn: str | None = None,
        request_validation: bool = False,
        cache_enabled: bool = False,
        api_key_required: bool = False,
        tracing_enabled: bool = False,
        data_trace: bool = False,
    ) -> None:
        super().__init__(scope, id)
        cors = list(cors_origins or [])
        rules = Rules()
        refused = {
            "web_acl": web_acl,
            "web_acl_arn": web_acl_arn is not None,
            "request_validation": request_validation,
            "cache_enabled": cache_enabled,
            "api_key_required": api_key_required,
            "tracing_enabled": tracing_enabled,
            "data_trace": data_trace,
        }
        for name, asked in refused.items():
            rules.check(not asked, f"{name} is not available on HTTP APIs: {UNSUPPORTED[name]} ({COMPARISON})")
        rules.matches(
            "stage_name", stage_name, r"\$default|[A-Za-z0-9_-]{1,128}", "$default, or 1 to 128 letters, digits, - or _"
        )
        rules.in_range("throttling_rate_limit", throttling_rate_limit, 0, 10000)
        rules.in_range("throttling_burst_limit", throttling_burst_limit, 0, 5000)
        check_origins(rules, cors)
        rules.raise_if_broken(self)

        self._finished = False
        self.cors_origins = cors
        self.access_log_group = log_group(
            self,
            "AccessLogs",
            retention=log_retention,
            removal_policy=removal_policy,
            encryption_key=log_encryption_key,
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "Resource",
            api_name=http_api_name or self.node.path.replace("/", "-"),
            description=description,
            create_default_stage=False,
            cors_preflight=None
            if not cors
            else apigwv2.CorsPreflightOptions(
                allow_origins=cors,
                allow_methods=[apigwv2.CorsHttpMethod.ANY],
                allow_headers=CORS_HEADERS,
                expose_headers=list(contract.EXPOSED_HEADERS),
                max_age=Duration.hours(1),
            ),
        )
        self._metered = self.http_api
        self.stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.http_api,
            stage_name=stage_name,
            auto_deploy=True,
            detailed_metrics_enabled=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=throttling_rate_limit, burst_limit=throttling_burst_limit),
            access_log_settings=_AccessLogs(self.access_log_group),
        )
        self.backend = CrudBackend(
            self,
            kind="HttpCrudApi",
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
        self.read_integration = _LambdaIntegration(self.read_function)
        self.write_integration = _LambdaIntegration(self.write_function)
        # One permission per function for the whole API instead of one per route.
        for function in (self.read_function, self.write_function):
            function.add_permission(
                "HttpApiInvoke",
                principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                source_arn=self.http_api.arn_for_execute_api("*", "/*", "*"),
            )
        CfnOutput(self, "Url", value=self.url, description=f"URL of the {stage_name} stage")
        code.at_synthesis(self, self._finish)

    @property
    def url(self) -> str:
        """The stage's URL (a token until deploy).

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudHttpApi(Stack(App(), "Docs"), "Api")
        >>> url = api.url
        """
        return self.stage.url

    @property
    def resource_names(self) -> list[str]:
        """Names of the resources attached so far, in order.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> CrudHttpApi(Stack(App(), "Docs"), "Api").resource_names
        []
        """
        return self.backend.resource_names

    @typed_options
    def add_resource(
        self, id: str, *, resource_name: str, schema: Mapping[str, Any], **options: Unpack[HttpResourceOptions]
    ) -> http_crud_api.HttpCrudApi:
        """Define an :class:`HttpCrudApi` resource on this API, as the child ``id`` of this construct.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> api = CrudHttpApi(Stack(App(), "Shop"), "Api")
        >>> users = api.add_resource("Users", resource_name="users", schema={"type": "object"})
        >>> api.resource_names, users.node.path
        (['users'], 'Shop/Api/Users')
        """
        return http_crud_api.HttpCrudApi(self, id, api=self, resource_name=resource_name, schema=schema, **options)

    @typed_options
    def openapi(self, title: str | None = None) -> dict[str, Any]:
        """The OpenAPI 3 document of every resource of this API.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> CrudHttpApi(Stack(App(), "Docs"), "Api").openapi()["servers"][0]["url"]
        'https://{apiId}.execute-api.{region}.amazonaws.com'
        """
        document = openapi_document(title or self.node.id, self.stage.stage_name, self.backend.specs)
        stage = "" if self.stage.stage_name == "$default" else f"/{self.stage.stage_name}"
        document["servers"] = [
            {
                "url": f"https://{{apiId}}.execute-api.{{region}}.amazonaws.com{stage}",
                "variables": {"apiId": {"default": "apiId"}, "region": {"default": "us-east-1"}},
            }
        ]
        return document

    def _attach(self, spec: ResourceSpec, *, table: dynamodb.ITable) -> None:
        """Register a resource with the shared functions, with its request model's validator."""
        model = request_schema(spec.schema, spec.id_attribute, allow_unknown_fields=spec.allow_unknown_fields)
        # CORS headers come from the API (it ignores an integration's), so the handlers add none.
        self.backend.attach(
            spec,
            table=table,
            cors_origins=[],
            extra_config={contract.MODEL_VALIDATOR_KEY: json_schema.validator_source(model, draft="draft-04")},
        )

    def _finish(self) -> None:
        """At synthesis, once every resource is attached: acknowledgments, then the code asset."""
        if self._finished:
            return
        self._finished = True
        acknowledge_invoke_permissions(self, self.http_api.api_id, "HTTP API")
        self.backend.finish()


class _LambdaIntegration(apigwv2.HttpRouteIntegration):
    """A Lambda proxy integration (payload format 2.0) that, unlike ``HttpLambdaIntegration``, adds no permission.

    ``HttpLambdaIntegration`` adds one Lambda permission per route; the API adds one per function.
    """

    def __init__(self, function: lambda_.IFunction) -> None:
        super().__init__(function.node.id.replace("Function", "Integration"))
        self._function = function

    def bind(self, *, route: apigwv2.IHttpRoute, scope: Construct) -> apigwv2.HttpRouteIntegrationConfig:
        del route, scope  # the same integration for every route
        return apigwv2.HttpRouteIntegrationConfig(
            type=apigwv2.HttpIntegrationType.AWS_PROXY,
            uri=self._function.function_arn,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """``IAccessLogSettings``: JSON lines of :data:`ACCESS_LOG_FIELDS` into ``group``."""

    def __init__(self, group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":")))
