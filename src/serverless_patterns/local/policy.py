"""IAM policy evaluation for the local cloud: may this principal make this request?

The local cloud runs real handler code against moto; this module decides, as AWS would, whether
a call a handler makes is allowed by the role's identity-based policies and the target's
resource-based policy. It is pure Python with no AWS dependency, so every call can be checked.

What is evaluated (requests within a single account, as the IAM User Guide describes them in
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html):

1. An explicit ``Deny`` that applies, in any identity-based policy or in the resource-based
   policy, denies the request.
2. An IAM principal (a role session) is allowed when an identity-based policy allows the request,
   or when the resource-based policy has an ``Allow`` that names the principal itself: the session
   ARN, the role's ARN, ``"*"`` or ``{"AWS": "*"}``. A statement naming only the account
   (``"123456789012"`` or ``arn:aws:iam::123456789012:root``) *delegates* to the account's
   identity-based policies, so it grants nothing by itself
   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts).
   The account root user has full access unless a policy denies it.
3. For a KMS key policy (``resource_is_key_policy=True``) the key policy must allow, naming the
   principal or naming the account, which enables identity-based policies; then one of those
   must allow too. Without a key policy ``Allow``, identity-based policies are ineffective
   (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
4. An AWS service principal (``Principal.service``) has no identity-based policies: only a
   resource-based ``Allow`` naming ``{"Service": ...}`` or everyone grants it.

Statement matching follows the JSON policy element reference: ``Action``/``NotAction`` match case
insensitively, ``Resource``/``NotResource`` case sensitively, both with ``*`` and ``?`` wildcards
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). A request
whose action takes no resource uses the resource ``"*"``, which only a ``"*"`` pattern matches.
Conditions support the string, numeric, date, Boolean, binary, IP address, ARN and ``Null``
operators, the ``...IfExists`` suffix and the ``ForAnyValue:``/``ForAllValues:`` qualifiers
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).

The evaluator adds these request context keys when the caller did not: ``aws:PrincipalArn`` (for
a role session, the role's ARN), ``aws:PrincipalAccount``, ``aws:PrincipalType`` and
``aws:PrincipalIsAWSService`` for IAM principals; ``aws:PrincipalServiceName``,
``aws:PrincipalServiceNamesList`` and ``aws:PrincipalIsAWSService`` for service principals; and
``aws:CurrentTime``/``aws:EpochTime`` (the time of the evaluation) when a condition asks for them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html). Keys
that describe the request itself (``aws:SecureTransport``, ``aws:SourceArn``, ...) are the
caller's to supply; a key the caller leaves out is absent, as AWS treats a key missing from the
request context.

Not evaluated: AWS Organizations SCPs and RCPs, permissions boundaries, session policies,
cross-account requests, VPC endpoint policies, and policy variables (``${aws:username}`` is
compared as the literal text). A malformed document, an unknown element or condition operator
raises :class:`PolicyError` when the policy is parsed, so nothing is silently permissive.

Where AWS's documentation leaves a choice, this module decides so:

* ``{"AWS": "*"}`` is the same as ``"*"`` (the Principal page says both forms are equivalent), so
  it names service principals too.
* ``NotPrincipal`` leaves out a caller whose own ARN, role ARN or account it lists; AWS advises
  listing the account along with the role for that reason.
* Identity-based policies have no ``Principal`` (IAM refuses one); a resource-based statement
  without ``Principal`` or ``NotPrincipal`` (which AWS refuses too) names nobody, and one without
  ``Resource`` covers the resource the policy is attached to.
* A list of request values under an operator without ``ForAnyValue``/``ForAllValues`` matches
  when any of them matches (a negated operator: when none does).

Examples
--------
>>> role = "arn:aws:iam::123456789012:role/App-OrdersFnRole"
>>> policy = Policy.parse("inline policy Default of role App-OrdersFnRole", {
...     "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem",
...                    "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"}]})
>>> request = Request(Principal.assumed_role(role, "session"), "dynamodb:PutItem",
...                   "arn:aws:dynamodb:us-east-1:123456789012:table/Orders")
>>> decision = evaluate(request, identity=[policy])
>>> decision.allowed, decision.kind
(False, 'implicit-deny-identity')
>>> print(decision.message(request))
User: arn:aws:sts::123456789012:assumed-role/App-OrdersFnRole/session is not authorized to perform:
dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders because no
identity-based policy allows the dynamodb:PutItem action
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import operator
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final

__all__ = [
    "ALLOW",
    "DECISION_KINDS",
    "EXPLICIT_DENY_IDENTITY",
    "EXPLICIT_DENY_RESOURCE",
    "IMPLICIT_DENY_IDENTITY",
    "IMPLICIT_DENY_KEY_POLICY",
    "IMPLICIT_DENY_RESOURCE",
    "Decision",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "StatementRef",
    "evaluate",
]

DEFAULT_ACCOUNT: Final = "123456789012"

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


class PolicyError(ValueError):
    """A policy document the evaluator cannot read: not JSON, a wrong element, an unknown operator.

    Examples
    --------
    >>> Policy.parse("broken", "{nope")
    Traceback (most recent call last):
    ...
    serverless_patterns.local.policy.PolicyError: broken: the document is not JSON ...
    """


# -- principals ---------------------------------------------------------------------------------
_ROLE_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>[^:]+):role/(?:.*/)?(?P<name>[^/]+)")
_SESSION_ARN = re.compile(r"arn:(?P<partition>[^:]+):sts::(?P<account>[^:]+):assumed-role/(?P<name>[^/]+)/[^/]+")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an IAM role session, the account root user, or an AWS service.

    Attributes
    ----------
    arn
        The caller's ARN as AWS reports it (``arn:aws:sts::123456789012:assumed-role/Role/session``,
        ``arn:aws:iam::123456789012:root``); ``""`` for a service principal. An IAM role ARN stands
        for a session of that role.
    account
        The account the principal belongs to.
    service
        For an AWS service principal, its name (``events.amazonaws.com``).
    role_arn
        For a role session, the role's ARN, path included: a resource-based policy naming the role
        names its sessions.

    Examples
    --------
    >>> Principal.assumed_role("arn:aws:iam::123456789012:role/app/OrdersFnRole", "s1").arn
    'arn:aws:sts::123456789012:assumed-role/OrdersFnRole/s1'
    """

    arn: str
    account: str = DEFAULT_ACCOUNT
    service: str | None = None
    role_arn: str | None = None

    @classmethod
    def assumed_role(cls, role_arn: str, session_name: str) -> Principal:
        """Return a session of ``role_arn``; the session ARN drops the role's path, as STS does.

        See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-role-session

        Examples
        --------
        >>> session = Principal.assumed_role("arn:aws:iam::111122223333:role/path/R", "s")
        >>> session.arn, session.account, session.role_arn
        ('arn:aws:sts::111122223333:assumed-role/R/s', '111122223333', 'arn:aws:iam::111122223333:role/path/R')
        """
        match = _ROLE_ARN.fullmatch(role_arn)
        if match is None:
            raise ValueError(f"not an IAM role ARN: {role_arn!r}")
        partition, account, name = match.group("partition", "account", "name")
        return cls(f"arn:{partition}:sts::{account}:assumed-role/{name}/{session_name}", account, None, role_arn)

    @classmethod
    def for_service(cls, service: str, account: str = DEFAULT_ACCOUNT) -> Principal:
        """Return the AWS service principal ``service`` acting for ``account``.

        Examples
        --------
        >>> Principal.for_service("events.amazonaws.com").label
        'events.amazonaws.com'
        """
        return cls("", account, service)

    @classmethod
    def account_root(cls, account: str) -> Principal:
        """Return the root user of ``account``.

        Examples
        --------
        >>> Principal.account_root("123456789012").arn
        'arn:aws:iam::123456789012:root'
        """
        return cls(f"arn:aws:iam::{account}:root", account)

    @property
    def label(self) -> str:
        """What AWS's error message names: the caller's ARN, or the service's name.

        Examples
        --------
        >>> Principal.assumed_role("arn:aws:iam::123456789012:role/R", "s").label
        'arn:aws:sts::123456789012:assumed-role/R/s'
        """
        return self.service or self.arn


