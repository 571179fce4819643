"""What IAM enforcement reads from moto's backends: role policies, resource policies, full ARNs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from serverless_patterns.local._moto.patches import not_found


def role_policies(account: str, role_arn: str) -> list[tuple[str, Any]]:
    """The identity policies of an IAM role as ``(label, document)``: inline, then attached managed.

    Examples
    --------
    >>> role_policies("123456789012", "arn:aws:iam::123456789012:role/NoSuchRole")
    []
    """
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["global"]
    name = role_arn.rsplit("/", 1)[-1]
    role = next((role for role in backend.roles.values() if role.arn == role_arn or role.name == name), None)
    if role is None:
        return []
    found: list[tuple[str, Any]] = [
        (f"inline policy {policy_name} of role {role.name}", _document(document))
        for policy_name, document in role.policies.items()
    ]
    for arn, managed in role.managed_policies.items():
        default = next(version for version in managed.versions if version.version_id == managed.default_version_id)
        found.append((f"managed policy {arn} of role {role.name}", _document(default.document)))
    return found


def role_trust_policy(account: str, role_arn: str) -> Any | None:
    """The trust (assume-role) policy of an IAM role, or ``None`` when there is no such role.

    Examples
    --------
    >>> role_trust_policy("123456789012", "arn:aws:iam::123456789012:role/NoSuchRole") is None
    True
    """
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["global"]
    role = next((role for role in backend.roles.values() if role.arn == role_arn), None)
    return None if role is None else _document(role.assume_role_policy_document)


def _document(document: Any) -> Any:
    if isinstance(document, str):
        text = document if document.lstrip().startswith("{") else unquote(document)
        return json.loads(text)
    return document


def secret_arn(account: str, region: str, secret_id: str) -> str | None:
    """The full ARN (with its random suffix) of a Secrets Manager secret named or ARN'd by ``secret_id``.

    Examples
    --------
    >>> secret_arn("123456789012", "us-east-1", "no-such-secret") is None
    True
    """
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account][region]
    try:
        return str(backend.describe_secret(secret_id).arn)
    except not_found():  # an unknown secret (SecretNotFoundException): the caller falls back to the name's ARN
        return None


def key_arn(account: str, region: str, key_id: str) -> str | None:
    """The ARN of a KMS key given by id, ARN, alias name or alias ARN.

    Examples
    --------
    >>> key_arn("123456789012", "us-east-1", "alias/no-such-key") is None
    True
    """
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    name = backend.get_alias_name(key_id)
    if name.startswith("alias/") and backend.get_key_id_from_alias(name) is None:
        return None  # an unknown alias (moto's any_id_to_key_id would fail on its None)
    try:
        return str(backend.describe_key(backend.any_id_to_key_id(key_id)).arn)
    except not_found():  # an unknown key: moto raises NotFoundException, or KeyError from its key map
        return None


def function_policy_statements(account: str, region: str, function_name: str) -> list[dict[str, Any]]:
    """The statements of a Lambda function's resource policy as moto keeps them (``AddPermission``).

    Examples
    --------
    >>> function_policy_statements("123456789012", "us-east-1", "no-such-function")
    []
    """
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[account][region]
    try:
        function = backend.get_function(function_name)
    except not_found():  # no such function (UnknownFunctionException): no policy
        return []
    policy = getattr(function, "policy", None)
    if policy is None:
        return []
    try:
        document = policy.get_policy()
    except not_found():  # moto raises GenericResourcNotFound while the function has no statement yet
        return []
    statements = document.get("Policy", document).get("Statement", [])
    return [dict(statement) for statement in _as_list(statements)]


def _as_list(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value]


def queue_policy(account: str, region: str, queue_name: str) -> str | None:
    """The ``Policy`` attribute of an SQS queue as moto keeps it (``None``: no queue or no policy).

    Examples
    --------
    >>> queue_policy("123456789012", "us-east-1", "no-such-queue") is None
    True
    """
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(queue_name)
    if queue is None:
        return None
    policy = queue.policy
    return str(policy) if policy else None


def topic_policy(account: str, region: str, topic_arn: str) -> tuple[str, bool] | None:
    """An SNS topic's policy as moto keeps it and whether it is SNS's default one (``None``: no topic).

    Examples
    --------
    >>> topic_policy("123456789012", "us-east-1", "arn:aws:sns:us-east-1:123456789012:none") is None
    True
    """
    from moto.sns.models import sns_backends

    topic = sns_backends[account][region].topics.get(topic_arn)
    if topic is None:
        return None
    document = topic._policy_json
    return json.dumps(document), document.get("Id") == "__default_policy_ID"
