"""API Gateway HTTP APIs (v2): routing, payload format 2.0, authorization, CORS, throttling and errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam

from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import deployed_from, function
from tests.conformance.conftest import behaviour

# The same echo and authorizer handlers as the local cloud's HTTP API tests (an absolute path wins in HANDLERS / ...).
LOCAL_HANDLERS = Path(__file__).resolve().parents[1] / "local" / "handlers"

pytestmark = pytest.mark.e2e

ORIGIN = "https://app.example"


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceHttpApi")
    echo = function(stack, "Echo", str(LOCAL_HANDLERS / "http_echo"))
    authorizer_function = function(stack, "Authorizer", str(LOCAL_HANDLERS / "http_authorizer"))
    integration = integrations.HttpLambdaIntegration("Echo", echo)
    api = apigwv2.HttpApi(
        stack,
        "Api",
        cors_preflight=apigwv2.CorsPreflightOptions(allow_origins=[ORIGIN], allow_methods=[apigwv2.CorsHttpMethod.GET]),
    )
    api.add_stage(
        "Throttled", stage_name="throttled", throttle=apigwv2.ThrottleSettings(rate_limit=0.01, burst_limit=1)
    )
    for path in ("/pets/dog/1", "/pets/dog/{id}", "/pets/{proxy+}", "/x/{last}"):
        api.add_routes(path=path, methods=[apigwv2.HttpMethod.GET], integration=integration)
    api.add_routes(path="/any/{proxy+}", methods=[apigwv2.HttpMethod.ANY], integration=integration)
    api.add_routes(
        path="/iam",
        methods=[apigwv2.HttpMethod.GET],
        integration=integration,
        authorizer=authorizers.HttpIamAuthorizer(),
    )
    api.add_routes(
        path="/lambda",
        methods=[apigwv2.HttpMethod.GET],
        integration=integration,
        authorizer=authorizers.HttpLambdaAuthorizer(
            "Simple",
            authorizer_function,
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            results_cache_ttl=Duration.seconds(0),
        ),
    )
    # A route whose integration is defined without HttpLambdaIntegration: no Lambda permission lets API Gateway in.
    unpermitted = function(stack, "Unpermitted", str(LOCAL_HANDLERS / "http_echo"))
    raw = apigwv2.HttpIntegration(
        stack,
        "RawIntegration",
        http_api=api,
        integration_type=apigwv2.HttpIntegrationType.AWS_PROXY,
        integration_uri=unpermitted.function_arn,
        payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
    )
    apigwv2.CfnRoute(
        stack,
        "UnpermittedRoute",
        api_id=api.api_id,
        route_key="GET /unpermitted",
        target=f"integrations/{raw.integration_id}",
    )
    outsider = iam.Role(stack, "OutsiderRole", assumed_by=iam.AccountRootPrincipal())
    CfnOutput(stack, "OutsiderRoleArn", value=outsider.role_arn)
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


def _call(app: LocalApp, method: str, path: str, **options: Any) -> tuple[int, Message, bytes]:
    url = app.api_url("Api") + path.lstrip("/")
    headers = dict(options.get("headers") or {})
    if options.get("role"):
        headers.update(app.cloud.sign(method, url, headers, b"", role=options["role"]))
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _json(app: LocalApp, method: str, path: str, **options: Any) -> tuple[int, Any]:
    status, _, raw = _call(app, method, path, **options)
    return status, json.loads(raw) if raw else None


@behaviour("API Gateway (HTTP)", "the most specific route wins: full match, then greedy {proxy+}, then ANY")
def test_http_api_most_specific_route_wins(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html"""
    assert _json(local_app, "GET", "pets/dog/1")[1]["routeKey"] == "GET /pets/dog/1"
    assert _json(local_app, "GET", "pets/dog/2")[1]["routeKey"] == "GET /pets/dog/{id}"
    assert _json(local_app, "GET", "pets/cat/1")[1]["routeKey"] == "GET /pets/{proxy+}"
    assert _json(local_app, "POST", "any/thing")[1]["routeKey"] == "ANY /any/{proxy+}"


@behaviour("API Gateway (HTTP)", 'a request no route matches answers 404 {"message":"Not Found"}')
def test_http_api_no_route_answers_404_not_found(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html"""
    assert _json(local_app, "GET", "nothing/here") == (404, {"message": "Not Found"})
    assert _json(local_app, "POST", "pets/dog/1") == (404, {"message": "Not Found"})


@behaviour("API Gateway (HTTP)", "the 2.0 event has lower-case, comma-joined headers, cookies apart, rawQueryString")
def test_http_api_payload_2_0_event(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html"""
    status, event = _json(local_app, "GET", "x/echo?a=1&a=2", headers={"X-Test": "v", "Cookie": "c1=1; c2=2"})
    assert status == 200
    assert (event["version"], event["rawPath"], event["rawQueryString"]) == ("2.0", "/x/echo", "a=1&a=2")
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["headers"]["x-test"] == "v" and event["cookies"] == ["c1=1", "c2=2"]
    assert event["pathParameters"] == {"last": "echo"}
    assert event["requestContext"]["http"]["method"] == "GET"


@behaviour("API Gateway (HTTP)", "a 2.0 function returning JSON without statusCode gets 200 application/json")
def test_http_api_inferred_response(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html"""
    status, headers, raw = _call(local_app, "GET", "x/inferred")
    assert (status, headers["content-type"], json.loads(raw)) == (
        200,
        "application/json",
        {"message": "Hello from Lambda!"},
    )


@behaviour("API Gateway (HTTP)", "an IAM route refuses unsigned and ungranted callers with 403 Forbidden")
def test_http_api_iam_route_refuses_with_403_forbidden(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html"""
    assert _json(local_app, "GET", "iam") == (403, {"message": "Forbidden"})
    assert _json(local_app, "GET", "iam", role=local_app.outputs["OutsiderRoleArn"]) == (403, {"message": "Forbidden"})


@behaviour("API Gateway (HTTP)", "a Lambda authorizer's simple response: isAuthorized false is 403, no identity 401")
def test_http_api_lambda_authorizer_simple_response(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html"""
    status, event = _json(local_app, "GET", "lambda", headers={"Authorization": "allow"})
    assert status == 200 and event["requestContext"]["authorizer"]["lambda"]["tenant"] == "t1"
    assert _json(local_app, "GET", "lambda", headers={"Authorization": "deny"}) == (403, {"message": "Forbidden"})
    assert _json(local_app, "GET", "lambda") == (401, {"message": "Unauthorized"})


@behaviour("API Gateway (HTTP)", "a function whose resource policy does not allow API Gateway answers 500")
def test_http_api_missing_lambda_permission_answers_500(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html"""
    assert _json(local_app, "GET", "unpermitted") == (500, {"message": "Internal Server Error"})


@behaviour("API Gateway (HTTP)", "CORS preflight is answered by API Gateway from the API's CORS configuration")
def test_http_api_cors_preflight(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html"""
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    status, answer, _ = _call(local_app, "OPTIONS", "pets/dog/1", headers=headers)
    assert (status, answer["access-control-allow-origin"], answer["access-control-allow-methods"]) == (
        204,
        ORIGIN,
        "GET",
    )


@behaviour("API Gateway (HTTP)", "a stage's default route throttling answers 429 Too Many Requests")
def test_http_api_stage_throttling(local_app: LocalApp) -> None:
    """AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html"""
    assert _json(local_app, "GET", "throttled/pets/dog/1")[0] == 200
    assert _json(local_app, "GET", "throttled/pets/dog/1") == (429, {"message": "Too Many Requests"})
