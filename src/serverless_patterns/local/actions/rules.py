"""One rule per service: from a call's parameters to the IAM actions and resources AWS checks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from serverless_patterns.local.actions.requests import ActionOnResource, NameLookup
from serverless_patterns.local.actions.tables import (
    _ACTION_NAMES,
    _ARN_PARAMETERS,
    _NO_RESOURCE,
    _S3_VERSION_ACTIONS,
    _pairs,
)


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
