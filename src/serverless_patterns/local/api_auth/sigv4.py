"""Signature Version 4: verifying a signed request (header or presigned URL) and signing one."""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from serverless_patterns.local.api_auth.refusals import (
    _incomplete_signature,
    _invalid_signature,
    invalid_security_token,
    missing_authentication_token,
)

_ALGORITHM = "AWS4-HMAC-SHA256"
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# AWS accepts a request whose time stamp is within five minutes of its clock (reference_sigv.html).
_CLOCK_SKEW = timedelta(minutes=5)


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
    >>> from serverless_patterns.local.api_auth import GatewayError
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
