"""LocalCloud: moto's server plus the pieces moto lacks, and the deploy of a cloud assembly onto it."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serverless_patterns.local import _moto
from serverless_patterns.local._moto import check_moto_version
from serverless_patterns.local.alarms import ALARM_STATES, AlarmAction, AlarmRegistry, HistoryItem, LocalAlarm
from serverless_patterns.local.alarms import message as alarm_message
from serverless_patterns.local.alarms import subject as alarm_subject
from serverless_patterns.local.apigateway import ApiGatewayServer, RestApi, read_rest_apis
from serverless_patterns.local.assembly import StackArtifact, read_assembly
from serverless_patterns.local.authorization import Authorization, Denial
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.events import AsyncConfig, EventDelivery
from serverless_patterns.local.layers import read_function_layers
from serverless_patterns.local.resolve import DeployedResource, StackScope
from serverless_patterns.local.runtime import DEFAULT_CONCURRENCY, LambdaRuntime
from serverless_patterns.local.schedules import Schedule, ScheduledRule, ScheduleError, Scheduler, parse_schedule
from serverless_patterns.local.sqs_poller import SqsPoller
from serverless_patterns.local.template import prepare_template

DEFAULT_ACCOUNT = "123456789012"

_log = logging.getLogger(__name__)

DENIALS_LOG_GROUP = "/serverless-patterns/local/denials"
"""Every denial of the local cloud, one JSON line each (``serverless-patterns local denials`` prints them)."""


@dataclass
class DeployedStack:
    """A stack deployed on the local cloud.

    Attributes
    ----------
    name
        The stack name.
    outputs
        Output key to value (URLs of REST APIs are the local ones).
    resources
        Logical id to :class:`DeployedResource`.
    notes
        What the deploy changed in the template for moto (skipped or emulated resources).

    Examples
    --------
    >>> DeployedStack("App", {"Url": "http://127.0.0.1:1/x/prod/"}, {}, []).outputs["Url"]
    'http://127.0.0.1:1/x/prod/'
    """

    name: str
    outputs: dict[str, str]
    resources: dict[str, DeployedResource]
    notes: list[str]
    apis: list[RestApi] = field(default_factory=list)


class Deployment:
    """What one ``deploy`` put on the local cloud, with lookups by construct path or logical id.

    An identifier is matched against, in order: the logical id, the construct path
    (``Stack/Orders/Resource``) or the path without trailing ``/Resource`` parts
    (``Stack/Orders``), the same without the stack name (``Orders``), and the physical id or name.
    Lookups raise :class:`LocalCloudError` when nothing or more than one resource matches.

    Examples
    --------
    >>> deployment = Deployment([], api_urls={})
    >>> try:
    ...     deployment.function_name("Nope")
    ... except LocalCloudError as error:
    ...     print(error)
    no AWS::Lambda::Function matches 'Nope' (deployed: none)
    """

    def __init__(self, stacks: list[DeployedStack], *, api_urls: dict[str, str]) -> None:
        self.stacks = stacks
        self.api_urls = api_urls
        """REST API logical id (and construct path) to its local base URL."""

    @property
    def outputs(self) -> dict[str, str]:
        """Every stack output, by key (a later stack wins on a clash)."""
        merged: dict[str, str] = {}
        for stack in self.stacks:
            merged.update(stack.outputs)
        return merged

    def resources(self, resource_type: str | None = None) -> list[DeployedResource]:
        """Every deployed resource, optionally of one CloudFormation type."""
        return [
            resource
            for stack in self.stacks
            for resource in stack.resources.values()
            if resource_type is None or resource.type == resource_type
        ]

    def resource(self, identifier: str, resource_type: str | None = None) -> DeployedResource:
        """The one resource ``identifier`` names (see the class docs for the matching rules)."""
        candidates = self.resources(resource_type)
        for rule in (
            lambda r: r.logical_id == identifier,
            lambda r: _path_names(r.path, identifier),
            lambda r: _path_names(r.path.split("/", 1)[-1], identifier),
            lambda r: identifier in {r.physical_id, r.name},
        ):
            found = [resource for resource in candidates if rule(resource)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(sorted(resource.path or resource.logical_id for resource in found))
                raise LocalCloudError(f"{identifier!r} matches more than one resource: {names}")
        kind = resource_type or "resource"
        known = ", ".join(sorted(self.short_name(resource) for resource in candidates)) or "none"
        raise LocalCloudError(f"no {kind} matches {identifier!r} (deployed: {known})")

    @staticmethod
    def short_name(resource: DeployedResource) -> str:
        """A resource's construct path without the stack name and ``/Resource`` (else its logical id)."""
        if not resource.path:
            return resource.logical_id
        short = resource.path.split("/", 1)[-1]
        while short.endswith("/Resource"):
            short = short.removesuffix("/Resource")
        return short

    def function_name(self, identifier: str) -> str:
        """The deployed name of a Lambda function."""
        return self.resource(identifier, "AWS::Lambda::Function").name

    def queue_url(self, identifier: str) -> str:
        """The URL of an SQS queue (host part as CloudFormation returns it; boto3 accepts it)."""
        return self.resource(identifier, "AWS::SQS::Queue").physical_id

    def queue_arn(self, identifier: str) -> str:
        """The ARN of an SQS queue."""
        resource = self.resource(identifier, "AWS::SQS::Queue")
        stack = next(stack for stack in self.stacks if stack.name == resource.stack)
        return f"arn:aws:sqs:{_region_of(stack)}:{DEFAULT_ACCOUNT}:{resource.name}"

    def state_machine_arn(self, identifier: str) -> str:
        """The ARN of a Step Functions state machine."""
        return self.resource(identifier, "AWS::StepFunctions::StateMachine").physical_id

    def table_name(self, identifier: str) -> str:
        """The name of a DynamoDB table (``Table`` and ``TableV2`` alike)."""
        try:
            return self.resource(identifier, "AWS::DynamoDB::Table").name
        except LocalCloudError:
            return self.resource(identifier, "AWS::DynamoDB::GlobalTable").name

    def topic_arn(self, identifier: str) -> str:
        """The ARN of an SNS topic."""
        return self.resource(identifier, "AWS::SNS::Topic").physical_id

    def event_bus_name(self, identifier: str) -> str:
        """The name of a custom event bus."""
        return self.resource(identifier, "AWS::Events::EventBus").name

    def api_url(self, identifier: str | None = None) -> str:
        """The local base URL (``http://127.0.0.1:<port>/<api id>/<stage>/``) of a REST API.

        ``identifier`` may be left out when the deployment has exactly one REST API.
        """
        if identifier is None:
            urls = {url for key, url in self.api_urls.items() if "/" not in key}
            if len(urls) == 1:
                return urls.pop()
            raise LocalCloudError(f"the deployment has {len(urls)} REST APIs: name one")
        if identifier in self.api_urls:
            return self.api_urls[identifier]
        resource = self.resource(identifier, "AWS::ApiGateway::RestApi")
        return self.api_urls[resource.logical_id]

    def summary(self) -> list[str]:
        """Human-readable lines: API URLs, functions, queues, buses, tables, state machines."""
        lines: list[str] = []
        labels = [
            ("AWS::ApiGateway::RestApi", "API"),
            ("AWS::Lambda::Function", "function"),
            ("AWS::SQS::Queue", "queue"),
            ("AWS::SNS::Topic", "topic"),
            ("AWS::Events::EventBus", "event bus"),
            ("AWS::DynamoDB::Table", "table"),
            ("AWS::StepFunctions::StateMachine", "state machine"),
        ]
        for resource_type, label in labels:
            for resource in self.resources(resource_type):
                value = self.api_urls.get(resource.logical_id) if label == "API" else resource.name
                lines.append(f"{label:<14} {self.short_name(resource):<40} {value}")
        return lines


