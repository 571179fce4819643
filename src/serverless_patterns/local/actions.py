"""The IAM actions and resources AWS authorizes for one HTTP request, read from the request alone.

The local cloud puts IAM in front of moto's server: each request that handler code sends with boto3
(``AWS_ENDPOINT_URL`` pointing at moto) is mapped here to what AWS would check, ``dynamodb:PutItem`` on
``arn:aws:dynamodb:us-east-1:123456789012:table/Orders``, and the caller evaluates policies against that.

- The service comes from the SigV4 credential scope (``Credential=AKID/20250101/us-east-1/dynamodb/aws4_request``)
  of the ``Authorization`` header or of a presigned URL's ``X-Amz-Credential``.
- The operation comes from the request's shape as botocore's service model describes it: the ``X-Amz-Target``
  header (JSON protocols), the ``Action`` field (query protocols), the path (Smithy RPC v2 CBOR), or method and path
  matched against each operation's ``requestUri`` template (REST protocols), the most specific match winning.
- The IAM action is ``<prefix>:<Operation>`` except where AWS documents another (``_ACTION_NAMES``); each service's
  rule reads the resources from the request's parameters.

When no rule knows the resource the request still maps, to ``<prefix>:<Operation>`` on ``"*"`` with
``resource_known`` false: only a policy that allows the action on every resource allows it.

Examples
--------
>>> request = parse_request(
...     "POST", "/", "", {"X-Amz-Target": "AmazonSQS.SendMessageBatch"},
...     b'{"QueueUrl": "http://127.0.0.1:5000/123456789012/orders", "Entries": []}',
... )
>>> request.authorizations[0].action, request.authorizations[0].resource
('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:orders')
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.etree import ElementTree

__all__ = ["ActionOnResource", "AwsRequest", "NameLookup", "parse_request"]


@dataclass(frozen=True)
class ActionOnResource:
    """One check AWS makes for a request: an IAM action on a resource.

    Attributes
    ----------
    action
        The IAM action, ``"dynamodb:PutItem"``.
    resource
        The resource's ARN, or ``"*"`` when the action has no resource-level permissions.
    context
        Condition keys the request itself sets (``s3:prefix`` of a listing), where cheap to read.

    Examples
    --------
    >>> ActionOnResource("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:orders").resource
    'arn:aws:sqs:us-east-1:123456789012:orders'
    """

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AwsRequest:
    """An AWS API call read from an HTTP request, with every check AWS makes for it.

    Attributes
    ----------
    service
        The IAM service prefix (``"dynamodb"``, ``"states"``, ``"cloudwatch"``).
    operation
        The operation's name in botocore's model (``"PutItem"``), empty when no operation of the service matched.
    access_key_id
        The access key of the signature, ``None`` when unsigned.
    region
        The region of the credential scope, else the default region.
    authorizations
        Every check AWS makes: one per table of a batch over two tables, none for ``GetCallerIdentity``.
    resource_known
        False when a check fell back to ``"*"``, or to an ARN guessed without the backend's state.

    Examples
    --------
    >>> AwsRequest("sts", "GetCallerIdentity", "AKIDEXAMPLE", "us-east-1", (), True).authorizations
    ()
    """

    service: str
    operation: str
    access_key_id: str | None
    region: str
    authorizations: tuple[ActionOnResource, ...]
    resource_known: bool


class NameLookup(Protocol):
    """What needs the backend's state to turn a name into the ARN AWS authorizes.

    Examples
    --------
    >>> class Backend:
    ...     def secret_arn(self, secret_id: str, region: str) -> str | None:
    ...         return f"arn:aws:secretsmanager:{region}:123456789012:secret:{secret_id}-AbCdEf"
    ...     def key_arn(self, key_id: str, region: str) -> str | None:
    ...         return None
    >>> request = parse_request(
    ...     "POST", "/", "", {"X-Amz-Target": "secretsmanager.GetSecretValue"}, b'{"SecretId": "db"}', lookup=Backend()
    ... )
    >>> request.authorizations[0].resource
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'
    """

    def secret_arn(self, secret_id: str, region: str) -> str | None:
        """The full ARN (with its random suffix) of the secret a name or ARN gives, ``None`` if there is none."""
        ...

    def key_arn(self, key_id: str, region: str) -> str | None:
        """The key ARN of the KMS key a key id, key ARN, alias name or alias ARN gives, ``None`` if there is none."""
        ...


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


# -- services, models and routes -------------------------------------------------------------------------------------
# Signing name -> (IAM prefix, botocore models). Any other name is both the prefix and the model's name.
_SIGNING_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "monitoring": ("cloudwatch", ("cloudwatch",)),
    "states": ("states", ("stepfunctions",)),
    "ses": ("ses", ("ses", "sesv2")),
    "apigateway": ("apigateway", ("apigateway", "apigatewayv2")),
    "dynamodb": ("dynamodb", ("dynamodb", "dynamodbstreams")),
    "s3-object-lambda": ("s3-object-lambda", ("s3",)),
}
_REST_PROTOCOLS = frozenset({"rest-json", "rest-xml"})


@dataclass(frozen=True)
class _Route:
    """A REST operation's ``requestUri`` as a regular expression, and the query and headers that set it apart."""

    operation: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    required_query: tuple[tuple[str, str | None], ...]
    required_headers: tuple[str, ...]
    query_members: tuple[tuple[str, str], ...]
    header_members: tuple[tuple[str, str], ...]
    body_holds_members: bool

    def parameters(self, match: re.Match[str], query: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, Any]:
        params: dict[str, Any] = {
            member: unquote(value) for member, value in zip(self.labels, match.groups(), strict=True)
        }
        params.update((member, query[key]) for key, member in self.query_members if key in query)
        params.update((member, headers[name]) for name, member in self.header_members if name in headers)
        return params


