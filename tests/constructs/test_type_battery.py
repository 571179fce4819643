"""The type-error battery: every option of every construct, given a wrong type, is a ValidationError.

The library promises a ``ValidationError`` naming the construct path, the option, the type given
and the type wanted, before jsii or the construct's own code reads the value. This battery finds
every public construct and every public method of it that takes options, gives each option a
value no annotation accepts, and checks the error names that option. A new option is covered
without a new line here; a method that forgets ``@typed_options`` fails the battery.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from constructs import Construct

import serverless_patterns
from serverless_patterns import CrudRestApi, ValidationError
from tests.constructs.stacks import ECHO, new_stack


class Wrong:
    """A value of a type no option of the library accepts."""

    def __repr__(self) -> str:
        return "Wrong()"


def _constructs() -> list[type[Construct]]:
    found = []
    for name in serverless_patterns.__all__:
        value = getattr(serverless_patterns, name)
        if isinstance(value, type) and issubclass(value, Construct):
            found.append(value)
    return found


def _own_methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Public methods the library defines on ``cls`` (not inherited from aws-cdk-lib) that take arguments."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("serverless_patterns"):
            continue
        for name, member in vars(klass).items():
            function = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
            if name.startswith("_") and name != "__init__":
                continue
            if not inspect.isfunction(function):
                continue
            parameters = [p for p in inspect.signature(function).parameters if p not in {"self", "cls"}]
            if parameters:
                yield f"{cls.__name__}.{name}", function


CASES = sorted({name: method for cls in _constructs() for name, method in _own_methods(cls)}.items())


@pytest.mark.parametrize(("name", "method"), CASES, ids=[name for name, _ in CASES])
def test_every_public_method_that_takes_options_checks_their_types(name: str, method: Callable[..., Any]) -> None:
    assert hasattr(method, "__wrapped__"), f"{name} is not decorated with @typed_options"


def _wrong_arguments(method: Callable[..., Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        if parameter.name in {"self", "cls", "scope", "id"}:
            continue
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        arguments[parameter.name] = Wrong()
    return arguments


def _instance(stack: cdk.Stack, cls: type[Construct]) -> Construct:
    """A valid instance of each construct, to call its methods on."""
    from aws_cdk import aws_events as events
    from aws_cdk import aws_sqs as sqs

    from serverless_patterns import (
        ApiGatewayCloudWatchRole,
        CrudApi,
        CrudHttpApi,
        EventFanout,
        FanoutRoute,
        HttpCrudApi,
        LambdaAlarms,
        QueueProcessor,
        SagaStep,
        SagaWorkflow,
        ServerlessFunction,
    )

    fn = ServerlessFunction(stack, "Fn", entry=ECHO)
    makers: dict[type[Construct], Callable[[], Construct]] = {
        ServerlessFunction: lambda: fn,
        QueueProcessor: lambda: QueueProcessor(stack, "Subject", function=fn),
        CrudRestApi: lambda: CrudRestApi(stack, "Subject"),
        CrudApi: lambda: CrudApi(stack, "Subject", resource_name="users", schema={"type": "object"}),
        CrudHttpApi: lambda: CrudHttpApi(stack, "Subject"),
        HttpCrudApi: lambda: HttpCrudApi(stack, "Subject", resource_name="users", schema={"type": "object"}),
        EventFanout: lambda: EventFanout(
            stack,
            "Subject",
            routes=[
                FanoutRoute(
                    name="All",
                    event_pattern=events.EventPattern(source=["shop"]),
                    targets=[sqs.Queue(stack, "Target", enforce_ssl=True)],
                )
            ],
        ),
        SagaWorkflow: lambda: SagaWorkflow(stack, "Subject", steps=[SagaStep(name="Charge", function=fn)]),
        LambdaAlarms: lambda: LambdaAlarms(stack, "Subject", functions=[fn]),
        ApiGatewayCloudWatchRole: lambda: ApiGatewayCloudWatchRole(stack, "Subject"),
    }
    return makers[cls]()


@pytest.mark.parametrize(("name", "method"), CASES, ids=[name for name, _ in CASES])
def test_each_option_given_a_wrong_type_is_named_with_the_path(name: str, method: Callable[..., Any]) -> None:
    stack = new_stack()
    arguments = _wrong_arguments(method)
    if not arguments:
        pytest.skip(f"{name} takes no options besides scope and id")
    cls_name, method_name = name.split(".")
    cls = next(cls for cls in _constructs() if cls.__name__ == cls_name)
    if method_name == "__init__":
        call: Callable[..., Any] = lambda **options: cls(stack, "Subject", **options)  # noqa: E731
        path = f"{stack.node.path}/Subject"
    else:
        subject = _instance(stack, cls)
        bound = getattr(subject, method_name)
        signature = inspect.signature(bound)
        if "scope" in signature.parameters:  # a factory such as LambdaAlarms.for_scope
            call = lambda **options: bound(stack, "Made", **options)  # noqa: E731
            path = f"{stack.node.path}/Made"
        elif "id" in signature.parameters:  # a child defined by a method, such as CrudRestApi.add_resource
            call = lambda **options: bound("Made", **options)  # noqa: E731
            path = subject.node.path
        else:
            call = bound
            path = subject.node.path
    with pytest.raises(ValidationError) as caught:
        call(**arguments)
    message = str(caught.value)
    assert caught.value.construct_path == path
    for option in arguments:
        assert f"{option} must be" in message, f"{name}: option {option!r} was not type-checked:\n{message}"
    assert "got Wrong" in message
