"""Evaluation: what AWS decides for one request, given the policies in play, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from serverless_patterns.local.policy.conditions import _Context
from serverless_patterns.local.policy.documents import Policy, _Statement
from serverless_patterns.local.policy.principals import (
    _ACCOUNT_NAMED,
    _DIRECTLY_NAMED,
    _NOT_NAMED,
    Principal,
    _Caller,
    _caller,
)

ALLOW: Final = "allow"
EXPLICIT_DENY_IDENTITY: Final = "explicit-deny-identity"
EXPLICIT_DENY_RESOURCE: Final = "explicit-deny-resource"
IMPLICIT_DENY_IDENTITY: Final = "implicit-deny-identity"
IMPLICIT_DENY_RESOURCE: Final = "implicit-deny-resource"
IMPLICIT_DENY_KEY_POLICY: Final = "implicit-deny-key-policy"
DECISION_KINDS: Final = (
    ALLOW,
    EXPLICIT_DENY_IDENTITY,
    EXPLICIT_DENY_RESOURCE,
    IMPLICIT_DENY_IDENTITY,
    IMPLICIT_DENY_RESOURCE,
    IMPLICIT_DENY_KEY_POLICY,
)


# -- requests and decisions ---------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One API call to authorize: who, which action, on which resource, with which context keys.

    Attributes
    ----------
    principal
        The caller.
    action
        ``service:Action``, e.g. ``dynamodb:PutItem``; matched case-insensitively.
    resource
        The resource's ARN, or ``"*"`` for an action that takes no resource.
    context
        Request context keys (``aws:SecureTransport``, ``aws:SourceArn``, ...) to ``str``, ``int``,
        ``bool`` or a list of strings; key names are case-insensitive.

    Examples
    --------
    >>> Request(Principal.account_root("123456789012"), "sqs:ListQueues", "*").context
    {}
    """

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatementRef:
    """Where a deciding statement is: its policy's name, its 1-based position and its ``Sid``.

    Examples
    --------
    >>> str(StatementRef("queue policy of Q", 2, "AllowEvents"))
    'queue policy of Q statement 2 (Sid AllowEvents)'
    """

    policy: str
    index: int
    sid: str | None

    def __str__(self) -> str:
        sid = f" (Sid {self.sid})" if self.sid else ""
        return f"{self.policy} statement {self.index}{sid}"


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`evaluate`: allowed or not, why, and which statement decided.

    Attributes
    ----------
    allowed
        Whether the request may proceed.
    reason
        A sentence naming the deciding statement, e.g. ``allowed by <policy> statement 2 (Sid X)``.
    statement
        The deciding statement; ``None`` for an implicit deny (no statement decided it) and for the
        account root user's default access.
    kind
        One of :data:`DECISION_KINDS`: ``allow``; ``explicit-deny-identity`` or
        ``explicit-deny-resource`` (a ``Deny`` in an identity-based or resource-based policy);
        ``implicit-deny-identity`` (no identity-based policy allows an IAM principal),
        ``implicit-deny-resource`` (no resource-based policy allows a service principal) or
        ``implicit-deny-key-policy`` (the KMS key policy does not allow).

    Examples
    --------
    >>> Decision(True, "allowed by p statement 1", StatementRef("p", 1, None), ALLOW).allowed
    True
    """

    allowed: bool
    reason: str
    statement: StatementRef | None
    kind: str

    def message(self, request: Request) -> str:
        """Return AWS's ``AccessDenied`` message for this decision about ``request``.

        The wording follows
        https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html: ``with an
        explicit deny in a <type> policy`` or ``because no <type> policy allows the <action>
        action``. A KMS key policy is a resource-based policy. An action without a resource
        (``"*"``) is named without ``on resource:``, as in AWS's examples. For an allowed request
        the message says so.

        Examples
        --------
        >>> request = Request(Principal.for_service("events.amazonaws.com"), "sqs:SendMessage",
        ...                   "arn:aws:sqs:us-east-1:123456789012:Q")
        >>> denied = Decision(False, "no resource-based policy allows ...", None, IMPLICIT_DENY_RESOURCE)
        >>> print(denied.message(request))
        User: events.amazonaws.com is not authorized to perform: sqs:SendMessage on resource:
        arn:aws:sqs:us-east-1:123456789012:Q because no resource-based policy allows the sqs:SendMessage action
        """
        target = "" if request.resource == "*" else f" on resource: {request.resource}"
        performed = f"perform: {request.action}{target}"
        if self.allowed:
            return f"User: {request.principal.label} is authorized to {performed} ({self.reason})"
        endings = {
            EXPLICIT_DENY_IDENTITY: "with an explicit deny in an identity-based policy",
            EXPLICIT_DENY_RESOURCE: "with an explicit deny in a resource-based policy",
            IMPLICIT_DENY_IDENTITY: f"because no identity-based policy allows the {request.action} action",
        }
        ending = endings.get(self.kind, f"because no resource-based policy allows the {request.action} action")
        return f"User: {request.principal.label} is not authorized to {performed} {ending}"


def _reference(policy: Policy, statement: _Statement) -> StatementRef:
    return StatementRef(policy.name, statement.index, statement.sid)


def _allowed(policy: Policy, statement: _Statement, suffix: str = "") -> Decision:
    reference = _reference(policy, statement)
    return Decision(True, f"allowed by {reference}{suffix}", reference, ALLOW)


def _denied(policy: Policy, statement: _Statement, kind: str) -> Decision:
    reference = _reference(policy, statement)
    return Decision(False, f"explicit deny in {reference}", reference, kind)


def evaluate(
    request: Request,
    *,
    identity: Sequence[Policy] = (),
    resource: Policy | None = None,
    resource_is_key_policy: bool = False,
) -> Decision:
    """Decide ``request`` as AWS does within one account; see the module's description for the rules.

    Parameters
    ----------
    request
        The call to authorize.
    identity
        The caller's identity-based policies (inline and managed policies of its role). Ignored for a
        service principal, which has none.
    resource
        The target's resource-based policy (queue policy, Lambda permissions, key policy, ...).
    resource_is_key_policy
        ``resource`` is a KMS key policy: it must allow, directly or by enabling IAM policies.

    Examples
    --------
    >>> queue = "arn:aws:sqs:us-east-1:123456789012:Orders"
    >>> queue_policy = Policy.parse(f"queue policy of {queue}", {"Statement": [{
    ...     "Sid": "AllowRule", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
    ...     "Action": "sqs:SendMessage", "Resource": queue}]})
    >>> evaluate(Request(Principal.for_service("events.amazonaws.com"), "sqs:SendMessage", queue),
    ...          resource=queue_policy).reason
    'allowed by queue policy of arn:aws:sqs:us-east-1:123456789012:Orders statement 1 (Sid AllowRule)'
    """
    caller = _caller(request.principal)
    check = _Check(request, caller)
    identity_policies: Sequence[Policy] = () if caller.service is not None else identity
    denial = _explicit_deny(check, identity_policies, resource)
    if denial is not None:
        return denial
    identity_allow = next(
        (
            (policy, statement)
            for policy in identity_policies
            for statement in policy.statements
            if check.allows(statement)
        ),
        None,
    )
    if resource_is_key_policy:
        return _key_policy_decision(check, identity_allow, resource)
    if identity_allow is not None:
        return _allowed(*identity_allow)
    if caller.is_root:
        return Decision(True, "the account root user has full access", None, ALLOW)
    if resource is not None:
        granted, _ = _resource_allow(check, resource)
        if granted is not None:
            return _allowed(resource, granted)
    # name the policy type that could have granted: a service principal has no identity-based policies
    kind, policy_type = (
        (IMPLICIT_DENY_RESOURCE, "resource-based")
        if caller.service is not None
        else (IMPLICIT_DENY_IDENTITY, "identity-based")
    )
    return _implicit_deny(f"no {policy_type} policy allows the {request.action} action", kind)


class _Check:
    """Matches statements against one request, its action lowered and its context built once."""

    __slots__ = ("action", "action_name", "caller", "context", "resource")

    def __init__(self, request: Request, caller: _Caller) -> None:
        self.caller = caller
        self.action_name = request.action
        self.action = request.action.lower()
        self.resource = request.resource
        self.context = _Context(request, caller)

    def applies(self, statement: _Statement) -> bool:
        return statement.covers(self.action, self.resource) and all(
            condition.holds(self.context) for condition in statement.conditions
        )

    def allows(self, statement: _Statement) -> bool:
        return statement.allow and self.applies(statement)


def _implicit_deny(reason: str, kind: str) -> Decision:
    return Decision(False, reason, None, kind)


def _explicit_deny(check: _Check, identity: Sequence[Policy], resource: Policy | None) -> Decision | None:
    for policy in identity:
        for statement in policy.statements:
            if not statement.allow and check.applies(statement):
                return _denied(policy, statement, EXPLICIT_DENY_IDENTITY)
    if resource is not None:
        for statement in resource.statements:
            if not statement.allow and statement.relation(check.caller) != _NOT_NAMED and check.applies(statement):
                return _denied(resource, statement, EXPLICIT_DENY_RESOURCE)
    return None


def _resource_allow(check: _Check, resource: Policy) -> tuple[_Statement | None, _Statement | None]:
    """Return the first ``Allow`` naming the caller itself, else the first naming only its account."""
    delegation: _Statement | None = None
    for statement in resource.statements:
        if not statement.allow:
            continue
        relation = statement.relation(check.caller)
        if relation == _NOT_NAMED or (relation == _ACCOUNT_NAMED and delegation is not None):
            continue
        if not check.applies(statement):
            continue
        if relation == _DIRECTLY_NAMED:
            return statement, None
        delegation = statement
    return None, delegation


def _key_policy_decision(
    check: _Check, identity_allow: tuple[Policy, _Statement] | None, key_policy: Policy | None
) -> Decision:
    action = check.action_name
    granted, delegation = (None, None) if key_policy is None else _resource_allow(check, key_policy)
    if granted is not None and key_policy is not None:
        return _allowed(key_policy, granted)
    if delegation is not None and key_policy is not None:
        enabled_by = _reference(key_policy, delegation)
        if identity_allow is not None:
            return _allowed(*identity_allow, f", enabled by {enabled_by}")
        return _implicit_deny(
            f"{enabled_by} enables IAM policies, but no identity-based policy allows the {action} action",
            IMPLICIT_DENY_IDENTITY,
        )
    return _implicit_deny(f"the key policy does not allow the {action} action", IMPLICIT_DENY_KEY_POLICY)