@dataclass(frozen=True)
class _Service:
    prefix: str
    routes: Mapping[str, tuple[_Route, ...]]
    takes_action_field: bool

    def match(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> tuple[_Route, re.Match[str]] | None:
        for route in self.routes.get(method.upper(), ()):
            found = route.pattern.match(path)
            if (
                found is not None
                and all(key in query and value in (None, query[key]) for key, value in route.required_query)
                and all(name in headers for name in route.required_headers)
            ):
                return route, found
        return None


_services: dict[str, _Service] = {}
_services_lock = threading.Lock()
_botocore_session: Any = None


def _service(signing_name: str) -> _Service:
    """The service a signing name stands for, its models loaded and its routes compiled once per process."""
    service = _services.get(signing_name)
    if service is None:
        with _services_lock:
            service = _services.get(signing_name) or _load_service(signing_name)
            _services[signing_name] = service
    return service


def _load_service(signing_name: str) -> _Service:
    global _botocore_session  # noqa: PLW0603 - one session for the process: each costs milliseconds to create
    import botocore.exceptions
    import botocore.session

    if _botocore_session is None:
        _botocore_session = botocore.session.get_session()
    prefix, names = _SIGNING_NAMES.get(signing_name, (signing_name, (signing_name,)))
    models: list[Any] = []
    for name in names:
        try:
            models.append(_botocore_session.get_service_model(name))
        except botocore.exceptions.UnknownServiceError:
            continue
    routes: dict[str, list[tuple[tuple[int, int, int, bool], _Route]]] = {}
    for model in models:
        for name in model.operation_names if model.protocol in _REST_PROTOCOLS else ():
            operation = model.operation_model(name)
            routes.setdefault(operation.http["method"], []).append(_compile_route(operation))
    # Most specific first: more query and header requirements, then longer literal paths, then fewer greedy labels.
    ordered = {
        method: tuple(route for _, route in sorted(found, key=lambda item: item[0], reverse=True))
        for method, found in routes.items()
    }
    # An Action field names the operation unless every model is REST (SQS's older SDKs still send the query protocol).
    return _Service(prefix, ordered, not models or any(model.protocol not in _REST_PROTOCOLS for model in models))


def _compile_route(operation: Any) -> tuple[tuple[int, int, int, bool], _Route]:
    path, _, literal_query = operation.http["requestUri"].partition("?")
    shape = operation.input_shape
    required = set(shape.required_members) if shape is not None else set()
    located: dict[str, list[tuple[str, str]]] = {}
    for member, member_shape in (shape.members if shape is not None else {}).items():
        location = member_shape.serialization.get("location") or "body"
        located.setdefault(location, []).append((member_shape.serialization.get("name", member), member))
    uri_members = dict(located.get("uri", []))
    pattern, labels, literal_length, greedy = "^", [], 0, 0
    for part in re.split(r"(\{[^}]+\})", path.rstrip("/")):
        if part.startswith("{"):
            label = part[1:-1].rstrip("+")
            greedy += part.endswith("+}")
            labels.append(uri_members.get(label, label))
            pattern += "(.+)" if part.endswith("+}") else "([^/]+)"
        else:
            pattern += re.escape(part)
            literal_length += len(part)
    required_query = [
        (key, value if equals else None)
        for key, equals, value in (part.partition("=") for part in literal_query.split("&") if part)
    ]
    required_query += [(key, None) for key, member in located.get("querystring", []) if member in required]
    required_headers = [name.lower() for name, member in located.get("header", []) if member in required]
    # rest-json carries the other members in a JSON body, unless one member is the whole body (Lambda's Payload).
    payload = shape.serialization.get("payload") if shape is not None else None
    body_members = operation.metadata["protocol"] == "rest-json" and payload is None and bool(located.get("body"))
    route = _Route(
        operation.name,
        re.compile(pattern + "/?$"),
        tuple(labels),
        tuple(required_query),
        tuple(required_headers),
        tuple(located.get("querystring", [])),
        tuple((name.lower(), member) for name, member in located.get("header", [])),
        body_members,
    )
    return (len(required_query) + len(required_headers), literal_length, -greedy, not operation.deprecated), route


_VIRTUAL_HOST = re.compile(r"^(.+?)\.(?:s3[.-][^:]*|localhost)(?::\d+)?$")


def _path_style(path: str, host: str) -> str:
    """An S3 path with its bucket: a virtual-host request (``media.localhost:5000``) has it in the host instead."""
    match = _VIRTUAL_HOST.match(host)
    return f"/{match.group(1)}{path}" if match else path


def _operation(
    service: _Service, method: str, path: str, *, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
) -> tuple[str, Mapping[str, Any]]:
    """The operation's name and its parameters, read the way the request's protocol carries them."""
    target = headers.get("x-amz-target")
    if target:
        return target.rpartition(".")[2], _json_object(body)
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        # The path is /service/<Service>/operation/<Operation>; no rule here reads a CBOR body's parameters yet.
        return path.rstrip("/").rpartition("/")[2], {}
    if service.takes_action_field:
        fields = query
        if body and "x-www-form-urlencoded" in headers.get("content-type", ""):
            fields = {**query, **dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))}
        if "Action" in fields:
            return fields["Action"], fields
    matched = service.match(method, path, query, headers)
    if matched is None:
        return "", {}
    route, found = matched
    params = route.parameters(found, query, headers)
    return route.operation, {**_json_object(body), **params} if route.body_holds_members else params