# How a resource-based statement's Principal relates to the caller.
_NOT_NAMED: Final = 0
_ACCOUNT_NAMED: Final = 1  # the statement names the caller's account: a delegation to identity-based policies
_DIRECTLY_NAMED: Final = 2  # the statement names the caller itself (or everyone)


@dataclass(frozen=True)
class _Caller:
    """What matching needs to know about a principal, worked out once per principal."""

    names: frozenset[str]
    account: str
    is_root: bool
    service: str | None
    context_defaults: tuple[tuple[str, Any], ...]


@functools.lru_cache(maxsize=1024)
def _caller(principal: Principal) -> _Caller:
    if principal.service:
        service = principal.service.lower()
        defaults: tuple[tuple[str, Any], ...] = (
            ("aws:principalservicename", principal.service),
            ("aws:principalservicenameslist", (principal.service,)),
            ("aws:principalisawsservice", "true"),
        )
        return _Caller(frozenset(), principal.account, False, service, defaults)
    role_arn = principal.role_arn
    session = _SESSION_ARN.fullmatch(principal.arn)
    if role_arn is None and session is not None:
        # Without the role's ARN the path is unknown: a role with a path must pass role_arn.
        partition, account, name = session.group("partition", "account", "name")
        role_arn = f"arn:{partition}:iam::{account}:role/{name}"
    elif role_arn is None and _ROLE_ARN.fullmatch(principal.arn):
        role_arn = principal.arn
    is_root = principal.arn.endswith(":root")
    if is_root:
        principal_type = "Account"
    elif role_arn is not None:
        principal_type = "AssumedRole"
    elif ":federated-user/" in principal.arn:
        principal_type = "FederatedUser"
    else:
        principal_type = "User"
    defaults = (
        ("aws:principalarn", role_arn or principal.arn),
        ("aws:principalaccount", principal.account),
        ("aws:principaltype", principal_type),
        ("aws:principalisawsservice", "false"),
    )
    names = frozenset(name for name in (principal.arn, role_arn) if name)
    return _Caller(names, principal.account, is_root, None, defaults)


