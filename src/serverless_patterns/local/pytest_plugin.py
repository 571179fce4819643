"""pytest fixtures that deploy a synthesized app on the local cloud.

Enable the plugin in your top-level ``conftest.py``::

    pytest_plugins = ["serverless_patterns.local.pytest_plugin"]

Then give the assembly to deploy, either with the ``local_cdk_out`` ini option (default
``cdk.out``) or by overriding the ``local_cdk_out`` fixture in a module (for example to
synthesize a test app into a temporary folder), and use ``local_app``::

    def test_get_item(local_app):
        status, body = local_app.request("GET", "items/1")
        assert status == 404

``local_app`` is module-scoped: one deploy per test module, removed at the end of the module.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from serverless_patterns.local.alarms import AlarmAction
from serverless_patterns.local.authorization import Denial
from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.deployment import Deployment
from serverless_patterns.local.put_events import PutEventResult, UnmatchedEventWarning, put_event


class LocalApp:
    """A deployed app in a test: boto3 clients, API base URLs and lookups by construct path or logical id.

    Parameters
    ----------
    cloud
        The running :class:`~serverless_patterns.local.LocalCloud`.
    deployment
        What was deployed.

    Examples
    --------
    >>> def test_queue_worker(local_app):  # doctest: +SKIP
    ...     local_app.send("Jobs", '{"id": 1}')
    ...     local_app.wait_until_idle()
    """

    def __init__(self, cloud: LocalCloud, deployment: Deployment) -> None:
        self.cloud = cloud
        self.deployment = deployment
        self.function_name = deployment.function_name
        self.queue_url = deployment.queue_url
        self.queue_arn = deployment.queue_arn
        self.state_machine_arn = deployment.state_machine_arn
        self.table_name = deployment.table_name
        self.topic_arn = deployment.topic_arn
        self.event_bus_name = deployment.event_bus_name
        self.api_url = deployment.api_url
        self.resource = deployment.resource

    @property
    def outputs(self) -> dict[str, str]:
        """Every stack output by key (REST API URLs are the local ones)."""
        return self.deployment.outputs

    def client(self, service: str) -> Any:
        """A boto3 client bound to the local cloud's moto endpoint."""
        return self.cloud.client(service)

    def wait_until_idle(self, timeout: float = 30.0, *, executions: bool = False) -> None:
        """Wait until queues are drained by their mappings and events are delivered; fail on timeout.

        With ``executions``, also wait until no Step Functions execution is running.
        """
        if not self.cloud.wait_until_idle(timeout, executions=executions):
            pytest.fail(f"the local cloud was still busy after {timeout} s")

    def invoke(self, function: str, event: Any = None) -> tuple[Any, str | None]:
        """Invoke a function synchronously; return ``(payload, FunctionError or None)``."""
        response = self.client("lambda").invoke(
            FunctionName=self.function_name(function), Payload=json.dumps({} if event is None else event)
        )
        return json.loads(response["Payload"].read() or b"null"), response.get("FunctionError")

    def send(self, queue: str, body: str, **options: Any) -> str:
        """Send a message to a queue; return its id."""
        response = self.client("sqs").send_message(QueueUrl=self.queue_url(queue), MessageBody=body, **options)
        return str(response["MessageId"])

    def receive_all(self, queue: str, *, wait_seconds: float = 0.0) -> list[dict[str, Any]]:
        """Every message currently visible in a queue (received, so hidden for its visibility timeout)."""
        sqs = self.client("sqs")
        url = self.queue_url(queue)
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait_seconds
        while True:
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
            ).get("Messages", [])
            messages.extend(batch)
            if not batch and (messages or time.monotonic() >= deadline):
                return messages
            if not batch:
                time.sleep(0.05)

    def put_event(self, source: str, detail_type: str, detail: Any, *, bus: str | None = None) -> PutEventResult:
        """Put one event on a bus; return its id, bus and the names of the rules that match it.

        ``bus`` is a construct path, logical id, name or ``"default"``; left out, it is the app's
        custom bus when it has exactly one, EventBridge's default bus when it has none, and an
        error naming the buses when it has several. An event no rule matches warns
        (:class:`~serverless_patterns.local.put_events.UnmatchedEventWarning`): EventBridge
        accepts it and delivers it nowhere, which a test rarely means (``pytest.warns`` says it does).
        """
        result = put_event(self.client("events"), self.deployment, source, detail_type, detail, bus=bus)
        if not result.matched_rules:
            warnings.warn(result.message(), UnmatchedEventWarning, stacklevel=2)
        return result

    def run_execution(self, state_machine: str, payload: Any = None, *, timeout: float = 60.0) -> dict[str, Any]:
        """Start an execution, wait for it to end, return ``describe_execution`` (output parsed)."""
        sfn = self.client("stepfunctions")
        execution = sfn.start_execution(
            stateMachineArn=self.state_machine_arn(state_machine),
            name=f"test-{time.time_ns()}",
            input=json.dumps({} if payload is None else payload),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING":
                if described.get("output"):
                    described["output"] = json.loads(described["output"])
                return described
            time.sleep(0.05)
        pytest.fail(f"execution of {state_machine} still running after {timeout} s")

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        api: str | None = None,
        signed: bool = True,
        role: str | None = None,
    ) -> tuple[int, Any]:
        """Send an HTTP request to a REST API; return ``(status, JSON body or text)``.

        The request is signed with SigV4, as an AWS SDK signs it, so that ``AWS_IAM`` methods
        accept it: with the local administrator's credentials, or, with ``role`` (a role ARN),
        with credentials of that role, whose policies must then allow ``execute-api:Invoke``.
        ``signed=False`` sends it unsigned (an ``AWS_IAM`` method answers 403).
        """
        url = self.api_url(api) + path.lstrip("/")
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if signed:
            all_headers.update(self.cloud.sign(method, url, all_headers, data or b"", role=role))
        request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", errors="replace")

    http = request
    """The same as :meth:`request` (signed by default)."""

    def denials(self) -> list[Denial]:
        """Every request and delivery the local cloud refused so far, as AWS would have (oldest first)."""
        return self.cloud.denials()

    def set_alarm_state(self, alarm: str, state: str = "ALARM", reason: str = "set by a test") -> list[AlarmAction]:
        """Set an alarm's state (by name, construct path or logical id) and run its actions; return them."""
        return self.cloud.set_alarm_state(alarm, state, reason)

    def trigger_schedule(self, rule: str) -> int:
        """Fire a scheduled rule now (by name or construct path); return how many targets got the event."""
        return self.cloud.trigger_schedule(rule)

    def emails(self) -> list[dict[str, Any]]:
        """Notifications SNS sent to e-mail subscriptions so far."""
        return self.cloud.emails()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``local_cdk_out`` ini option: the assembly ``local_app`` deploys (default ``cdk.out``)."""
    parser.addini("local_cdk_out", "cloud assembly the local_app fixture deploys", default="cdk.out")
    parser.addini(
        "local_enforce_iam",
        "evaluate IAM as AWS does on the local cloud (default true; false lets every call through)",
        type="bool",
        default=True,
    )


@pytest.fixture(scope="module")
def local_cdk_out(request: pytest.FixtureRequest) -> str:
    """The cloud assembly to deploy; override it in a module to synthesize a test app."""
    try:
        configured = str(request.config.getini("local_cdk_out"))
    except ValueError:  # the fixtures were imported without the plugin's ini option
        configured = "cdk.out"
    return configured if os.path.isabs(configured) else str(request.config.rootpath / configured)


@pytest.fixture(scope="module")
def local_cloud(request: pytest.FixtureRequest) -> Iterator[LocalCloud]:
    """A running :class:`~serverless_patterns.local.LocalCloud` (its own moto server) for one module.

    IAM is enforced as AWS does unless the ``local_enforce_iam`` ini option is false.
    """
    try:
        enforce = bool(request.config.getini("local_enforce_iam"))
    except ValueError:  # the fixtures were imported without the plugin's ini options
        enforce = True
    with LocalCloud(enforce_iam=enforce) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def local_app(local_cloud: LocalCloud, local_cdk_out: str) -> Iterator[LocalApp]:
    """``local_cdk_out`` deployed on ``local_cloud``; its stacks are deleted after the module."""
    deployment = local_cloud.deploy(local_cdk_out, replace=True)
    yield LocalApp(local_cloud, deployment)
    local_cloud.destroy(deployment)