def _json_object(body: bytes) -> Mapping[str, Any]:
    try:
        value = json.loads(body) if body else {}
    except ValueError:
        return {}  # moto rejects malformed JSON itself; nothing can be read from it here
    return value if isinstance(value, dict) else {}


# -- from parameters to actions and resources -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Call:
    prefix: str
    operation: str
    params: Mapping[str, Any]
    region: str
    account: str
    lookup: NameLookup | None
    method: str
    path: str
    query: Mapping[str, str]
    body: bytes

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if isinstance(value, str) and value else None

    def arn(self, service: str, resource: str, *, region: str | None = None, account: str | None = None) -> str:
        return f"arn:aws:{service}:{region or self.region}:{account or self.account}:{resource}"

    def action(self, operation: str | None = None) -> str:
        operation = operation or self.operation
        return f"{self.prefix}:{_ACTION_NAMES.get(self.prefix, {}).get(operation, operation)}"

    def on(self, *resources: str, known: bool = True, context: Mapping[str, Any] | None = None) -> _Resolution:
        """The call's action on each resource, once each, in order."""
        return [
            ActionOnResource(self.action(), resource, context or {}) for resource in dict.fromkeys(resources)
        ], known


_Resolution = tuple[list[ActionOnResource], bool]


def _pairs(table: str) -> dict[str, str]:
    words = table.split()
    return dict(zip(words[::2], words[1::2], strict=True))


