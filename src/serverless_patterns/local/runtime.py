"""The local Lambda runtime: warm worker processes that run deployed handler code for moto.

moto routes every invocation (direct ``Invoke``, Step Functions ``lambda:invoke`` tasks, SNS,
event sources) through one method of its Lambda functions; without Docker that path cannot run
code. :meth:`LambdaRuntime.install` hooks it, in this process, through the moto adapter
(:func:`serverless_patterns.local._moto.install_invoke_hook`), with a call into a pool of warm
worker processes per function.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serverless_patterns.local import _moto
from serverless_patterns.local.layers import merge_layers, python_paths

_log = logging.getLogger(__name__)
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


class LambdaRuntime:
    """Runs deployed Lambda handler code in warm local worker processes.

    Each function gets a pool of worker processes (the current Python interpreter, so the
    installed boto3 and Powertools play the part of the runtime and layer) started with the
    function's environment, ``AWS_ENDPOINT_URL`` pointing at moto, fake credentials, its
    timeout and a Lambda-like context object. Errors come back in Lambda's
    ``errorType``/``errorMessage`` shape, so Step Functions Retry/Catch see real error names.

    Parameters
    ----------
    endpoint_url
        moto's endpoint, given to handler code as ``AWS_ENDPOINT_URL``.
    region
        Default: ``"us-east-1"``.
    max_workers
        Worker processes per function (a function's reserved concurrency lowers it). Default: 4.
    environment
        Extra variables for every worker, applied before each function's own. Default: - none.

    Examples
    --------
    >>> runtime = LambdaRuntime("http://127.0.0.1:5000")
    >>> with runtime.installed():  # moto's invocations now run real handler code
    ...     pass
    >>> runtime.close()
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        region: str = "us-east-1",
        max_workers: int = DEFAULT_CONCURRENCY,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.max_workers = max_workers
        self._base_env = {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            **(environment or {}),
        }
        self._work_dir = tempfile.mkdtemp(prefix="serverless-patterns-local-")
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()
        self.skipped_custom_resources: list[str] = []
        """Logical ids of custom resources answered without running their (non-Python) handler."""
        self.log_groups: dict[str, str] = {}
        """Function name to the log group its ``LoggingConfig`` names (filled by the deploy)."""
        self.log_settings: dict[str, dict[str, str]] = {}
        """Function name to ``AWS_LAMBDA_LOG_FORMAT``/``AWS_LAMBDA_LOG_LEVEL`` from its ``LoggingConfig``."""
        self.invocations: deque[tuple[str, Invocation]] = deque(maxlen=10_000)
        """The latest invocations as ``(function name, Invocation)``, oldest first."""
        self.credentials: Callable[[str, str], Mapping[str, str]] | None = None
        """``(role ARN, function name) -> credential variables`` for workers; ``None``: the shared test keys."""
        self.layer_paths: dict[str, tuple[str, ...]] = {}
        """Function name to the folders of its merged layers (filled by the deploy, see :meth:`set_layers`)."""

    # -- code -------------------------------------------------------------------------------
    def code_dir(self, zip_bytes: bytes) -> str:
        """Unpack a deployment package once (by content hash); return its folder."""
        digest = hashlib.sha256(zip_bytes).hexdigest()
        target = os.path.join(self._work_dir, "code", digest)
        if not os.path.isdir(target):
            partial = f"{target}.{uuid.uuid4().hex}"
            with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                archive.extractall(partial)
            try:
                os.rename(partial, target)
            except OSError:  # another thread unpacked it first
                shutil.rmtree(partial, ignore_errors=True)
        return target

    def set_layers(self, function_name: str, runtime: str | None, archives: Sequence[bytes]) -> tuple[str, ...]:
        """Merge a function's layer archives, in its order, as Lambda merges them into ``/opt``; return its paths.

        Its workers then search the merged layers' ``python/lib/python3.x/site-packages`` and
        ``python`` folders right after the task root.
        """
        paths = tuple(python_paths(merge_layers(self._work_dir, archives), runtime)) if archives else ()
        self.layer_paths[function_name] = paths
        return paths

    def spec_for(self, function: _moto.FunctionView) -> FunctionSpec:
        """The :class:`FunctionSpec` of a function moto holds."""
        reserved = function.reserved_concurrency
        limit = self.max_workers if not reserved else max(1, min(self.max_workers, int(reserved)))
        return FunctionSpec(
            name=function.name,
            handler=function.handler,
            code_dir=self.code_dir(function.code),
            timeout_seconds=function.timeout_seconds,
            environment={**dict(function.environment), **self.log_settings.get(function.name, {})},
            memory_mib=function.memory_mib,
            arn=function.arn,
            region=function.region,
            max_workers=limit,
            credentials=self._credentials(function),
            layer_paths=self.layer_paths.get(function.name, ()),
        )

    def _credentials(self, function: _moto.FunctionView) -> Mapping[str, str]:
        if self.credentials is None or not function.role:
            return {}
        return self.credentials(function.role, function.name)

    # -- invoking ---------------------------------------------------------------------------
    def invoke(self, spec: FunctionSpec, event: Any) -> Invocation:
        """Run one invocation of ``spec`` with ``event`` on a warm worker."""
        pool = self._pool(spec)
        request_id = str(uuid.uuid4())
        with pool.worker() as worker:
            invocation = worker.invoke(event, request_id)
        self.invocations.append((spec.name, invocation))
        return invocation

    def run(self, function: _moto.FunctionView, event: Any, spec: FunctionSpec | None = None) -> Invocation:
        """Invoke a deployed function and log it as Lambda does (``spec``: its :class:`FunctionSpec`, if made)."""
        invocation = self.invoke(spec or self.spec_for(function), event)
        self.record_logs(function, invocation.logs)
        return invocation

    def invoke_moto_function(self, function: _moto.FunctionView, event: Any) -> tuple[str, bool, str]:
        """Run an invocation moto makes (the invocation hook): ``(payload JSON, errored, logs)``."""
        if isinstance(event, (str, bytes)):
            with suppress(ValueError):
                event = json.loads(event)
        custom_resource = isinstance(event, dict) and "ResponseURL" in event and "RequestType" in event
        if custom_resource:
            # moto addresses the response to a Docker host name; the workers run on this machine.
            port = self.endpoint_url.rstrip("/").rsplit(":", 1)[-1]
            event["ResponseURL"] = re.sub(r"^https?://[^/]+", f"http://127.0.0.1:{port}", str(event["ResponseURL"]))
        runtime_name = function.runtime
        if not runtime_name.startswith("python"):
            if custom_resource:
                # CDK's own custom resources (bucket auto-delete, log retention, ...) are Node.js:
                # they are answered SUCCESS without running, so that the stack deploys.
                self._answer_custom_resource(event)
                self.skipped_custom_resources.append(str(event.get("LogicalResourceId")))
                return "null", False, ""
            message = f"the local cloud runs Python handlers only, not {runtime_name}"
            return json.dumps({"errorType": "Runtime.Unsupported", "errorMessage": message}), True, ""
        invocation = self.run(function, event)
        return json.dumps(invocation.payload), invocation.errored, invocation.logs

    def _answer_custom_resource(self, event: dict[str, Any]) -> None:
        import urllib.request

        body: dict[str, Any] = {
            "Status": "SUCCESS",
            "Reason": "not run by the local cloud (not a Python handler)",
            "PhysicalResourceId": f"local-{event.get('LogicalResourceId')}",
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "Data": {},
        }
        request = urllib.request.Request(
            str(event["ResponseURL"]),
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except OSError as error:  # the stack then waits for its timeout: say which resource went unanswered
            _log.warning(
                "could not answer custom resource %s of %s at %s: %s",
                event.get("LogicalResourceId"),
                event.get("StackId"),
                event["ResponseURL"],
                error,
            )

    def record_logs(self, function: _moto.FunctionView, logs: str) -> None:
        """Write an invocation's log lines to the function's CloudWatch log group in moto.

        The group is the one named in the function's ``LoggingConfig`` when the deploy registered
        it in :attr:`log_groups`, else ``/aws/lambda/<function name>``.
        """
        group = self.log_groups.get(function.name, function.log_group)
        self.write_log_lines(group, logs.splitlines(), account=function.account, region=function.region)

    def write_log_lines(
        self, group: str, lines: list[str], *, account: str = "123456789012", region: str | None = None
    ) -> None:
        """Append lines to a log group in moto as one new stream (never fails the caller); region: the runtime's."""
        try:
            _moto.write_log_lines(account, region or self.region, group, lines)
        except Exception as error:  # writing logs must never fail an invocation; say why it did not happen
            _log.warning("could not write %d log line(s) to %s: %s", len(lines), group, error)

    def warm(self, spec: FunctionSpec) -> None:
        """Start one worker of ``spec`` now (imports the handler), so the first call is warm."""
        self._pool(spec).warm()

    def forget(self, function_name: str) -> None:
        """Stop the idle workers of a function (for example after its stack was deleted)."""
        with self._lock:
            for key in [k for k, pool in self._pools.items() if pool.spec.name == function_name]:
                self._pools.pop(key).stop()

    def _pool(self, spec: FunctionSpec) -> _Pool:
        key = spec.key()
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                stale = [k for k, p in self._pools.items() if p.spec.name == spec.name]
                for old in stale:
                    self._pools.pop(old).stop()
                pool = self._pools[key] = _Pool(spec, self._base_env, self._work_dir)
            return pool

    # -- the moto hook ----------------------------------------------------------------------
    def install(self) -> None:
        """Make moto run every Lambda invocation in this process on this runtime."""
        try:
            _moto.install_invoke_hook(self, self.invoke_moto_function)
        except _moto.PatchConflictError as error:
            raise RuntimeError("another LambdaRuntime is installed in this process: uninstall it first") from error

    def uninstall(self) -> None:
        """Give moto back its own invocation (when this runtime installed the hook)."""
        _moto.uninstall_invoke_hook(self)

    @contextmanager
    def installed(self) -> Iterator[LambdaRuntime]:
        """Install the hook for the duration of a ``with`` block."""
        self.install()
        try:
            yield self
        finally:
            self.uninstall()

    def close(self) -> None:
        """Uninstall, stop every worker and delete the unpacked code."""
        self.uninstall()
        with self._lock:
            for pool in self._pools.values():
                pool.stop()
            self._pools.clear()
        shutil.rmtree(self._work_dir, ignore_errors=True)

    def __enter__(self) -> LambdaRuntime:
        self.install()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
