"""API Gateway HTTP APIs (v2) on the local cloud, end to end: routing, payloads, authorizers, CORS, throttling.

One stack with an ``aws_apigatewayv2.HttpApi`` whose routes exercise each behaviour; a JWT
authorizer trusts a user pool created through the Cognito API (moto's CloudFormation creates no
``AWS::Cognito::*`` resource). Pages each test follows (named again in the tests):

* [routes] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
* [lambda] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
* [iam] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
* [jwt] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
* [lambda-authorizer] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
* [cors] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
* [throttling] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
* [quotas] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam

from serverless_patterns import ServerlessFunction
from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.pytest_plugin import LocalApp

pytestmark = pytest.mark.e2e

HANDLERS = Path(__file__).parent / "handlers"
STACK = "LocalHttpApi"
ORIGIN = "https://app.example"
PASSWORD = "Local-Passw0rd!"
NOT_FOUND = {"message": "Not Found"}
FORBIDDEN = {"message": "Forbidden"}
UNAUTHORIZED = {"message": "Unauthorized"}
INTERNAL = {"message": "Internal Server Error"}


def _synthesize(outdir: str, issuer: str, audience: str) -> None:
    app = App(outdir=outdir)
    stack = Stack(app, STACK)
    echo = ServerlessFunction(stack, "Echo", entry=str(HANDLERS / "http_echo"))
    unpermitted = ServerlessFunction(stack, "Unpermitted", entry=str(HANDLERS / "http_echo"))
    authorizer_function = ServerlessFunction(stack, "Authorizer", entry=str(HANDLERS / "http_authorizer"))
    integration = integrations.HttpLambdaIntegration("Echo", echo)
    api = apigwv2.HttpApi(
        stack,
        "Api",
        default_integration=integrations.HttpLambdaIntegration("Fallback", echo),
        cors_preflight=apigwv2.CorsPreflightOptions(
            allow_origins=[ORIGIN],
            allow_methods=[apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST],
            allow_headers=["content-type", "authorization"],
            expose_headers=["x-kind"],
            max_age=Duration.seconds(60),
        ),
    )
    api.add_stage(
        "Throttled",
        stage_name="throttled",
        auto_deploy=True,
        throttle=apigwv2.ThrottleSettings(rate_limit=0.01, burst_limit=1),
    )

    def route(path: str, method: apigwv2.HttpMethod = apigwv2.HttpMethod.GET, **options: Any) -> None:
        api.add_routes(path=path, methods=[method], integration=options.pop("integration", integration), **options)

    route("/items/{id}")
    route("/items/special")
    route("/files/{proxy+}")
    route("/{proxy+}", apigwv2.HttpMethod.ANY)
    route(
        "/v1/items",
        apigwv2.HttpMethod.POST,
        integration=integrations.HttpLambdaIntegration(
            "Version1", echo, payload_format_version=apigwv2.PayloadFormatVersion.VERSION_1_0
        ),
    )
    route("/slow/sleep", integration=integrations.HttpLambdaIntegration("Slow", echo, timeout=Duration.seconds(1)))
    route("/unpermitted", integration=integrations.HttpLambdaIntegration("Unpermitted", unpermitted))
    route("/iam", authorizer=authorizers.HttpIamAuthorizer())
    route("/jwt", authorizer=authorizers.HttpJwtAuthorizer("Jwt", issuer, jwt_audience=[audience]))
    route(
        "/scoped",
        authorizer=authorizers.HttpJwtAuthorizer("Scoped", issuer, jwt_audience=[audience]),
        authorization_scopes=["items/write"],
    )
    simple = [authorizers.HttpLambdaResponseType.SIMPLE]
    route(
        "/lambda",
        authorizer=authorizers.HttpLambdaAuthorizer(
            "Simple", authorizer_function, response_types=simple, results_cache_ttl=Duration.seconds(0)
        ),
    )
    route(
        "/cached",
        authorizer=authorizers.HttpLambdaAuthorizer(
            "Cached", authorizer_function, response_types=simple, results_cache_ttl=Duration.minutes(5)
        ),
    )
    route(
        "/policy",
        authorizer=authorizers.HttpLambdaAuthorizer(
            "Policy",
            authorizer_function,
            response_types=[authorizers.HttpLambdaResponseType.IAM],
            results_cache_ttl=Duration.seconds(0),
        ),
    )
    granted = iam.Role(stack, "GrantedRole", assumed_by=iam.AccountRootPrincipal())
    granted.add_to_policy(
        iam.PolicyStatement(actions=["execute-api:Invoke"], resources=[api.arn_for_execute_api("GET", "/iam")])
    )
    ungranted = iam.Role(stack, "UngrantedRole", assumed_by=iam.AccountRootPrincipal())
    CfnOutput(stack, "GrantedRoleArn", value=granted.role_arn)
    CfnOutput(stack, "UngrantedRoleArn", value=ungranted.role_arn)
    CfnOutput(stack, "Url", value=api.url or "")
    app.synth()
    # The unpermitted route's function loses the permission CDK gave API Gateway.
    path = Path(outdir) / f"{STACK}.template.json"
    template = json.loads(path.read_text())
    resources = template["Resources"]
    removed = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Permission" and "/unpermitted" in json.dumps(resource["Properties"])
    ]
    assert len(removed) == 1, removed
    del resources[removed[0]]
    path.write_text(json.dumps(template))


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as local_cloud:
        yield local_cloud


@pytest.fixture(scope="module")
def pool(cloud: LocalCloud) -> Iterator[tuple[str, str]]:
    """A user pool and app client (created through the Cognito API); ``(pool id, client id)``."""
    idp = cloud.client("cognito-idp")
    created = idp.create_user_pool(PoolName="local-http-api")["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=created["Id"], ClientName="tests", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    yield created["Id"], client["ClientId"]
    idp.delete_user_pool(UserPoolId=created["Id"])


@pytest.fixture(scope="module")
def app(cloud: LocalCloud, pool: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    outdir = str(tmp_path_factory.mktemp("http-api") / "cdk.out")
    _synthesize(outdir, f"https://cognito-idp.{cloud.region}.amazonaws.com/{pool[0]}", pool[1])
    deployment = cloud.deploy(outdir, replace=True)
    yield LocalApp(cloud, deployment)
    cloud.destroy(deployment)


def _call(
    app: LocalApp,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    role: str | None = None,
    stage: str = "",
) -> tuple[int, Message, bytes]:
    url = app.api_url("Api") + (f"{stage}/" if stage else "") + path.lstrip("/")
    all_headers = dict(headers or {})
    if role is not None:
        all_headers.update(app.cloud.sign(method, url, all_headers, data or b"", role=role))
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _json(app: LocalApp, method: str, path: str, **options: Any) -> tuple[int, Any]:
    status, _, raw = _call(app, method, path, **options)
    return status, json.loads(raw) if raw else None


def _token(app: LocalApp, pool: tuple[str, str], username: str) -> str:
    idp = app.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool[0], Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool[0], Username=username, Password=PASSWORD, Permanent=True)
    result = idp.admin_initiate_auth(
        UserPoolId=pool[0],
        ClientId=pool[1],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return str(result["IdToken"])


def _authorizer_runs(app: LocalApp) -> list[str]:
    name = app.function_name("Authorizer")
    assert app.cloud.runtime is not None
    group = app.cloud.runtime.log_groups.get(name, f"/aws/lambda/{name}")  # its LoggingConfig's group
    logs = app.client("logs")
    messages: list[str] = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            messages.extend(event["message"].strip() for event in page["events"])
    except logs.exceptions.ResourceNotFoundException:  # the group appears with the first invocation
        return []
    return [message for message in messages if message.startswith("authorizer invoked")]


# -- routing [routes] ------------------------------------------------------------------------
def test_the_most_specific_route_wins(app: LocalApp) -> None:
    """[routes] "Routing API requests": full match (literal before {param}), then greedy, then $default."""
    assert _json(app, "GET", "items/special")[1]["routeKey"] == "GET /items/special"
    status, event = _json(app, "GET", "items/42")
    assert (status, event["routeKey"], event["pathParameters"]) == (200, "GET /items/{id}", {"id": "42"})
    assert _json(app, "GET", "files/a/b")[1]["pathParameters"] == {"proxy": "a/b"}
    assert _json(app, "DELETE", "files/a/b")[1]["routeKey"] == "ANY /{proxy+}"
    assert _json(app, "GET", "")[1]["routeKey"] == "$default"


# -- payload format 2.0 [lambda] -------------------------------------------------------------------
def test_the_2_0_event_carries_the_request(app: LocalApp) -> None:
    """[lambda] "Payload format structure": lower-case, comma-joined headers, cookies, rawQueryString."""
    headers = {"X-Test": "a", "Cookie": "c1=1; c2=2", "User-Agent": "tests"}
    status, event = _json(app, "POST", "items/7?a=1&a=2&b=3", headers=headers, data=b"{}")
    assert status == 200
    assert event["version"] == "2.0"
    assert event["headers"]["x-test"] == "a"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["c1=1", "c2=2"]
    assert event["rawQueryString"] == "a=1&a=2&b=3"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "3"}
    assert event["body"] == "{}" and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST" and context["http"]["userAgent"] == "tests"
    assert (context["stage"], context["routeKey"], context["accountId"]) == (
        "$default",
        "ANY /{proxy+}",
        "123456789012",
    )
    assert context["requestId"] and context["timeEpoch"] > 0


def test_the_2_0_response_formats(app: LocalApp) -> None:
    """[lambda] "Lambda function response for format 2.0": inferred JSON and strings, cookies as set-cookie."""
    status, headers, raw = _call(app, "GET", "x/inferred")
    assert (status, headers["content-type"], json.loads(raw)) == (
        200,
        "application/json",
        {"message": "Hello from Lambda!"},
    )
    assert _call(app, "GET", "x/text")[2] == b"Hello from Lambda!"
    status, headers, raw = _call(app, "GET", "x/cookies")
    assert (status, raw, headers.get_all("set-cookie")) == (201, b"two", ["a=1", "b=2"])
    assert _call(app, "GET", "x/binary")[2] == b"\x89PNG"


def test_payload_format_1_0(app: LocalApp) -> None:
    """[lambda] format 1.0: the REST proxy shape, multiValueHeaders included."""
    status, event = _json(app, "POST", "v1/items?a=1&a=2", data=b"{}")
    assert (status, event["version"], event["httpMethod"]) == (200, "1.0", "POST")
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}


def test_integration_failures(app: LocalApp) -> None:
    """[quotas] a failed function is 500, one past the integration timeout 503."""
    assert _json(app, "GET", "x/raise") == (500, INTERNAL)
    assert _json(app, "GET", "slow/sleep") == (503, {"message": "Service Unavailable"})


def test_a_function_without_permission_answers_500(app: LocalApp) -> None:
    """[lambda] API Gateway needs the function's resource policy to allow it: 500 Internal Server Error."""
    assert _json(app, "GET", "unpermitted") == (500, INTERNAL)
    assert any(denial.action == "lambda:InvokeFunction" for denial in app.denials())


