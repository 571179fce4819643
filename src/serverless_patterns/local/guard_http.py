"""The wire side of the request guard: a WSGI request's access key and body, and AWS's AccessDenied answer."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

_CREDENTIAL = re.compile(r"Credential=([A-Za-z0-9]+)/")


def _access_key(environ: Mapping[str, Any]) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION")
    if header:
        match = _CREDENTIAL.search(str(header))
        return match.group(1) if match else None
    query = environ.get("QUERY_STRING", "")
    if "X-Amz-Credential" in query:
        values = parse_qs(str(query)).get("X-Amz-Credential")
        if values:
            return str(values[0]).split("/", 1)[0]
    return None


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so that moto reads it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = stream.read(length) if stream is not None and length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _changes_policies(environ: Mapping[str, Any]) -> bool:
    """Whether an administrator's request may change what is cached: IAM policies or a function's permissions."""
    header = str(environ.get("HTTP_AUTHORIZATION", ""))
    if "/iam/aws4_request" in header:
        return True
    return "/lambda/aws4_request" in header and "/policy" in str(environ.get("PATH_INFO", ""))


_JSON_ERROR = {
    "sqs": "com.amazonaws.sqs#AccessDenied",
}


def access_denied_response(
    service: str, headers: Mapping[str, str], message: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """AWS's access-denied answer in the protocol the caller used (JSON, query/XML or REST).

    Examples
    --------
    >>> status, _, body = access_denied_response("dynamodb", {"x-amz-target": "DynamoDB_20120810.PutItem"}, "no")
    >>> status, json.loads(body)["__type"]
    ('400 Bad Request', 'com.amazonaws.dynamodb.v20120810#AccessDeniedException')
    """
    request_id = hashlib.sha256(f"{time.time()}{message}".encode()).hexdigest()[:32]
    if "x-amz-target" in headers:
        # AWS JSON protocols answer 400 with the error's shape id in __type; botocore reads the part after '#'.
        shape = _JSON_ERROR.get(service, f"com.amazonaws.{service}#AccessDeniedException")
        if service == "dynamodb":
            shape = "com.amazonaws.dynamodb.v20120810#AccessDeniedException"
        body = json.dumps({"__type": shape, "message": message, "Message": message}).encode()
        response_headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id)]
        if service == "sqs":
            response_headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
        return "400 Bad Request", response_headers, body
    if service == "s3":
        xml = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
            f"<Message>{_xml(message)}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return "403 Forbidden", [("Content-Type", "application/xml")], xml.encode()
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        code = "AuthorizationError" if service == "sns" else "AccessDenied"
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{_xml(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return "403 Forbidden", [("Content-Type", "text/xml")], xml.encode()
    body = json.dumps({"Type": "User", "message": message, "Message": message}).encode()
    return (
        "403 Forbidden",
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", "AccessDeniedException"),
            ("x-amzn-RequestId", request_id),
        ],
        body,
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
