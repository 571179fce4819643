"""API Gateway REST APIs: routing, the Lambda proxy contract, request validation, errors and IAM auth."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam

from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import deployed_from, function, http
from tests.conformance.conftest import behaviour

pytestmark = pytest.mark.e2e

MISSING = {"message": "Missing Authentication Token"}
PNG = b"\x89PNG\r\n\x1a\n\x00binary"


def _validated_post(
    api: apigateway.RestApi, integration: apigateway.Integration, *, validate_request_parameters: bool = False
) -> apigateway.RequestValidator:
    """``POST /validated`` whose JSON body must be an object with a non-empty string ``name``."""
    model = api.add_model(
        "Item",
        content_type="application/json",
        schema=apigateway.JsonSchema(
            type=apigateway.JsonSchemaType.OBJECT,
            required=["name"],
            properties={"name": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, min_length=1)},
        ),
    )
    validator = api.add_request_validator(
        "Validator", validate_request_body=True, validate_request_parameters=validate_request_parameters
    )
    api.root.add_resource("validated").add_method(
        "POST", integration, request_validator=validator, request_models={"application/json": model}
    )
    return validator


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceApi")
    handler = function(stack, "Handler", "api")
    integration = apigateway.LambdaIntegration(handler)
    api = apigateway.RestApi(
        stack,
        "Api",
        deploy_options=apigateway.StageOptions(stage_name="prod"),
        binary_media_types=["image/png"],
        cloud_watch_role=False,
    )
    route = api.root.add_resource("route")
    route.add_resource("literal").add_method("GET", integration)
    route.add_resource("{id}").add_method("GET", integration)
    files = api.root.add_resource("files")
    files.add_resource("readme").add_method("GET", integration)
    files.add_resource("docs").add_resource("{name}").add_method("GET", integration)
    files.add_proxy(default_integration=integration, any_method=True)
    api.root.add_resource("shape").add_resource("{case}").add_method("ANY", integration)
    api.root.add_resource("slow").add_resource("sleep").add_method(
        "GET", apigateway.LambdaIntegration(handler, timeout=Duration.seconds(1))
    )
    api.root.add_resource("upload").add_method("POST", integration)

    validator = _validated_post(api, integration, validate_request_parameters=True)
    api.root.add_resource("search").add_method(
        "GET",
        integration,
        request_validator=validator,
        request_parameters={"method.request.querystring.q": True, "method.request.header.X-Tenant": True},
    )
    # An integration defined without LambdaIntegration: no Lambda permission lets API Gateway in.
    unpermitted = function(stack, "Unpermitted", "api")
    api.root.add_resource("unpermitted").add_method(
        "GET",
        apigateway.Integration(
            type=apigateway.IntegrationType.AWS_PROXY,
            integration_http_method="POST",
            uri=f"arn:aws:apigateway:{stack.region}:lambda:path/2015-03-31/functions/{unpermitted.function_arn}/invocations",
        ),
    )
    api.root.add_resource("private").add_method("GET", integration, authorization_type=apigateway.AuthorizationType.IAM)
    outsider = iam.Role(stack, "OutsiderRole", assumed_by=iam.AccountRootPrincipal())

    # A second API whose gateway responses are customised: its errors must use them.
    custom = apigateway.RestApi(
        stack, "CustomApi", deploy_options=apigateway.StageOptions(stage_name="prod"), cloud_watch_role=False
    )
    custom.add_gateway_response(
        "Default4xx",
        type=apigateway.ResponseType.DEFAULT_4_XX,
        response_headers={"X-Custom": "'yes'"},
        templates={"application/json": '{"error": $context.error.messageString}'},
    )
    custom.add_gateway_response(
        "BadBody",
        type=apigateway.ResponseType.BAD_REQUEST_BODY,
        templates={"application/json": '{"detail": "$context.error.validationErrorString"}'},
    )
    _validated_post(custom, integration)
    CfnOutput(stack, "OutsiderRoleArn", value=outsider.role_arn)
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


def _json(app: LocalApp, method: str, path: str, **options: Any) -> tuple[int, Any]:
    status, _, raw = http(app, method, path, api=options.pop("api", "Api"), **options)
    return status, json.loads(raw) if raw else None


# -- routing ---------------------------------------------------------------------------------
@behaviour("API Gateway", "a literal path part takes precedence over a {param} sibling")
def test_apigateway_literal_path_takes_precedence_over_a_path_parameter(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#api-gateway-proxy-resource"""
    assert _json(local_app, "GET", "route/literal")[1]["resource"] == "/route/literal"
    assert _json(local_app, "GET", "route/other")[1]["resource"] == "/route/{id}"


