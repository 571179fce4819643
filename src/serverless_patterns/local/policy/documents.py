"""Policy documents: parsing JSON into statements, and which statements name which caller."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from serverless_patterns.local.policy.conditions import _Condition, _parse_conditions
from serverless_patterns.local.policy.errors import PolicyError
from serverless_patterns.local.policy.principals import _ACCOUNT_NAMED, _DIRECTLY_NAMED, _NOT_NAMED, _Caller
from serverless_patterns.local.policy.wildcards import _Patterns


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
        serverless_patterns.local.policy.errors.PolicyError: p statement 1: unknown condition operator 'StringEqualz'
        """
        decoded = _decode(name, document) if isinstance(document, str) else document
        if not isinstance(decoded, Mapping):
            raise PolicyError(f"{name}: a policy document must be a JSON object")
        return cls(name, decoded)