# -- authorization ---------------------------------------------------------------------------------
def test_iam_routes(app: LocalApp) -> None:
    """[iam] unsigned or ungranted callers get 403 Forbidden; a granted role reaches the function."""
    outputs = app.outputs
    assert _json(app, "GET", "iam") == (403, FORBIDDEN)
    assert _json(app, "GET", "iam", role=outputs["UngrantedRoleArn"]) == (403, FORBIDDEN)
    status, event = _json(app, "GET", "iam", role=outputs["GrantedRoleArn"])
    assert status == 200
    assert event["requestContext"]["authorizer"]["iam"]["userArn"].endswith("/local-client")


def test_jwt_routes(app: LocalApp, pool: tuple[str, str]) -> None:
    """[jwt] a valid token (with or without Bearer) passes and its claims reach the function; else 401."""
    token = _token(app, pool, "jwt-user")
    assert _json(app, "GET", "jwt") == (401, UNAUTHORIZED)
    assert _json(app, "GET", "jwt", headers={"Authorization": "not-a-jwt"}) == (401, UNAUTHORIZED)
    status, event = _json(app, "GET", "jwt", headers={"Authorization": f"Bearer {token}"})
    assert status == 200
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:username"] == "jwt-user"
    assert _json(app, "GET", "scoped", headers={"Authorization": token}) == (403, FORBIDDEN)