# Operations whose IAM action has another name (every other operation authorizes "<prefix>:<Operation>").
_ACTION_NAMES: dict[str, dict[str, str]] = {
    # "This operation requires permission for the lambda:InvokeFunction action":
    # https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html, and InvokeWithResponseStream's page alike
    "lambda": _pairs("Invoke InvokeFunction  InvokeWithResponseStream InvokeFunction"),
    # A batch is authorized as its single action: "Amazon SQS API permissions: Actions and resource reference",
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
    "sqs": _pairs("""
        SendMessageBatch SendMessage  DeleteMessageBatch DeleteMessage
        ChangeMessageVisibilityBatch ChangeMessageVisibility
    """),
    # There is no sns:PublishBatch; PublishBatch, "a batch version of the Publish API", is authorized as sns:Publish:
    # https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html
    "sns": _pairs("PublishBatch Publish"),
    # "Required permissions for Amazon S3 API operations", and the Permissions section of each operation's page:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
    "s3": _pairs("""
        ListBuckets ListAllMyBuckets  ListObjects ListBucket  ListObjectsV2 ListBucket  HeadBucket ListBucket
        ListObjectVersions ListBucketVersions  ListMultipartUploads ListBucketMultipartUploads
        ListParts ListMultipartUploadParts  HeadObject GetObject  SelectObjectContent GetObject
        CreateMultipartUpload PutObject  UploadPart PutObject  CompleteMultipartUpload PutObject
        CopyObject PutObject  UploadPartCopy PutObject  DeleteObjects DeleteObject
        GetBucketNotificationConfiguration GetBucketNotification
        PutBucketNotificationConfiguration PutBucketNotification
        GetBucketLifecycle GetLifecycleConfiguration  GetBucketLifecycleConfiguration GetLifecycleConfiguration
        PutBucketLifecycle PutLifecycleConfiguration  PutBucketLifecycleConfiguration PutLifecycleConfiguration
        DeleteBucketLifecycle PutLifecycleConfiguration
        GetBucketCors GetBucketCORS  PutBucketCors PutBucketCORS  DeleteBucketCors PutBucketCORS
        GetBucketEncryption GetEncryptionConfiguration  PutBucketEncryption PutEncryptionConfiguration
        DeleteBucketEncryption PutEncryptionConfiguration
        GetPublicAccessBlock GetBucketPublicAccessBlock  PutPublicAccessBlock PutBucketPublicAccessBlock
        DeletePublicAccessBlock PutBucketPublicAccessBlock
        DeleteBucketTagging PutBucketTagging  DeleteBucketOwnershipControls PutBucketOwnershipControls
        GetBucketReplication GetReplicationConfiguration  PutBucketReplication PutReplicationConfiguration
        DeleteBucketReplication PutReplicationConfiguration
        GetBucketAccelerateConfiguration GetAccelerateConfiguration
        PutBucketAccelerateConfiguration PutAccelerateConfiguration
        GetObjectLockConfiguration GetBucketObjectLockConfiguration
        PutObjectLockConfiguration PutBucketObjectLockConfiguration
        GetBucketAnalyticsConfiguration GetAnalyticsConfiguration
        ListBucketAnalyticsConfigurations GetAnalyticsConfiguration
        PutBucketAnalyticsConfiguration PutAnalyticsConfiguration
        DeleteBucketAnalyticsConfiguration PutAnalyticsConfiguration
        GetBucketInventoryConfiguration GetInventoryConfiguration
        ListBucketInventoryConfigurations GetInventoryConfiguration
        PutBucketInventoryConfiguration PutInventoryConfiguration
        DeleteBucketInventoryConfiguration PutInventoryConfiguration
        GetBucketMetricsConfiguration GetMetricsConfiguration  ListBucketMetricsConfigurations GetMetricsConfiguration
        PutBucketMetricsConfiguration PutMetricsConfiguration  DeleteBucketMetricsConfiguration PutMetricsConfiguration
        GetBucketIntelligentTieringConfiguration GetIntelligentTieringConfiguration
        ListBucketIntelligentTieringConfigurations GetIntelligentTieringConfiguration
        PutBucketIntelligentTieringConfiguration PutIntelligentTieringConfiguration
        DeleteBucketIntelligentTieringConfiguration PutIntelligentTieringConfiguration
    """),
}
# With a versionId S3 authorizes the version's action (the same page, and each operation's API reference).
_S3_VERSION_ACTIONS = _pairs("""
    GetObject GetObjectVersion  HeadObject GetObjectVersion  DeleteObject DeleteObjectVersion
    GetObjectAcl GetObjectVersionAcl  PutObjectAcl PutObjectVersionAcl  GetObjectTagging GetObjectVersionTagging
    PutObjectTagging PutObjectVersionTagging  DeleteObjectTagging DeleteObjectVersionTagging
""")
# Operations whose actions have no resource-level permissions, per the "Actions, resources, and condition keys" page
# of each service (https://docs.aws.amazon.com/service-authorization/latest/reference/): AWS authorizes them on "*".
_NO_RESOURCE: dict[str, frozenset[str]] = {
    prefix: frozenset(operations.split())
    for prefix, operations in {
        "dynamodb": "ListTables ListBackups ListGlobalTables ListStreams DescribeLimits DescribeEndpoints",
        "sqs": "ListQueues",
        "sns": "ListTopics ListSubscriptions",
        "events": "ListEventBuses ListRules ListRuleNamesByTarget TestEventPattern",
        "states": "ListStateMachines ListActivities",
        "lambda": "ListFunctions GetAccountSettings ListEventSourceMappings CreateEventSourceMapping",
        "s3": "ListBuckets",
        "kms": "CreateKey ListKeys ListAliases GenerateRandom",
        "secretsmanager": "ListSecrets GetRandomPassword",
        "ssm": "DescribeParameters",
        "cloudwatch": "PutMetricData GetMetricData GetMetricStatistics ListMetrics",
        "xray": "PutTraceSegments PutTelemetryRecords GetSamplingRules GetSamplingTargets GetTraceSummaries",
        "sts": "GetSessionToken GetAccessKeyInfo DecodeAuthorizationMessage",
        "cloudformation": "ListStacks ValidateTemplate ListExports",
        "iam": "ListRoles ListUsers ListPolicies ListGroups",
    }.items()
}
# Parameters whose value is the resource's ARN, tried in order after a service's own rule.
_ARN_PARAMETERS: dict[str, tuple[str, ...]] = {
    prefix: tuple(parameters.split())
    for prefix, parameters in {
        "dynamodb": "ResourceArn StreamArn TableArn BackupArn",
        "sns": "TopicArn TargetArn ResourceArn",
        "events": "ResourceARN",
        # An execution's calls are authorized on the execution (DescribeExecution), the rest on the state machine.
        "states": "executionArn stateMachineArn activityArn mapRunArn resourceArn",
        "lambda": "Resource",
        "logs": "resourceArn",
        "sts": "RoleArn",
        "iam": "PolicyArn",
    }.items()
}


