"""A warm Lambda worker: imports one handler once and serves invocations read from stdin.

Run as a script (``python _worker.py <code dir> <module.function> [<layer path> ...]``) by
:class:`serverless_patterns.local.runtime.LambdaRuntime`; it imports nothing from this library so
that handler code sees the same task root it has in Lambda.

Protocol: one JSON request a line on stdin (``{"event", "request_id", "deadline_ms"}``), one
JSON response a line on the original stdout (``{"payload": ..., "errored": bool}``). The
handler's own stdout and stderr go to stderr, which the parent captures as the function's log.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object Lambda passes to a handler (the attributes Powertools reads)."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = os.environ.get("_LOCAL_FUNCTION_ARN", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(error_type: str, message: str, trace: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": trace or []}


def _load(code_dir: str, handler_name: str) -> tuple[Any, dict[str, Any] | None]:
    module_name, _, function_name = handler_name.rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as error:  # every import failure is reported, as Lambda does
        traceback.print_exc()
        message = f"Unable to import module '{module_name}': {error}"
        return None, _error("Runtime.ImportModuleError", message)
    handler = getattr(module, function_name, None)
    if not callable(handler):
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        return None, _error("Runtime.HandlerNotFound", message)
    return handler, None


_current_request_id = ""


class _RequestIdFilter(logging.Filter):
    """Gives every record the request id of the running invocation, as the runtime's handler does."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


class _JsonFormatter(logging.Formatter):
    """The runtime's JSON log lines: timestamp, level, message, logger, requestId (and the error's fields)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", ""),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["errorType"] = record.exc_info[0].__name__
            line["errorMessage"] = str(record.exc_info[1])
            line["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(line, default=str)


def _setup_logging() -> None:
    """Set up ``logging`` as the Lambda Python runtime does before it imports the handler.

    The runtime puts a handler on the root logger that writes to the function's log: in the text
    format ``[LEVEL]<tab>time<tab>request id<tab>message``, in the JSON format one object a line;
    with the JSON format (or an application log level) the root logger's level is the function's
    application log level, INFO unless set
    (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html, and the runtime interface
    client's ``bootstrap.py``, aws/aws-lambda-python-runtime-interface-client).
    ``AWS_LAMBDA_LOG_FORMAT`` and ``AWS_LAMBDA_LOG_LEVEL`` carry the function's ``LoggingConfig``.
    """
    log_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "Text").upper()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    if log_format == "JSON":
        handler.setFormatter(_JsonFormatter())
        level = level or "INFO"
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    if level in {"TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL"}:
        root.setLevel({"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level))


def main() -> None:
    """Serve invocations until stdin closes."""
    global _current_request_id  # noqa: PLW0603 - the running invocation, read by the log filter
    code_dir, handler_name, layer_paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    # The protocol keeps the real stdout; everything the handler prints goes to stderr (the log).
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", buffering=1, encoding="utf-8", closefd=False)
    # The task root comes first, then the function's merged layers (Lambda's /opt/python/lib/python3.x/
    # site-packages and /opt/python), as in Lambda; this script's own folder must not shadow anything.
    sys.path[:] = [code_dir, *layer_paths, *[entry for entry in sys.path[1:] if entry]]
    os.chdir(code_dir)
    _setup_logging()
    handler, load_error = _load(code_dir, handler_name)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("ping"):  # answered once the handler module is imported: the worker is warm
            protocol.write('{"pong": true}\n')
            continue
        request_id = _current_request_id = request["request_id"]
        print(f"START RequestId: {request_id} Version: $LATEST", file=sys.stderr, flush=True)
        started = time.perf_counter()
        if load_error is not None:
            payload, errored = {**load_error, "requestId": request_id}, True
        else:
            try:
                result = handler(request["event"], LambdaContext(request_id, request["deadline_ms"]))
                json.dumps(result)
                payload, errored = result, False
            except TypeError as error:
                if "JSON serializable" in str(error):
                    message = f"Unable to marshal response: {error}"
                    payload, errored = _error("Runtime.MarshalError", message), True
                else:
                    payload, errored = _failure(error, request_id), True
            except Exception as error:  # Lambda reports every handler error as data
                payload, errored = _failure(error, request_id), True
        elapsed_ms = (time.perf_counter() - started) * 1000
        print(f"END RequestId: {request_id}", file=sys.stderr)
        print(f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms", file=sys.stderr, flush=True)
        sys.stdout.flush()
        protocol.write(json.dumps({"payload": payload, "errored": errored}) + "\n")


def _failure(error: BaseException, request_id: str) -> dict[str, Any]:
    # The first frame is this worker's call of the handler: Lambda shows the handler's frames only.
    frames = traceback.extract_tb(error.__traceback__)[1:]
    payload = _error(type(error).__name__, str(error), [line.rstrip() for line in traceback.format_list(frames)])
    payload["requestId"] = request_id
    print(
        json.dumps({"level": "ERROR", "errorType": payload["errorType"], "errorMessage": payload["errorMessage"]}),
        file=sys.stderr,
    )
    return payload


if __name__ == "__main__":
    main()
