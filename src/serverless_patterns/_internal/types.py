"""Check the types of construct options before jsii sees them.

jsii checks types too, but only where a value crosses into aws-cdk-lib, and its ``TypeError``
names neither the construct nor the option. The library reads many options itself first
(``timeout.to_seconds()``), where a wrong type would surface as an ``AttributeError``. So every
public option is checked here, against the annotation of the method that takes it, and a wrong
type is a :class:`~serverless_patterns._internal.errors.ValidationError` naming the construct
path, the option, the type given and the type wanted.

jsii interfaces (``lambda_.IFunction``, ``sqs.IQueue``) are ``typing.Protocol`` classes that
``isinstance`` cannot check; an object implements one when a class in its MRO declares it (or an
interface extending it) in ``__jsii_ifaces__``, which is what jsii itself records.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aws_cdk import Token
from constructs import Construct
from typing_extensions import Unpack

from serverless_patterns._internal.errors import ValidationError

F = TypeVar("F", bound=Callable[..., Any])

_SEQUENCES = (list, tuple, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping)


def type_problems(name: str, value: object, annotation: Any) -> list[str]:
    """Every way ``value`` does not have the type ``annotation`` wants, one message each.

    Containers are checked item by item and dataclasses (such as a saga ``Step``) field by field,
    so a problem names the item: ``steps[1].function``.

    Examples
    --------
    >>> from aws_cdk import Duration
    >>> type_problems("timeout", "30s", Duration | None)
    ["timeout must be Duration or None, got str '30s'"]
    >>> type_problems("environment", {"A": 1}, Mapping[str, str])
    ["environment['A'] must be str, got int 1"]
    >>> type_problems("memory_mib", 512, int)
    []
    """
    if _conforms(value, annotation):
        return _inner_problems(name, value, annotation)
    return [f"{name} must be {describe(annotation)}, got {_given(value)}"]


def describe(annotation: Any) -> str:  # noqa: PLR0911 - one return per kind of annotation
    """A reader's name for a type annotation.

    Examples
    --------
    >>> from aws_cdk import aws_lambda as lambda_
    >>> describe(lambda_.IFunction | None)
    'IFunction or None'
    >>> describe(list[str])
    'a list of str'
    """
    if annotation is None or annotation is type(None):
        return "None"
    if annotation is Any or annotation is object:
        return "any value"
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return " or ".join(describe(argument) for argument in arguments)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(argument) for argument in arguments)
    if origin in _SEQUENCES:
        return f"a list of {describe(arguments[0])}" if arguments else "a list"
    if origin in _MAPPINGS:
        return f"a mapping of {describe(arguments[0])} to {describe(arguments[1])}" if arguments else "a mapping"
    if origin is collections.abc.Callable:
        return "a callable"
    return getattr(annotation, "__name__", str(annotation))


def typed_options(method: F) -> F:
    """Check the type of every argument given to ``method`` against its annotations.

    On ``__init__`` (and on static factories taking ``scope`` and ``id``) the error names the
    construct path the new construct would have; on other methods, the path of ``self``.
    Annotations are resolved on the first call, so a module may annotate with names defined
    below the method.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> class Thing(Construct):
    ...     @typed_options
    ...     def __init__(self, scope: Construct, id: str, *, size: int = 1) -> None:
    ...         super().__init__(scope, id)
    >>> Thing(Stack(App(), "Docs"), "Thing", size="big")
    Traceback (most recent call last):
    ...
    serverless_patterns._internal.errors.ValidationError: Docs/Thing: size must be int, got str 'big'
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise ValidationError(_path(method, signature, args, kwargs), [str(error)]) from None
        hints = _hints(method)
        problems: list[str] = []
        for name, value in bound.arguments.items():
            if name == "self" or name not in hints:
                continue
            parameter = signature.parameters[name]
            if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
                for index, item in enumerate(value):
                    problems += type_problems(f"{name}[{index}]", item, hints[name])
            elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
                problems += _keyword_problems(value, hints[name])
            else:
                problems += type_problems(name, value, hints[name])
        if problems:
            raise ValidationError(_path(method, signature, args, kwargs), problems)
        return method(*args, **kwargs)

    return typing.cast("F", checked)


def _keyword_problems(options: Mapping[str, object], annotation: Any) -> list[str]:
    """Problems of ``**options``: typed one by one, or by the ``TypedDict`` of ``Unpack[...]``."""
    if typing.get_origin(annotation) is Unpack:
        (typed_dict,) = typing.get_args(annotation)
        fields = typing.get_type_hints(typed_dict)
        problems = [
            f"unknown option {key!r}: allowed are {', '.join(sorted(fields))}" for key in options if key not in fields
        ]
        return problems + [
            problem
            for key, item in options.items()
            if key in fields
            for problem in type_problems(key, item, fields[key])
        ]
    return [problem for key, item in options.items() for problem in type_problems(key, item, annotation)]


