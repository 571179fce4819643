"""What a request is authorized as: its actions on resources, and the lookups that name them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


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
    >>> from serverless_patterns.local.actions import parse_request
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