def _authorize(call: _Call) -> _Resolution:
    if not call.operation:
        # No operation of the service matched: only a policy that allows all of the service's actions allows it.
        return [ActionOnResource(f"{call.prefix}:*", "*")], False
    if call.operation in _NO_RESOURCE.get(call.prefix, ()):
        return call.on("*")
    rule = _RULES.get(call.prefix)
    resolved = rule(call) if rule is not None else None
    if resolved is not None:
        return resolved
    arn = next(filter(None, map(call.text, _ARN_PARAMETERS.get(call.prefix, ()))), None)
    return call.on(arn) if arn is not None else call.on("*", known=False)


# -- one rule per service: a call's checks, or None when the rule does not know them ---------------------------------
_TRANSACTION_ACTIONS = _pairs(
    "Put PutItem  Update UpdateItem  Delete DeleteItem  ConditionCheck ConditionCheckItem  Get GetItem"
)


def _dynamodb(call: _Call) -> _Resolution | None:
    def table(name: str) -> str:
        return name if name.startswith("arn:") else call.arn("dynamodb", f"table/{name}")

    if call.operation in ("BatchGetItem", "BatchWriteItem"):
        # A batch is authorized as itself (BatchWriteItem -> dynamodb:BatchWriteItem) on each of its tables:
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_dynamodb.html
        return call.on(*(table(name) for name in call.params.get("RequestItems") or {}))
    if call.operation in ("TransactWriteItems", "TransactGetItems"):
        # "Permissions for Put, Update, Delete, and Get actions are governed by the permissions used for the
        # underlying PutItem, UpdateItem, DeleteItem, and GetItem operations", ConditionCheck by ConditionCheckItem:
        # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
        items = [item for item in call.params.get("TransactItems") or [] if isinstance(item, Mapping)]
        checks = {
            (f"dynamodb:{_TRANSACTION_ACTIONS[kind]}", table(request["TableName"])): None
            for item in items
            for kind, request in item.items()
            if kind in _TRANSACTION_ACTIONS
            and isinstance(request, Mapping)
            and isinstance(request.get("TableName"), str)
        }
        context = {"dynamodb:EnclosingOperation": call.operation}
        return [ActionOnResource(action, resource, context) for action, resource in checks], True
    name = call.text("TableName")
    if name is None:
        return None
    index = call.text("IndexName") if call.operation in ("Query", "Scan") else None
    return call.on(table(name) + (f"/index/{index}" if index else ""))