@functools.cache
def _hints(method: Callable[..., Any]) -> dict[str, Any]:
    return typing.get_type_hints(method)


def _path(
    method: Callable[..., Any], signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    try:
        arguments = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        arguments = {}
    scope, construct_id = arguments.get("scope"), arguments.get("id")
    if isinstance(scope, Construct) and "id" in arguments:
        name = construct_id if isinstance(construct_id, str) else repr(construct_id)
        return f"{scope.node.path}/{name}" if scope.node.path else name
    owner = arguments.get("self")
    if method.__name__ != "__init__" and isinstance(owner, Construct):
        return owner.node.path
    return getattr(method, "__qualname__", "?")


def _conforms(value: object, annotation: Any) -> bool:  # noqa: PLR0911 - one return per kind of annotation
    if annotation is Any or annotation is object:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return any(_conforms(value, argument) for argument in typing.get_args(annotation))
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if origin in _SEQUENCES:
        return isinstance(value, (list, tuple))
    if origin in _MAPPINGS:
        return isinstance(value, collections.abc.Mapping)
    if origin is collections.abc.Callable or annotation is collections.abc.Callable:
        return callable(value)
    if origin is not None:
        return isinstance(value, origin)
    return _is_instance(value, annotation)


def _is_instance(value: object, annotation: Any) -> bool:
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return (isinstance(value, int) and not isinstance(value, bool)) or _is_token_number(value)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if getattr(annotation, "_is_protocol", False) and hasattr(annotation, "__jsii_type__"):
        return _implements(value, annotation)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def _implements(value: object, interface: type) -> bool:
    """Whether a jsii object implements a jsii interface, as jsii records it.

    A class declares its interfaces in ``__jsii_ifaces__``. An object that JavaScript returned
    typed as an interface is an instance of the interface's proxy class, or (for several
    interfaces at once) a dynamic proxy delegating to one instance per interface.
    """
    proxy_class = interface.__jsii_proxy_class__()  # type: ignore[attr-defined]
    if any(isinstance(candidate, proxy_class) for candidate in (value, *_delegates(value))):
        return True
    for klass in type(value).__mro__:
        if klass is interface:
            return True
        for declared in getattr(klass, "__jsii_ifaces__", ()):
            if interface in declared.__mro__:
                return True
    return False


def _delegates(value: object) -> list[object]:
    """The objects behind jsii's dynamic proxy of a value returned as several interfaces at once (else none)."""
    if type(value).__name__ != "InterfaceDynamicProxy":
        return []
    return list(getattr(value, "_delegates", ()))


def _is_token_number(value: object) -> bool:
    # A number token is a double around -1.888e289 (aws-cdk-lib core/lib/private/encoding.ts): ask jsii only then.
    return isinstance(value, float) and abs(value) > 1e280 and bool(Token.is_unresolved(value))


def _inner_problems(name: str, value: object, annotation: Any) -> list[str]:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        matching = [argument for argument in arguments if _conforms(value, argument)]
        # The first arm the value conforms to decides, as a reader of the annotation expects.
        return _inner_problems(name, value, matching[0]) if matching else []
    if origin in _SEQUENCES and arguments and isinstance(value, (list, tuple)):
        item_type = arguments[0]
        return [
            problem
            for index, item in enumerate(value)
            for problem in type_problems(f"{name}[{index}]", item, item_type)
        ]
    if origin in _MAPPINGS and len(arguments) == 2 and isinstance(value, Mapping):
        key_type, value_type = arguments
        problems: list[str] = []
        for key, item in value.items():
            problems += type_problems(f"{name} key {key!r}", key, key_type)
            problems += type_problems(f"{name}[{key!r}]", item, value_type)
        return problems
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = typing.get_type_hints(type(value))
        return [
            problem
            for field in dataclasses.fields(value)
            if field.name in hints
            for problem in type_problems(f"{name}.{field.name}", getattr(value, field.name), hints[field.name])
        ]
    return []


def _given(value: object) -> str:
    classes = [type(delegate) for delegate in _delegates(value)] or [type(value)]
    kind = " and ".join(klass.__name__.removeprefix("_").removesuffix("Proxy") for klass in classes)
    if value is None:
        return "None"
    if isinstance(value, (str, int, float, bool, enum.Enum)) or (
        isinstance(value, (list, tuple, dict)) and len(repr(value)) <= 60
    ):
        text = repr(value)
        return f"{kind} {text if len(text) <= 60 else text[:57] + '...'}"
    return kind