# -- wildcards ----------------------------------------------------------------------------------
def _wildcard_source(pattern: str, star: str = ".*", question: str = ".") -> str:
    return "".join(star if char == "*" else question if char == "?" else re.escape(char) for char in pattern)


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """Compile a ``*``/``?`` pattern whose ``*`` spans any characters, ``:`` and ``/`` included."""
    return re.compile(_wildcard_source(pattern), re.DOTALL)


@functools.lru_cache(maxsize=4096)
def _any_wildcard(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_wildcard_source(pattern)})" for pattern in patterns), re.DOTALL)


@functools.lru_cache(maxsize=4096)
def _arn_wildcard(pattern: str) -> re.Pattern[str]:
    """Compile an ``ArnLike`` pattern: each of the six colon-separated parts is matched on its own.

    A ``*`` stays inside its part, except in the last (the resource), which may hold colons itself.
    """
    parts = pattern.split(":", 5)
    sources = [
        _wildcard_source(part) if position == len(parts) - 1 else _wildcard_source(part, "[^:]*", "[^:]")
        for position, part in enumerate(parts)
    ]
    return re.compile(":".join(sources), re.DOTALL)


def _is_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


@dataclass(frozen=True)
class _Patterns:
    """A list of ``Action`` or ``Resource`` patterns: exact names in a set, wildcards in one regex."""

    exact: frozenset[str]
    wildcards: re.Pattern[str] | None

    @classmethod
    def of(cls, patterns: Sequence[str]) -> _Patterns:
        wildcards = tuple(pattern for pattern in patterns if _is_wildcard(pattern))
        return cls(
            frozenset(pattern for pattern in patterns if not _is_wildcard(pattern)),
            _any_wildcard(wildcards) if wildcards else None,
        )

    def matches(self, value: str) -> bool:
        return value in self.exact or (self.wildcards is not None and self.wildcards.fullmatch(value) is not None)


