"""Reading an HTTP request: its signature, service and operation, then the checks its service's rule finds."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

from serverless_patterns.local.actions.requests import AwsRequest, NameLookup
from serverless_patterns.local.actions.rules import _RULE_OPERATIONS, _authorize, _Call
from serverless_patterns.local.actions.service_models import _operation, _path_style, _service


def parse_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    account: str = "123456789012",
    default_region: str = "us-east-1",
    lookup: NameLookup | None = None,
) -> AwsRequest | None:
    """Read the AWS API call an HTTP request makes, and what AWS authorizes for it; ``None`` if it is no API call.

    Parameters
    ----------
    method, path, query
        The request line: ``path`` as sent (percent-encoded), ``query`` without its ``?``.
    headers
        The request's headers, their names in any case.
    body
        The request's body.
    account, default_region
        The account of resources named without one, and the region of requests whose signature names none.
    lookup
        Turns secret names and KMS aliases into the ARNs AWS authorizes; without it those ARNs are guesses.

    Examples
    --------
    >>> request = parse_request(
    ...     "POST", "/2015-03-31/functions/checkout/invocations", "Qualifier=live",
    ...     {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/eu-west-1/lambda/aws4_request"},
    ...     b"{}",
    ... )
    >>> request.operation, request.access_key_id, request.region
    ('Invoke', 'AKIDEXAMPLE', 'eu-west-1')
    >>> request.authorizations[0].action, request.authorizations[0].resource
    ('lambda:InvokeFunction', 'arn:aws:lambda:eu-west-1:123456789012:function:checkout:live')
    >>> parse_request("GET", "/moto-api/data.json", "", {}, b"") is None
    True
    """
    if path.startswith("/moto-api"):
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    fields = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    access_key_id, region, signing_name = _signature(lowered, fields)
    if signing_name is None:
        # An unsigned call (Cognito's sign-in, a client without credentials) is still an API call when its target is.
        signing_name = _TARGET_PREFIXES.get(lowered.get("x-amz-target", "").rpartition(".")[0])
    if signing_name is None or signing_name == "execute-api" or not _SIGNING_NAME.match(signing_name):
        # execute-api signs calls to a deployed API, which the local API Gateway serves, not management calls.
        return None
    service = _service(signing_name)
    if service.prefix == "s3":
        path = _path_style(path, lowered.get("host", ""))
    operation, params = _operation(service, method, path, query=fields, headers=lowered, body=body)
    call = _Call(
        service.prefix, operation, params, region or default_region, account, lookup, method, path, fields, body
    )
    authorizations, known = _authorize(call)
    return AwsRequest(service.prefix, operation, access_key_id, call.region, tuple(authorizations), known)


# -- the signature ---------------------------------------------------------------------------------------------------
_CREDENTIAL = re.compile(r"Credential=([^/\s,]+)/\d{8}/([^,\s]+?)/aws4_request")
_SIGNATURE_VERSION_2 = re.compile(r"AWS ([^:\s]+):")
# What a signing name may be before it names a botocore model to load (they are letters, digits and dashes).
_SIGNING_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# X-Amz-Target prefix -> signing name, for unsigned requests (a test checks them against botocore's models).
_TARGET_PREFIXES = {
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodb",
    "AmazonSQS": "sqs",
    "AWSEvents": "events",
    "AWSStepFunctions": "states",
    "Logs_20140328": "logs",
    "TrentService": "kms",
    "secretsmanager": "secretsmanager",
    "AmazonSSM": "ssm",
    "GraniteServiceVersion20100801": "monitoring",
    "AWSCognitoIdentityProviderService": "cognito-idp",
}


def _signature(headers: Mapping[str, str], query: Mapping[str, str]) -> tuple[str | None, str | None, str | None]:
    """The access key, region and signing name of the signature in the headers or in a presigned query string."""
    authorization = headers.get("authorization", "")
    match = _CREDENTIAL.search(authorization)
    if match is None and "X-Amz-Credential" in query:
        match = _CREDENTIAL.search("Credential=" + query["X-Amz-Credential"])
    if match is not None:
        # SigV4 scopes are AKID/date/region/service/aws4_request; SigV4a's have no region.
        *region, signing_name = match.group(2).split("/")
        return match.group(1), region[-1] if region else None, signing_name
    # Signature version 2 lives on in S3 alone: boto3 still presigns S3 URLs with it unless told s3v4.
    version_2 = _SIGNATURE_VERSION_2.match(authorization)
    if version_2 is not None:
        return version_2.group(1), None, "s3"
    if "AWSAccessKeyId" in query and "Signature" in query:
        return query["AWSAccessKeyId"], None, "s3"
    return None, None, None


_RULE_OPERATIONS |= {"DisableRule": "Name", "PutTargets": "Rule", "RemoveTargets": "Rule", "ListTargetsByRule": "Rule"}
