"""One Lambda handler for every saga step and compensation of the behaviour tests.

The function's name says what it is (``do-<step>`` or ``undo-<step>``); the execution input's
``plan`` says how it behaves, so one deployed saga can be driven down every path:

- ``fail``: ``{step: errorType}`` raise that error on every attempt of the step;
- ``transient``: ``{step: n}`` raise ``Lambda.TooManyRequestsException`` on the first ``n`` attempts;
- ``failUndo`` / ``transientUndo``: the same for the step's compensation;
- ``results``: ``{step: {...}}`` extra fields of the step's result (to make a guard false).

Every call is appended, in order, to the ``calls`` list of the order's item in the journal table
(``JOURNAL_TABLE``), with the step's name, the attempt and which earlier results it received.
"""

from __future__ import annotations

import os
from typing import Any, cast

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ.get("JOURNAL_TABLE", "saga-journal"))


def _error(error_type: str, message: str) -> Exception:
    # Lambda reports an exception's class name as errorType, which Retry/Catch match on.
    error: Exception = type(error_type, (Exception,), {})(message)
    return error


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    kind, _, step = context.function_name.partition("-")
    plan = event.get("plan", {})
    suffix = "Undo" if kind == "undo" else ""
    seen = sorted(event.get("results", {}))
    item = TABLE.update_item(
        Key={"orderId": event["orderId"]},
        UpdateExpression="SET calls = list_append(if_not_exists(calls, :empty), :call)",
        ExpressionAttributeValues={":empty": [], ":call": [f"{kind}:{step}"]},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    calls = cast("list[Any]", item["calls"])  # a DynamoDB list attribute
    attempt = calls.count(f"{kind}:{step}")
    if attempt <= int(plan.get(f"transient{suffix}", {}).get(step, 0)):
        raise _error("Lambda.TooManyRequestsException", f"{kind} {step}: rate exceeded (attempt {attempt})")
    error_type = plan.get(f"fail{suffix}", {}).get(step)
    if error_type:
        raise _error(error_type, f"{kind} {step} failed on purpose")
    if kind == "undo":
        return {"undone": step, "failedStep": event["saga"]["failedStep"]}
    return {"step": step, "ok": True, "attempt": attempt, "sawResults": seen, **plan.get("results", {}).get(step, {})}
