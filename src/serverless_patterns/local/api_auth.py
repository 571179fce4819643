"""Authorization building blocks of the local API Gateway: SigV4, Cognito user pool tokens, Lambda authorizers.

The router (:mod:`serverless_patterns.local.apigateway`) calls these to authorize a request as
API Gateway does for a REST API method; the evaluation of IAM and authorizer policy documents
lives elsewhere. Every failure is a :class:`GatewayError` carrying API Gateway's *default*
gateway response (status, body, ``x-amzn-ErrorType``); the router applies an API's own
gateway responses on top (:mod:`serverless_patterns.local.gateway_responses`).

Sources, one per behaviour (the tests cite the same pages):

* Gateway response types and their default status codes:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
* SigV4 canonical request and signing key:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html ;
  the five-minute window: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
* Lambda authorizer input and output:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html ,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
* Identity sources, Cognito scopes: https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html ,
  https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html ,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
* Deny messages: https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer

AWS documents the status codes but not the error messages; those are taken from responses of
the real service quoted in public issues, named where they are encoded.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote

_ALGORITHM = "AWS4-HMAC-SHA256"
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# AWS accepts a request whose time stamp is within five minutes of its clock (reference_sigv.html).
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(eq=False)
class GatewayError(Exception):
    """An API Gateway refusal: the default gateway response of one response type.

    Not frozen: Python assigns ``__context__``/``__traceback__`` on exceptions as they travel
    (``contextlib`` does it with plain attribute assignment), which a frozen dataclass forbids.

    Examples
    --------
    >>> error = unauthorized()
    >>> error.status, error.response_type, error.body, error.error_type
    (401, 'UNAUTHORIZED', {'message': 'Unauthorized'}, 'UnauthorizedException')
    >>> str(error)
    '401 UNAUTHORIZED: Unauthorized'
    """

    status: int
    response_type: str
    body: dict[str, Any]
    error_type: str
    validation_error_string: str | None = None
    """``$context.error.validationErrorString``: the validator's detail of a ``BAD_REQUEST_BODY``."""

    def __post_init__(self) -> None:
        super().__init__(self.status, self.response_type, self.body, self.error_type)

    def __str__(self) -> str:
        message = self.body.get("message", self.body.get("Message"))
        return f"{self.status} {self.response_type}: {message}"


def missing_authentication_token() -> GatewayError:
    """403 ``MISSING_AUTHENTICATION_TOKEN``: no signature at all (also API Gateway's answer to an unknown route).

    Body and ``x-amzn-ErrorType`` as AWS sends them: https://github.com/aws/chalice/issues/12

    Examples
    --------
    >>> missing_authentication_token().body
    {'message': 'Missing Authentication Token'}
    """
    return GatewayError(
        403,
        "MISSING_AUTHENTICATION_TOKEN",
        {"message": "Missing Authentication Token"},
        "MissingAuthenticationTokenException",
    )


def unauthorized() -> GatewayError:
    """401 ``UNAUTHORIZED``: an authorizer could not authenticate the caller (bad token, missing identity source).

    Examples
    --------
    >>> unauthorized().status
    401
    """
    return GatewayError(401, "UNAUTHORIZED", {"message": "Unauthorized"}, "UnauthorizedException")


def authorizer_configuration_error() -> GatewayError:
    """500 ``AUTHORIZER_CONFIGURATION_ERROR``: a Lambda authorizer failed or returned something unusable.

    AWS answers ``{"message": null}`` with ``x-amzn-ErrorType: AuthorizerConfigurationException``
    (https://github.com/auth0-samples/jwt-rsa-aws-custom-authorizer/pull/6,
    https://github.com/serverless/examples/issues/305).

    Examples
    --------
    >>> authorizer_configuration_error().body
    {'message': None}
    """
    return GatewayError(500, "AUTHORIZER_CONFIGURATION_ERROR", {"message": None}, "AuthorizerConfigurationException")


