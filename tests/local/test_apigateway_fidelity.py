"""The local API Gateway answers as API Gateway does: gateway responses, validator wording, limits, load.

One stack: a REST API (stage ``prod`` with stage variables) in front of a handler that answers the
proxy event it received, with a body-validated ``POST /items`` (a model), a parameter-validated
``GET /search``, a ``GET /slow`` whose integration times out after 1 s, a ``MOCK`` ``GET /mock``, a ``GET /limited``
throttled to one request,
and gateway responses of its own: ``DEFAULT_4XX`` (a JSON envelope with headers mapped from a
literal, a request header and ``context.requestId``), ``BAD_REQUEST_BODY`` (the validator's detail)
and ``MISSING_AUTHENTICATION_TOKEN`` with another status code. ``DEFAULT_5XX`` is left to API
Gateway's default.

Pages each test follows:

* [types] https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
* [gateway-responses] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
* [variables] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
* [validation] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
* [proxy] https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
* [quotas] https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (10 MB payload,
  29 s integration timeout)
* [too-large] https://github.com/koki-develop/lgtm-generator/issues/10 (API Gateway's 413 body)
* [timeout] https://github.com/serverless/serverless/issues/3171 ("Endpoint request timed out")
* [throttling] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serverless_patterns import ServerlessFunction
from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.pytest_plugin import LocalApp

pytestmark = pytest.mark.e2e

HANDLERS = Path(__file__).parent / "handlers"
ENVELOPE = (
    '{"error": {"type": "$context.error.responseType", "message": $context.error.messageString,'
    ' "requestId": "$context.requestId", "stage": "$stageVariables.color"}}'
)


def _synthesize(outdir: str) -> None:
    app = App(outdir=outdir)
    stack = Stack(app, "LocalApiFidelity")
    handler = ServerlessFunction(stack, "Context", entry=str(HANDLERS / "context"), timeout=Duration.seconds(10))
    api = apigateway.RestApi(
        stack,
        "Api",
        deploy_options=apigateway.StageOptions(
            stage_name="prod",
            variables={"color": "blue"},
            # One token, refilled every 100 s: the second request is throttled whatever the machine's speed.
            method_options={
                "/limited/GET": apigateway.MethodDeploymentOptions(throttling_rate_limit=0.01, throttling_burst_limit=1)
            },
        ),
    )
    integration = apigateway.LambdaIntegration(handler)
    model = api.add_model(
        "Item",
        content_type="application/json",
        schema=apigateway.JsonSchema(
            type=apigateway.JsonSchemaType.OBJECT,
            required=["email", "name"],
            properties={
                "name": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, min_length=1),
                "email": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING),
                "age": apigateway.JsonSchema(type=apigateway.JsonSchemaType.INTEGER, minimum=0),
            },
        ),
    )
    validator = api.add_request_validator("Validator", validate_request_body=True, validate_request_parameters=True)
    items = api.root.add_resource("items")
    items.add_method("POST", integration, request_validator=validator, request_models={"application/json": model})
    items.add_method("GET", integration)
    api.root.add_resource("search").add_method(
        "GET",
        integration,
        request_validator=validator,
        request_parameters={"method.request.querystring.q": True, "method.request.header.X-Tenant": True},
    )
    api.root.add_resource("limited").add_method("GET", integration)
    api.root.add_resource("slow").add_method("GET", apigateway.LambdaIntegration(handler, timeout=Duration.seconds(1)))
    api.root.add_resource("mock").add_method(
        "GET",
        apigateway.MockIntegration(
            integration_responses=[
                apigateway.IntegrationResponse(
                    status_code="200", response_templates={"application/json": '{"ok": true}'}
                )
            ],
            request_templates={"application/json": '{"statusCode": 200}'},
        ),
        method_responses=[apigateway.MethodResponse(status_code="200")],
    )
    api.add_gateway_response(
        "Default4xx",
        type=apigateway.ResponseType.DEFAULT_4_XX,
        response_headers={
            "Access-Control-Allow-Origin": "'*'",
            "X-Echo-Tenant": "method.request.header.X-Tenant",
            "X-Request": "context.requestId",
        },
        templates={"application/json": ENVELOPE},
    )
    api.add_gateway_response(
        "BadBody",
        type=apigateway.ResponseType.BAD_REQUEST_BODY,
        templates={"application/json": '{"detail": "$context.error.validationErrorString"}'},
    )
    api.add_gateway_response(
        "NoRoute",
        type=apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
        status_code="404",
        templates={"application/json": '{"hint": "no such route", "message": $context.error.messageString}'},
    )
    app.synth()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    outdir = str(tmp_path_factory.mktemp("fidelity") / "cdk.out")
    _synthesize(outdir)
    with LocalCloud() as cloud:
        deployment = cloud.deploy(outdir, replace=True)
        yield LocalApp(cloud, deployment)
        cloud.destroy(deployment)


@dataclass(frozen=True)
class Answer:
    """Status, headers (names lower-cased) and the raw body a client received."""

    status: int
    headers: dict[str, str]
    raw: bytes


def _send(app: LocalApp, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
    """One request on its own connection; a dropped connection raises."""
    url = urlsplit(app.api_url() + path)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        connection.request(method, target, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return Answer(response.status, {name.lower(): value for name, value in response.getheaders()}, response.read())
    finally:
        connection.close()


# -- gateway responses ---------------------------------------------------------------------------
def test_an_unknown_route_gets_its_own_gateway_response_with_its_status_code(app: LocalApp) -> None:
    # [types] MISSING_AUTHENTICATION_TOKEN (403 by default) answers an undefined resource;
    # [gateway-responses] the API's response for the type sets another status and body.
    answer = _send(app, "GET", "nowhere")
    assert (answer.status, json.loads(answer.raw)) == (
        404,
        {"hint": "no such route", "message": "Missing Authentication Token"},
    )
    assert answer.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


@pytest.mark.parametrize("verb", ["TRACE", "FOO", "DELETE"])
def test_a_verb_without_a_method_is_missing_authentication_token(app: LocalApp, verb: str) -> None:
    # [types] a method the resource does not define is an undefined API resource: never a 501 page.
    answer = _send(app, verb, "items")
    assert (answer.status, json.loads(answer.raw)["message"]) == (404, "Missing Authentication Token")


def test_missing_parameters_fall_back_to_default_4xx_with_mapped_headers(app: LocalApp) -> None:
    # [validation] a required parameter must be present and not blank: "Missing required request
    # parameters: [...]" (BAD_REQUEST_PARAMETERS, 400);
    # [gateway-responses] no response of its own: DEFAULT_4XX applies, its headers mapped from a
    # literal, a request header and $context.requestId; [variables] $stageVariables in the template.
    answer = _send(app, "GET", "search?q=", headers={"X-Tenant": "t1"})
    assert answer.status == 400
    assert json.loads(answer.raw) == {
        "error": {
            "type": "BAD_REQUEST_PARAMETERS",
            "message": "Missing required request parameters: [q]",
            "requestId": answer.headers["x-amzn-requestid"],
            "stage": "blue",
        }
    }
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["x-echo-tenant"] == "t1"
    assert answer.headers["x-request"] == answer.headers["x-amzn-requestid"]
    assert answer.headers["x-amzn-errortype"] == "BadRequestException"
    assert answer.headers["x-amz-apigw-id"]


def test_a_body_failing_the_model_gets_the_validators_detail(app: LocalApp) -> None:
    # [validation] BAD_REQUEST_BODY; $context.error.validationErrorString in the wording of the
    # json-schema-validator API Gateway runs ("object has missing required properties (...)").
    answer = _send(app, "POST", "items", json.dumps({"name": "Ann", "age": -1}).encode())
    assert answer.status == 400
    assert answer.raw.decode() == (
        '{"detail": "[object has missing required properties (["email"]), '
        'numeric instance is lower than the required minimum (minimum: 0, found: -1)]"}'
    )


def test_an_empty_body_is_validated_as_an_empty_object(app: LocalApp) -> None:
    # [validation] LocalStack matched API Gateway: an empty body is {} to the validator
    # (https://github.com/localstack/localstack/pull/7916).
    answer = _send(app, "POST", "items")
    assert answer.status == 400
    assert answer.raw == b'{"detail": "[object has missing required properties (["email","name"])]"}'


def test_a_handler_error_keeps_api_gateways_default_5xx(app: LocalApp) -> None:
    # [proxy] a malformed proxy answer is 502 {"message": "Internal server error"}; no DEFAULT_5XX
    # of the API's own, so API Gateway's default body.
    answer = _send(app, "GET", "slow?sleep=x")
    assert (answer.status, json.loads(answer.raw)) == (502, {"message": "Internal server error"})


def test_an_integration_over_its_timeout_answers_504(app: LocalApp) -> None:
    # [quotas] the method's integration timeout (here 1 s); [timeout] INTEGRATION_TIMEOUT's body.
    answer = _send(app, "GET", "slow?sleep=5")
    assert (answer.status, json.loads(answer.raw)) == (504, {"message": "Endpoint request timed out"})


def test_a_method_over_its_throttling_limits_answers_429(app: LocalApp) -> None:
    # [throttling] a token bucket per method from the stage's MethodSettings; THROTTLED is 429 and
    # falls back to the API's DEFAULT_4XX.
    first = _send(app, "GET", "limited")
    second = _send(app, "GET", "limited")
    assert first.status == 200
    assert second.status == 429
    error = json.loads(second.raw)["error"]
    assert (error["type"], error["message"]) == ("THROTTLED", "Too Many Requests")
    assert second.headers["x-amzn-errortype"] == "TooManyRequestsException"


def test_a_payload_over_10_mb_answers_413(app: LocalApp) -> None:
    # [quotas] 10 MB payload; [too-large] 413 {"message": "Request Too Long"}; REQUEST_TOO_LARGE
    # falls back to the API's DEFAULT_4XX.
    answer = _send(app, "POST", "items", b" " * (10 * 1024 * 1024 + 1))
    assert answer.status == 413
    assert json.loads(answer.raw)["error"]["type"] == "REQUEST_TOO_LARGE"
    assert json.loads(answer.raw)["error"]["message"] == "Request Too Long"


# -- the proxy event -------------------------------------------------------------------------------
def test_the_proxy_event_carries_stage_variables_and_the_request_context(app: LocalApp) -> None:
    # [proxy] "Input format of a Lambda function for proxy integration".
    answer = _send(app, "GET", "items?x=1", headers={"User-Agent": "fidelity-test"})
    assert answer.status == 200
    event = json.loads(answer.raw)
    assert event["stageVariables"] == {"color": "blue"}
    context = event["requestContext"]
    assert context["requestId"] == answer.headers["x-amzn-requestid"]
    assert context["extendedRequestId"] == answer.headers["x-amz-apigw-id"]
    assert (context["stage"], context["resourcePath"], context["httpMethod"]) == ("prod", "/items", "GET")
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "fidelity-test"
    assert context["protocol"] == "HTTP/1.1"
    assert isinstance(context["requestTimeEpoch"], int)


def test_a_link_built_from_domain_name_and_path_routes_back(app: LocalApp) -> None:
    # [proxy] domainName and path are those of the URL the client used; locally the API id is part of
    # the path (AWS has it in the host), so a handler's self-link (a URL shortener builds one) works.
    event = json.loads(_send(app, "GET", "items?x=2").raw)
    context = event["requestContext"]
    base = app.api_url()
    assert base.startswith(f"http://{context['domainName']}/")
    assert context["path"] == f"/{context['apiId']}/prod/items"
    link = f"http://{context['domainName']}{context['path']}"
    assert link == base + "items"
    with urllib.request.urlopen(link, timeout=30) as answer:
        assert answer.status == 200


# -- nothing a client sends breaks the router ------------------------------------------------------
def test_200_concurrent_requests_see_no_connection_error(app: LocalApp) -> None:
    # A burst of clients is queued (listen backlog), not reset. Bounded: 200 requests to 127.0.0.1.
    start = threading.Barrier(200, timeout=60)

    def one(index: int) -> int | str:
        try:
            start.wait()
            return _send(app, "GET", f"items?n={index}" if index % 2 else "mock").status
        except (OSError, http.client.HTTPException) as problem:
            return type(problem).__name__

    with ThreadPoolExecutor(max_workers=200) as pool:
        outcomes = list(pool.map(one, range(200)))
    assert [outcome for outcome in outcomes if outcome != 200] == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"name": "a", "email": "b", "deep": ' + b"[" * 1000 + b"]" * 1000 + b"}", id="nested-1000"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-100000"),
        pytest.param(b'{"name": "a", "email": "b", "age": 1e400}', id="1e400"),
        pytest.param(b'{"name": "\xff\xfe", "email": "b"}', id="invalid-utf8"),
        pytest.param(b'{"name": "' + b"x" * (10 * 1024 * 1024 - 30) + b'", "email": "b"}', id="10mb"),
        pytest.param(b"{", id="truncated"),
    ],
)
def test_hostile_bodies_get_a_4xx_answer_not_a_dropped_connection(app: LocalApp, body: bytes) -> None:
    # The API's BAD_REQUEST_BODY template quotes the validator's detail inside a JSON string, which
    # (as on AWS) need not leave valid JSON: the answer is checked as text.
    answer = _send(app, "POST", "items", body)
    assert 400 <= answer.status < 500, answer.raw[:200]
    assert answer.raw.startswith(b"{")


@pytest.mark.parametrize(
    "raw",
    [b"NOT HTTP\r\n\r\n", b"GET /x HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", b"\xff\xfe\r\n\r\n"],
    ids=["bad-request-line", "header-too-long", "binary"],
)
def test_malformed_requests_get_a_json_4xx(app: LocalApp, raw: bytes) -> None:
    # What http.server refuses itself answers JSON, not its HTML error page, and not a reset.
    url = urlsplit(app.api_url())
    with socket.create_connection((str(url.hostname), int(url.port or 80)), timeout=60) as client:
        client.sendall(raw)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.split(b" ")[1].startswith(b"4"), head
    assert isinstance(json.loads(body)["message"], str)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=200), JSON_VALUES.map(lambda value: json.dumps(value).encode())))
def test_fuzzed_bodies_never_drop_the_connection_nor_answer_5xx(app: LocalApp, body: bytes) -> None:
    # The validator answers 400 with a JSON body, or the request reaches the handler (200).
    answer = _send(app, "POST", "items", body)
    assert answer.status in {200, 400}, answer.raw[:200]
    assert answer.raw.startswith(b"{")
