"""LocalCloud: moto's server plus the pieces moto lacks, and the deploy of a cloud assembly onto it."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from pathlib import Path
from typing import Any

from serverless_patterns.local import _moto
from serverless_patterns.local._moto import check_moto_version
from serverless_patterns.local.alarm_actions import AlarmActions
from serverless_patterns.local.alarms import AlarmRegistry
from serverless_patterns.local.apigateway import ApiGatewayServer
from serverless_patterns.local.authorization import Authorization, Denial
from serverless_patterns.local.deployment import DEFAULT_ACCOUNT, DeployedStack, Deployment
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.events import EventDelivery
from serverless_patterns.local.runtime import DEFAULT_CONCURRENCY, LambdaRuntime
from serverless_patterns.local.schedules import Scheduler
from serverless_patterns.local.sqs_poller import SqsPoller
from serverless_patterns.local.stack_deploy import StackDeployment

__all__ = ["DEFAULT_ACCOUNT", "DENIALS_LOG_GROUP", "DeployedStack", "Deployment", "LocalCloud", "find_assembly"]

_log = logging.getLogger(__name__)

DENIALS_LOG_GROUP = "/serverless-patterns/local/denials"
"""Every denial of the local cloud, one JSON line each (``serverless-patterns local denials`` prints them)."""


class LocalCloud(StackDeployment, AlarmActions):
    """A cloud on one machine: moto's server, real handler code, SQS pollers, EventBridge and REST APIs.

    Parameters
    ----------
    endpoint_url
        An already running moto server *in this process* (for example the one of the
        ``moto_server`` fixture). Default: - a new ``ThreadedMotoServer`` on 127.0.0.1 and a free port.
    region
        Default: ``"us-east-1"``.
    api_port
        Port of the local API Gateway. Default: 0, a free port.
    max_workers
        Worker processes per function. Default: 4.
    failed_visibility_seconds
        Visibility timeout of SQS records a mapped function failed on. Default: 0 (they return
        at once, so redrive to the DLQ after ``maxReceiveCount`` takes no waiting); ``None``
        keeps the queue's visibility timeout.
    retry_delay_seconds
        Pause between EventBridge and asynchronous Lambda retries. Default: 0.05.
    schedule_speedup
        How much faster than real time scheduled rules run (``rate(1 hour)`` with 3600 fires every
        second). Default: 1.
    enforce_iam
        Evaluate every call a handler makes against its role's policies and the resource's
        policy, and every delivery between services against the target's resource policy, as
        AWS does (see ``docs/local.md``, "IAM enforcement"). Default: ``True``. Turn it off only
        to find out whether a failure is a permission problem.

    Examples
    --------
    >>> with LocalCloud() as cloud:  # doctest: +SKIP
    ...     deployment = cloud.deploy("cdk.out")
    ...     cloud.client("lambda").invoke(FunctionName=deployment.function_name("Orders"))
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        api_port: int = 0,
        max_workers: int = DEFAULT_CONCURRENCY,
        failed_visibility_seconds: int | None = 0,
        retry_delay_seconds: float = 0.05,
        enforce_iam: bool = True,
        schedule_speedup: float = 1.0,
    ) -> None:
        self.region = region
        self.authorization = Authorization(account=DEFAULT_ACCOUNT, region=region, enabled=enforce_iam)
        """Decides every request and delivery as AWS would, and keeps the denials."""
        self.alarms = AlarmRegistry()
        """The deployed CloudWatch alarms; :meth:`set_alarm_state` makes one act."""
        self.endpoint_url = endpoint_url
        self._own_server: _moto.MotoServer | None = None
        self._api_port = api_port
        self._max_workers = max_workers
        self._failed_visibility_seconds = failed_visibility_seconds
        self._retry_delay_seconds = retry_delay_seconds
        if schedule_speedup <= 0:
            raise LocalCloudError(f"schedule_speedup must be positive, got {schedule_speedup}")
        self._schedule_speedup = schedule_speedup
        self.scheduler: Scheduler | None = None
        """Fires scheduled rules (``rate``/``cron``); :meth:`trigger_schedule` fires one now."""
        self._saved_env: dict[str, str | None] = {}
        self._clients: dict[str, Any] = {}
        self.runtime: LambdaRuntime | None = None
        self.poller: SqsPoller | None = None
        self.events: EventDelivery | None = None
        self.apis: ApiGatewayServer | None = None
        self.deployments: list[Deployment] = []
        self._layer_archives: dict[str, bytes] = {}
        """Layer version ARN to the ``.zip`` of every layer deployed on this local cloud."""
        self._layer_exports: dict[str, str] = {}
        """Export name to the layer version ARN it exports (moto exports an object)."""

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> LocalCloud:
        """Start moto (unless given), the Lambda runtime, the SQS poller, event delivery and the API server."""
        check_moto_version()
        if self.endpoint_url is None:
            self._own_server = _moto.MotoServer()
            self.endpoint_url = self._own_server.endpoint_url
        # moto's threaded server would let two conditional writes to one item both pass their condition.
        _moto.install_atomic_writes(self)
        port = self.endpoint_url.rstrip("/").rsplit(":", 1)[-1]
        # moto's Step Functions interpreter calls the other services at localhost:$MOTO_PORT.
        self._set_env({"MOTO_PORT": port})
        self._moto_api("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        self.runtime = LambdaRuntime(self.endpoint_url, region=self.region, max_workers=self._max_workers)
        self._install_authorization(self.runtime)
        self.runtime.install()
        self.poller = SqsPoller(
            self.runtime, region=self.region, failed_visibility_seconds=self._failed_visibility_seconds
        )
        self.poller.start()
        self.events = EventDelivery(self.runtime, client=self.client, retry_delay_seconds=self._retry_delay_seconds)
        self.events.authorization = self.authorization if self.authorization.enabled else None
        self.events.install()
        self.events.install_async_invoke()
        self.events.install_sns_to_lambda()
        self.scheduler = Scheduler(
            self.events.submit,
            account=DEFAULT_ACCOUNT,
            region=self.region,
            speedup=self._schedule_speedup,
        )
        self.scheduler.start()
        self.apis = ApiGatewayServer(self.runtime, port=self._api_port, region=self.region)
        self.apis.authorization = self.authorization if self.authorization.enabled else None
        self.apis.start()
        return self

    def _install_authorization(self, runtime: LambdaRuntime) -> None:
        """Put the guard in front of moto; when enforcing, give workers and state machines their role's credentials."""
        authorization = self.authorization
        authorization.intercepts.append(self._intercept_set_alarm_state)
        _moto.install_request_guard(authorization.guard)
        if not authorization.enabled:
            return

        def credentials(role_arn: str, function_name: str) -> dict[str, str]:
            return authorization.credentials_for(role_arn, function_name).environment()

        def mint(role_arn: str) -> tuple[str, str, str]:
            minted = authorization.credentials_for(role_arn, "StepFunctions")
            return minted.access_key_id, minted.secret_access_key, minted.session_token

        runtime.credentials = credentials
        authorization.function_policies = lambda arn: _moto.function_policy_statements(
            DEFAULT_ACCOUNT, self.region, arn
        )
        authorization.on_denial.append(self._log_denial)
        _moto.install_step_functions_credentials(mint)

    def _log_denial(self, denial: Denial, principal: Any) -> None:
        """Write a denial to the denials log group and to the log group of the function whose role was refused."""
        if self.runtime is None:
            return
        line = json.dumps(
            {
                "level": "ERROR",
                "message": "AccessDenied",
                "principal": denial.principal,
                "action": denial.action,
                "resource": denial.resource,
                "why": denial.reason,
                "origin": denial.origin,
                "denial": denial.message,
            }
        )
        self.runtime.write_log_lines(DENIALS_LOG_GROUP, [line])
        if principal.service is None and principal.arn and principal.arn.startswith("arn:aws:sts::"):
            function_name = principal.arn.rsplit("/", 1)[-1]
            group = self.runtime.log_groups.get(function_name, f"/aws/lambda/{function_name}")
            self.runtime.write_log_lines(group, [line])

    def emails(self) -> list[dict[str, Any]]:
        """Notifications SNS sent to e-mail subscriptions (``to``, ``subject``, ``message``, ``topic_arn``)."""
        return list(self.events.emails) if self.events is not None else []

    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes, *, role: str | None = None
    ) -> dict[str, str]:
        """SigV4 headers for a request to a local API: as the administrator, or as ``role`` (a role ARN)."""
        from serverless_patterns.local.api_auth import sign_headers
        from serverless_patterns.local.authorization import ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY

        if role is None:
            key, secret, token = ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, None
        else:
            credentials = self.authorization.credentials_for(role, "local-client")
            key, secret, token = credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        return sign_headers(
            method,
            url,
            headers,
            body,
            access_key_id=key,
            secret_access_key=secret,
            session_token=token,
            region=self.region,
        )

    def denials(self) -> list[Denial]:
        """Every request and delivery refused so far, oldest first (see :class:`Denial`)."""
        return list(self.authorization.denials)

    def close(self) -> None:
        """Delete the stacks this cloud deployed and stop everything it started, in reverse order.

        Running executions get 10 s to end first. moto keeps its state per process, not per
        server: deleting the stacks lets a later ``LocalCloud`` in the same process deploy them again.
        """
        if self.runtime is not None:
            try:
                self.wait_until_idle(10)
                self._wait_for_executions(10)
            except Exception:  # closing goes on: what runs is stopped below
                _log.warning("closing the local cloud without waiting for deliveries and executions", exc_info=True)
            for deployment in list(self.deployments):
                try:
                    self.destroy(deployment)
                except Exception:  # one stack that cannot be deleted must not keep the rest running
                    _log.warning("closing the local cloud: could not delete %s", deployment, exc_info=True)
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.apis is not None:
            self.apis.stop()
        if self.events is not None:
            self.events.uninstall()
        if self.poller is not None:
            self.poller.stop()
        if self.runtime is not None:
            self.runtime.close()
        if self.runtime is not None:
            _moto.uninstall_request_guard()
            _moto.uninstall_step_functions_credentials()
        if self._own_server is not None:
            self._own_server.stop()
            self._own_server = None
        _moto.uninstall_atomic_writes(self)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def _wait_for_executions(self, timeout: float) -> None:
        """Let running Step Functions executions end: their tasks call moto, which is about to stop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._running_executions():
            time.sleep(0.1)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _moto_api(self, path: str, body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.endpoint_url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def client(self, service: str) -> Any:
        """A boto3 client bound to moto's endpoint (cached per service)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                aws_session_token="testing",
            )
        return self._clients[service]

    def wait_until_idle(self, timeout: float = 30.0, *, executions: bool = False) -> bool:
        """Wait until the SQS pollers and event deliveries have nothing left to do; ``False`` on timeout.

        With ``executions``, also wait until no Step Functions execution is running.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events_idle = self.events is None or self.events.wait_until_idle(max(0.0, deadline - time.monotonic()))
            queues_idle = self.poller is None or self.poller.wait_until_idle(max(0.0, deadline - time.monotonic()))
            if events_idle and queues_idle and (self.events is None or self.events.wait_until_idle(0.01)):
                if not executions or not self._running_executions():
                    return True
                time.sleep(0.05)
        return False

    def _running_executions(self) -> list[str]:
        sfn = self.client("stepfunctions")
        machines = [machine["stateMachineArn"] for machine in sfn.list_state_machines()["stateMachines"]]
        return [
            execution["executionArn"]
            for arn in machines
            for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
        ]

    def trigger_schedule(self, rule: str) -> int:
        """Fire a scheduled rule now (by name, ARN or construct path); return how many targets got the event."""
        if self.scheduler is None:
            raise LocalCloudError("the local cloud is not started")
        return self.scheduler.trigger(rule)


def find_assembly(path: str | os.PathLike[str]) -> Path:
    """The cloud assembly for ``path``: itself when it holds ``manifest.json``, else its ``cdk.out``.

    Examples
    --------
    >>> try:
    ...     find_assembly("/no/such/app")
    ... except LocalCloudError as error:
    ...     print(error)
    no cloud assembly at /no/such/app: give a cdk.out folder or an app folder with cdk.json
    """
    folder = Path(path)
    if (folder / "manifest.json").is_file():
        return folder
    if (folder / "cdk.out" / "manifest.json").is_file():
        return folder / "cdk.out"
    raise LocalCloudError(f"no cloud assembly at {folder}: give a cdk.out folder or an app folder with cdk.json")
