"""moto's DynamoDB: item writes made atomic, as a conditional write is in AWS.

In DynamoDB a write to an item is atomic: its condition is evaluated against the item's latest
state and the write applied, with no other write to the item in between ("Individual write
operations such as UpdateItem are atomic and always operate on the most recent version of the
item, regardless of concurrency", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/BestPractices_ImplementingVersionControl.html).
moto's backend has no lock, and its server serves each request on its own thread: two
``UpdateItem`` calls with the same ``version = :expected`` condition can both evaluate it before
either writes, and both succeed. Optimistic locking would then pass locally and fail in AWS.

The patch serializes every request that reads an item and writes it under one lock. It wraps
moto's request handler methods (``DynamoHandler.put_item``...), not the backend's: the handler
reads the old item for ``ReturnValues=ALL_OLD``/``UPDATED_OLD`` before it calls the backend, and
``BatchWriteItem`` exists only there (the backend's ``batch_write_item`` is an empty stub), so the
whole request must be one critical section. Reads take no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from serverless_patterns.local._moto import patches

PATCHES = tuple(name for name in patches.METHODS if name.startswith("dynamodb."))
"""The patches :func:`install_atomic_writes` installs: moto's handler methods that write items.

PartiQL statements (``ExecuteStatement``...) may write, so they are serialized too.
"""

write_lock = threading.RLock()
"""Held while moto serves one DynamoDB write request (reentrant: a PartiQL transaction runs statements)."""

_holders_lock = threading.Lock()
_holders: list[object] = []


def _serialized(original: Callable[..., Any]) -> Callable[..., Any]:
    def serialized(handler: Any) -> Any:
        with write_lock:
            return original(handler)

    serialized.__name__ = original.__name__
    serialized.__doc__ = original.__doc__
    return serialized


def install_atomic_writes(owner: object) -> None:
    """Make moto's DynamoDB item writes atomic in this process for as long as ``owner`` (or another holder) wants.

    Atomicity is a property of the process, not of whoever asks for it: every holder shares one
    patch (the local cloud and the test session's moto server may both hold it), installed by
    the first and removed by :func:`uninstall_atomic_writes` of the last. Holding it twice
    is holding it once.

    Examples
    --------
    >>> owner = object()
    >>> install_atomic_writes(owner)
    >>> atomic_writes_installed()
    True
    >>> uninstall_atomic_writes(owner)
    """
    with _holders_lock:
        if any(holder is owner for holder in _holders):
            return
        if not _holders:
            _apply()
        _holders.append(owner)


def uninstall_atomic_writes(owner: object) -> None:
    """Release ``owner``'s hold; the last holder gives moto back its own handler methods (no hold: nothing happens)."""
    with _holders_lock:
        kept = [holder for holder in _holders if holder is not owner]
        if len(kept) == len(_holders):
            return
        _holders[:] = kept
        if not kept:
            for name in PATCHES:
                patches.uninstall(name, __name__)


def atomic_writes_installed() -> bool:
    """Whether moto's DynamoDB writes are serialized in this process now.

    Examples
    --------
    >>> atomic_writes_installed() in (True, False)
    True
    """
    return all(patches.owner_of(name) == __name__ for name in PATCHES)


def _apply() -> None:
    """Wrap every write method; if one cannot be (a moto upgrade moved it), undo the others and raise."""
    done: list[str] = []
    try:
        for name in PATCHES:
            patches.replace_method(name, __name__, _serialized)
            done.append(name)
    except BaseException:
        for name in done:
            patches.uninstall(name, __name__)
        raise
