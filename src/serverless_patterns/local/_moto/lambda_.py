"""moto's Lambda: functions as typed views, the invocation hook, asynchronous ``Invoke`` and log writing."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from serverless_patterns.local._moto import patches

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FunctionView:
    """What the local cloud reads of a function moto holds, taken when it is looked up or invoked.

    Examples
    --------
    >>> view = FunctionView(name="f", arn="arn:aws:lambda:us-east-1:123456789012:function:f",
    ...                     account="123456789012", region="us-east-1", runtime="python3.12")
    >>> view.log_group
    '/aws/lambda/f'
    """

    name: str
    arn: str
    account: str
    region: str
    runtime: str
    handler: str = "index.handler"
    code: bytes = field(default=b"", repr=False)
    timeout_seconds: float = 3.0
    memory_mib: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    reserved_concurrency: int | None = None
    role: str = ""
    log_group: str = ""

    def __post_init__(self) -> None:
        if not self.log_group:
            object.__setattr__(self, "log_group", f"/aws/lambda/{self.name}")


def view_of(function: Any) -> FunctionView:
    """The :class:`FunctionView` of a moto ``LambdaFunction`` (every attribute the local cloud reads of it)."""
    reserved = function.reserved_concurrency
    return FunctionView(
        name=str(function.function_name),
        arn=str(function.function_arn),
        account=str(function.account_id),
        region=str(function.region),
        runtime=str(function.run_time or "python"),
        handler=str(function.handler or "index.handler"),
        code=bytes(function.code_bytes or b""),
        timeout_seconds=float(function.timeout or 3),
        memory_mib=int(function.memory_size or 128),
        environment={key: str(value) for key, value in (function.environment_vars or {}).items()},
        reserved_concurrency=None if reserved in (None, "") else int(reserved),
        role=str(function.role or ""),
        log_group=str(function.logs_group_name),
    )


def get_function(account: str, region: str, name_or_arn: str) -> FunctionView | None:
    """The function moto holds under a name or ARN, or ``None`` when it holds none.

    Examples
    --------
    >>> get_function("123456789012", "us-east-1", "no-such-function") is None
    True
    """
    from moto.awslambda.models import lambda_backends

    try:
        function = lambda_backends[account][region].get_function(name_or_arn)
    except patches.not_found():  # UnknownFunctionException: the caller answers for a missing function
        return None
    return view_of(function)


Invoker = Callable[[FunctionView, Any], "tuple[str, bool, str]"]
"""Runs one invocation: ``(function, event) -> (payload JSON, errored, logs)``."""


def install_invoke_hook(owner: object, run: Invoker) -> None:
    """Route every Lambda invocation moto makes in this process (``LambdaFunction._invoke_lambda``) to ``run``.

    moto sends direct ``Invoke``, Step Functions ``lambda:invoke`` tasks, SNS and event sources
    through that one method, which would otherwise start a Docker container. One owner at a
    time: another raises :class:`~serverless_patterns.local._moto.patches.PatchConflictError`.
    """

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def _invoke_lambda(function: Any, event: Any = None) -> tuple[str, bool, str]:
            return run(view_of(function), event)

        return _invoke_lambda

    patches.replace_method("lambda.invoke_lambda", owner, make)


def uninstall_invoke_hook(owner: object) -> None:
    """Give moto back its own ``_invoke_lambda`` (when ``owner`` installed the hook)."""
    patches.uninstall("lambda.invoke_lambda", owner)


def install_async_invoke(owner: object, submit: Callable[[FunctionView, Any], None]) -> None:
    """Hand ``Invoke`` with ``InvocationType=Event`` to ``submit`` (moto answers 202 at once); fix ``FunctionError``.

    moto runs an ``Event`` invocation inline. A synchronous invocation stays moto's, except that
    its ``X-Amz-Function-Error`` becomes ``Unhandled``: Lambda reports every error its Python
    runtime catches so, moto says ``Handled``
    (https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html).
    """

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def invoke(function: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
            headers = request_headers or {}
            kind = headers.get("X-Amz-Invocation-Type") or headers.get("x-amz-invocation-type")
            if kind != "Event":
                answer = original(function, body, request_headers, response_headers)
                if "x-amz-function-error" in response_headers:
                    response_headers["x-amz-function-error"] = "Unhandled"
                return answer
            submit(view_of(function), json.loads(body) if body else {})
            return ""

        return invoke

    patches.replace_method("lambda.invoke", owner, make)


def uninstall_async_invoke(owner: object) -> None:
    """Give moto back its own ``LambdaFunction.invoke``."""
    patches.uninstall("lambda.invoke", owner)


def write_log_lines(account: str, region: str, group: str, lines: Iterable[str]) -> None:
    """Append lines to a CloudWatch log group in moto as one new stream (the group is created if needed).

    Examples
    --------
    >>> write_log_lines("123456789012", "us-east-1", "/example/group", ["hello"])
    """
    from moto.logs.models import logs_backends

    backend = logs_backends[account][region]
    backend.ensure_log_group(group)
    stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
    backend.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": line} for line in lines if line.strip()]
    if events:
        backend.put_log_events(group, stream, events)
