"""A route's authorization on the local HTTP API: IAM (SigV4), JWT and Lambda (``REQUEST``) authorizers.

Each is applied as the HTTP API pages describe, and refused with the HTTP API's bodies, which
differ from a REST API's (no gateway responses, no ``x-amzn-ErrorType``):

* IAM: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html ;
  an unsigned or ungranted caller gets ``403 {"message":"Forbidden"}``, the service's answer quoted
  in https://github.com/aws/aws-cdk/issues/21182. Whether a badly signed request gets the REST
  wording instead was not found: it is ``Forbidden`` here too.
* JWT: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
  (the token, with or without ``Bearer``; RSA signature by a key of the issuer's JWKS; ``iss``;
  ``aud``, else ``client_id``; ``exp``, ``nbf``, ``iat``; a route's scopes against ``scope``/``scp``);
  a token that fails a check is ``401 {"message":"Unauthorized"}``, one without a route's scope
  ``403 {"message":"Forbidden"}`` (the split as the service answers; the page names no status).
* Lambda: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
  (payload 2.0 and 1.0 events, simple ``{"isAuthorized": ...}`` and IAM policy responses, identity
  sources and caching by them for the TTL); a missing identity source is 401 without invoking the
  function, a refusal 403 ``Forbidden``, a failed authorizer 500 ``Internal Server Error``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from serverless_patterns.local import _moto
from serverless_patterns.local.api_auth import GatewayError, verify_sigv4
from serverless_patterns.local.http_payloads import (
    HttpRequest,
    forbidden,
    internal_error,
    unauthorized,
)

if TYPE_CHECKING:
    from serverless_patterns.local.authorization import Authorization
    from serverless_patterns.local.http_apis import HttpApi, HttpAuthorizer, HttpRoute
    from serverless_patterns.local.runtime import LambdaRuntime

_JWKS_SECONDS = 300.0


def route_arn(region: str, account: str, request: HttpRequest) -> str:
    """The ARN IAM and Lambda authorizer policies are matched against: ``<api>/<stage>/<METHOD>/<path>``.

    Examples
    --------
    >>> request = HttpRequest("GET", "/items/4", "", [], b"", "127.0.0.1", "a1b2c3d4e5", "$default", "GET /items/{id}")
    >>> route_arn("us-east-1", "123456789012", request)
    'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/GET/items/4'
    """
    path = request.path.lstrip("/")
    return f"arn:aws:execute-api:{region}:{account}:{request.api_id}/{request.stage}/{request.method}/{path}"


@dataclass
class _Cached:
    expires: float
    allowed: bool
    context: dict[str, Any]
    policy: dict[str, Any] | None = None


@dataclass
class HttpRouteAuthorization:
    """Authorizes requests to HTTP API routes; keeps Lambda authorizer answers and issuers' key sets for a while."""

    account_id: str
    region: str
    authorization: Authorization
    runtime: LambdaRuntime
    _cache: dict[tuple[str, tuple[str, ...]], _Cached] = field(default_factory=dict)
    _jwks: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def authorize(self, api: HttpApi, route: HttpRoute, request: HttpRequest) -> dict[str, Any] | None:
        """Apply the route's authorization; return the event's ``requestContext.authorizer`` (2.0 shape), or raise."""
        kind = route.authorization
        if kind == "AWS_IAM":
            return {"iam": self._iam(request)}
        if kind in {"JWT", "CUSTOM"} and route.authorizer is None:
            raise internal_error()  # AWS cannot deploy such a route; never serve it unauthorized
        if kind == "JWT":
            assert route.authorizer is not None
            return {"jwt": self._jwt(route.authorizer, route.scopes, request)}
        if kind == "CUSTOM":
            assert route.authorizer is not None
            return {"lambda": self._lambda(api, route.authorizer, request)}
        return None

    # -- IAM ----------------------------------------------------------------------------------
    def _iam(self, request: HttpRequest) -> dict[str, Any]:
        try:
            signed = verify_sigv4(
                request.method,
                request.wire_path,
                request.raw_query,
                request.headers,
                request.body,
                secret_for=self.authorization.secret_for,
                region=self.region,
            )
        except GatewayError:
            raise forbidden() from None
        principal = self.authorization.principal_for_key(signed.access_key_id)
        if principal is None:  # the local administrator: the account's own credentials
            return _iam_context(signed.access_key_id, self.account_id, f"arn:aws:iam::{self.account_id}:root")
        minted = self.authorization.credentials_for(str(principal.role_arn), principal.arn.rsplit("/", 1)[-1])
        if signed.session_token != minted.session_token:
            raise forbidden()
        arn = route_arn(self.region, self.account_id, request)
        if not self.authorization.check(principal, "execute-api:Invoke", arn, origin="api").allowed:
            raise forbidden()
        return _iam_context(signed.access_key_id, self.account_id, principal.arn)

    # -- JWT ----------------------------------------------------------------------------------
    def _jwt(self, authorizer: HttpAuthorizer, scopes: list[str], request: HttpRequest) -> dict[str, Any]:
        from joserfc import jwk, jwt
        from joserfc.errors import JoseError

        values = identity_values(authorizer.identity_source, request)
        if not values or authorizer.issuer is None:
            raise unauthorized()
        token = values[0].removeprefix("Bearer ").strip()
        try:
            key_set = jwk.KeySet.import_key_set(self._key_set(authorizer.issuer))  # type: ignore[arg-type]
            claims = dict(jwt.decode(token, key_set, algorithms=["RS256", "RS384", "RS512"]).claims)
        except (JoseError, ValueError, TypeError, KeyError, OSError):
            raise unauthorized() from None
        now = time.time()
        audience = claims.get("aud", claims.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        checks = (
            claims.get("iss") == authorizer.issuer,
            any(item in authorizer.audience for item in audiences),
            isinstance(claims.get("exp"), (int, float)) and claims["exp"] > now,
            not isinstance(claims.get("nbf"), (int, float)) or claims["nbf"] <= now,
            not isinstance(claims.get("iat"), (int, float)) or claims["iat"] <= now + 300,
        )
        if not all(checks):
            raise unauthorized()
        granted = str(claims.get("scope", claims.get("scp", ""))).split()
        if scopes and not set(granted) & set(scopes):
            raise forbidden()
        return {"claims": {name: _claim_text(value) for name, value in claims.items()}, "scopes": granted or None}

    def _key_set(self, issuer: str) -> dict[str, Any]:
        """The issuer's JWKS: a user pool of this moto, else ``jwks_uri`` of its OpenID configuration."""
        prefix = "https://cognito-idp."
        if issuer.startswith(prefix) and ".amazonaws.com/" in issuer:
            region = issuer.removeprefix(prefix).split(".", 1)[0]
            return _moto.cognito_jwks(issuer.rsplit("/", 1)[-1], region, self.account_id)
        with self._lock:
            cached = self._jwks.get(issuer)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        configuration = _fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        keys = _fetch_json(str(configuration["jwks_uri"]))
        with self._lock:
            self._jwks[issuer] = (time.monotonic() + _JWKS_SECONDS, keys)
        return keys

    # -- Lambda ---------------------------------------------------------------------------------
    def _lambda(self, api: HttpApi, authorizer: HttpAuthorizer, request: HttpRequest) -> dict[str, Any]:
        values = identity_values(authorizer.identity_source, request) if authorizer.identity_source else []
        if values is None:
            raise unauthorized()
        arn = route_arn(self.region, self.account_id, request)
        key = (authorizer.authorizer_id, tuple(values))
        caching = authorizer.ttl_seconds > 0 and bool(values)
        with self._lock:
            cached = self._cache.get(key) if caching else None
        if cached is None or cached.expires <= time.monotonic():
            cached = self._invoke_authorizer(api, authorizer, request, values, arn)
            if caching:
                with self._lock:
                    self._cache[key] = cached
        allowed = cached.allowed if cached.policy is None else _policy_allows(cached.policy, arn, self.account_id)
        if not allowed:
            raise forbidden()
        return dict(cached.context)

    def _invoke_authorizer(
        self, api: HttpApi, authorizer: HttpAuthorizer, request: HttpRequest, values: list[str], arn: str
    ) -> _Cached:
        if authorizer.function_name is None or authorizer.function_arn is None:
            raise internal_error()
        prefix = f"arn:aws:execute-api:{self.region}:{self.account_id}"
        source = f"{prefix}:{api.api_id}/authorizers/{authorizer.authorizer_id}"
        permitted = self.authorization.check_service(
            "apigateway.amazonaws.com",
            "lambda:InvokeFunction",
            authorizer.function_arn,
            source_arn=source,
            origin="api",
        )
        function = _moto.get_function(self.account_id, self.region, authorizer.function_name)
        if not permitted.allowed or function is None:
            raise internal_error()
        event = authorizer_event(authorizer, request, values, arn, self.account_id)
        invocation = self.runtime.run(function, event)
        payload = invocation.payload
        if isinstance(payload, (str, bytes)):
            try:
                payload = json.loads(payload)
            except ValueError:
                raise internal_error() from None
        if invocation.errored or not isinstance(payload, dict):
            raise internal_error()
        expires = time.monotonic() + authorizer.ttl_seconds
        context = payload.get("context") or {}
        if not isinstance(context, dict):
            raise internal_error()
        simple = authorizer.simple_responses and authorizer.payload_format_version == "2.0"
        if simple:
            if not isinstance(payload.get("isAuthorized"), bool):
                raise internal_error()
            return _Cached(expires, payload["isAuthorized"], context)
        policy = payload.get("policyDocument")
        if not isinstance(payload.get("principalId"), str) or not isinstance(policy, dict):
            raise internal_error()
        return _Cached(expires, False, {"principalId": payload["principalId"], **context}, policy)


def identity_values(sources: list[str], request: HttpRequest) -> list[str] | None:
    """The values of an authorizer's identity sources (``None``: one is missing or empty).

    Examples
    --------
    >>> request = HttpRequest("GET", "/", "tenant=t1", [("Authorization", "token")], b"", "1.2.3.4", "a", "$default",
    ...                       "GET /")
    >>> identity_values(["$request.header.Authorization", "$request.querystring.tenant"], request)
    ['token', 't1']
    >>> identity_values(["$request.header.X-Missing"], request) is None
    True
    """
    headers = request.joined_headers
    query = request.joined_query
    context = request.request_context("")
    values: list[str] = []
    for source in sources:
        value: Any = None
        if source.startswith("$request.header."):
            value = headers.get(source.removeprefix("$request.header.").lower())
        elif source.startswith("$request.querystring."):
            value = query.get(source.removeprefix("$request.querystring."))
        elif source.startswith("$context."):
            value = context
            for part in source.removeprefix("$context.").split("."):
                value = value.get(part) if isinstance(value, dict) else None
        if value is None or value == "":
            return None
        values.append(str(value))
    return values


def authorizer_event(
    authorizer: HttpAuthorizer, request: HttpRequest, values: list[str], arn: str, account_id: str
) -> dict[str, Any]:
    """The event a Lambda authorizer receives: payload format 2.0 (``routeArn``, ``identitySource`` list) or 1.0."""
    if authorizer.payload_format_version == "2.0":
        from serverless_patterns.local.http_payloads import event_v2

        event = event_v2(request, account_id, None)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        return {"version": "2.0", "type": "REQUEST", "routeArn": arn, "identitySource": values, **event}
    from serverless_patterns.local.http_payloads import event_v1

    event = event_v1(request, account_id, None)
    for name in ("body", "isBase64Encoded", "version"):
        event.pop(name, None)
    joined = ",".join(values)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": arn,
        "identitySource": joined,
        "authorizationToken": joined,
        **event,
    }


def _policy_allows(document: dict[str, Any], arn: str, account_id: str) -> bool:
    from serverless_patterns.local.policy import Policy, PolicyError, Principal, Request, evaluate

    try:
        policy = Policy.parse("policy returned by a Lambda authorizer", document)
    except PolicyError:
        raise internal_error() from None
    caller = Principal.account_root(account_id)
    return evaluate(Request(caller, "execute-api:Invoke", arn, {}), identity=[policy]).allowed


def _iam_context(access_key: str, account_id: str, user_arn: str) -> dict[str, Any]:
    # requestContext.authorizer.iam of a 2.0 event (http-api-develop-integrations-lambda.html)
    return {
        "accessKey": access_key,
        "accountId": account_id,
        "callerId": access_key,
        "cognitoIdentity": None,
        "principalOrgId": None,
        "userArn": user_arn,
        "userId": access_key,
    }


def _claim_text(value: Any) -> str:
    # Claims reach the integration as strings; a list reads "[a b]" as the service writes it (not verified).
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict) else str(value)


def _fetch_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:  # the template's issuer, as AWS fetches it
        document = json.loads(response.read())
    if not isinstance(document, dict):
        raise ValueError(f"{url} did not answer a JSON object")
    return document