def access_denied(principal_label: str, resource_arn: str, *, explicit: bool) -> GatewayError:
    """403 ``ACCESS_DENIED`` for an IAM or resource policy that does not allow ``execute-api:Invoke``.

    ``principal_label`` is the caller's ARN, or ``anonymous`` for an unsigned caller. The body key
    is ``Message`` (capital M) in the service's raw responses
    (https://github.com/ASFHyP3/hyp3/issues/2283, https://github.com/serverless/serverless/issues/11808);
    the explicit-deny suffix is from https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer.

    Examples
    --------
    >>> access_denied("anonymous", "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/", explicit=True).body
    {'Message': 'User: anonymous is not authorized to perform: execute-api:Invoke on resource:
    arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/ with an explicit deny'}
    """
    message = f"User: {principal_label} is not authorized to perform: execute-api:Invoke on resource: {resource_arn}"
    return _denied(message, explicit=explicit)


def authorizer_denied(*, explicit: bool) -> GatewayError:
    """403 ``ACCESS_DENIED`` for a Lambda authorizer policy that does not allow the method.

    Wording from https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer;
    ``Message`` casing and ``AccessDeniedException`` as in AWS's own local emulator
    (aws/chalice ``chalice/local.py``) and https://github.com/aws/chalice/issues/1810.

    Examples
    --------
    >>> authorizer_denied(explicit=False).body
    {'Message': 'User is not authorized to access this resource'}
    """
    return _denied("User is not authorized to access this resource", explicit=explicit)


def _denied(message: str, *, explicit: bool) -> GatewayError:
    text = message + (" with an explicit deny" if explicit else "")
    return GatewayError(403, "ACCESS_DENIED", {"Message": text}, "AccessDeniedException")


def invalid_security_token() -> GatewayError:
    """403 for an access key AWS does not know, or temporary credentials without their session token.

    The message is the service's (https://github.com/kndt84/aws-api-gateway-client/issues/31);
    which gateway response type AWS files it under was not found: taken as INVALID_SIGNATURE.

    Examples
    --------
    >>> invalid_security_token().body
    {'message': 'The security token included in the request is invalid.'}
    """
    return GatewayError(
        403,
        "INVALID_SIGNATURE",
        {"message": "The security token included in the request is invalid."},
        "UnrecognizedClientException",
    )


def _incomplete_signature(message: str) -> GatewayError:
    # API Gateway has no response type of its own for IncompleteSignatureException; customizing
    # MISSING_AUTHENTICATION_TOKEN changes this answer (comment of 2020-05-03 on
    # https://github.com/amazon-archives/aws-cognito-angular-quickstart/issues/50).
    return GatewayError(403, "MISSING_AUTHENTICATION_TOKEN", {"message": message}, "IncompleteSignatureException")


def _invalid_signature(message: str) -> GatewayError:
    return GatewayError(403, "INVALID_SIGNATURE", {"message": message}, "InvalidSignatureException")


# -- SigV4 --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedBy:
    """Who signed a request that passed SigV4 verification.

    Examples
    --------
    >>> SignedBy("AKIDEXAMPLE", "us-east-1", "execute-api", None).access_key_id
    'AKIDEXAMPLE'
    """

    access_key_id: str
    region: str
    service: str
    session_token: str | None


