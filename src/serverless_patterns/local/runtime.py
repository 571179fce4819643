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
import shutil
import tempfile
import threading
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from serverless_patterns.local import _moto
from serverless_patterns.local.layers import merge_layers, python_paths
from serverless_patterns.local.workers import DEFAULT_CONCURRENCY, FunctionSpec, Invocation, _Pool

_log = logging.getLogger(__name__)

__all__ = ["DEFAULT_CONCURRENCY", "FunctionSpec", "Invocation", "LambdaRuntime"]


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
                # they are answered SUCCESS without running, so that the stack deploys. Recorded first:
                # moto invokes them in a thread of its own, and the answer can complete the stack (and
                # let the deploy read this list) before the next line of this thread runs.
                self.skipped_custom_resources.append(str(event.get("LogicalResourceId")))
                self._answer_custom_resource(event)
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
