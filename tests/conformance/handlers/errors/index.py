"""Returns its event, or fails in the way the event asks for."""

import os
import time


class OrderRejected(Exception):  # noqa: N818 - the errorType callers see
    pass


def handler(event, context):
    if event.get("raise"):
        raise OrderRejected(event["raise"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("context"):
        return {
            "function_name": context.function_name,
            "aws_request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(),
            "memory_limit_in_mb": str(context.memory_limit_in_mb),
            "env_function_name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
            "env_region": os.environ.get("AWS_REGION"),
        }
    return {"echo": event}
