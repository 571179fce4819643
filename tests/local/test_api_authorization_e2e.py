"""API Gateway authorization of CrudApi methods on the local cloud, end to end, as AWS enforces it.

One stack, one REST API (a ``CrudRestApi``) with three CrudApi resources, each authorized another
way: ``/iam-items`` with IAM (SigV4, the library's default), ``/cognito-items`` with a Cognito
user pool authorizer and ``/token-items`` with a Lambda ``TOKEN`` authorizer
(``handlers/token_authorizer``). A role is granted ``execute-api:Invoke`` on ``/iam-items``
(``grant_invoke``), a second role nothing. A second, small stack is deployed with the Lambda
permission of its read function removed from the synthesized template.

The user pool is created through the Cognito API and imported into the stack
(``UserPool.from_user_pool_arn``): moto's CloudFormation creates no ``AWS::Cognito::*`` resource.
The deploy skips ``AWS::ApiGateway::Authorizer`` (moto cannot create it) and gives references to
it the ``local-skipped-<logical id>`` placeholder, the id the router presents as the authorizer's
``aws:SourceArn``: the Lambda permission CDK writes for the authorizer function then matches.

A ``CrudRestApi`` defines ``DEFAULT_4XX``/``DEFAULT_5XX`` gateway responses that wrap API
Gateway's refusals in the library's error envelope (``{"error": {"code": <response type>,
"message": $context.error.messageString, "details": []}}``); the local cloud applies them as AWS
does ([gateway-responses]), so status codes, ``x-amzn-ErrorType`` and messages are AWS's and the
body is the envelope a client of the deployed API receives. The small stack without the Lambda
permission is a plain CrudApi too.

Pages each test follows (named again in the tests):

* [iam] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
* [sigv4] https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
* [responses] https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
* [proxy] https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
  ("Input format of a Lambda function for proxy integration": ``requestContext.identity``)
* [permission] https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations
  ("Invalid permissions on Lambda function", 500)
* [cognito] https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
* [admin-auth] https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
* [lambda-authorizer] https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
* [output] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
* [authorizer] https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (``identitySource``)
* [deny] https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer
* [gateway-responses] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam

from serverless_patterns import CrudApi, ServerlessFunction
from serverless_patterns.local.api_auth import method_arn, sign_headers
from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.pytest_plugin import LocalApp

pytestmark = pytest.mark.e2e

HANDLERS = Path(__file__).parent / "handlers"
STACK = "LocalApiAuthorization"
MUTATED_STACK = "LocalApiNoInvokePermission"
ACCOUNT, REGION = "123456789012", "us-east-1"
SCHEMA = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}
PASSWORD = "Local-Passw0rd!"


@dataclass(frozen=True)
class Answer:
    """What a client received: status, headers and the JSON body."""

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def error_type(self) -> str | None:
        return next((value for name, value in self.headers.items() if name.lower() == "x-amzn-errortype"), None)


def _envelope(response_type: str, message: str | None) -> dict[str, Any]:
    """The CrudRestApi error envelope its DEFAULT_4XX/DEFAULT_5XX gateway responses give a refusal."""
    return {"error": {"code": response_type, "message": message, "details": []}}


def _synthesize_app(outdir: str, user_pool_arn: str) -> None:
    app = App(outdir=outdir)
    stack = Stack(app, STACK)
    iam_items = CrudApi(stack, "IamItems", resource_name="iam-items", schema=SCHEMA)
    # An existing pool (see the user_pool fixture): moto's CloudFormation creates no Cognito resource.
    pool = cognito.UserPool.from_user_pool_arn(stack, "UserPool", user_pool_arn)
    CrudApi(
        stack,
        "CognitoItems",
        api=iam_items.api,
        resource_name="cognito-items",
        schema=SCHEMA,
        authorizer=apigateway.CognitoUserPoolsAuthorizer(stack, "PoolAuthorizer", cognito_user_pools=[pool]),
    )
    token_function = ServerlessFunction(stack, "TokenAuthorizerFunction", entry=str(HANDLERS / "token_authorizer"))
    CrudApi(
        stack,
        "TokenItems",
        api=iam_items.api,
        resource_name="token-items",
        schema=SCHEMA,
        # No result cache: each request's answer comes from the authorizer, whatever came before.
        authorizer=apigateway.TokenAuthorizer(
            stack, "TokenAuthorizer", handler=token_function, results_cache_ttl=Duration.seconds(0)
        ),
    )
    granted = iam.Role(stack, "GrantedRole", assumed_by=iam.AccountRootPrincipal())
    iam_items.grant_invoke(granted)
    ungranted = iam.Role(stack, "UngrantedRole", assumed_by=iam.AccountRootPrincipal())
    CfnOutput(stack, "GrantedRoleArn", value=granted.role_arn)
    CfnOutput(stack, "UngrantedRoleArn", value=ungranted.role_arn)
    app.synth()


def _synthesize_without_read_permission(outdir: str) -> str:
    """A small CrudApi app whose read function lost its ``AWS::Lambda::Permission`` for API Gateway."""
    app = App(outdir=outdir)
    CrudApi(Stack(app, MUTATED_STACK), "Items", resource_name="items", schema=SCHEMA)
    app.synth()
    template_path = Path(outdir) / f"{MUTATED_STACK}.template.json"
    template = json.loads(template_path.read_text())
    resources: dict[str, Any] = template["Resources"]
    (read_function,) = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"].get("Handler") == "crud_api.read.handler"
    ]
    removed = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Permission"
        and resource["Properties"].get("Principal") == "apigateway.amazonaws.com"
        and resource["Properties"].get("FunctionName") == {"Fn::GetAtt": [read_function, "Arn"]}
    ]
    assert len(removed) == 1, removed
    del resources[removed[0]]
    template_path.write_text(json.dumps(template))
    return read_function


@dataclass(frozen=True)
class UserPool:
    """A user pool of the local cloud and an app client that allows ADMIN_USER_PASSWORD_AUTH."""

    arn: str
    pool_id: str
    client_id: str


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as local_cloud:
        yield local_cloud


@pytest.fixture(scope="module")
def user_pool(cloud: LocalCloud) -> Iterator[UserPool]:
    """Created through the Cognito API: moto's CloudFormation does not create AWS::Cognito::UserPool."""
    idp = cloud.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="local-api-authorization")["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="tests",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    yield UserPool(pool["Arn"], pool["Id"], client["ClientId"])
    idp.delete_user_pool(UserPoolId=pool["Id"])


@pytest.fixture(scope="module")
def app(cloud: LocalCloud, user_pool: UserPool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    outdir = str(tmp_path_factory.mktemp("authorization") / "cdk.out")
    _synthesize_app(outdir, user_pool.arn)
    deployment = cloud.deploy(outdir, replace=True)
    yield LocalApp(cloud, deployment)
    cloud.destroy(deployment)


@pytest.fixture(scope="module")
def without_permission(app: LocalApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    """The mutated app, deployed on the same local cloud as ``app``."""
    outdir = str(tmp_path_factory.mktemp("no-permission") / "cdk.out")
    _synthesize_without_read_permission(outdir)
    deployment = app.cloud.deploy(outdir, replace=True)
    yield LocalApp(app.cloud, deployment)
    app.cloud.destroy(deployment)


def _send(
    app: LocalApp,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    sign: str | bool = False,
    sent_body: bytes | None = None,
) -> Answer:
    """One request to the app's API; ``sign`` is ``True`` (administrator), a role ARN, or ``False``.

    ``sent_body`` replaces the signed body on the wire (a body tampered with after signing).
    """
    url = app.api_url() + path
    data = json.dumps(body).encode() if body is not None else b""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if sign:
        all_headers.update(app.cloud.sign(method, url, all_headers, data, role=None if sign is True else sign))
    wire = data if sent_body is None else sent_body
    request = urllib.request.Request(url, data=wire or None, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, response_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, dict(error.headers), error.read()
    return Answer(status, response_headers, json.loads(raw) if raw else None)


def _method_arn(app: LocalApp, method: str, path: str) -> str:
    api_id, stage = app.api_url().rstrip("/").split("/")[-2:]
    return method_arn(REGION, ACCOUNT, api_id, stage, method, path)


def _session_arn(role_arn: str) -> str:
    """The session ARN of ``LocalCloud.sign(role=...)``'s credentials (session ``local-client``)."""
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/local-client"


# -- IAM (SigV4) --------------------------------------------------------------------------------
def test_iam_method_answers_an_unsigned_request_403_missing_authentication_token(app: LocalApp) -> None:
    # [iam] callers of an AWS_IAM method sign with SigV4; [responses] MISSING_AUTHENTICATION_TOKEN is 403.
    answer = _send(app, "GET", "iam-items")
    assert (answer.status, answer.body) == (
        403,
        _envelope("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token"),
    )
    assert answer.error_type == "MissingAuthenticationTokenException"


def test_iam_method_serves_a_request_signed_by_the_administrator(app: LocalApp) -> None:
    # [iam] the account's own credentials are allowed everything; [sigv4] signed as an AWS SDK signs.
    created = _send(app, "POST", "iam-items", {"name": "Ann"}, sign=True)
    assert created.status == 201, created.body
    fetched = _send(app, "GET", f"iam-items/{created.body['id']}", sign=True)
    assert (fetched.status, fetched.body["name"]) == (200, "Ann")


def test_iam_method_answers_a_body_changed_after_signing_403_signature_mismatch(app: LocalApp) -> None:
    # [sigv4] the signature covers the payload's SHA-256: another body no longer matches it.
    answer = _send(app, "POST", "iam-items", {"name": "Ann"}, sign=True, sent_body=b'{"name": "Eve"}')
    assert answer.status == 403
    assert answer.body["error"]["code"] == "INVALID_SIGNATURE"
    assert answer.body["error"]["message"].startswith(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    )
    assert answer.error_type == "InvalidSignatureException"


def test_iam_method_answers_an_unknown_access_key_403_invalid_security_token(app: LocalApp) -> None:
    # [sigv4] AWS looks the access key up before it checks the signature.
    url = app.api_url() + "iam-items"
    headers = sign_headers(
        "GET",
        url,
        {"Content-Type": "application/json"},
        b"",
        access_key_id="AKIAUNKNOWNLOCALKEY0",
        secret_access_key="not-a-known-secret",
        region=REGION,
    )
    request = urllib.request.Request(url, method="GET", headers=headers)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=60)
    assert raised.value.code == 403
    assert json.loads(raised.value.read()) == _envelope(
        "INVALID_SIGNATURE", "The security token included in the request is invalid."
    )


def test_iam_method_answers_temporary_credentials_without_their_session_token_403(app: LocalApp) -> None:
    # [sigv4] temporary credentials sign with their session token (X-Amz-Security-Token); without
    # it AWS does not recognize them.
    credentials = app.cloud.authorization.credentials_for(app.outputs["GrantedRoleArn"], "local-client")
    url = app.api_url() + "iam-items"
    headers = sign_headers(
        "GET",
        url,
        {"Content-Type": "application/json"},
        b"",
        access_key_id=credentials.access_key_id,
        secret_access_key=credentials.secret_access_key,
        region=REGION,
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(urllib.request.Request(url, method="GET", headers=headers), timeout=60)
    assert raised.value.code == 403
    assert json.loads(raised.value.read()) == _envelope(
        "INVALID_SIGNATURE", "The security token included in the request is invalid."
    )


def test_iam_method_serves_a_granted_role_and_passes_its_session_arn_as_user_arn(app: LocalApp) -> None:
    # [iam] grant_invoke's execute-api:Invoke allows the role; [proxy] API Gateway fills
    # requestContext.identity.userArn with the caller's ARN. The CrudApi handler answers nothing of
    # it, but keys Idempotency-Key records by [resource, key, caller] (Powertools idempotency:
    # "<prefix>#" + MD5 of the JSON): the record's id proves which userArn the handler received.
    role = app.outputs["GrantedRoleArn"]
    answer = _send(app, "POST", "iam-items", {"name": "Role"}, sign=role, headers={"Idempotency-Key": "who-am-i"})
    assert answer.status == 201, answer.body
    caller = json.dumps(["iam-items", "who-am-i", _session_arn(role)], sort_keys=True)
    record_id = "crud-api-create#" + hashlib.md5(caller.encode()).hexdigest()  # Powertools' key hash
    table = app.table_name("IamItems/Api/IdempotencyTable")
    record = app.client("dynamodb").get_item(TableName=table, Key={"id": {"S": record_id}})
    assert "Item" in record, f"no idempotency record for caller {_session_arn(role)}"


def test_iam_method_answers_a_role_without_the_grant_403_access_denied_and_records_it(app: LocalApp) -> None:
    # [iam] without an Allow of execute-api:Invoke on the method ARN the caller is denied;
    # [responses] ACCESS_DENIED is 403, its message names the caller, the action and the method ARN.
    role = app.outputs["UngrantedRoleArn"]
    arn = _method_arn(app, "GET", "/iam-items")
    answer = _send(app, "GET", "iam-items", sign=role)
    assert answer.status == 403
    assert answer.body == _envelope(
        "ACCESS_DENIED",
        f"User: {_session_arn(role)} is not authorized to perform: execute-api:Invoke on resource: {arn}",
    )
    assert answer.error_type == "AccessDeniedException"
    assert any(
        denial.principal == _session_arn(role)
        and (denial.action, denial.resource, denial.origin) == ("execute-api:Invoke", arn, "api")
        for denial in app.cloud.denials()
    ), [str(denial) for denial in app.cloud.denials()]


# -- the Lambda permission of the integration -------------------------------------------------
def test_method_whose_function_lacks_the_lambda_permission_answers_500_and_records_it(
    without_permission: LocalApp,
) -> None:
    # [permission] API Gateway invokes the function only if its resource policy allows
    # apigateway.amazonaws.com: without it "Invalid permissions on Lambda function", 500.
    answer = _send(without_permission, "GET", "items", sign=True)
    assert (answer.status, answer.body) == (500, _envelope("API_CONFIGURATION_ERROR", "Internal server error"))
    function = without_permission.resource("Items/Api/ReadFunction", "AWS::Lambda::Function").physical_id
    assert any(
        denial.principal == "apigateway.amazonaws.com"
        and denial.action == "lambda:InvokeFunction"
        and denial.resource.endswith(f":function:{function}")
        for denial in without_permission.cloud.denials()
    ), [str(denial) for denial in without_permission.cloud.denials()]


def test_method_whose_function_kept_its_lambda_permission_still_answers(without_permission: LocalApp) -> None:
    # [permission] the permission is per function: the write function kept its own.
    answer = _send(without_permission, "POST", "items", {"name": "Ann"}, sign=True)
    assert answer.status == 201, answer.body


def test_a_permission_added_or_removed_at_run_time_counts_at_once(without_permission: LocalApp) -> None:
    # [permission] AddPermission/RemovePermission change the function's resource policy; API Gateway's
    # next call is decided by the new policy (the local cloud forgets what it remembered).
    lambda_client = without_permission.client("lambda")
    function = without_permission.function_name("Items/Api/ReadFunction")
    lambda_client.add_permission(
        FunctionName=function,
        StatementId="late-grant",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
    )
    assert _send(without_permission, "GET", "items", sign=True).status == 200
    lambda_client.remove_permission(FunctionName=function, StatementId="late-grant")
    assert _send(without_permission, "GET", "items", sign=True).status == 500


# -- Cognito user pool authorizer -------------------------------------------------------------
def _id_token(app: LocalApp, user_pool: UserPool, username: str) -> str:
    # [admin-auth] the admin API signs a user in on the server side with ADMIN_USER_PASSWORD_AUTH.
    idp = app.client("cognito-idp")
    pool, client = user_pool.pool_id, user_pool.client_id
    idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return str(tokens["IdToken"])


def test_cognito_method_answers_a_request_without_a_token_401(app: LocalApp) -> None:
    # [cognito] the identity token goes in the Authorization header; [responses] UNAUTHORIZED is 401.
    answer = _send(app, "GET", "cognito-items")
    assert (answer.status, answer.body) == (401, _envelope("UNAUTHORIZED", "Unauthorized"))
    assert answer.error_type == "UnauthorizedException"


def test_cognito_method_serves_an_id_token_of_its_user_pool(app: LocalApp, user_pool: UserPool) -> None:
    # [cognito] an identity token of the authorizer's user pool, without scopes on the method.
    token = _id_token(app, user_pool, "ann")
    created = _send(app, "POST", "cognito-items", {"name": "Ann"}, headers={"Authorization": token})
    assert created.status == 201, created.body
    listed = _send(app, "GET", "cognito-items", headers={"Authorization": token})
    assert listed.status == 200, listed.body


def test_cognito_method_answers_a_tampered_token_401(app: LocalApp, user_pool: UserPool) -> None:
    # [cognito] API Gateway verifies the token's signature with the pool's keys: changed claims fail it.
    header, payload, signature = _id_token(app, user_pool, "mallory").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    answer = _send(app, "GET", "cognito-items", headers={"Authorization": f"{header}.{forged}.{signature}"})
    assert (answer.status, answer.body) == (401, _envelope("UNAUTHORIZED", "Unauthorized"))


# -- Lambda TOKEN authorizer ------------------------------------------------------------------
def _authorizer_invocations(app: LocalApp) -> int:
    """How many times the TOKEN authorizer ran (its handler prints one line per invocation)."""
    name = app.function_name("TokenAuthorizerFunction")
    assert app.cloud.runtime is not None
    group = app.cloud.runtime.log_groups.get(name, f"/aws/lambda/{name}")  # its LoggingConfig's group
    logs = app.client("logs")
    count = 0
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            count += sum("authorizer invoked:" in event["message"] for event in page["events"])
    except logs.exceptions.ResourceNotFoundException:  # the group appears with the first invocation
        return 0
    return count


def test_token_authorizer_allow_policy_lets_the_request_through(app: LocalApp) -> None:
    # [lambda-authorizer] [output] an Allow of execute-api:Invoke on the method ARN.
    answer = _send(app, "GET", "token-items", headers={"Authorization": "allow"})
    assert answer.status == 200, answer.body
    assert answer.body["items"] == []


def test_token_authorizer_explicit_deny_answers_403(app: LocalApp) -> None:
    # [output] a Deny statement on the method; [deny] "... with an explicit deny", 403 ACCESS_DENIED.
    answer = _send(app, "GET", "token-items", headers={"Authorization": "deny"})
    assert (answer.status, answer.body) == (
        403,
        _envelope("ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny"),
    )
    assert answer.error_type == "AccessDeniedException"


def test_token_authorizer_failing_with_unauthorized_answers_401(app: LocalApp) -> None:
    # [lambda-authorizer] an authorizer that fails with "Unauthorized" makes API Gateway answer 401.
    answer = _send(app, "GET", "token-items", headers={"Authorization": "unauthorized"})
    assert (answer.status, answer.body) == (401, _envelope("UNAUTHORIZED", "Unauthorized"))


def test_token_authorizer_output_without_a_policy_answers_500(app: LocalApp) -> None:
    # [output] principalId and policyDocument are required; [responses] AUTHORIZER_CONFIGURATION_ERROR is 500.
    before = _authorizer_invocations(app)
    answer = _send(app, "GET", "token-items", headers={"Authorization": "broken"})
    assert (answer.status, answer.body) == (500, _envelope("AUTHORIZER_CONFIGURATION_ERROR", None))
    assert answer.error_type == "AuthorizerConfigurationException"
    assert _authorizer_invocations(app) == before + 1, "the 500 must come from the authorizer's answer"


def test_token_authorizer_is_not_invoked_without_its_identity_source(app: LocalApp) -> None:
    # [authorizer] identitySource: a request without the header is 401 and the authorizer does not run.
    before = _authorizer_invocations(app)
    answer = _send(app, "GET", "token-items")
    assert (answer.status, answer.body) == (401, _envelope("UNAUTHORIZED", "Unauthorized"))
    assert _authorizer_invocations(app) == before