def test_lambda_authorizer_simple_responses(app: LocalApp) -> None:
    """[lambda-authorizer] isAuthorized true passes with its context, false is 403, no identity 401, broken 500."""
    status, event = _json(app, "GET", "lambda", headers={"Authorization": "allow"})
    assert status == 200
    assert event["requestContext"]["authorizer"]["lambda"] == {"tenant": "t1", "tier": 2}
    assert _json(app, "GET", "lambda", headers={"Authorization": "deny"}) == (403, FORBIDDEN)
    assert _json(app, "GET", "lambda") == (401, UNAUTHORIZED)
    assert _json(app, "GET", "lambda", headers={"Authorization": "broken"}) == (500, INTERNAL)


def test_lambda_authorizer_policy_responses(app: LocalApp) -> None:
    """[lambda-authorizer] format 1.0 with an IAM policy: Allow passes, Deny is 403."""
    status, event = _json(app, "GET", "policy", headers={"Authorization": "policy-allow"})
    assert status == 200
    assert event["requestContext"]["authorizer"]["lambda"] == {"principalId": "policy-user", "tenant": "t2"}
    assert _json(app, "GET", "policy", headers={"Authorization": "policy-deny"}) == (403, FORBIDDEN)


def test_lambda_authorizer_results_are_cached_by_identity_source(app: LocalApp) -> None:
    """[lambda-authorizer] with a TTL, the same identity source reuses the answer: one invocation."""
    before = _authorizer_runs(app).count("authorizer invoked: allow")
    for _ in range(3):
        assert _json(app, "GET", "cached", headers={"Authorization": "allow"})[0] == 200
    assert _authorizer_runs(app).count("authorizer invoked: allow") == before + 1


