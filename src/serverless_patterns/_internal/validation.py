"""Collect broken option rules and raise them together as one ``ValidationError``.

Rules skip values that are still CloudFormation tokens: they are known only at deploy time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aws_cdk import Duration, Token

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._internal.jsii_values import duration_is_unresolved, duration_milliseconds

if TYPE_CHECKING:
    from constructs import Construct


# How CDK encodes a token in a string (``${Token[...]}``, a list element ``#{Token[...]}``) and
# in a number (a double around -1.888e289, aws-cdk-lib ``core/lib/private/encoding.ts``): a plain
# Python value without these marks is resolved, and is not sent to jsii to be asked.
_STRING_TOKEN_MARK = "{Token["
_NUMBER_TOKEN_MAGNITUDE = 1e280


def is_unresolved(value: object) -> bool:
    """Tell whether ``value`` is (or contains) a token resolved only at deploy time."""
    if isinstance(value, Duration):
        return duration_is_unresolved(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return _STRING_TOKEN_MARK in value and bool(Token.is_unresolved(value))
    if isinstance(value, (int, float)):
        return abs(value) > _NUMBER_TOKEN_MAGNITUDE and bool(Token.is_unresolved(value))
    return False


class Rules:
    """A table of option rules for one construct; :meth:`raise_if_broken` raises them all at once.

    Examples
    --------
    >>> rules = Rules()
    >>> rules.in_range("memory_mib", 64, 128, 10240)
    >>> rules.problems
    ['memory_mib must be between 128 and 10240, got 64']
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, ok: bool, message: str) -> None:
        """Record ``message`` when ``ok`` is false."""
        if not ok:
            self.problems.append(message)

    def in_range(self, name: str, value: float | None, low: float, high: float, unit: str = "") -> None:
        """Require ``low <= value <= high`` when ``value`` is given and resolved."""
        if value is None or is_unresolved(value):
            return
        suffix = f" {unit}" if unit else ""
        self.check(
            low <= value <= high,
            f"{name} must be between {_number(low)} and {_number(high)}{suffix}, got {_number(value)}",
        )

    def duration_in_range(self, name: str, value: Duration | None, low_seconds: float, high_seconds: float) -> None:
        """Require a ``Duration`` between two bounds in seconds when given and resolved."""
        if value is None or is_unresolved(value):
            return
        self.in_range(name, duration_milliseconds(value) / 1000, low_seconds, high_seconds, "seconds")

    def whole_seconds(self, name: str, value: Duration | None) -> None:
        """Require a whole number of seconds (what Lambda and SQS accept) when given and resolved."""
        if value is None or is_unresolved(value):
            return
        milliseconds = duration_milliseconds(value)
        self.check(
            milliseconds % 1000 == 0,
            f"{name} must be a whole number of seconds, got {_number(milliseconds / 1000)}",
        )

    def at_least(self, name: str, value: float | None, low: float) -> None:
        """Require ``value >= low`` when given and resolved."""
        if value is None or is_unresolved(value):
            return
        self.check(value >= low, f"{name} must be at least {_number(low)}, got {_number(value)}")

    def matches(self, name: str, value: str | None, pattern: str, allowed: str) -> None:
        """Require ``value`` to match ``pattern`` (a full match) when given and resolved."""
        if value is None or is_unresolved(value):
            return
        self.check(re.fullmatch(pattern, value) is not None, f"{name} must be {allowed}, got {value!r}")

    def one_of(self, name: str, value: object, allowed: Iterable[object]) -> None:
        """Require ``value`` to be one of ``allowed`` when given."""
        if value is None:
            return
        options = list(allowed)
        self.check(value in options, f"{name} must be one of {', '.join(map(str, options))}, got {value!r}")

    def exclusive(self, **options: object) -> None:
        """Allow at most one of the named options to be set."""
        given = [name for name, value in options.items() if value is not None and value is not False]
        self.check(len(given) <= 1, f"{' and '.join(given)} cannot be combined: give only one of them")

    def unique(self, name: str, values: Iterable[str]) -> None:
        """Require every value to appear once."""
        seen: set[str] = set()
        duplicates: list[str] = []
        for value in values:
            if value in seen and value not in duplicates:
                duplicates.append(value)
            seen.add(value)
        self.check(not duplicates, f"{name} must be unique, got duplicates {', '.join(map(repr, duplicates))}")

    def raise_if_broken(self, scope: Construct) -> None:
        """Raise one ``ValidationError`` naming ``scope``'s path when any rule is broken."""
        self.raise_if_broken_at(scope.node.path)

    def raise_if_broken_at(self, path: str) -> None:
        """Raise one ``ValidationError`` naming ``path`` when any rule is broken.

        For constructs that check their options before they exist (a subclass of an L2 checks
        them before calling its base class), with the path they are about to have.
        """
        if self.problems:
            raise ValidationError(path, self.problems)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
