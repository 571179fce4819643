"""Facts about shared aws-cdk-lib value objects (runtimes, architectures, durations), read from jsii once.

Also the one type check that walks whole construct trees: :func:`is_instance`.

Every property read of a jsii object is a round trip to the Node.js kernel. A ``Runtime`` or
``Architecture`` (or ``Duration``) never changes once made and an app uses a handful of them (the
same defaults for every construct), so their facts are kept here by object (the object is kept
too, so its ``id`` is not reused, or weakly for durations).
"""

from __future__ import annotations

import weakref
from typing import TypeGuard, TypeVar

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_

_RUNTIMES: dict[int, tuple[lambda_.Runtime, str, bool]] = {}
_ARCHITECTURES: dict[int, tuple[lambda_.Architecture, str]] = {}
# Durations are many (one per option) but a module's defaults are shared: weak keys.
_UNRESOLVED: weakref.WeakKeyDictionary[Duration, bool] = weakref.WeakKeyDictionary()
_MILLISECONDS: weakref.WeakKeyDictionary[Duration, float] = weakref.WeakKeyDictionary()
_HUMAN_STRINGS: weakref.WeakKeyDictionary[Duration, str] = weakref.WeakKeyDictionary()
# Whether a class is a subclass of each kinds tuple asked so far.
_SUBCLASSES: dict[tuple[type, tuple[type, ...]], bool] = {}

_Kind = TypeVar("_Kind")


def runtime_name(runtime: lambda_.Runtime) -> str:
    """``runtime.name`` (``"python3.14"``)."""
    return _runtime(runtime)[1]


def runtime_is_python(runtime: lambda_.Runtime) -> bool:
    """Whether ``runtime`` is of the Python family."""
    return _runtime(runtime)[2]


def architecture_name(architecture: lambda_.Architecture) -> str:
    """``"arm64"`` or ``"x86_64"``, as Lambda and the Powertools layer names spell it."""
    known = _ARCHITECTURES.get(id(architecture))
    if known is None or known[0] is not architecture:
        name = "arm64" if architecture.name == "arm64" else "x86_64"
        known = _ARCHITECTURES[id(architecture)] = (architecture, name)
    return known[1]


def _runtime(runtime: lambda_.Runtime) -> tuple[lambda_.Runtime, str, bool]:
    known = _RUNTIMES.get(id(runtime))
    if known is None or known[0] is not runtime:
        known = _RUNTIMES[id(runtime)] = (runtime, runtime.name, runtime.family == lambda_.RuntimeFamily.PYTHON)
    return known


def duration_is_unresolved(duration: Duration) -> bool:
    """``duration.is_unresolved()``."""
    if duration not in _UNRESOLVED:
        _UNRESOLVED[duration] = bool(duration.is_unresolved())
    return _UNRESOLVED[duration]


def duration_milliseconds(duration: Duration) -> float:
    """``duration.to_milliseconds()`` (which raises for a fraction of a millisecond)."""
    if duration not in _MILLISECONDS:
        _MILLISECONDS[duration] = duration.to_milliseconds()
    return _MILLISECONDS[duration]


def duration_human_string(duration: Duration) -> str:
    """``duration.to_human_string()`` (``"10 minutes"``)."""
    if duration not in _HUMAN_STRINGS:
        _HUMAN_STRINGS[duration] = duration.to_human_string()
    return _HUMAN_STRINGS[duration]


def is_instance(value: object, kinds: tuple[type[_Kind], ...]) -> TypeGuard[_Kind]:
    """``isinstance(value, kinds)`` by the class's MRO, known once per class.

    jsii's classes are ABCs: ``isinstance`` of an object that is *not* a ``CfnResource`` asks each
    of the thousands of ``Cfn*`` subclasses in turn, once per class of object, which costs tenths of
    a second over a construct tree. Real subclasses are all that a construct's class can be here.
    """
    cls = type(value)
    known = _SUBCLASSES.get((cls, kinds))
    if known is None:
        known = _SUBCLASSES[(cls, kinds)] = any(kind in cls.__mro__ for kind in kinds)
    return known
