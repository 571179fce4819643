"""Policy conditions: the operators, how they read request values, and the request context they test."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

from serverless_patterns.local.policy.errors import PolicyError
from serverless_patterns.local.policy.principals import _Caller
from serverless_patterns.local.policy.wildcards import _arn_wildcard, _wildcard

if TYPE_CHECKING:
    from serverless_patterns.local.policy.evaluation import Request


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