def _sqs(call: _Call) -> _Resolution | None:
    url = call.text("QueueUrl")
    if url is not None:
        # http://127.0.0.1:5000/123456789012/orders and https://sqs.us-east-1.amazonaws.com/123456789012/orders alike
        account, _, name = urlsplit(url).path.strip("/").rpartition("/")
        return call.on(call.arn("sqs", name, account=account.rpartition("/")[2])) if account and name else None
    queue = call.text("QueueName")
    if queue is not None and call.operation in ("GetQueueUrl", "CreateQueue"):
        return call.on(call.arn("sqs", queue, account=call.text("QueueOwnerAWSAccountId")))
    return None


def _sns(call: _Call) -> _Resolution | None:
    name = call.text("Name")
    return call.on(call.arn("sns", name)) if name is not None and call.operation == "CreateTopic" else None


_RULE_OPERATIONS = {"PutRule": "Name", "DeleteRule": "Name", "DescribeRule": "Name", "EnableRule": "Name"}
_RULE_OPERATIONS |= {"DisableRule": "Name", "PutTargets": "Rule", "RemoveTargets": "Rule", "ListTargetsByRule": "Rule"}
_EVENT_BUS_ARN = re.compile(r"^arn:aws[\w-]*:events:([^:]*):(\d*):event-bus/(.+)$")


def _events(call: _Call) -> _Resolution | None:
    def bus(name: str) -> str:
        return name if name.startswith("arn:") else call.arn("events", f"event-bus/{name}")

    if call.operation == "PutEvents":
        # Each entry is authorized on its bus, given by name or ARN, the default bus when it gives none.
        entries = [entry for entry in call.params.get("Entries") or [] if isinstance(entry, Mapping)]
        return call.on(*(bus(entry.get("EventBusName") or "default") for entry in entries)) if entries else None
    bus_name = call.text("EventBusName") or "default"
    rule = call.text(_RULE_OPERATIONS.get(call.operation, ""))
    if rule is not None:
        # arn:${Partition}:events:${Region}:${Account}:rule/[${EventBusName}/]${RuleName}, the bus unless the default:
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html
        region, account, bus_name = _split_arn(_EVENT_BUS_ARN, bus_name)
        scope = "" if bus_name == "default" else f"{bus_name}/"
        return call.on(call.arn("events", f"rule/{scope}{rule}", region=region, account=account))
    if call.operation in ("CreateEventBus", "DeleteEventBus", "DescribeEventBus", "UpdateEventBus"):
        return call.on(bus(call.text("Name") or "default"))
    return call.on(bus(bus_name)) if call.operation in ("PutPermission", "RemovePermission") else None


def _split_arn(pattern: re.Pattern[str], name_or_arn: str) -> tuple[str, str, str]:
    """The region, account and name in an ARN the pattern reads; a plain name has neither region nor account."""
    match = pattern.match(name_or_arn)
    return (match.group(1), match.group(2), match.group(3)) if match else ("", "", name_or_arn)


def _states(call: _Call) -> _Resolution | None:
    # SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat carry only an opaque task token: they fall back to "*".
    name = call.text("name")
    kind = {"CreateStateMachine": "stateMachine", "CreateActivity": "activity"}.get(call.operation)
    return call.on(call.arn("states", f"{kind}:{name}")) if kind and name else None


_FUNCTION_NAME = re.compile(
    r"^(?:arn:aws[\w-]*:lambda:(?P<region>[^:]+):(?P<account>\d+):function:|(?P<partial>\d{12}):function:)?"
    r"(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$"
)


def _lambda(call: _Call) -> _Resolution | None:
    name = call.text("FunctionName")
    if name is not None:
        # A name, name:qualifier, a partial or a full ARN. A version or alias qualifies the ARN, and a policy on the
        # unqualified ARN does not cover it: actions "can be restricted to a specific function by function, version,
        # or alias ARN", https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
        match = _FUNCTION_NAME.match(name)
        if match is None:
            return None
        qualifier = call.text("Qualifier") or match["qualifier"]
        account = match["account"] or match["partial"]
        function = call.arn("lambda", f"function:{match['name']}", region=match["region"], account=account)
        return call.on(f"{function}:{qualifier}" if qualifier else function)
    mapping = call.text("UUID")
    return call.on(call.arn("lambda", f"event-source-mapping:{mapping}")) if mapping is not None else None