# -- condition operators ------------------------------------------------------------------------
class _Invalid:
    """A request value the operator cannot read (a word where a number is due): it matches nothing."""


_INVALID: Final = _Invalid()


def _text(value: Any) -> str | _Invalid:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return _INVALID


def _lower_text(value: Any) -> str | _Invalid:
    text = _text(value)
    return text.lower() if isinstance(text, str) else text


def _number(value: Any) -> float | _Invalid:
    if isinstance(value, bool):
        return _INVALID
    try:
        return float(value)
    except (TypeError, ValueError):
        return _INVALID


_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")


def _timestamp(value: Any) -> float | _Invalid:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH.fullmatch(value)):
        return float(value)
    moment: datetime | None = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        # fromisoformat reads a "Z" suffix only from Python 3.11 on, and the project supports 3.10
        text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return _INVALID
    if moment is None:
        return _INVALID
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | _Invalid:
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        return _INVALID


def _bytes(value: Any) -> bytes | _Invalid:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return _INVALID


def _parse_text(value: str) -> str:
    return value


def _parse_lower(value: str) -> str:
    return value.lower()


def _parse_number(value: str) -> float:
    number = _number(value)
    if isinstance(number, _Invalid):
        raise ValueError(f"{value!r} is not a number")
    return number


def _parse_date(value: str) -> float:
    moment = _timestamp(value)
    if isinstance(moment, _Invalid):
        raise ValueError(f"{value!r} is neither an ISO 8601 date nor epoch seconds")
    return moment


def _parse_bool(value: str) -> str:
    if value.lower() not in ("true", "false"):
        raise ValueError(f"{value!r} is neither true nor false")
    return value.lower()


def _parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(value, strict=False)


def _parse_base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ValueError(f"{value!r} is not base64") from error


def _in_network(address: Any, network: Any) -> bool:
    return bool(address.version == network.version and address in network)


def _fullmatch(value: Any, pattern: Any) -> bool:
    return pattern.fullmatch(value) is not None


@dataclass(frozen=True)
class _Family:
    """One kind of comparison: how to read the policy's values and the request's, and how to compare."""

    parse: Callable[[str], Any]
    read: Callable[[Any], Any]
    compare: Callable[[Any, Any], bool]


_STRING = _Family(_parse_text, _text, operator.eq)
_STRING_IGNORE_CASE = _Family(_parse_lower, _lower_text, operator.eq)
_STRING_LIKE = _Family(_wildcard, _text, _fullmatch)
_ARN = _Family(_arn_wildcard, _text, _fullmatch)
_BOOL = _Family(_parse_bool, _lower_text, operator.eq)
_BINARY = _Family(_parse_base64, _bytes, operator.eq)
_IP = _Family(_parse_network, _address, _in_network)


def _numeric(compare: Callable[[Any, Any], bool]) -> _Family:
    return _Family(_parse_number, _number, compare)


def _date(compare: Callable[[Any, Any], bool]) -> _Family:
    return _Family(_parse_date, _timestamp, compare)


# operator name (lower case) -> (family, negated); a negated operator is true when no value matches
_OPERATORS: Final[dict[str, tuple[_Family, bool]]] = {
    "stringequals": (_STRING, False),
    "stringnotequals": (_STRING, True),
    "stringequalsignorecase": (_STRING_IGNORE_CASE, False),
    "stringnotequalsignorecase": (_STRING_IGNORE_CASE, True),
    "stringlike": (_STRING_LIKE, False),
    "stringnotlike": (_STRING_LIKE, True),
    "numericequals": (_numeric(operator.eq), False),
    "numericnotequals": (_numeric(operator.eq), True),
    "numericlessthan": (_numeric(operator.lt), False),
    "numericlessthanequals": (_numeric(operator.le), False),
    "numericgreaterthan": (_numeric(operator.gt), False),
    "numericgreaterthanequals": (_numeric(operator.ge), False),
    "dateequals": (_date(operator.eq), False),
    "datenotequals": (_date(operator.eq), True),
    "datelessthan": (_date(operator.lt), False),
    "datelessthanequals": (_date(operator.le), False),
    "dategreaterthan": (_date(operator.gt), False),
    "dategreaterthanequals": (_date(operator.ge), False),
    "bool": (_BOOL, False),
    "binaryequals": (_BINARY, False),
    "ipaddress": (_IP, False),
    "notipaddress": (_IP, True),
    "arnequals": (_ARN, False),
    "arnlike": (_ARN, False),
    "arnnotequals": (_ARN, True),
    "arnnotlike": (_ARN, True),
}
_QUALIFIERS: Final = {"foranyvalue": "any", "forallvalues": "all"}
_MISSING: Final = object()


