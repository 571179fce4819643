"""The local API Gateway's authorization building blocks behave as API Gateway does.

Pages each test encodes (named again in the tests):

* [responses] https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
* [sigv4] https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
* [window] https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html ("within five minutes")
* [input] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
* [output] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
* [authorizer] https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html
* [method] https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html (authorizationScopes)
* [cognito] https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
* [deny] https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from serverless_patterns.local.api_auth import (
    GatewayError,
    SignedBy,
    access_denied,
    authorizer_denied,
    cognito_claims_context,
    cognito_jwks,
    identity_source_values,
    method_arn,
    parse_authorizer_response,
    request_authorizer_event,
    sign_headers,
    token_authorizer_event,
    token_matches_validation,
    verify_cognito_token,
    verify_sigv4,
)

KEY, SECRET, REGION = "AKIDLOCAL", "local-secret", "us-east-1"
HOST = "127.0.0.1:8080"
SECRETS = {KEY: SECRET}.get


def signed_request(
    method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None, **options: Any
) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    """What the router receives for a request signed the way AWS's SDKs sign it."""
    signing = {"access_key_id": KEY, "secret_access_key": SECRET, "region": REGION, **options}
    signed = sign_headers(method, url, headers or {}, body, **signing)
    parts = urlsplit(url)
    return method, parts.path, parts.query, [("Host", parts.netloc), *signed.items()], body


def verify(method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes, **options: Any) -> SignedBy:
    settings: dict[str, Any] = {"secret_for": SECRETS, "region": REGION, **options}
    return verify_sigv4(method, path, query, headers, body, **settings)


def refusal(
    method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes, **options: Any
) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        verify(method, path, query, headers, body, **options)
    return caught.value


# -- SigV4: requests that verify [sigv4] ---------------------------------------------------------
def test_a_signed_get_without_body_verifies() -> None:
    signer = verify(*signed_request("GET", f"http://{HOST}/abc123/prod/items"))
    assert signer == SignedBy(KEY, REGION, "execute-api", None)


def test_a_signed_post_with_a_json_body_verifies() -> None:
    request = signed_request(
        "POST", f"http://{HOST}/abc123/prod/items", b'{"id": 1}', {"Content-Type": "application/json"}
    )
    assert verify(*request).access_key_id == KEY


def test_a_query_with_repeated_and_unicode_parameters_verifies() -> None:
    # The canonical query sorts by name then value, each URI-encoded [sigv4].
    url = f"http://{HOST}/abc123/prod/items?tag=b&tag=a&name=caf%C3%A9&empty=&plain"
    assert verify(*signed_request("GET", url)).access_key_id == KEY


def test_a_path_with_spaces_and_unicode_verifies() -> None:
    # Non-S3 services URI-encode each path segment of the path as sent once more [sigv4].
    assert verify(*signed_request("GET", f"http://{HOST}/abc123/prod/items/a%20b/caf%C3%A9")).region == REGION


def test_a_session_token_is_reported() -> None:
    assert verify(*signed_request("GET", f"http://{HOST}/abc123/prod/", session_token="session")).session_token == (
        "session"
    )


def test_a_presigned_url_verifies() -> None:
    request = AWSRequest(method="GET", url=f"http://{HOST}/abc123/prod/items?tag=a")
    SigV4QueryAuth(Credentials(KEY, SECRET, "session"), "execute-api", REGION, expires=60).add_auth(request)
    parts = urlsplit(str(request.url))
    assert "X-Amz-Signature=" in parts.query
    assert verify("GET", parts.path, parts.query, [("Host", HOST)], b"") == SignedBy(
        KEY, REGION, "execute-api", "session"
    )
    error = refusal("GET", parts.path, parts.query.replace("tag=a", "tag=b"), [("Host", HOST)], b"")
    assert error.response_type == "INVALID_SIGNATURE"


def test_a_request_sent_over_http_verifies_as_received() -> None:
    received: dict[str, Any] = {}

    class Recorder(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.update(path=self.path, headers=list(self.headers.items()), body=self.rfile.read(length))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/abc123/prod/items/a%20b?q=x%20y&q=caf%C3%A9"
        body = b'{"name": "caf\xc3\xa9"}'
        headers = sign_headers(
            "PUT",
            url,
            {"Content-Type": "application/json"},
            body,
            access_key_id=KEY,
            secret_access_key=SECRET,
            region=REGION,
        )
        with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="PUT"), timeout=5):
            pass
    finally:
        server.shutdown()
        server.server_close()
    path, _, query = received["path"].partition("?")
    assert verify("PUT", path, query, received["headers"], received["body"]).access_key_id == KEY