def _s3(call: _Call) -> _Resolution | None:
    bucket, key, operation = call.text("Bucket"), call.text("Key"), call.operation
    if bucket is None:
        return None
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if operation == "DeleteObjects":
        # The body lists the keys: each is authorized as s3:DeleteObject, or s3:DeleteObjectVersion with a VersionId.
        return _s3_deleted_objects(call.body, bucket_arn)
    if operation in ("ListObjects", "ListObjectsV2"):
        context = {f"s3:{name}": call.query[name] for name in ("prefix", "delimiter", "max-keys") if name in call.query}
        return call.on(bucket_arn, context=context)
    version = "versionId" in call.query
    resource = f"{bucket_arn}/{key}" if key is not None else bucket_arn
    if operation == "GetObjectAttributes":
        # "you need the s3:GetObject and s3:GetObjectAttributes permissions", or the version's pair with a version id.
        read = "s3:GetObjectVersion" if version else "s3:GetObject"
        return [ActionOnResource(read, resource), ActionOnResource(f"{read}Attributes", resource)], True
    checks = [
        ActionOnResource(call.action(_S3_VERSION_ACTIONS.get(operation, operation) if version else None), resource)
    ]
    source = call.text("CopySource")
    if source is not None and operation in ("CopyObject", "UploadPartCopy"):
        # "You must have read access to the source object and write access to the destination bucket."
        source_path, _, source_query = source.lstrip("/").partition("?")
        read = "s3:GetObjectVersion" if "versionId=" in source_query else "s3:GetObject"
        checks.append(ActionOnResource(read, f"arn:aws:s3:::{unquote(source_path)}"))
    return checks, True


def _s3_deleted_objects(body: bytes, bucket_arn: str) -> _Resolution | None:
    try:
        objects = [
            {field.tag.rpartition("}")[2]: field.text or "" for field in item}
            for item in ElementTree.fromstring(body).iter()
            if item.tag.rpartition("}")[2] == "Object"
        ]
    except ElementTree.ParseError:
        return None
    checks = {
        (
            "s3:DeleteObjectVersion" if item.get("VersionId") else "s3:DeleteObject",
            f"{bucket_arn}/{item.get('Key', '')}",
        ): None
        for item in objects
    }
    return [ActionOnResource(action, resource) for action, resource in checks], True


def _kms(call: _Call) -> _Resolution | None:
    key_id = call.text("KeyId")
    if key_id is None:
        return None  # Decrypt may leave the key to the ciphertext, which only the backend can read
    # An alias only names a key, and AWS authorizes the key: "When an alias is the value of a resource element, the
    # policy applies to the alias resource, not to any KMS key that might be associated with it",
    # https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html
    found = call.lookup.key_arn(key_id, call.region) if call.lookup is not None else None
    if found is not None:
        return call.on(found)
    if key_id.startswith("arn:"):
        return call.on(key_id, known=":alias/" not in key_id)
    if key_id.startswith("alias/"):
        return call.on(call.arn("kms", key_id), known=False)
    return call.on(call.arn("kms", f"key/{key_id}"))


def _secretsmanager(call: _Call) -> _Resolution | None:
    def secret(secret_id: str) -> tuple[str, bool]:
        # AWS matches policies against the full ARN, whose name ends in "-" and six random characters only the backend
        # knows; without them the ARN ends at the name and is unknown, and a policy on "secret:db-??????" won't match.
        found = call.lookup.secret_arn(secret_id, call.region) if call.lookup is not None else None
        if found is not None or secret_id.startswith("arn:"):
            return found or secret_id, True
        return call.arn("secretsmanager", f"secret:{secret_id}"), False

    if call.operation == "BatchGetSecretValue":
        # "secretsmanager:BatchGetSecretValue, and you must have secretsmanager:GetSecretValue for each secret. If you
        # use filters, you must also have secretsmanager:ListSecrets":
        # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
        checks = [ActionOnResource("secretsmanager:BatchGetSecretValue", "*")]
        checks += [ActionOnResource("secretsmanager:ListSecrets", "*")] if call.params.get("Filters") else []
        secrets = [secret(item) for item in call.params.get("SecretIdList") or [] if isinstance(item, str)]
        checks += [ActionOnResource("secretsmanager:GetSecretValue", resource) for resource, _ in secrets]
        return checks, all(known for _, known in secrets)
    secret_id = call.text("SecretId") or (call.text("Name") if call.operation == "CreateSecret" else None)
    if secret_id is None:
        return None
    resource, known = secret(secret_id)
    return call.on(resource, known=known)