def _request_values(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


@dataclass(frozen=True)
class _Condition:
    """One condition key under one operator, with the policy's values already parsed."""

    key: str  # lower case: condition key names are case-insensitive
    family: _Family | None  # None for the Null operator
    negated: bool
    if_exists: bool
    qualifier: str | None  # "any", "all" or None
    values: tuple[Any, ...]

    def holds(self, context: _Context) -> bool:
        raw = context.get(self.key)
        values = [] if raw is _MISSING or raw is None else _request_values(raw)
        if self.family is None:
            # Null: "true" asks for the key to be absent, "false" for it to be present
            return any((value == "true") == (not values) for value in self.values)
        if not values:
            return self._holds_without_values()
        family = self.family
        matched = [self._matches_any(family, family.read(value)) for value in values]
        if self.negated:
            # a negated operator asks that a value match none of the policy's values (a NOR)
            return (any if self.qualifier == "any" else all)(not hit for hit in matched)
        return (all if self.qualifier == "all" else any)(matched)

    def _holds_without_values(self) -> bool:
        if self.if_exists or self.qualifier == "all":
            return True
        if self.qualifier == "any":
            return False
        return self.negated

    def _matches_any(self, family: _Family, value: Any) -> bool:
        if isinstance(value, _Invalid):
            return False
        return any(family.compare(value, policy_value) for policy_value in self.values)


def _condition_values(raw: Any, where: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    texts = []
    for item in items:
        text = _text(item)
        if isinstance(text, _Invalid):
            raise PolicyError(f"{where}: condition values must be strings, numbers or booleans, not {item!r}")
        texts.append(text)
    return texts


def _parse_conditions(raw: Any, where: str) -> tuple[_Condition, ...]:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: Condition must be an object of operators")
    conditions = []
    for operator_name, block in raw.items():
        if not isinstance(block, Mapping):
            raise PolicyError(f"{where}: condition operator {operator_name} must map keys to values")
        name = str(operator_name)
        qualifier = None
        if ":" in name:
            prefix, _, name = name.partition(":")
            qualifier = _QUALIFIERS.get(prefix.lower())
            if qualifier is None:
                raise PolicyError(f"{where}: unknown condition set qualifier {prefix!r} in {operator_name!r}")
        base = name.lower()
        if_exists = base.endswith("ifexists")
        if if_exists:
            base = base.removesuffix("ifexists")
        if base == "null":
            if if_exists or qualifier is not None:
                raise PolicyError(f"{where}: the Null operator takes neither IfExists nor a set qualifier")
            family, negated = None, False
        elif base in _OPERATORS:
            family, negated = _OPERATORS[base]
        else:
            raise PolicyError(f"{where}: unknown condition operator {operator_name!r}")
        for key, raw_values in block.items():
            texts = _condition_values(raw_values, where)
            try:
                values = tuple(_parse_bool(text) if family is None else family.parse(text) for text in texts)
            except (ValueError, re.error) as error:
                raise PolicyError(f"{where}: {operator_name} {key}: {error}") from error
            conditions.append(_Condition(str(key).lower(), family, negated, if_exists, qualifier, values))
    return tuple(conditions)


# -- policies -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PrincipalSpec:
    """A statement's ``Principal`` (or ``NotPrincipal``) element, normalized."""

    everyone: bool
    arns: frozenset[str]
    accounts: frozenset[str]
    services: frozenset[str]  # lower case

    def relation(self, caller: _Caller) -> int:
        if self.everyone:
            return _DIRECTLY_NAMED
        if caller.service is not None:
            return _DIRECTLY_NAMED if caller.service in self.services or "*" in self.services else _NOT_NAMED
        if caller.names & self.arns:
            return _DIRECTLY_NAMED
        if caller.account in self.accounts:
            # the root user is the account itself; everyone else of the account is delegated to
            return _DIRECTLY_NAMED if caller.is_root else _ACCOUNT_NAMED
        return _NOT_NAMED


_ROOT_ARN = re.compile(r"arn:[^:]+:iam::(?P<account>[^:]+):root")
_PRINCIPAL_TYPES: Final = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})


