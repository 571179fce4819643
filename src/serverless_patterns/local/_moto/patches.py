"""The registry of every patch the local cloud puts into moto: named, installed once, under one lock.

A patch is installed by an *owner* (the object whose behaviour it routes to). Installing it again
by the same owner does nothing; installing it while another owner holds it raises
:class:`PatchConflictError`; uninstalling it restores what moto had. Before a method is replaced its
signature is compared with the one the replacement was written for (:data:`METHODS`), so that a
moto upgrade that changed it fails at install, loudly, instead of misrouting calls.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger(__name__)


class MotoSeamError(RuntimeError):
    """moto no longer has what a seam of the local cloud reads or replaces (a moto upgrade moved it)."""


def not_found() -> tuple[type[Exception], ...]:
    """The exceptions moto's backends raise for a resource they do not hold (for narrow ``except`` clauses).

    Its service errors (``UnknownFunctionException``, ``SecretNotFoundException``...) are REST
    errors; some lookups raise ``KeyError`` from the backend's own dictionaries.

    Examples
    --------
    >>> KeyError in not_found()
    True
    """
    from moto.core.exceptions import JsonRESTError, ServiceException

    return JsonRESTError, ServiceException, KeyError


class PatchConflictError(RuntimeError):
    """A patch is already installed by another owner in this process."""


@dataclass(frozen=True)
class Method:
    """A method of a moto class that a patch replaces, with the parameters the replacement expects."""

    module: str
    class_name: str
    attribute: str
    parameters: tuple[str, ...]

    def owner_class(self) -> Any:
        """The moto class; :class:`MotoSeamError` when it moved."""
        try:
            return getattr(importlib.import_module(self.module), self.class_name)
        except (ImportError, AttributeError) as error:
            raise MotoSeamError(f"moto has no {self.module}.{self.class_name} any more: {error}") from error

    def verify(self) -> Callable[..., Any]:
        """The method as moto defines it; :class:`MotoSeamError` when it is gone or its parameters changed."""
        found = getattr(self.owner_class(), self.attribute, None)
        if found is None or not callable(found):
            raise MotoSeamError(f"moto's {self.class_name} has no method {self.attribute} any more")
        original = getattr(found, "__wrapped_by_local_cloud__", found)
        names = tuple(inspect.signature(original).parameters)
        if names != self.parameters:
            raise MotoSeamError(
                f"moto's {self.class_name}.{self.attribute} takes {names}, "
                f"the local cloud's replacement {self.parameters}"
            )
        return original  # type: ignore[no-any-return]


METHODS: dict[str, Method] = {
    "server.call": Method(
        "moto.moto_server.werkzeug_app",
        "DomainDispatcherApplication",
        "__call__",
        ("self", "environ", "start_response"),
    ),
    "lambda.invoke_lambda": Method("moto.awslambda.models", "LambdaFunction", "_invoke_lambda", ("self", "event")),
    "lambda.invoke": Method(
        "moto.awslambda.models", "LambdaFunction", "invoke", ("self", "body", "request_headers", "response_headers")
    ),
    "events.send_to_targets": Method(
        "moto.events.models", "Rule", "send_to_targets", ("self", "original_event", "transform_input")
    ),
    "sns.publish": Method(
        "moto.sns.models",
        "Subscription",
        "publish",
        (
            "self",
            "message",
            "message_id",
            "subject",
            "message_attributes",
            "group_id",
            "deduplication_id",
            "message_structure",
        ),
    ),
    **{
        f"dynamodb.{action}": Method("moto.dynamodb.responses", "DynamoHandler", action, ("self",))
        for action in (
            "put_item",
            "update_item",
            "delete_item",
            "batch_write_item",
            "transact_write_items",
            "execute_statement",
            "execute_transaction",
            "batch_execute_statement",
        )
    },
}
"""Every moto method the local cloud replaces, by patch name (the contract tests check each one)."""

_lock = threading.RLock()
_installed: dict[str, tuple[object, Callable[[], None]]] = {}


def install(name: str, owner: object, apply: Callable[[], Callable[[], None]]) -> None:
    """Install the patch ``name`` for ``owner`` once; ``apply`` patches moto and returns the undo.

    Examples
    --------
    >>> undone = []
    >>> install("example", "me", lambda: lambda: undone.append(True))
    >>> install("example", "me", lambda: lambda: undone.append(False))  # the same owner: nothing to do
    >>> try:
    ...     install("example", "someone else", lambda: lambda: None)
    ... except PatchConflictError as error:
    ...     print(error)
    the moto patch example is installed by another owner: uninstall it first
    >>> uninstall("example", "me"), undone
    (True, [True])
    """
    with _lock:
        held = _installed.get(name)
        if held is not None:
            if held[0] is owner:
                return
            raise PatchConflictError(f"the moto patch {name} is installed by another owner: uninstall it first")
        _installed[name] = (owner, apply())


def uninstall(name: str, owner: object | None = None) -> bool:
    """Restore what the patch ``name`` replaced, if ``owner`` holds it (any owner when ``None``); whether it did.

    Examples
    --------
    >>> uninstall("no-such-patch")
    False
    """
    with _lock:
        held = _installed.get(name)
        if held is None or (owner is not None and held[0] is not owner):
            return False
        del _installed[name]
        held[1]()
        return True


def owner_of(name: str) -> object | None:
    """Who holds the patch ``name`` (``None``: not installed).

    Examples
    --------
    >>> owner_of("no-such-patch") is None
    True
    """
    with _lock:
        held = _installed.get(name)
        return None if held is None else held[0]


def replace_method(name: str, owner: object, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Install the patch ``name`` of :data:`METHODS`: ``make(original)`` is the replacement method.

    The method is checked (:meth:`Method.verify`) before it is replaced; uninstalling puts the
    original back.
    """

    def apply() -> Callable[[], None]:
        method = METHODS[name]
        original = method.verify()
        cls = method.owner_class()
        replacement = make(original)
        replacement.__wrapped_by_local_cloud__ = original  # type: ignore[attr-defined]
        setattr(cls, method.attribute, replacement)
        _log.debug("moto patch %s installed on %s.%s", name, method.class_name, method.attribute)

        def undo() -> None:
            setattr(cls, method.attribute, original)

        return undo

    install(name, owner, apply)