def _ssm(call: _Call) -> _Resolution | None:
    def parameter(name: str) -> str:
        # arn:aws:ssm:region:account:parameter/app/url for "/app/url" and "app/url"; "name:3" or "name:label" selects
        # a version (GetParameter's Name: https://docs.aws.amazon.com/systems-manager/latest/APIReference/).
        return name if name.startswith("arn:") else call.arn("ssm", "parameter/" + name.partition(":")[0].lstrip("/"))

    names = call.params.get("Names")
    if isinstance(names, list):
        return call.on(*(parameter(name) for name in names if isinstance(name, str)))
    name = call.text("Name") or call.text("Path")
    return call.on(parameter(name)) if name is not None else None


_LOG_STREAM_OPERATIONS = frozenset({"PutLogEvents", "GetLogEvents", "CreateLogStream", "DeleteLogStream"})
_LOG_GROUP_ARN = re.compile(r"^arn:aws[\w-]*:logs:([^:]*):(\d*):log-group:([^:]+)")


def _logs(call: _Call) -> _Resolution | None:
    if call.operation == "DescribeLogGroups":
        # AWS authorizes it on a log group with no name, as its AccessDenied message shows:
        # https://github.com/hashicorp/terraform-provider-aws/issues/8804
        return call.on(call.arn("logs", "log-group::log-stream:"))
    group = call.text("logGroupName") or call.text("logGroupIdentifier")
    if group is None:
        return None
    region, account, group = _split_arn(_LOG_GROUP_ARN, group)
    base = call.arn("logs", f"log-group:{group}", region=region, account=account)
    stream = call.text("logStreamName")
    if stream is not None and call.operation in _LOG_STREAM_OPERATIONS:
        return call.on(f"{base}:log-stream:{stream}")
    # A log group's ARN "with the :* at the end" is the one "in IAM policies for all other API actions" than tagging:
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html
    return call.on(base if call.operation in ("TagLogGroup", "UntagLogGroup", "ListTagsLogGroup") else f"{base}:*")


def _cloudwatch(call: _Call) -> _Resolution | None:
    names = call.params.get("AlarmNames")
    names = [name for name in names if isinstance(name, str)] if isinstance(names, list) else [call.text("AlarmName")]
    return call.on(*(call.arn("cloudwatch", f"alarm:{name}") for name in names if name)) if any(names) else None


def _sts(call: _Call) -> _Resolution | None:
    # "No permissions are required to perform this operation":
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    return ([], True) if call.operation == "GetCallerIdentity" else None


def _iam(call: _Call) -> _Resolution | None:
    # IAM's ARNs have no region. A role or user made with a path has it in its ARN: names are read as path "/".
    for parameter, kind in (
        ("RoleName", "role"),
        ("UserName", "user"),
        ("GroupName", "group"),
        ("InstanceProfileName", "instance-profile"),
    ):
        name = call.text(parameter)
        if name is not None:
            return call.on(f"arn:aws:iam::{call.account}:{kind}/{name}")
    return None


def _cloudformation(call: _Call) -> _Resolution | None:
    # A stack's ARN ends in a random id (stack/name/id); policies name it stack/name/*, and this placeholder matches.
    stack = call.text("StackName")
    if stack is None or stack.startswith("arn:"):
        return call.on(stack) if stack else None
    return call.on(call.arn("cloudformation", f"stack/{stack}/*"), known=False)


def _apigateway(call: _Call) -> _Resolution | None:
    # Managing an API is authorized as its HTTP verb on its path, apigateway:PATCH on arn:aws:apigateway:us-east-1::
    # /restapis/id: https://docs.aws.amazon.com/apigateway/latest/developerguide/security_iam_service-with-iam.html
    # (HTTP and WebSocket APIs' paths start /v2/apis, their ARNs /apis).
    path = unquote(call.path)
    resource = f"arn:aws:apigateway:{call.region}::{path.removeprefix('/v2') if path.startswith('/v2/') else path}"
    return [ActionOnResource(f"apigateway:{call.method.upper()}", resource)], True


_RULES: dict[str, Callable[[_Call], _Resolution | None]] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "sns": _sns,
    "events": _events,
    "states": _states,
    "lambda": _lambda,
    "s3": _s3,
    "kms": _kms,
    "secretsmanager": _secretsmanager,
    "ssm": _ssm,
    "logs": _logs,
    "cloudwatch": _cloudwatch,
    "sts": _sts,
    "iam": _iam,
    "cloudformation": _cloudformation,
    "apigateway": _apigateway,
}
