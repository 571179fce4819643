"""Handler processes: what a function runs (FunctionSpec) and returns (Invocation), and its pooled worker processes."""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_WORKER_SCRIPT = str(Path(__file__).with_name("_worker.py"))
_INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "TZ")
DEFAULT_CONCURRENCY = 4
"""Worker processes per function unless its reserved concurrency is lower."""


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation.

    Attributes
    ----------
    payload
        The handler's JSON result, or Lambda's ``{"errorType", "errorMessage", ...}`` on error.
    errored
        ``True`` when the handler raised, timed out, or the worker could not run it.
    logs
        What the worker printed during the invocation (START/END/REPORT lines included).
    request_id
        The ``aws_request_id`` the handler saw.
    duration_ms
        Wall time of the invocation, in milliseconds.

    Examples
    --------
    >>> Invocation(payload={"ok": True}, errored=False, logs="", request_id="1", duration_ms=1.0).errored
    False
    """

    payload: Any
    errored: bool
    logs: str
    request_id: str
    duration_ms: float

    @property
    def error_type(self) -> str | None:
        """Lambda's ``errorType`` of a failed invocation, else ``None``."""
        if self.errored and isinstance(self.payload, dict):
            return str(self.payload.get("errorType"))
        return None


@dataclass(frozen=True)
class FunctionSpec:
    """What a worker needs to run one deployed function.

    Examples
    --------
    >>> spec = FunctionSpec(name="Fn", handler="index.handler", code_dir="/tmp/code", timeout_seconds=3)
    >>> spec.memory_mib
    128
    """

    name: str
    handler: str
    code_dir: str
    timeout_seconds: float
    environment: Mapping[str, str] = field(default_factory=dict)
    memory_mib: int = 128
    arn: str = ""
    region: str = "us-east-1"
    max_workers: int = DEFAULT_CONCURRENCY
    credentials: Mapping[str, str] = field(default_factory=dict)
    """``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN`` of the function's role."""
    layer_paths: tuple[str, ...] = ()
    """Folders of the function's merged layers, searched right after the task root (see ``layers``)."""

    def key(self) -> str:
        """Identity of a worker pool: a change of code, handler, configuration or role starts new workers."""
        body = json.dumps(
            [
                self.name,
                self.handler,
                self.code_dir,
                self.timeout_seconds,
                sorted(self.environment.items()),
                sorted(self.credentials.items()),
                self.layer_paths,
            ]
        )
        return hashlib.sha256(body.encode()).hexdigest()


class _Worker:
    """One warm worker process serving a function, one invocation at a time."""

    def __init__(self, spec: FunctionSpec, base_env: Mapping[str, str], log_dir: str) -> None:
        self.spec = spec
        env = {name: os.environ[name] for name in _INHERITED_ENV if name in os.environ}
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mib),
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(spec.timeout_seconds)),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_EXECUTION_ENV": "AWS_Lambda_python_local",
                "LAMBDA_TASK_ROOT": spec.code_dir,
                "_HANDLER": spec.handler,
                "_LOCAL_FUNCTION_ARN": spec.arn,
                # No X-Ray daemon runs locally; Powertools Tracer would try to reach one.
                "POWERTOOLS_TRACE_DISABLED": "true",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.update(base_env)
        env.update({name: str(value) for name, value in spec.environment.items()})
        # The role's credentials last: Lambda reserves these names, a function's variables cannot replace them.
        env.update(spec.credentials)
        self.log_path = os.path.join(log_dir, f"{uuid.uuid4().hex}.log")
        self._log = open(self.log_path, "w+b")  # noqa: SIM115 - lives as long as the worker
        self._log_offset = 0
        self.process = subprocess.Popen(
            [sys.executable, "-u", _WORKER_SCRIPT, spec.code_dir, spec.handler, *spec.layer_paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            cwd=spec.code_dir,
            # Its own session: a Ctrl-C in the terminal stops the local cloud, which then stops its workers.
            start_new_session=True,
        )
        self._buffer = b""

    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: Any, request_id: str) -> Invocation:
        started = time.perf_counter()
        timeout = self.spec.timeout_seconds
        deadline_ms = int((time.time() + timeout) * 1000)
        request = json.dumps({"event": event, "request_id": request_id, "deadline_ms": deadline_ms})
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(request.encode() + b"\n")
            self.process.stdin.flush()
            line = self._read_line(started + timeout)
        except (BrokenPipeError, OSError):
            line = None
        duration_ms = (time.perf_counter() - started) * 1000
        if line is None:
            if self.alive():
                logs = self._read_logs()
                self.stop()
                payload: Any = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
                }
                return Invocation(payload, True, logs, request_id, duration_ms)
            else:
                code = self.process.wait()
                payload = {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
                }
            return Invocation(payload, True, self._read_logs(), request_id, duration_ms)
        response = json.loads(line)
        return Invocation(response["payload"], bool(response["errored"]), self._read_logs(), request_id, duration_ms)

    def ping(self, timeout: float) -> bool:
        """Wait until the worker has imported the handler (it answers a ping after the import)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(b'{"ping": true}\n')
            self.process.stdin.flush()
            answered = self._read_line(time.perf_counter() + timeout) is not None
        except OSError:
            return False
        return answered

    def _read_line(self, deadline: float) -> bytes | None:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _read_logs(self) -> str:
        self._log.seek(self._log_offset)
        data = self._log.read()
        self._log_offset += len(data)
        return data.decode("utf-8", errors="replace")

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._log.close()


class _Pool:
    """Warm workers of one function; spawns up to ``max_workers``, then callers wait."""

    def __init__(self, spec: FunctionSpec, base_env: Mapping[str, str], log_dir: str) -> None:
        self.spec = spec
        self._base_env = base_env
        self._log_dir = log_dir
        self._idle: list[_Worker] = []
        self._count = 0
        self._changed = threading.Condition()

    @contextmanager
    def worker(self) -> Iterator[_Worker]:
        with self._changed:
            self._changed.wait_for(lambda: bool(self._idle) or self._count < self.spec.max_workers)
            worker = self._idle.pop() if self._idle else None
            if worker is None:
                self._count += 1
        if worker is None:
            try:
                worker = _Worker(self.spec, self._base_env, self._log_dir)
            except BaseException:
                with self._changed:
                    self._count -= 1
                    self._changed.notify()
                raise
        try:
            yield worker
        finally:
            with self._changed:
                if worker.alive():
                    self._idle.append(worker)
                else:
                    worker.stop()
                    self._count -= 1
                self._changed.notify()

    def warm(self) -> None:
        with self.worker() as worker:
            worker.ping(timeout=60)

    def stop(self) -> None:
        with self._changed:
            for worker in self._idle:
                worker.stop()
            self._count -= len(self._idle)
            self._idle.clear()