def _strings(raw: Any, element: str, where: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(item, str) for item in items):
        raise PolicyError(f"{where}: {element} must be a string or a non-empty list of strings")
    return items


def _parse_principal(raw: Any, element: str, where: str) -> _PrincipalSpec:
    if raw == "*":
        return _PrincipalSpec(True, frozenset(), frozenset(), frozenset())
    if not isinstance(raw, Mapping) or not raw:
        raise PolicyError(f'{where}: {element} must be "*" or an object such as {{"AWS": ...}}')
    unknown = set(raw) - _PRINCIPAL_TYPES
    if unknown:
        raise PolicyError(f"{where}: unknown {element} type {sorted(unknown)[0]!r}")
    arns: set[str] = set()
    accounts: set[str] = set()
    everyone = False
    for name in _strings(raw["AWS"], f"{element} AWS", where) if "AWS" in raw else ():
        root = _ROOT_ARN.fullmatch(name)
        if name == "*":
            everyone = True
        elif name.isdigit():
            accounts.add(name)
        elif root is not None:
            accounts.add(root.group("account"))
        else:
            arns.add(name)
    services = (
        frozenset(name.lower() for name in _strings(raw["Service"], f"{element} Service", where))
        if "Service" in raw
        else frozenset()
    )
    # Federated and CanonicalUser principals never make the requests the local cloud checks
    return _PrincipalSpec(everyone, frozenset(arns), frozenset(accounts), services)


@dataclass(frozen=True)
class _Statement:
    index: int
    sid: str | None
    allow: bool
    actions: _Patterns
    not_action: bool
    resources: _Patterns | None  # None: no Resource element, the statement covers the policy's resource
    not_resource: bool
    principal: _PrincipalSpec | None
    not_principal: bool
    conditions: tuple[_Condition, ...]

    def covers(self, action: str, resource: str) -> bool:
        if self.actions.matches(action) == self.not_action:
            return False
        return self.resources is None or self.resources.matches(resource) != self.not_resource

    def relation(self, caller: _Caller) -> int:
        if self.principal is None:
            # AWS refuses a resource-based policy statement without a principal; it grants nobody here
            return _NOT_NAMED
        relation = self.principal.relation(caller)
        if self.not_principal:
            return _DIRECTLY_NAMED if relation == _NOT_NAMED else _NOT_NAMED
        return relation


_STATEMENT_ELEMENTS: Final = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
)


def _one_of(raw: Mapping[str, Any], first: str, second: str, where: str, *, required: bool) -> tuple[Any, bool]:
    if first in raw and second in raw:
        raise PolicyError(f"{where}: a statement takes {first} or {second}, not both")
    if second in raw:
        return raw[second], True
    if first in raw:
        return raw[first], False
    if required:
        raise PolicyError(f"{where}: a statement needs {first} or {second}")
    return None, False


def _parse_statement(raw: Any, index: int, where: str) -> _Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a statement must be an object")
    unknown = set(raw) - _STATEMENT_ELEMENTS
    if unknown:
        raise PolicyError(f"{where}: unknown statement element {sorted(unknown)[0]!r}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, not {effect!r}")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}: Sid must be a string")
    actions, not_action = _one_of(raw, "Action", "NotAction", where, required=True)
    resources, not_resource = _one_of(raw, "Resource", "NotResource", where, required=False)
    principal, not_principal = _one_of(raw, "Principal", "NotPrincipal", where, required=False)
    element = "NotPrincipal" if not_principal else "Principal"
    return _Statement(
        index=index,
        sid=sid,
        allow=effect == "Allow",
        actions=_Patterns.of([action.lower() for action in _strings(actions, "Action", where)]),
        not_action=not_action,
        resources=None if resources is None else _Patterns.of(_strings(resources, "Resource", where)),
        not_resource=not_resource,
        principal=None if principal is None else _parse_principal(principal, element, where),
        not_principal=not_principal,
        conditions=_parse_conditions(raw["Condition"], where) if "Condition" in raw else (),
    )