# -- CORS and throttling -----------------------------------------------------------------------------
def test_cors_preflight_and_response_headers(app: LocalApp) -> None:
    """[cors] preflight answered by API Gateway; configured headers replace the integration's."""
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    status, headers, raw = _call(app, "OPTIONS", "items/1", headers=preflight)
    assert (status, raw) == (204, b"")
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-max-age"] == "60"
    other = _call(app, "OPTIONS", "items/1", headers={**preflight, "Origin": "https://other.example"})
    assert other[0] == 204 and other[1]["access-control-allow-origin"] is None
    status, headers, _ = _call(app, "GET", "x/cors", headers={"Origin": ORIGIN})
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-expose-headers"] == "x-kind"


def test_stage_throttling_answers_429(app: LocalApp) -> None:
    """[throttling] the stage's default route settings: burst 1, then 429 Too Many Requests."""
    status, event = _json(app, "GET", "items/2", stage="throttled")
    assert (status, event["rawPath"], event["requestContext"]["stage"]) == (200, "/throttled/items/2", "throttled")
    assert _json(app, "GET", "items/2", stage="throttled") == (429, {"message": "Too Many Requests"})
    assert _json(app, "GET", "items/2")[0] == 200  # the $default stage has no throttling


def test_the_url_output_points_at_the_local_api(app: LocalApp) -> None:
    """[routes] the API's URL output is the local $default stage URL."""
    assert app.outputs["Url"] == app.api_url("Api")
