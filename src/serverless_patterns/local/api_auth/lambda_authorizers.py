"""Lambda authorizers: the method ARN, the TOKEN and REQUEST events, identity sources and the response."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from serverless_patterns.local.api_auth.refusals import (
    authorizer_configuration_error,
    unauthorized,
)


# -- Lambda authorizers -------------------------------------------------------------------------
def method_arn(  # noqa: PLR0917 - the parts of the ARN, in its order
    region: str, account: str, api_id: str, stage: str, http_method: str, resource_path: str
) -> str:
    """The ``methodArn`` of a request: the stage, method and *request* path (parameter values filled in).

    The root path gives ``.../GET/`` (https://github.com/aws/chalice/pull/1552); path parameter
    values are part of the ARN, which is why its length depends on the request
    (api-gateway-lambda-authorizer-output.html).

    Examples
    --------
    >>> method_arn("us-east-1", "123456789012", "abc123", "prod", "get", "/items/42")
    'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/42'
    >>> method_arn("us-east-1", "123456789012", "abc123", "prod", "GET", "/")
    'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/'
    """
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{http_method.upper()}/{resource_path.lstrip('/')}"


def token_authorizer_event(method_arn: str, token: str) -> dict[str, Any]:
    """The event a ``TOKEN`` Lambda authorizer receives.

    Examples
    --------
    >>> token_authorizer_event("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/", "allow")
    {'type': 'TOKEN', 'authorizationToken': 'allow',
     'methodArn': 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/'}
    """
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def request_authorizer_event(
    method_arn: str,
    *,
    resource: str,
    path: str,
    http_method: str,
    headers: Mapping[str, str],
    multi_value_headers: Mapping[str, Sequence[str]],
    query: Mapping[str, str],
    multi_value_query: Mapping[str, Sequence[str]],
    path_parameters: Mapping[str, str],
    stage_variables: Mapping[str, str],
    request_context: Mapping[str, Any],
) -> dict[str, Any]:
    """The event a ``REQUEST`` Lambda authorizer receives: the request's parameters and context.

    Examples
    --------
    >>> event = request_authorizer_event(
    ...     "arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/request", resource="/request",
    ...     path="/request", http_method="GET", headers={"HeaderAuth1": "headerValue1"},
    ...     multi_value_headers={"HeaderAuth1": ["headerValue1"]}, query={"QueryString1": "queryValue1"},
    ...     multi_value_query={"QueryString1": ["queryValue1"]}, path_parameters={},
    ...     stage_variables={"StageVar1": "stageValue1"}, request_context={"stage": "test"})
    >>> list(event)
    ['type', 'methodArn', 'resource', 'path', 'httpMethod', 'headers', 'multiValueHeaders', 'queryStringParameters',
     'multiValueQueryStringParameters', 'pathParameters', 'stageVariables', 'requestContext']
    """
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": resource,
        "path": path,
        "httpMethod": http_method,
        "headers": dict(headers),
        "multiValueHeaders": {name: list(values) for name, values in multi_value_headers.items()},
        "queryStringParameters": dict(query),
        "multiValueQueryStringParameters": {name: list(values) for name, values in multi_value_query.items()},
        "pathParameters": dict(path_parameters),
        "stageVariables": dict(stage_variables),
        "requestContext": dict(request_context),
    }


def identity_source_values(
    identity_source: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    stage_variables: Mapping[str, str],
    context: Mapping[str, Any],
) -> list[str] | None:
    """The values of an authorizer's identity sources, or ``None`` when one is missing or empty.

    ``None`` means API Gateway answers 401 without invoking the authorizer (API_Authorizer.html
    ``identitySource``). Headers match case-insensitively; ``context.a.b`` reads nested context.

    Raises
    ------
    ValueError
        For an expression that is not a header, query string, stage variable or context source.

    Examples
    --------
    >>> identity_source_values("method.request.header.Authorization, method.request.querystring.tenant",
    ...                        {"authorization": "token"}, {"tenant": "t1"}, {}, {})
    ['token', 't1']
    >>> identity_source_values("method.request.header.Authorization", {}, {}, {}, {}) is None
    True
    """
    lower_headers = {name.lower(): value for name, value in headers.items()}
    values: list[str] = []
    for expression in (part.strip() for part in identity_source.split(",")):
        value: Any
        if expression.startswith("method.request.header."):
            value = lower_headers.get(expression.removeprefix("method.request.header.").lower())
        elif expression.startswith("method.request.querystring."):
            value = query.get(expression.removeprefix("method.request.querystring."))
        elif expression.startswith("stageVariables."):
            value = stage_variables.get(expression.removeprefix("stageVariables."))
        elif expression.startswith("context."):
            value = context
            for key in expression.removeprefix("context.").split("."):
                value = value.get(key) if isinstance(value, Mapping) else None
        else:
            raise ValueError(
                f"identity source must be a header, query string, stage variable or context, got {expression!r}"
            )
        if value is None or value == "":
            return None
        values.append(str(value))
    return values


def token_matches_validation(token: str, regex: str | None) -> bool:
    """Whether a ``TOKEN`` authorizer's token passes its ``IdentityValidationExpression``.

    A token that does not match gets 401 without the authorizer being invoked (API_Authorizer.html
    ``identityValidationExpression``). The whole token must match, as with Java's ``matches``.

    Examples
    --------
    >>> token_matches_validation("Bearer abc.def", r"Bearer [\\w.]+"), token_matches_validation("abc", r"Bearer .*")
    (True, False)
    """
    return not regex or re.fullmatch(regex, token) is not None


@dataclass(frozen=True)
class AuthorizerOutput:
    """A Lambda authorizer's answer: principal, policy document, context and usage plan key.

    Examples
    --------
    >>> AuthorizerOutput("user", {"Version": "2012-10-17", "Statement": []}, {}, None).principal_id
    'user'
    """

    principal_id: str
    policy_document: dict[str, Any]
    context: dict[str, str | int | float | bool]
    usage_identifier_key: str | None


def parse_authorizer_response(payload: Any, *, errored: bool, error_message: str | None) -> AuthorizerOutput:
    """Read a Lambda authorizer's output, or the refusal API Gateway gives for it.

    Parameters
    ----------
    payload
        The function's response: a dict, or its JSON as ``str``/``bytes``.
    errored, error_message
        Whether the function raised, and its ``errorMessage``.

    Raises
    ------
    GatewayError
        401 ``Unauthorized`` when the function failed with exactly ``Unauthorized``; 500
        ``AUTHORIZER_CONFIGURATION_ERROR`` for any other failure or an output without
        ``principalId`` and ``policyDocument``, or with a ``context`` value that is an object,
        an array or null (api-gateway-lambda-authorizer-output.html; the 401/500 split:
        https://github.com/auth0-samples/jwt-rsa-aws-custom-authorizer/pull/6).

    Examples
    --------
    >>> policy = {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
    ...           "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/"}]}
    >>> output = parse_authorizer_response({"principalId": "user", "policyDocument": policy, "context": {"tier": 1}},
    ...                                    errored=False, error_message=None)
    >>> output.principal_id, output.context
    ('user', {'tier': 1})
    >>> from serverless_patterns.local.api_auth import GatewayError
    >>> try:
    ...     parse_authorizer_response(None, errored=True, error_message="Unauthorized")
    ... except GatewayError as error:
    ...     print(error.status, error.body)
    401 {'message': 'Unauthorized'}
    """
    if errored:
        raise unauthorized() if error_message == "Unauthorized" else authorizer_configuration_error()
    if isinstance(payload, (bytes, str)):
        try:
            payload = json.loads(payload)
        except ValueError:
            raise authorizer_configuration_error() from None
    if not isinstance(payload, dict):
        raise authorizer_configuration_error()
    principal_id = payload.get("principalId")
    policy = payload.get("policyDocument")
    context = payload.get("context") or {}
    key = payload.get("usageIdentifierKey")
    valid = (
        isinstance(principal_id, str)
        and isinstance(policy, dict)
        and isinstance(policy.get("Statement"), (list, dict))
        and isinstance(context, dict)
        and all(isinstance(value, (str, int, float, bool)) for value in context.values())
        and (key is None or isinstance(key, str))
    )
    if not valid:
        raise authorizer_configuration_error()
    return AuthorizerOutput(str(principal_id), dict(policy), dict(context), key)  # type: ignore[arg-type]
