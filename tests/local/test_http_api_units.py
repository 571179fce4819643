"""HTTP API rules the local router encodes, checked without a deploy: routing, stages, responses, CORS, ids.

Pages: [routes] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
("Routing API requests" and its example table), [lambda]
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html,
[cors] https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html.
"""

from __future__ import annotations

import json

import pytest

from serverless_patterns.local.api_auth import GatewayError
from serverless_patterns.local.http_apis import Cors, HttpApi, HttpRoute, HttpStage, http_api_placeholder
from serverless_patterns.local.http_payloads import response_v1, response_v2
from serverless_patterns.local.template import prepare_template


def _api(*route_keys: str, stages: tuple[str, ...] = ("$default",)) -> HttpApi:
    return HttpApi(
        api_id="a1b2c3d4e5",
        name="Api",
        logical_id="Api1",
        stages={name: HttpStage(name) for name in stages},
        routes=[HttpRoute(key) for key in route_keys],
    )


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1"),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}"),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}"),
        ("POST", "/pets/cat/1", "ANY /{proxy+}"),
        ("GET", "/", "$default"),
    ],
)
def test_routing_follows_the_pages_example(method: str, path: str, expected: str) -> None:
    """[routes] the example of "Routing API requests": full match, then greedy, then $default."""
    api = _api("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default")
    route, _ = api.match(method, path)
    assert route is not None and route.route_key == expected


def test_a_method_route_beats_any_on_the_same_path() -> None:
    """[routes] ANY matches the methods a path does not define."""
    api = _api("ANY /items", "GET /items")
    assert [api.match(verb, "/items")[0].route_key for verb in ("GET", "PUT")] == ["GET /items", "ANY /items"]  # type: ignore[union-attr]


def test_no_route_and_no_default_route_is_none() -> None:
    """[routes] no route matches: the router answers {"message":"Not Found"}."""
    assert _api("GET /items").match("GET", "/other") == (None, {})
    assert _api("GET /items/{proxy+}").match("GET", "/items") == (None, {})  # a greedy variable needs a part


def test_stage_selection() -> None:
    """[routes] a named stage when the path names one, else $default; neither: no stage (404)."""
    api = _api("GET /items", stages=("$default", "v1"))
    assert api.stage_for("/v1/items") == ("v1", "/items")
    assert api.stage_for("/items") == ("$default", "/items")
    assert _api("GET /items", stages=("v1",)).stage_for("/items") is None


def test_2_0_response_rules() -> None:
    """[lambda] "Lambda function response for format 2.0": inferred unless statusCode is given."""
    assert response_v2(["a", 1]) == (200, [("content-type", "application/json")], json.dumps(["a", 1]).encode())
    assert response_v2({"statusCode": 204}) == (204, [], b"")
    with pytest.raises(GatewayError) as malformed:
        response_v2({"statusCode": "abc"})
    assert (malformed.value.status, malformed.value.body) == (500, {"message": "Internal Server Error"})
    with pytest.raises(GatewayError):
        response_v1("a string is not a 1.0 response")


def test_cors_origins() -> None:
    """[cors] allowOrigins: a listed origin, * or a scheme wildcard (https://*)."""
    cors = Cors(allow_origins=["https://a.example", "http://*"])
    assert [
        cors.allows_origin(origin) for origin in ("https://a.example", "http://b.example", "https://b.example")
    ] == [
        True,
        True,
        False,
    ]


def test_template_references_get_the_local_ids() -> None:
    """The deploy gives Ref of an HTTP API its id and GetAtt ApiEndpoint its execute-api URL."""
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "Api", "ProtocolType": "HTTP"}},
            "Stage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default"},
            },
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"Tags": [{"Key": "api", "Value": {"Ref": "Api"}}]}},
        },
        "Outputs": {"Endpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}}},
    }
    prepared, _ = prepare_template(template, "App")
    api_id = http_api_placeholder(template["Resources"]["Api"], "App", "Api")
    assert set(prepared["Resources"]) == {"Queue"}
    assert prepared["Resources"]["Queue"]["Properties"]["Tags"][0]["Value"] == api_id
    assert prepared["Outputs"]["Endpoint"]["Value"]["Fn::Join"][1][:2] == ["https://", api_id]