def _queue_arn(url_or_arn: str, region: str) -> str:
    """The ARN of a queue given by URL (``http://host/123456789012/name``) or ARN."""
    if url_or_arn.startswith("arn:"):
        return url_or_arn
    account, name = url_or_arn.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _statements(document: Any) -> list[Any]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return statements if isinstance(statements, list) else [statements]


def _default_key_policy() -> dict[str, Any]:
    """The key policy KMS gives a key created without one: the account may use it through IAM policies.

    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _path_names(path: str, identifier: str) -> bool:
    """Whether ``identifier`` is ``path`` or ``path`` without trailing ``/Resource`` parts."""
    while path:
        if path == identifier:
            return True
        if not path.endswith("/Resource"):
            return False
        path = path.removesuffix("/Resource")
    return False


def _region_of(stack: DeployedStack) -> str:
    for resource in stack.resources.values():
        if resource.physical_id.startswith("arn:aws:"):
            return resource.physical_id.split(":")[3]
    return "us-east-1"


class LocalCloud:
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

    def set_alarm_state(self, alarm: str, state: str, reason: str = "set by a test") -> list[AlarmAction]:
        """Set a deployed alarm's state and run that state's actions as CloudWatch does; return what they did.

        Each SNS topic action is published to as ``cloudwatch.amazonaws.com`` with the alarm as
        ``aws:SourceArn``: a topic policy (or key policy) that does not let CloudWatch publish
        refuses it, the refusal is a denial, and nothing reaches the topic's subscribers, as in
        AWS. Setting the state it already has runs no action (CloudWatch acts on changes).

        Parameters
        ----------
        alarm
            The alarm's name, logical id or construct path.
        state
            ``"ALARM"``, ``"OK"`` or ``"INSUFFICIENT_DATA"``.
        reason
            The ``NewStateReason`` of the notification.
        """
        if state not in ALARM_STATES:
            raise LocalCloudError(f"alarm state must be one of {', '.join(ALARM_STATES)}, got {state!r}")
        found = self.alarms.find(alarm)
        with self.alarms.lock:
            old_state, found.state = found.state, state
        actions: list[AlarmAction] = []
        if old_state != state and found.enabled:
            for target in found.actions.get(state, []):
                actions.append(self._alarm_action(found, target, old_state, reason))
        found.history.append(HistoryItem(old_state, state, reason, actions))
        return actions

    def _alarm_action(self, alarm: LocalAlarm, target: str, old_state: str, reason: str) -> AlarmAction:
        if not target.startswith("arn:aws:sns:"):
            return AlarmAction(target, False, "only SNS topic actions are run locally")
        if self.authorization.enabled:
            decision = self.authorization.check_service(
                "cloudwatch.amazonaws.com", "sns:Publish", target, source_arn=alarm.arn
            )
            if not decision.allowed:
                return AlarmAction(target, False, decision.reason)
        self.client("sns").publish(
            TopicArn=target,
            Subject=alarm_subject(alarm, self.region),
            Message=alarm_message(alarm, old_state, reason, self.region, DEFAULT_ACCOUNT),
        )
        return AlarmAction(target, True, "")

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

    def _intercept_set_alarm_state(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """Answer CloudWatch's ``SetAlarmState`` for a deployed alarm here, so that its actions run."""
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.endswith(".SetAlarmState"):
            return None
        from serverless_patterns.local.authorization import _read_body

        request = json.loads(_read_body(environ) or b"{}")
        name = str(request.get("AlarmName", ""))
        try:
            self.alarms.find(name)
        except LocalCloudError:
            return None  # not an alarm of a deployed stack: moto answers
        self.set_alarm_state(name, str(request.get("StateValue")), str(request.get("StateReason", "")))
        return "200 OK", [("Content-Type", "application/x-amz-json-1.0")], b"{}"

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

    # -- deploy -----------------------------------------------------------------------------
    def deploy(
        self,
        cdk_out: str | os.PathLike[str],
        *,
        warm: bool = False,
        replace: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> Deployment:
        """Deploy every stack of a synthesized cloud assembly; return what was deployed.

        Parameters
        ----------
        cdk_out
            The assembly folder (``cdk.out``).
        warm
            Start one worker per function during the deploy, so that first calls are warm.
            Default: ``False``.
        replace
            Delete a stack of the same name first instead of failing. Default: ``False``.
        progress
            Called with a line of text per step. Default: - silent.

        Raises
        ------
        LocalCloudError
            No assembly, an asset it cannot upload, or a template moto cannot deploy.
        """
        if self.runtime is None:
            self.start()
        report = progress or (lambda line: None)
        artifacts = read_assembly(cdk_out, account=DEFAULT_ACCOUNT, region=self.region)
        if not artifacts:
            raise LocalCloudError(f"the cloud assembly at {cdk_out} defines no stack")
        stacks = [self._deploy_stack(artifact, report, replace=replace) for artifact in artifacts]
        api_urls: dict[str, str] = {}
        assert self.apis is not None
        for stack in stacks:
            for api in stack.apis:
                url = self.apis.url(api)
                api_urls[api.logical_id] = url
                if api.path:
                    api_urls[api.path] = url
        deployment = Deployment(stacks, api_urls=api_urls)
        self._localize_outputs(deployment)
        if warm:
            self._warm(deployment, report)
        self.deployments.append(deployment)
        return deployment

    def _deploy_stack(
        self, artifact: StackArtifact, report: Callable[[str], None], *, replace: bool = False
    ) -> DeployedStack:
        started = time.perf_counter()
        if artifact.docker_images:
            report(f"{artifact.stack_name}: {len(artifact.docker_images)} container image asset(s) skipped")
        s3 = self.client("s3")
        buckets: set[str] = set()
        for asset in artifact.assets:
            if asset.bucket not in buckets:
                with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
                    s3.create_bucket(Bucket=asset.bucket)
                buckets.add(asset.bucket)
            try:
                s3.put_object(Bucket=asset.bucket, Key=asset.key, Body=asset.body())
            except OSError as error:
                raise LocalCloudError(f"stack {artifact.stack_name}: asset {asset.display_name}: {error}") from error
        report(f"{artifact.stack_name}: uploaded {len(artifact.assets)} asset(s)")
        template, notes = prepare_template(artifact.template, artifact.stack_name)
        for note in notes:
            report(f"{artifact.stack_name}: {note}")
        cloudformation = self.client("cloudformation")
        existing = [
            stack
            for stack in cloudformation.list_stacks()["StackSummaries"]
            if stack["StackName"] == artifact.stack_name and stack["StackStatus"] != "DELETE_COMPLETE"
        ]
        if existing and not replace:
            raise LocalCloudError(f"stack {artifact.stack_name} is already deployed on this local cloud")
        if existing:
            self._delete_stack(artifact.stack_name, {})
        try:
            cloudformation.create_stack(
                StackName=artifact.stack_name,
                TemplateBody=json.dumps(template),
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            )
        except Exception as error:
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "Unable to parse response" in message:
                inner = re.search(r'"message": "\s*([^"]+)"', str(error))
                message = inner.group(1) if inner else "moto's CloudFormation failed inside (see the server log)"
            raise LocalCloudError(f"stack {artifact.stack_name} could not be deployed: {message}") from error
        status = self._wait_for_stack(artifact.stack_name)
        if status != "CREATE_COMPLETE":
            raise LocalCloudError(f"stack {artifact.stack_name} could not be deployed: status {status}")
        assert self.runtime is not None
        for logical_id in self.runtime.skipped_custom_resources:
            if logical_id in artifact.template.get("Resources", {}):
                note = f"{logical_id} (custom resource) answered SUCCESS without running its non-Python handler"
                if note not in notes:
                    notes.append(note)
                    report(f"{artifact.stack_name}: {note}")
        described = cloudformation.describe_stacks(StackName=artifact.stack_name)["Stacks"][0]
        outputs = {output["OutputKey"]: output.get("OutputValue", "") for output in described.get("Outputs", [])}
        scope = StackScope(
            artifact.stack_name, DEFAULT_ACCOUNT, self.region, mappings=dict(artifact.template.get("Mappings", {}))
        )
        paginator = cloudformation.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=artifact.stack_name):
            for summary in page["StackResourceSummaries"]:
                logical_id = summary["LogicalResourceId"]
                physical = summary.get("PhysicalResourceId") or ""
                if not physical:
                    physical = str(template["Resources"].get(logical_id, {}).get("Properties", {}).get("Name", ""))
                scope.resources[logical_id] = DeployedResource(
                    stack=artifact.stack_name,
                    logical_id=logical_id,
                    type=artifact.template["Resources"].get(logical_id, {}).get("Type", summary["ResourceType"]),
                    physical_id=physical,
                    path=artifact.paths.get(logical_id, ""),
                )
        self._register_layers(artifact, scope, outputs, notes, report)
        self._register_functions(artifact.template, scope)
        self._register_policies(artifact, scope, notes, report)
        self._adopt_state_machines(scope)
        self._subscribe(artifact.template, scope)
        apis = read_rest_apis(artifact.template, scope)
        assert self.apis is not None
        for api in apis:
            self.apis.add(api)
        elapsed = time.perf_counter() - started
        report(f"{artifact.stack_name}: deployed {len(scope.resources)} resources in {elapsed:.1f} s")
        return DeployedStack(artifact.stack_name, outputs, dict(scope.resources), notes, apis)

    def destroy(self, deployment: Deployment) -> None:
        """Delete a deployment's stacks (last first), stop their workers and stop serving their APIs."""
        for stack in reversed(deployment.stacks):
            self._delete_stack(stack.name, stack.resources)
            self.alarms.remove_stack(stack.name)
            if self.scheduler is not None:
                self.scheduler.remove_stack(stack.name)
            if self.apis is not None:
                for api in stack.apis:
                    self.apis.apis.pop(api.api_id, None)
        if deployment in self.deployments:
            self.deployments.remove(deployment)

    def _delete_stack(self, name: str, resources: dict[str, DeployedResource]) -> None:
        for resource in resources.values():
            if resource.type == "AWS::StepFunctions::StateMachine":
                _moto.delete_interpreter_state_machine(DEFAULT_ACCOUNT, self.region, resource.physical_id)
            if resource.type == "AWS::Lambda::Function" and self.runtime is not None:
                self.runtime.forget(resource.name)
        try:
            self.client("cloudformation").delete_stack(StackName=name)
            self._wait_for_stack(name)
        except Exception:  # moto deletes what it can; what it cannot must not fail the caller's teardown
            _log.warning("stack %s: moto could not delete it completely", name, exc_info=True)

    def _wait_for_stack(self, name: str, timeout: float = 60.0) -> str:
        cloudformation = self.client("cloudformation")
        deadline = time.monotonic() + timeout
        status = "UNKNOWN"
        while time.monotonic() < deadline:
            status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            if not status.endswith("_IN_PROGRESS"):
                break
            if status == "CREATE_IN_PROGRESS":
                # A custom resource that answered while moto was still creating the other resources
                # leaves the stack waiting: moto checks readiness only when an answer arrives.
                _moto.verify_stack_readiness(DEFAULT_ACCOUNT, self.region, name)
            time.sleep(0.05)
        return str(status)

    def _subscribe(self, template: dict[str, Any], scope: StackScope) -> None:
        """Create the stack's SNS subscriptions through the SNS API (moto's CloudFormation skips them)."""
        sns = self.client("sns")
        for resource in template.get("Resources", {}).values():
            if resource.get("Type") != "AWS::SNS::Subscription":
                continue
            properties = scope.resolve(resource.get("Properties", {}))
            attributes: dict[str, str] = {}
            for key in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery"):
                value = properties.get(key)
                if isinstance(value, dict):
                    attributes[key] = json.dumps(value)
                elif isinstance(value, bool):
                    attributes[key] = str(value).lower()
                elif value is not None:
                    attributes[key] = str(value)
            try:
                sns.subscribe(
                    TopicArn=properties["TopicArn"],
                    Protocol=properties["Protocol"],
                    Endpoint=properties["Endpoint"],
                    Attributes=attributes,
                )
            except Exception as error:
                raise LocalCloudError(f"stack {scope.stack}: SNS subscription could not be created: {error}") from error

    def _register_policies(
        self, artifact: StackArtifact, scope: StackScope, notes: list[str], report: Callable[[str], None]
    ) -> None:
        """Hand the stack's resource policies, key policies and alarms to the authorization.

        moto's CloudFormation does not keep queue, topic, bus and bucket policies; they are read
        from the original template here and resolved against what moto created, so that their
        ARNs are the deployed ones. Lambda permissions stay with moto (``AddPermission``).
        """
        from serverless_patterns.local import _moto

        authorization = self.authorization
        authorization.forget_policies()
        try:
            moto_resolve = _moto.stack_resolver(DEFAULT_ACCOUNT, self.region, artifact.stack_name)
        except Exception as error:  # moto keeps every stack it created; this is a broken seam, say so
            raise LocalCloudError(f"stack {artifact.stack_name}: cannot read moto's stack: {error}") from error

        def resolve(value: Any) -> Any:
            try:
                return moto_resolve(value)
            except Exception as error:  # a reference to a resource moto skipped: the local resolver's answer
                _log.debug("moto could not resolve %s (%s); using the local resolver", value, error)
                return scope.resolve(value)

        bus_statements: dict[str, list[Any]] = {}
        for logical_id, resource in artifact.template.get("Resources", {}).items():
            kind = resource.get("Type")
            properties = resource.get("Properties") or {}
            where = artifact.paths.get(logical_id) or f"{artifact.stack_name}/{logical_id}"
            if kind == "AWS::SQS::QueuePolicy":
                # Given to moto as the queue's Policy attribute, where the checks read it (as SQS keeps it).
                document = json.dumps(resolve(properties.get("PolicyDocument")))
                for queue in properties.get("Queues") or []:
                    self.client("sqs").set_queue_attributes(
                        QueueUrl=str(resolve(queue)), Attributes={"Policy": document}
                    )
            elif kind == "AWS::SNS::TopicPolicy":
                document = json.dumps(resolve(properties.get("PolicyDocument")))
                for topic in properties.get("Topics") or []:
                    self.client("sns").set_topic_attributes(
                        TopicArn=str(resolve(topic)), AttributeName="Policy", AttributeValue=document
                    )
            elif kind == "AWS::S3::BucketPolicy":
                bucket = resolve(properties.get("Bucket"))
                document = resolve(properties.get("PolicyDocument"))
                authorization.set_resource_policy(f"arn:aws:s3:::{bucket}", f"bucket policy {where}", document)
            elif kind == "AWS::Events::EventBusPolicy":
                bus = str(resolve(properties.get("EventBusName")) or "default")
                bus_arn = (
                    bus if bus.startswith("arn:") else f"arn:aws:events:{self.region}:{DEFAULT_ACCOUNT}:event-bus/{bus}"
                )
                if "Policy" in properties:
                    bus_statements.setdefault(bus_arn, []).extend(_statements(resolve(properties["Policy"])))
                elif "Statement" in properties:
                    bus_statements.setdefault(bus_arn, []).append(resolve(properties["Statement"]))
            elif kind == "AWS::KMS::Key" and logical_id in scope.resources:
                key_id = scope.resources[logical_id].physical_id
                key_arn = (
                    key_id if key_id.startswith("arn:") else f"arn:aws:kms:{self.region}:{DEFAULT_ACCOUNT}:key/{key_id}"
                )
                key_policy = resolve(properties.get("KeyPolicy")) or _default_key_policy()
                authorization.set_key_policy(key_arn, f"key policy {where}", key_policy)
            elif kind in {"AWS::SQS::Queue", "AWS::SNS::Topic"} and properties.get("KmsMasterKeyId"):
                deployed = scope.resources.get(logical_id)
                if deployed is None:
                    continue
                arn = (
                    _queue_arn(deployed.physical_id, self.region) if kind == "AWS::SQS::Queue" else deployed.physical_id
                )
                key = str(resolve(properties["KmsMasterKeyId"]))
                managed = key if key.startswith("alias/aws/") else None
                key_arn = managed or _moto.key_arn(DEFAULT_ACCOUNT, self.region, key) or key
                authorization.set_encryption_key(arn, key_arn)
            elif kind == "AWS::ApiGateway::RestApi" and properties.get("Policy") and logical_id in scope.resources:
                api_id = scope.resources[logical_id].physical_id
                api_arn = f"arn:aws:execute-api:{self.region}:{DEFAULT_ACCOUNT}:{api_id}"
                text = json.dumps(resolve(properties["Policy"])).replace('"execute-api:/', f'"{api_arn}/')
                authorization.set_resource_policy(api_arn, f"resource policy of REST API {where}", json.loads(text))
        for bus_arn, statements in bus_statements.items():
            bus_policy = {"Version": "2012-10-17", "Statement": statements}
            authorization.set_resource_policy(bus_arn, f"event bus policy of {bus_arn}", bus_policy)
        self._register_alarms(artifact, resolve)
        self._register_schedules(artifact, scope, notes, report)
        self._check_event_source_mappings(artifact, scope)

    def _register_alarms(self, artifact: StackArtifact, resolve: Callable[[Any], Any]) -> None:
        """Keep the stack's alarms (moto's CloudFormation does not deploy them) so that they can act."""
        for logical_id, resource in artifact.template.get("Resources", {}).items():
            kind = resource.get("Type")
            if kind not in {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"}:
                continue
            properties = resource.get("Properties") or {}
            name = resolve(properties.get("AlarmName")) or f"{artifact.stack_name}-{logical_id}"
            self.alarms.add(
                LocalAlarm(
                    name=str(name),
                    path=artifact.paths.get(logical_id, ""),
                    logical_id=logical_id,
                    arn=f"arn:aws:cloudwatch:{self.region}:{DEFAULT_ACCOUNT}:alarm:{name}",
                    description=str(resolve(properties.get("AlarmDescription")) or ""),
                    actions={
                        "ALARM": [str(resolve(arn)) for arn in properties.get("AlarmActions") or []],
                        "OK": [str(resolve(arn)) for arn in properties.get("OKActions") or []],
                        "INSUFFICIENT_DATA": [
                            str(resolve(arn)) for arn in properties.get("InsufficientDataActions") or []
                        ],
                    },
                    enabled=bool(properties.get("ActionsEnabled", True)),
                )
            )

    def _register_schedules(
        self, artifact: StackArtifact, scope: StackScope, notes: list[str], report: Callable[[str], None]
    ) -> None:
        """Hand the stack's scheduled rules, with the targets moto keeps for them, to the scheduler."""
        if self.scheduler is None:
            return
        events = self.client("events")
        for logical_id, resource in artifact.template.get("Resources", {}).items():
            properties = resource.get("Properties") or {}
            expression = properties.get("ScheduleExpression")
            deployed = scope.resources.get(logical_id)
            if resource.get("Type") != "AWS::Events::Rule" or not isinstance(expression, str) or deployed is None:
                continue
            name = deployed.name
            bus = scope.resolve(properties.get("EventBusName")) or "default"
            described = events.describe_rule(Name=name, EventBusName=bus)
            targets = events.list_targets_by_rule(Rule=name, EventBusName=bus).get("Targets", [])
            try:
                schedule: Schedule | None = parse_schedule(expression)
                note = f"{logical_id} ({expression}) fired by the local scheduler"
                if self._schedule_speedup != 1:
                    note += f", {self._schedule_speedup:g} times faster than real time"
            except ScheduleError as error:
                schedule = None
                note = f"{logical_id} ({expression}) not scheduled: {error}; trigger_schedule fires it"
            self.scheduler.add(
                ScheduledRule(
                    arn=str(described["Arn"]),
                    name=name,
                    path=artifact.paths.get(logical_id, ""),
                    expression=expression,
                    schedule=schedule,
                    targets=list(targets),
                    enabled=described.get("State", "ENABLED") == "ENABLED",
                )
            )
            notes.append(note)
            report(f"{artifact.stack_name}: {note}")

    def trigger_schedule(self, rule: str) -> int:
        """Fire a scheduled rule now (by name, ARN or construct path); return how many targets got the event."""
        if self.scheduler is None:
            raise LocalCloudError("the local cloud is not started")
        return self.scheduler.trigger(rule)

    def _check_event_source_mappings(self, artifact: StackArtifact, scope: StackScope) -> None:
        """Fail the deploy as Lambda does when a function's role cannot read its SQS event source.

        Lambda checks the execution role when the mapping is created: it needs
        ``sqs:ReceiveMessage``, ``sqs:DeleteMessage`` and ``sqs:GetQueueAttributes`` on the queue
        (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html), and
        CloudFormation rolls the stack back with Lambda's message.
        """
        from serverless_patterns.local.policy import Principal

        if not self.authorization.enabled:
            return
        for resource in artifact.template.get("Resources", {}).values():
            if resource.get("Type") != "AWS::Lambda::EventSourceMapping":
                continue
            properties = resource.get("Properties") or {}
            source = scope.resolve(properties.get("EventSourceArn"))
            targets = scope.referenced_ids(properties.get("FunctionName"))
            if not isinstance(source, str) or ":sqs:" not in source or not targets:
                continue
            # The role as moto deployed the function with it (its ARN, path included).
            function = _moto.get_function(DEFAULT_ACCOUNT, self.region, scope.resources[targets[0]].name)
            if function is None or not function.role:
                continue
            principal = Principal.assumed_role(function.role, function.name)
            for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
                decision = self.authorization.check(principal, action, source, origin="deploy")
                if not decision.allowed:
                    raise LocalCloudError(
                        f"stack {artifact.stack_name} could not be deployed: the provided execution role does not "
                        f"have permissions to call {action.split(':')[1]} on SQS ({decision.reason})"
                    )

    def _adopt_state_machines(self, scope: StackScope) -> None:
        """Copy state machines into the backend of moto's interpreter.

        moto's CloudFormation creates them in the plain Step Functions backend, while its API
        serves them, with the interpreter turned on, from the parser backend.
        """
        for resource in scope.resources.values():
            if resource.type != "AWS::StepFunctions::StateMachine":
                continue
            try:
                _moto.adopt_state_machine(DEFAULT_ACCOUNT, self.region, resource.physical_id)
            except Exception as error:
                raise LocalCloudError(
                    f"state machine {resource.path or resource.logical_id} cannot run on moto's interpreter: {error}"
                ) from error

    def _register_layers(
        self,
        artifact: StackArtifact,
        scope: StackScope,
        outputs: dict[str, str],
        notes: list[str],
        report: Callable[[str], None],
    ) -> None:
        """Give the runtime each function's layers, merged in the function's order (``layers``).

        moto's CloudFormation publishes a ``LayerVersion`` but gives it no physical id (its ``Ref``
        is an object) and drops a function's ``Layers``: the layer's ARN is looked up by name, its
        content read from the asset bucket, and each function's list read from the template. An
        output (and export, as CDK writes for a layer used by another stack) of a layer's ``Ref``
        is set to the ARN.
        """
        assert self.runtime is not None
        resources = artifact.template.get("Resources", {})
        published = {
            layer["LayerName"]: layer["LatestMatchingVersion"]["LayerVersionArn"]
            for layer in self.client("lambda").list_layers().get("Layers", [])
        }
        for logical_id, resource in resources.items():
            deployed = scope.resources.get(logical_id)
            if resource.get("Type") != "AWS::Lambda::LayerVersion" or deployed is None:
                continue
            content = resource.get("Properties", {}).get("Content") or {}
            bucket, key = scope.resolve(content.get("S3Bucket")), scope.resolve(content.get("S3Key"))
            prefix = f"{artifact.stack_name}-{logical_id}-"
            arn = next((arn for name, arn in published.items() if name.startswith(prefix)), None)
            if not (isinstance(bucket, str) and isinstance(key, str) and arn):
                note = f"{logical_id} (AWS::Lambda::LayerVersion) has no content the local cloud can read"
                notes.append(note)
                report(f"{artifact.stack_name}: {note}")
                continue
            with contextlib.closing(self.client("s3").get_object(Bucket=bucket, Key=key)["Body"]) as body:
                self._layer_archives[arn] = body.read()
            # Ref of a LayerVersion is its version ARN, as in CloudFormation.
            scope.resources[logical_id] = dataclasses.replace(deployed, physical_id=arn)
            for key, output in artifact.template.get("Outputs", {}).items():
                if output.get("Value") == {"Ref": logical_id}:
                    outputs[key] = arn
                    export = scope.resolve((output.get("Export") or {}).get("Name"))
                    if isinstance(export, str):
                        self._layer_exports[export] = arn
                    note = f"output {key}: Ref of {logical_id} (AWS::Lambda::LayerVersion) read as its ARN"
                    notes.append(note)
                    report(f"{artifact.stack_name}: {note}")
        functions, layer_report = read_function_layers(
            artifact.template, scope, self._layer_archives, self._layer_exports
        )
        for function in functions:
            self.runtime.set_layers(function.function_name, function.runtime, function.archives)
        for note in layer_report.notes():
            notes.append(note)
            report(f"{artifact.stack_name}: {note}")

    def _register_functions(self, template: dict[str, Any], scope: StackScope) -> None:
        """Tell the runtime and event delivery what moto does not keep: log groups, async settings."""
        assert self.runtime is not None
        assert self.events is not None
        resources = template.get("Resources", {})
        configs: dict[str, dict[str, Any]] = {}
        for logical_id, resource in resources.items():
            properties = resource.get("Properties", {})
            deployed = scope.resources.get(logical_id)
            if resource.get("Type") == "AWS::Lambda::Function" and deployed is not None:
                logging_config = properties.get("LoggingConfig") or {}
                group = scope.resolve(logging_config.get("LogGroup"))
                if isinstance(group, str) and group:
                    self.runtime.log_groups[deployed.name] = group
                # What Lambda's runtime reads to set up logging (the worker does as it does).
                settings = {
                    "AWS_LAMBDA_LOG_FORMAT": str(logging_config.get("LogFormat", "Text")),
                    "AWS_LAMBDA_LOG_LEVEL": str(logging_config.get("ApplicationLogLevel", "")),
                }
                self.runtime.log_settings[deployed.name] = {key: value for key, value in settings.items() if value}
                dead_letter = scope.resolve((properties.get("DeadLetterConfig") or {}).get("TargetArn"))
                configs.setdefault(deployed.name, {})["dead_letter_arn"] = dead_letter or None
        for resource in resources.values():
            if resource.get("Type") != "AWS::Lambda::EventInvokeConfig":
                continue
            properties = resource.get("Properties", {})
            targets = scope.referenced_ids(properties.get("FunctionName"))
            if not targets:
                continue
            name = scope.resources[targets[0]].name
            config = configs.setdefault(name, {})
            if "MaximumRetryAttempts" in properties:
                config["max_retry_attempts"] = int(properties["MaximumRetryAttempts"])
            if "MaximumEventAgeInSeconds" in properties:
                config["max_event_age_seconds"] = int(properties["MaximumEventAgeInSeconds"])
            destinations = properties.get("DestinationConfig") or {}
            failure = scope.resolve((destinations.get("OnFailure") or {}).get("Destination"))
            success = scope.resolve((destinations.get("OnSuccess") or {}).get("Destination"))
            config["on_failure_arn"] = failure or None
            config["on_success_arn"] = success or None
        for name, values in configs.items():
            self.events.async_configs[name] = AsyncConfig(**values)

    def _localize_outputs(self, deployment: Deployment) -> None:
        """Point outputs that hold an execute-api URL at the local API server."""
        assert self.apis is not None
        for stack in deployment.stacks:
            for key, value in stack.outputs.items():
                for api in stack.apis:
                    marker = f"https://{api.api_id}.execute-api."
                    if value.startswith(marker):
                        _, _, rest = value.partition(".amazonaws.com/")
                        stack.outputs[key] = f"{self.apis.base_url}/{api.api_id}/{rest}"

    def _warm(self, deployment: Deployment, report: Callable[[str], None]) -> None:
        assert self.runtime is not None
        runtime = self.runtime
        deployed = deployment.resources("AWS::Lambda::Function")
        functions = [_moto.get_function(DEFAULT_ACCOUNT, self.region, resource.name) for resource in deployed]
        missing = [resource.name for resource, function in zip(deployed, functions, strict=True) if function is None]
        if missing:
            raise LocalCloudError(f"moto holds no function {', '.join(missing)} after the deploy")
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda function: runtime.warm(runtime.spec_for(function)), filter(None, functions)))
        report(f"warmed {len(functions)} function(s)")


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