@behaviour("API Gateway", "a literal or {param} resource takes precedence over a {proxy+} that also matches")
def test_apigateway_specific_resource_takes_precedence_over_a_greedy_proxy(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#api-gateway-proxy-resource"""
    assert _json(local_app, "GET", "files/readme")[1]["resource"] == "/files/readme"
    assert _json(local_app, "GET", "files/docs/a")[1]["resource"] == "/files/docs/{name}"
    status, event = _json(local_app, "GET", "files/a/b/c")
    assert status == 200
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c"}


@behaviour("API Gateway", "an ANY method serves every HTTP verb and passes the real verb")
def test_apigateway_any_method_serves_every_verb(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    for verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        status, event = _json(local_app, verb, "files/x/y", data=b"{}" if verb in ("POST", "PUT", "PATCH") else None)
        assert status == 200, verb
        assert event["httpMethod"] == verb


@behaviour("API Gateway", "an unknown path answers 403 Missing Authentication Token")
def test_apigateway_unknown_path_answers_403_missing_authentication_token(local_app: LocalApp) -> None:
    """AWS: https://repost.aws/knowledge-center/api-gateway-authentication-token-errors"""
    assert _json(local_app, "GET", "nothing/here") == (403, MISSING)


@behaviour("API Gateway", "a method the resource lacks answers 403 Missing Authentication Token")
def test_apigateway_missing_method_answers_403_missing_authentication_token(local_app: LocalApp) -> None:
    """AWS: https://repost.aws/knowledge-center/api-gateway-authentication-token-errors"""
    assert _json(local_app, "DELETE", "route/literal") == (403, MISSING)


@behaviour(
    "API Gateway",
    "a verb no method defines (TRACE) answers 403 Missing Authentication Token",
    support="yes",
)
def test_apigateway_unknown_verb_answers_403_missing_authentication_token(local_app: LocalApp) -> None:
    """AWS: https://repost.aws/knowledge-center/api-gateway-authentication-token-errors"""
    assert _json(local_app, "TRACE", "route/literal") == (403, MISSING)


# -- the proxy event -------------------------------------------------------------------------
@behaviour("API Gateway", "the proxy event carries resource, path, verb, path parameters and request context")
def test_apigateway_proxy_event_carries_the_request(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    status, event = _json(local_app, "GET", "shape/echo", headers={"X-Test": "hdr"})
    assert status == 200
    assert isinstance(event, dict)
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/shape/{case}", "/shape/echo", "GET")
    assert event["pathParameters"] == {"case": "echo"}
    assert event["headers"]["X-Test"] == "hdr"
    context = event["requestContext"]
    assert (context["stage"], context["resourcePath"], context["httpMethod"]) == ("prod", "/shape/{case}", "GET")
    assert context["requestId"]
    assert (event["body"], event["isBase64Encoded"]) == (None, False)


@behaviour("API Gateway", "repeated query parameters and headers arrive in the multiValue maps")
def test_apigateway_proxy_event_has_multi_value_query_and_headers(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    _, event = _json(local_app, "GET", "shape/echo?a=1&a=2&b=3")
    assert isinstance(event, dict)
    assert event["queryStringParameters"] == {"a": "2", "b": "3"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["3"]}
    assert all(isinstance(values, list) for values in event["multiValueHeaders"].values())


@behaviour("API Gateway", "a text request body reaches the handler as a string, isBase64Encoded false")
def test_apigateway_proxy_event_carries_a_text_body(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    _, event = _json(local_app, "POST", "shape/echo", data=b'{"a": 1}', headers={"Content-Type": "application/json"})
    assert isinstance(event, dict)
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)


# -- the proxy response ----------------------------------------------------------------------
@behaviour("API Gateway", "the handler's statusCode, headers and body become the HTTP response")
def test_apigateway_proxy_response_sets_status_headers_and_body(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    status, headers, body = http(local_app, "GET", "shape/teapot", api="Api")
    assert (status, headers["X-Kind"], body) == (418, "teapot", b"short and stout")


@behaviour("API Gateway", "multiValueHeaders become repeated response headers")
def test_apigateway_proxy_response_multi_value_headers_repeat(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    status, headers, _ = http(local_app, "GET", "shape/cookies", api="Api")
    assert status == 200
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]


@behaviour("API Gateway", "an isBase64Encoded body of a binary media type is decoded to bytes")
def test_apigateway_proxy_response_base64_body_is_decoded(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    status, headers, body = http(local_app, "GET", "shape/image", api="Api", headers={"Accept": "image/png"})
    assert (status, headers["Content-Type"], body) == (200, "image/png", PNG)
    assert body != base64.b64encode(PNG)


@behaviour("API Gateway", "a handler error answers 502 Internal server error")
def test_apigateway_handler_error_answers_502(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html"""
    assert _json(local_app, "GET", "shape/raise") == (502, {"message": "Internal server error"})


@behaviour("API Gateway", "a malformed proxy response answers 502 Internal server error")
def test_apigateway_malformed_proxy_response_answers_502(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html"""
    assert _json(local_app, "GET", "shape/malformed") == (502, {"message": "Internal server error"})


@behaviour(
    "API Gateway",
    "an integration slower than its timeout answers 504",
    support="yes",
)
def test_apigateway_integration_timeout_answers_504(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"""
    assert _json(local_app, "GET", "slow/sleep")[0] == 504


@behaviour(
    "API Gateway",
    "a request body over 10 MB answers 413",
    support="yes",
)
def test_apigateway_request_over_10_mb_answers_413(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"""
    status, _, _ = http(local_app, "POST", "upload", api="Api", data=b"x" * (10 * 1024 * 1024 + 1))
    assert status == 413


# -- request validation ----------------------------------------------------------------------
@behaviour("API Gateway", "a missing required parameter answers 400 naming the parameters")
def test_apigateway_validator_rejects_missing_parameters(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html"""
    assert _json(local_app, "GET", "search") == (400, {"message": "Missing required request parameters: [q, X-Tenant]"})
    assert _json(local_app, "GET", "search?q=pens", headers={"X-Tenant": "t"})[0] == 200


@behaviour("API Gateway", "a body that breaks the model answers 400 Invalid request body")
def test_apigateway_validator_rejects_a_body_against_the_model(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html"""
    json_type = {"Content-Type": "application/json"}
    assert _json(local_app, "POST", "validated", data=b'{"name": ""}', headers=json_type) == (
        400,
        {"message": "Invalid request body"},
    )
    assert _json(local_app, "POST", "validated", data=b'{"name": "pen"}', headers=json_type)[0] == 200


@behaviour(
    "API Gateway",
    "$context.error.validationErrorString names what the body broke",
    support="yes",
)
def test_apigateway_validation_error_string_names_the_broken_rule(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html"""
    json_type = {"Content-Type": "application/json"}
    status, _, raw = http(local_app, "POST", "validated", api="CustomApi", data=b'{"other": 1}', headers=json_type)
    assert status == 400
    assert "missing required properties" in raw.decode()


@behaviour(
    "API Gateway",
    "a DEFAULT_4XX gateway response shapes every 4xx the API answers",
    support="yes",
)
def test_apigateway_default_4xx_gateway_response_is_applied(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html"""
    status, headers, raw = http(local_app, "GET", "nothing", api="CustomApi")
    assert (status, headers.get("X-Custom"), json.loads(raw)) == (403, "yes", {"error": "Missing Authentication Token"})


# -- IAM authorization -----------------------------------------------------------------------
@behaviour("API Gateway", "an unsigned request to an AWS_IAM method answers 403 Missing Authentication Token")
def test_apigateway_iam_method_refuses_an_unsigned_request(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html"""
    assert _json(local_app, "GET", "private") == (403, MISSING)
    assert _json(local_app, "GET", "private", signed=True)[0] == 200


@behaviour("API Gateway", "a role without execute-api:Invoke gets 403 naming the role and method ARN")
def test_apigateway_iam_method_refuses_a_role_without_invoke_permission(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html"""
    role = local_app.outputs["OutsiderRoleArn"]
    status, body = _json(local_app, "GET", "private", role=role)
    assert status == 403
    assert isinstance(body, dict)
    assert body["Message"].startswith(f"User: arn:aws:sts::123456789012:assumed-role/{role.rsplit('/', 1)[-1]}/")
    assert "is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:" in body["Message"]
    assert body["Message"].endswith("/prod/GET/private")


@behaviour("IAM", "API Gateway cannot invoke a function whose resource policy does not allow it: 500")
def test_iam_api_gateway_needs_the_function_resource_policy(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html"""
    assert _json(local_app, "GET", "unpermitted") == (500, {"message": "Internal server error"})
    refused = [denial for denial in local_app.denials() if denial.principal == "apigateway.amazonaws.com"]
    assert [denial.action for denial in refused] == ["lambda:InvokeFunction"]
    assert refused[0].resource.endswith(":function:" + local_app.function_name("Unpermitted"))
    assert _json(local_app, "GET", "shape/echo")[0] == 200  # the same handler behind LambdaIntegration