def _decode(name: str, document: str) -> Any:
    try:
        return json.loads(document)
    except ValueError:
        pass
    # IAM returns policy documents URL-encoded (RFC 3986):
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
    try:
        return json.loads(urllib.parse.unquote(document))
    except ValueError as error:
        raise PolicyError(f"{name}: the document is not JSON ({error})") from None


@dataclass(frozen=True)
class Policy:
    """A named policy document, parsed once into statements ready to evaluate.

    Attributes
    ----------
    name
        How denials name the policy, e.g. ``inline policy OrdersFnRoleDefaultPolicy of role
        App-OrdersFnRole`` or ``queue policy of arn:aws:sqs:us-east-1:123456789012:Orders``.
    document
        The policy document (``Statement`` is a list or a single statement object).

    Raises
    ------
    PolicyError
        When the document is malformed; see :meth:`parse`.

    Examples
    --------
    >>> policy = Policy("p", {"Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}})
    >>> len(policy.statements)
    1
    """

    name: str
    document: Mapping[str, Any]
    statements: tuple[_Statement, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.document, Mapping):
            raise PolicyError(f"{self.name}: a policy document must be a JSON object")
        raw = self.document.get("Statement")
        if raw is None:
            raise PolicyError(f"{self.name}: the document has no Statement")
        raw_statements = raw if isinstance(raw, list) else [raw]
        statements = tuple(
            _parse_statement(statement, index, f"{self.name} statement {index}")
            for index, statement in enumerate(raw_statements, start=1)
        )
        object.__setattr__(self, "statements", statements)

    @classmethod
    def parse(cls, name: str, document: str | Mapping[str, Any]) -> Policy:
        """Read a policy from a dict or a JSON string, URL-encoded JSON (as IAM returns it) included.

        Raises
        ------
        PolicyError
            When the document is not JSON, not an object, has no ``Statement``, or a statement has an
            unknown element, a wrong ``Effect``, both ``Action`` and ``NotAction``, no action, an
            unknown condition operator or a condition value its operator cannot read.

        Examples
        --------
        >>> Policy.parse("inline", "%7B%22Statement%22%3A%5B%5D%7D").document
        {'Statement': []}
        >>> Policy.parse("p", {"Statement": [{"Effect": "Allow", "Action": "s3:*",
        ...     "Condition": {"StringEqualz": {"aws:SourceAccount": "1"}}}]})
        Traceback (most recent call last):
        ...
        serverless_patterns.local.policy.PolicyError: p statement 1: unknown condition operator 'StringEqualz'
        """
        decoded = _decode(name, document) if isinstance(document, str) else document
        if not isinstance(decoded, Mapping):
            raise PolicyError(f"{name}: a policy document must be a JSON object")
        return cls(name, decoded)


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


class _Context:
    """The request context with lower-case keys, the principal's keys added; built on first use."""

    __slots__ = ("_caller", "_request", "_values")

    def __init__(self, request: Request, caller: _Caller) -> None:
        self._request = request
        self._caller = caller
        self._values: dict[str, Any] | None = None

    def get(self, key: str) -> Any:
        if self._values is None:
            values = {str(name).lower(): value for name, value in self._request.context.items()}
            for name, value in self._caller.context_defaults:
                values.setdefault(name, value)
            self._values = values
        value = self._values.get(key, _MISSING)
        if value is _MISSING and key in ("aws:currenttime", "aws:epochtime"):
            # AWS always has the time of the request; computed only for policies that ask
            now = time.time()
            value = datetime.fromtimestamp(now, timezone.utc).isoformat() if key == "aws:currenttime" else int(now)
            self._values[key] = value
        return value


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