# -- SigV4: refusals [responses] -----------------------------------------------------------------
def test_an_unsigned_request_is_missing_authentication_token() -> None:
    # Body and x-amzn-ErrorType as the service sends them: https://github.com/aws/chalice/issues/12
    error = refusal("GET", "/abc123/prod/items", "", [("Host", HOST)], b"")
    assert (error.status, error.response_type, error.body, error.error_type) == (
        403,
        "MISSING_AUTHENTICATION_TOKEN",
        {"message": "Missing Authentication Token"},
        "MissingAuthenticationTokenException",
    )


def test_a_bearer_token_is_not_a_valid_key_value_pair() -> None:
    # The service's wording: https://github.com/serverless/serverless/issues/3205
    error = refusal("GET", "/abc123/prod/items", "", [("Authorization", "Bearer sometoken")], b"")
    assert error.body == {
        "message": "'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'Bearer sometoken'."
    }
    assert (error.status, error.error_type) == (403, "IncompleteSignatureException")


def test_an_authorization_header_without_its_parameters_is_incomplete() -> None:
    # The service's wording: https://github.com/aws/chalice/issues/828
    error = refusal("GET", "/abc123/prod/items", "", [("Authorization", "eyJhbGciOi")], b"")
    assert error.body["message"] == (
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either "
        "a 'X-Amz-Date' or a 'Date' header. Authorization=eyJhbGciOi"
    )


def test_an_unknown_access_key_is_an_invalid_security_token() -> None:
    # The service's wording: https://github.com/kndt84/aws-api-gateway-client/issues/31
    error = refusal(*signed_request("GET", f"http://{HOST}/abc123/prod/items"), secret_for=lambda key: None)
    assert (error.status, error.body, error.error_type) == (
        403,
        {"message": "The security token included in the request is invalid."},
        "UnrecognizedClientException",
    )


@pytest.mark.parametrize(
    ("method", "path", "query", "extra_header", "body"),
    [
        ("POST", "/abc123/prod/items", "", None, b'{"id": 2}'),
        ("POST", "/abc123/prod/other", "", None, b'{"id": 1}'),
        ("POST", "/abc123/prod/items", "admin=1", None, b'{"id": 1}'),
        ("POST", "/abc123/prod/items", "", ("Content-Type", "text/plain"), b'{"id": 1}'),
    ],
    ids=["body", "path", "query", "signed-header"],
)
def test_a_tampered_request_is_an_invalid_signature(
    method: str, path: str, query: str, extra_header: tuple[str, str] | None, body: bytes
) -> None:
    _, _, _, headers, _ = signed_request(
        "POST", f"http://{HOST}/abc123/prod/items", b'{"id": 1}', {"Content-Type": "application/json"}
    )
    if extra_header is not None:
        headers = [(name, value) for name, value in headers if name != "Content-Type"] + [extra_header]
    error = refusal(method, path, query, headers, body)
    # The service's wording, with the canonical string it computed: https://github.com/mhart/aws4/issues/33
    assert (error.status, error.response_type, error.error_type) == (
        403,
        "INVALID_SIGNATURE",
        "InvalidSignatureException",
    )
    assert error.body["message"].startswith(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
        "Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this "
        f"request should have been\n'{method}\n{path}\n"
    )


def test_a_credential_for_another_service_or_region_is_refused() -> None:
    # The service's wording: https://github.com/Kong/insomnia/issues/830, https://github.com/ex-aws/ex_aws/issues/701
    request = signed_request("GET", f"http://{HOST}/abc123/prod/items", service="lambda", region="eu-west-1")
    error = refusal(*request)
    assert error.body == {
        "message": "Credential should be scoped to a valid region, not 'eu-west-1'. "
        "Credential should be scoped to correct service: 'execute-api'. "
    }
    assert (error.status, error.error_type) == (403, "InvalidSignatureException")


