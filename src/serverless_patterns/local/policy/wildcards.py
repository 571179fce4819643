"""The ``*``/``?`` wildcard patterns of actions, resources and string and ARN conditions."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass


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