def verify_sigv4(
    method: str,
    path: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    secret_for: Callable[[str], str | None],
    region: str,
    service: str = "execute-api",
    now: datetime | None = None,
) -> SignedBy:
    """Verify a request's SigV4 signature (``Authorization`` header or presigned query) as AWS does.

    The signature is recomputed from the request as received: ``path`` and ``query`` exactly as
    on the wire (still percent-encoded), the headers the client listed in ``SignedHeaders`` and
    the SHA-256 of ``body``. Non-S3 services hash the payload themselves, so an
    ``x-amz-content-sha256`` header counts only as a signed header.

    Parameters
    ----------
    secret_for
        The secret access key of an access key id, or ``None`` for an unknown key.
    region, service
        The credential scope the API expects.
    now
        The server's clock. Default: - the current time.

    Raises
    ------
    GatewayError
        403 with AWS's message: ``Missing Authentication Token``, an incomplete ``Authorization``
        header, a credential scoped to another region or service, an unknown access key, a
        time stamp outside the window, or a signature that does not match.

    Examples
    --------
    >>> url = "http://127.0.0.1:8080/abc123/prod/items"
    >>> signed = sign_headers("GET", url, {}, b"", access_key_id="AKIDEXAMPLE", secret_access_key="secret",
    ...                       region="us-east-1")
    >>> headers = [("Host", "127.0.0.1:8080"), *signed.items()]
    >>> verify_sigv4("GET", "/abc123/prod/items", "", headers, b"", secret_for={"AKIDEXAMPLE": "secret"}.get,
    ...              region="us-east-1")
    SignedBy(access_key_id='AKIDEXAMPLE', region='us-east-1', service='execute-api', session_token=None)
    >>> try:
    ...     verify_sigv4("GET", "/abc123/prod/items", "", [], b"", secret_for=lambda key: None, region="us-east-1")
    ... except GatewayError as error:
    ...     print(error.status, error.body)
    403 {'message': 'Missing Authentication Token'}
    """
    now = _utc(now or datetime.now(timezone.utc))
    header_values: dict[str, list[str]] = {}
    for name, value in headers:
        header_values.setdefault(name.lower(), []).append(value)
    query_pairs = [(unquote(key), unquote(value)) for key, value in _raw_query_pairs(query)]
    query_values = dict(query_pairs)
    authorization = header_values.get("authorization", [None])[0]
    if authorization is not None:
        fields = _authorization_fields(authorization, has_date="x-amz-date" in header_values or "date" in header_values)
        request_time = header_values["x-amz-date"][0] if "x-amz-date" in header_values else header_values["date"][0]
        session_token = header_values.get("x-amz-security-token", [None])[0]
        expires: int | None = None
    elif "X-Amz-Signature" in query_values:
        fields = _presigned_fields(query_values)
        request_time = fields["Date"]
        session_token = query_values.get("X-Amz-Security-Token")
        expires = _expires_seconds(fields["Expires"])
    else:
        raise missing_authentication_token()

    access_key_id, scope_date, scope_region, scope_service = _credential_scope(fields["Credential"])
    wrong_scope = (
        f"Credential should be scoped to a valid region, not '{scope_region}'. " if scope_region != region else ""
    ) + (f"Credential should be scoped to correct service: '{service}'. " if scope_service != service else "")
    if wrong_scope:  # https://github.com/Kong/insomnia/issues/830, https://github.com/ex-aws/ex_aws/issues/701
        raise _invalid_signature(wrong_scope)
    secret = secret_for(access_key_id)
    if secret is None:
        raise invalid_security_token()
    _check_time(_parse_request_time(request_time), now, expires)

    # The signature covers the query without X-Amz-Signature when that parameter carries it.
    signed_query = [(key, value) for key, value in query_pairs if expires is None or key != "X-Amz-Signature"]
    canonical_request = _canonical_request(
        method,
        path,
        signed_query,
        header_values,
        signed_headers_field=fields["SignedHeaders"],
        payload_hash=hashlib.sha256(body).hexdigest(),
    )
    scope = f"{scope_date}/{scope_region}/{scope_service}/aws4_request"
    string_to_sign = "\n".join(
        [_ALGORITHM, request_time, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
    )
    key = _signing_key(secret, scope)
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"].strip().lower()):
        # The service's full wording, with the strings it computed: https://github.com/mhart/aws4/issues/33
        raise _invalid_signature(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.\n\n"
            f"The Canonical String for this request should have been\n'{canonical_request}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n"
        )
    return SignedBy(access_key_id, scope_region, scope_service, session_token)


def _authorization_fields(authorization: str, *, has_date: bool) -> dict[str, str]:
    # Wording of API Gateway's IncompleteSignatureException messages, as the service sends them:
    # https://github.com/serverless/serverless/issues/3205, https://github.com/aws/chalice/issues/828
    value = authorization.strip()
    _, _, rest = value.partition(" ")
    fields: dict[str, str] = {}
    for part in (part.strip() for part in rest.split(",")):
        if not part:
            continue
        name, equals, field_value = part.partition("=")
        if not equals:
            raise _incomplete_signature(
                f"'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{value}'."
            )
        fields[name.strip()] = field_value.strip()
    missing = [
        f"Authorization header requires '{name}' parameter. "
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in fields
    ]
    if not has_date:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
    if missing:
        raise _incomplete_signature("".join(missing) + f"Authorization={value}")
    return fields


def _presigned_fields(query: Mapping[str, str]) -> dict[str, str]:
    names = ("Algorithm", "Credential", "Signature", "SignedHeaders", "Date", "Expires")
    missing = [name for name in names if f"X-Amz-{name}" not in query]
    if missing:
        # Wording recalled from AWS's answers to presigned requests, not verified against a source.
        raise _incomplete_signature(
            "".join(f"AWS query-string parameters must include 'X-Amz-{name}'. " for name in missing)
            + "Re-examine the query-string parameters."
        )
    return {name: query[f"X-Amz-{name}"] for name in names}


def _credential_scope(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        # Not verified against the service: AWS's wording for a malformed scope was not found.
        raise _incomplete_signature(
            f"Credential should be <access key>/<date>/<region>/<service>/aws4_request, not '{credential}'."
        )
    return parts[0], parts[1], parts[2], parts[3]


def _expires_seconds(value: str) -> int:
    # SigV4 presigned URLs live at most seven days (604800 seconds); the wording is ours.
    if not value.isdigit() or not 1 <= int(value) <= 604800:
        raise _incomplete_signature(f"X-Amz-Expires must be between 1 and 604800 seconds, not '{value}'.")
    return int(value)


@functools.lru_cache(maxsize=256)
def _signing_key(secret: str, scope: str) -> bytes:
    """The key derived from a secret for one scope (date, region, service), as the SDKs cache it."""
    key = ("AWS4" + secret).encode("utf-8")
    for part in scope.split("/"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _parse_request_time(value: str) -> datetime:
    if len(value) == 16 and value[8] == "T" and value[15] == "Z" and (value[:8] + value[9:15]).isdigit():
        # The usual X-Amz-Date (YYYYMMDD'T'HHMMSS'Z'), read without strptime: it is checked on every request.
        try:
            return datetime(
                int(value[:4]),
                int(value[4:6]),
                int(value[6:8]),
                int(value[9:11]),
                int(value[11:13]),
                int(value[13:15]),
                tzinfo=timezone.utc,
            )
        except ValueError:
            pass
    try:
        return datetime.strptime(value, _AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    try:  # the Date header (RFC 7231), which SigV4 accepts instead of X-Amz-Date
        return _utc(parsedate_to_datetime(value))
    except (TypeError, ValueError):
        # Not verified against the service: AWS's wording for an unreadable date was not found.
        raise _invalid_signature(
            f"Date must be in ISO-8601 'basic format' (YYYYMMDD'T'HHMMSS'Z'), not '{value}'."
        ) from None


def _check_time(request_time: datetime, now: datetime, expires: int | None) -> None:
    # Wording and window as API Gateway answers: https://github.com/aws-amplify/aws-sdk-android/issues/253
    # (expired) and https://github.com/NickWaterton/Roomba980-Python/issues/118 (not yet current).
    def stamp(moment: datetime) -> str:
        return moment.strftime(_AMZ_DATE_FORMAT)

    if request_time > now + _CLOCK_SKEW:
        raise _invalid_signature(
            f"Signature not yet current: {stamp(request_time)} is still later than {stamp(now + _CLOCK_SKEW)} "
            f"({stamp(now)} + 5 min.)"
        )
    # A presigned URL lives X-Amz-Expires seconds; its expiry wording was not found, so it reuses
    # the header one with the URL's lifetime in place of five minutes.
    window = _CLOCK_SKEW if expires is None else timedelta(seconds=expires)
    if request_time < now - window:
        span = "5 min." if expires is None else f"{expires} sec."
        raise _invalid_signature(
            f"Signature expired: {stamp(request_time)} is now earlier than {stamp(now - window)} "
            f"({stamp(now)} - {span})"
        )


def _canonical_request(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, Sequence[str]],
    *,
    signed_headers_field: str,
    payload_hash: str,
) -> str:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
    # "Create a canonical request": method, URI, sorted encoded query, the signed headers lowercased
    # with trimmed values (repeated headers comma-joined), their names, the payload hash.
    signed_headers = sorted({name.strip().lower() for name in signed_headers_field.split(";") if name.strip()})
    canonical_headers = "".join(
        f"{name}:{','.join(' '.join(value.split()) for value in headers.get(name, []))}\n" for name in signed_headers
    )
    canonical_query = "&".join(f"{key}={value}" for key, value in sorted((_encode(k), _encode(v)) for k, v in query))
    return "\n".join(
        [
            method.upper(),
            _canonical_uri(path),
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def _raw_query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((key, value))
    return pairs


def _encode(value: str) -> str:
    # SigV4 UriEncode: every byte but the unreserved characters, hex in capitals, space as %20.
    return quote(value, safe="-_.~")


def _canonical_uri(path: str) -> str:
    # Non-S3 services encode the path as sent once more ("each path segment ... twice" counting
    # the client's own encoding), after removing "." and ".." segments as RFC 3986 normalization
    # asks; empty segments go too, as AWS's SDKs sign them.
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    trailing = "/" if path.endswith("/") and segments else ""
    return "/" + "/".join(_encode(segment) for segment in segments) + trailing


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def sign_headers(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
    region: str,
    service: str = "execute-api",
) -> dict[str, str]:
    """The headers to send for a SigV4-signed request, signed with botocore as AWS's SDKs sign.

    ``url`` is the URL as it will be sent (path and query percent-encoded). The result holds
    ``headers`` plus ``Authorization``, ``X-Amz-Date`` and, with a session token,
    ``X-Amz-Security-Token``; the HTTP client adds ``Host`` itself.

    Examples
    --------
    >>> signed = sign_headers("POST", "http://127.0.0.1:8080/abc123/prod/items", {"Content-Type": "application/json"},
    ...                       b'{"id": 1}', access_key_id="AKIDEXAMPLE", secret_access_key="secret",
    ...                       session_token="token", region="us-east-1")
    >>> sorted(signed)
    ['Authorization', 'Content-Type', 'X-Amz-Date', 'X-Amz-Security-Token']
    >>> signed["Authorization"].split(", ")[1]
    'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token'
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method.upper(), url=url, headers=dict(headers), data=body)
    SigV4Auth(Credentials(access_key_id, secret_access_key, session_token), service, region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


# -- Cognito user pool authorizers --------------------------------------------------------------
def verify_cognito_token(
    token: str,
    *,
    user_pool_arns: Sequence[str],
    jwks: Mapping[str, Any],
    now: datetime | None = None,
    scopes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The claims of a Cognito user pool token that a ``COGNITO_USER_POOLS`` authorizer accepts.

    Without ``scopes`` (the method's ``AuthorizationScopes``) API Gateway treats the token as an
    identity token; with them, as an access token that must claim one of the scopes
    (apigateway-enable-cognito-user-pool.html, API_Method.html ``authorizationScopes``).

    Parameters
    ----------
    token
        The JWT from the authorizer's identity source header. Whether API Gateway also accepts
        it behind a ``Bearer`` prefix was not verified; the caller decides.
    user_pool_arns
        The authorizer's ``ProviderARNs``; the token's issuer must be one of these pools.
    jwks
        The public keys of those pools, as a JSON Web Key Set.

    Raises
    ------
    GatewayError
        401 ``{"message": "Unauthorized"}`` for a malformed, badly signed or expired token, a
        token of another pool, or a token of the wrong use or without a required scope.
    ValueError
        For a ``user_pool_arns`` entry that is not a user pool ARN.

    Examples
    --------
    >>> jwks = cognito_jwks("us-east-1_example", "us-east-1", "123456789012")
    >>> pools = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_example"]
    >>> try:
    ...     verify_cognito_token("not-a-jwt", user_pool_arns=pools, jwks=jwks)
    ... except GatewayError as error:
    ...     print(error.status, error.body)
    401 {'message': 'Unauthorized'}
    """
    from joserfc import jwk, jwt
    from joserfc.errors import JoseError

    issuers = {_issuer(arn) for arn in user_pool_arns}
    try:
        claims = dict(jwt.decode(token, jwk.KeySet.import_key_set(dict(jwks)), algorithms=["RS256"]).claims)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError):
        raise unauthorized() from None
    moment = _utc(now or datetime.now(timezone.utc))
    expires = claims.get("exp")
    if claims.get("iss") not in issuers or not isinstance(expires, (int, float)) or expires <= moment.timestamp():
        raise unauthorized()
    if scopes:
        claimed = str(claims.get("scope", "")).split()
        if claims.get("token_use") != "access" or not set(claimed) & set(scopes):
            raise unauthorized()
    elif claims.get("token_use") != "id":
        raise unauthorized()
    return claims


def _issuer(user_pool_arn: str) -> str:
    # arn:aws:cognito-idp:{region}:{account}:userpool/{pool id} -> the iss claim of its tokens
    parts = user_pool_arn.split(":")
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise ValueError(
            f"user pool ARN must be arn:<partition>:cognito-idp:<region>:<account>:userpool/<id>, got {user_pool_arn!r}"
        )
    return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5].removeprefix('userpool/')}"


def cognito_jwks(user_pool_id: str, region: str, account: str) -> dict[str, Any]:
    """The public JSON Web Key Set of a user pool in this process's moto (the keys its tokens are signed with).

    The public half of the key the pool signs with; for a pool moto does not hold, the set moto
    serves at ``/<user pool id>/.well-known/jwks.json`` (read through the moto adapter).

    Examples
    --------
    >>> [key["kid"] for key in cognito_jwks("us-east-1_unknown", "us-east-1", "123456789012")["keys"]]
    ['dummy']
    """
    from serverless_patterns.local import _moto

    return _moto.cognito_jwks(user_pool_id, region, account)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cognito_claims_context(claims: Mapping[str, Any]) -> dict[str, str]:
    """The ``requestContext.authorizer.claims`` API Gateway passes on for a verified Cognito token.

    Every value is a string; ``exp`` and ``iat`` read as dates, as in events the service sends
    (``"exp": "Sun Dec 17 07:28:12 UTC 2017"`` beside ``"auth_time": "1513492092"``). How the
    service writes list claims such as ``cognito:groups`` was not found; they are comma-joined.

    Examples
    --------
    >>> cognito_claims_context({"sub": "u1", "exp": 1513495692, "auth_time": 1513492092, "email_verified": True})
    {'sub': 'u1', 'exp': 'Sun Dec 17 07:28:12 UTC 2017', 'auth_time': '1513492092', 'email_verified': 'true'}
    """
    context: dict[str, str] = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, (int, float)):
            moment = datetime.fromtimestamp(int(value), timezone.utc)
            context[name] = (
                f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment:%d %H:%M:%S} UTC {moment.year}"
            )
        elif isinstance(value, bool):
            context[name] = "true" if value else "false"
        elif isinstance(value, float) and value.is_integer():
            context[name] = str(int(value))
        elif isinstance(value, (list, tuple)):
            context[name] = ",".join(str(item) for item in value)
        elif isinstance(value, dict):
            context[name] = json.dumps(value)
        else:
            context[name] = str(value)
    return context


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