def test_a_signature_older_than_five_minutes_has_expired() -> None:
    # [window]; wording as the service answers: https://github.com/aws-amplify/aws-sdk-android/issues/253
    request = signed_request("GET", f"http://{HOST}/abc123/prod/items")
    signed_at = datetime.strptime(dict(request[3])["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert verify(*request, now=signed_at + timedelta(minutes=5)).access_key_id == KEY
    error = refusal(*request, now=signed_at + timedelta(minutes=6))
    now = signed_at + timedelta(minutes=6)
    assert error.body["message"] == (
        f"Signature expired: {signed_at:%Y%m%dT%H%M%SZ} is now earlier than "
        f"{now - timedelta(minutes=5):%Y%m%dT%H%M%SZ} ({now:%Y%m%dT%H%M%SZ} - 5 min.)"
    )
    assert error.response_type == "INVALID_SIGNATURE"


def test_a_signature_from_more_than_five_minutes_ahead_is_not_yet_current() -> None:
    # Wording as the service answers: https://github.com/NickWaterton/Roomba980-Python/issues/118
    request = signed_request("GET", f"http://{HOST}/abc123/prod/items")
    signed_at = datetime.strptime(dict(request[3])["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    error = refusal(*request, now=signed_at - timedelta(minutes=6))
    assert error.body["message"].startswith(
        f"Signature not yet current: {signed_at:%Y%m%dT%H%M%SZ} is still later than "
    )


def test_a_presigned_url_expires_after_its_lifetime() -> None:
    request = AWSRequest(method="GET", url=f"http://{HOST}/abc123/prod/items")
    SigV4QueryAuth(Credentials(KEY, SECRET), "execute-api", REGION, expires=60).add_auth(request)
    parts = urlsplit(str(request.url))
    error = refusal(
        "GET", parts.path, parts.query, [("Host", HOST)], b"", now=datetime.now(timezone.utc) + timedelta(minutes=2)
    )
    assert error.body["message"].startswith("Signature expired: ")


# -- Cognito user pool authorizers [cognito] [method] [responses] --------------------------------
@pytest.fixture
def cognito(moto: str) -> Iterator[dict[str, Any]]:
    """Two user pools on moto's server, with a confirmed user signed in to the first."""
    client = boto3.client("cognito-idp", region_name=REGION)
    pools = [client.create_user_pool(PoolName=name)["UserPool"] for name in ("Orders", "Other")]
    tokens = []
    for pool in pools:
        app = client.create_user_pool_client(
            UserPoolId=pool["Id"], ClientName="app", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]
        client.admin_create_user(UserPoolId=pool["Id"], Username="ana", MessageAction="SUPPRESS")
        client.admin_set_user_password(UserPoolId=pool["Id"], Username="ana", Password="Passw0rd!Local", Permanent=True)
        tokens.append(
            client.admin_initiate_auth(
                UserPoolId=pool["Id"],
                ClientId=app["ClientId"],
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "ana", "PASSWORD": "Passw0rd!Local"},
            )["AuthenticationResult"]
        )
    account = pools[0]["Arn"].split(":")[4]
    yield {
        "arn": pools[0]["Arn"],
        "jwks": cognito_jwks(pools[0]["Id"], REGION, account),
        "id_token": tokens[0]["IdToken"],
        "access_token": tokens[0]["AccessToken"],
        "other_id_token": tokens[1]["IdToken"],
        "pool_id": pools[0]["Id"],
    }


def check(token: str, cognito: dict[str, Any], **options: Any) -> dict[str, Any]:
    return verify_cognito_token(token, user_pool_arns=[cognito["arn"]], jwks=cognito["jwks"], **options)


def rejected(token: str, cognito: dict[str, Any], **options: Any) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        check(token, cognito, **options)
    return caught.value


def test_an_id_token_of_the_pool_is_accepted_without_scopes(cognito: dict[str, Any]) -> None:
    claims = check(cognito["id_token"], cognito)
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == "ana"
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{cognito['pool_id']}"


def test_a_tampered_token_is_unauthorized(cognito: dict[str, Any]) -> None:
    header, payload, signature = cognito["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "cognito:username": "admin"}).encode()).rstrip(b"=")
    error = rejected(f"{header}.{forged.decode()}.{signature}", cognito)
    assert (error.status, error.response_type, error.body) == (401, "UNAUTHORIZED", {"message": "Unauthorized"})


def test_a_token_of_another_pool_is_unauthorized(cognito: dict[str, Any]) -> None:
    assert rejected(cognito["other_id_token"], cognito).status == 401


def test_an_expired_token_is_unauthorized(cognito: dict[str, Any]) -> None:
    assert rejected(cognito["id_token"], cognito, now=datetime.now(timezone.utc) + timedelta(hours=2)).status == 401


def test_a_missing_or_malformed_token_is_unauthorized(cognito: dict[str, Any]) -> None:
    for token in ("", "not-a-jwt", "a.b.c", cognito["id_token"][:-10]):
        assert rejected(token, cognito).status == 401


def test_an_access_token_with_a_method_scope_is_accepted(cognito: dict[str, Any]) -> None:
    # moto's access tokens claim aws.cognito.signin.user.admin; any one method scope must match [method].
    claims = check(cognito["access_token"], cognito, scopes=["orders/read", "aws.cognito.signin.user.admin"])
    assert claims["token_use"] == "access"


def test_an_access_token_without_a_method_scope_is_unauthorized(cognito: dict[str, Any]) -> None:
    assert rejected(cognito["access_token"], cognito, scopes=["orders/read"]).status == 401


def test_fails_when_a_provider_arn_is_not_a_user_pool(cognito: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="user pool ARN must be"):
        verify_cognito_token(cognito["id_token"], user_pool_arns=["us-east-1_abc"], jwks=cognito["jwks"])


def test_an_id_token_is_unauthorized_when_the_method_has_scopes(cognito: dict[str, Any]) -> None:
    # "When the method scope is configured, the client must provide an access token" [method].
    assert rejected(cognito["id_token"], cognito, scopes=["aws.cognito.signin.user.admin"]).status == 401


def test_an_access_token_is_unauthorized_when_the_method_has_no_scopes(cognito: dict[str, Any]) -> None:
    # Without OAuth scopes "API Gateway treats the supplied token as an identity token" [cognito].
    assert rejected(cognito["access_token"], cognito).status == 401


def test_claims_reach_the_integration_as_strings(cognito: dict[str, Any]) -> None:
    # Captured REST event: "exp": "Sun Dec 17 07:28:12 UTC 2017", "auth_time": "1513492092".
    claims = check(cognito["id_token"], cognito)
    context = cognito_claims_context(claims)
    assert all(isinstance(value, str) for value in context.values())
    assert context["cognito:username"] == "ana"
    expires = datetime.fromtimestamp(claims["exp"], timezone.utc)
    assert context["exp"] == expires.strftime("%a %b %d %H:%M:%S UTC %Y")  # the C locale's English names
    assert context["auth_time"].isdigit()


# -- Lambda authorizers [input] [output] [authorizer] --------------------------------------------
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/42"


def test_the_method_arn_holds_stage_method_and_request_path() -> None:
    assert method_arn("us-east-1", "123456789012", "abc123", "prod", "GET", "/items/42") == ARN
    # The root resource ends in "GET/": https://github.com/aws/chalice/pull/1552
    assert method_arn("us-east-1", "123456789012", "abc123", "prod", "GET", "/").endswith("abc123/prod/GET/")


def test_a_token_authorizer_event_has_type_token_and_method_arn() -> None:
    assert token_authorizer_event(ARN, "allow") == {"type": "TOKEN", "authorizationToken": "allow", "methodArn": ARN}


def test_a_request_authorizer_event_has_the_request_parameters() -> None:
    event = request_authorizer_event(
        ARN,
        resource="/items/{id}",
        path="/items/42",
        http_method="GET",
        headers={"Auth": "a"},
        multi_value_headers={"Auth": ["a"]},
        query={"q": "2"},
        multi_value_query={"q": ["1", "2"]},
        path_parameters={"id": "42"},
        stage_variables={"env": "test"},
        request_context={"stage": "prod", "resourcePath": "/items/{id}"},
    )
    assert event == {
        "type": "REQUEST",
        "methodArn": ARN,
        "resource": "/items/{id}",
        "path": "/items/42",
        "httpMethod": "GET",
        "headers": {"Auth": "a"},
        "multiValueHeaders": {"Auth": ["a"]},
        "queryStringParameters": {"q": "2"},
        "multiValueQueryStringParameters": {"q": ["1", "2"]},
        "pathParameters": {"id": "42"},
        "stageVariables": {"env": "test"},
        "requestContext": {"stage": "prod", "resourcePath": "/items/{id}"},
    }


def test_identity_sources_are_read_from_headers_query_stage_variables_and_context() -> None:
    values = identity_source_values(
        "method.request.header.X-Auth,method.request.querystring.tenant,stageVariables.env,context.identity.sourceIp",
        {"x-auth": "t"},
        {"tenant": "t1"},
        {"env": "test"},
        {"identity": {"sourceIp": "127.0.0.1"}},
    )
    assert values == ["t", "t1", "test", "127.0.0.1"]


@pytest.mark.parametrize(
    ("headers", "query"), [({}, {"tenant": "t1"}), ({"X-Auth": ""}, {"tenant": "t1"}), ({"X-Auth": "t"}, {})]
)
def test_a_missing_or_empty_identity_source_means_401_without_invoking(
    headers: dict[str, str], query: dict[str, str]
) -> None:
    assert (
        identity_source_values("method.request.header.X-Auth,method.request.querystring.tenant", headers, query, {}, {})
        is None
    )


def test_fails_when_an_identity_source_is_not_a_request_parameter() -> None:
    with pytest.raises(ValueError, match=r"got 'method\.request\.path\.id'"):
        identity_source_values("method.request.path.id", {}, {}, {}, {})


def test_a_token_must_match_the_whole_validation_expression() -> None:
    assert token_matches_validation("Bearer abc", r"Bearer \w+")
    assert not token_matches_validation("xBearer abc", r"Bearer \w+")
    assert token_matches_validation("anything", None)


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": ARN}],
}


def test_an_authorizer_output_is_read() -> None:
    output = parse_authorizer_response(
        json.dumps(
            {
                "principalId": "user",
                "policyDocument": POLICY,
                "context": {"stringKey": "value", "numberKey": 1, "booleanKey": True},
                "usageIdentifierKey": "key-1",
            }
        ).encode(),
        errored=False,
        error_message=None,
    )
    assert output.principal_id == "user"
    assert output.policy_document == POLICY
    assert output.context == {"stringKey": "value", "numberKey": 1, "booleanKey": True}
    assert output.usage_identifier_key == "key-1"


def test_an_unauthorized_error_from_the_authorizer_is_401() -> None:
    # https://github.com/auth0-samples/jwt-rsa-aws-custom-authorizer/pull/6: only exactly "Unauthorized" gives 401.
    with pytest.raises(GatewayError) as caught:
        parse_authorizer_response(None, errored=True, error_message="Unauthorized")
    assert (caught.value.status, caught.value.body, caught.value.error_type) == (
        401,
        {"message": "Unauthorized"},
        "UnauthorizedException",
    )


@pytest.mark.parametrize(
    ("payload", "errored", "message"),
    [
        (None, True, "Unauthorized: token expired"),
        ({"policyDocument": POLICY}, False, None),
        ({"principalId": "user"}, False, None),
        ({"principalId": "user", "policyDocument": POLICY, "context": {"roles": ["admin"]}}, False, None),
        ({"principalId": "user", "policyDocument": POLICY, "context": {"user": {"id": 1}}}, False, None),
        ({"statusCode": 401, "body": "Unauthorized"}, False, None),
        (b"not json", False, None),
    ],
    ids=["other-error", "no-principal", "no-policy", "array-context", "object-context", "http-response", "not-json"],
)
def test_a_failing_or_malformed_authorizer_is_a_configuration_error(
    payload: Any, errored: bool, message: str | None
) -> None:
    # 500 {"message": null} with AuthorizerConfigurationException: auth0-samples PR 6 above and
    # https://github.com/serverless/examples/issues/305; objects and arrays are not valid context values [output].
    with pytest.raises(GatewayError) as caught:
        parse_authorizer_response(payload, errored=errored, error_message=message)
    assert (caught.value.status, caught.value.response_type, caught.value.body, caught.value.error_type) == (
        500,
        "AUTHORIZER_CONFIGURATION_ERROR",
        {"message": None},
        "AuthorizerConfigurationException",
    )


def test_an_authorizer_deny_is_access_denied_with_its_wording() -> None:
    # [deny]; "Message" casing as in the service's raw answers: https://github.com/aws/chalice/issues/1810
    assert authorizer_denied(explicit=True).body == {
        "Message": "User is not authorized to access this resource with an explicit deny"
    }
    implicit = authorizer_denied(explicit=False)
    assert (implicit.status, implicit.response_type, implicit.error_type) == (
        403,
        "ACCESS_DENIED",
        "AccessDeniedException",
    )


def test_an_iam_deny_names_the_user_and_resource() -> None:
    # Raw answer of the service: https://github.com/ASFHyP3/hyp3/issues/2283; explicit suffix: [deny].
    user = "arn:aws:sts::123456789012:assumed-role/Reader/session"
    assert access_denied(user, ARN, explicit=False).body == {
        "Message": f"User: {user} is not authorized to perform: execute-api:Invoke on resource: {ARN}"
    }
    assert access_denied("anonymous", ARN, explicit=True).body["Message"].endswith(f"{ARN} with an explicit deny")
