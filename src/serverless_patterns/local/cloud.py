"""LocalCloud: moto's server plus the pieces moto lacks, and the deploy of a cloud assembly onto it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serverless_patterns.local.apigateway import ApiGatewayServer, RestApi, read_rest_apis
from serverless_patterns.local.assembly import StackArtifact, read_assembly
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.events import AsyncConfig, EventDelivery
from serverless_patterns.local.resolve import DeployedResource, StackScope
from serverless_patterns.local.runtime import DEFAULT_CONCURRENCY, LambdaRuntime
from serverless_patterns.local.sqs_poller import SqsPoller
from serverless_patterns.local.template import prepare_template

SUPPORTED_MOTO = ("5.2.",)
"""moto versions the local cloud is tested with (it patches moto internals)."""

DEFAULT_ACCOUNT = "123456789012"


def check_moto_version(version: str | None = None) -> str:
    """Fail with a clear message unless the installed moto is a tested version; return the version.

    Examples
    --------
    >>> check_moto_version("5.2.5")
    '5.2.5'
    >>> try:
    ...     check_moto_version("6.0.0")
    ... except LocalCloudError as error:
    ...     print(error)
    the local cloud is tested with moto 5.2.x, found moto 6.0.0: install "moto[server]>=5.2.5,<5.3"
    """
    if version is None:
        import moto

        version = str(moto.__version__)
    if not version.startswith(SUPPORTED_MOTO):
        raise LocalCloudError(
            f'the local cloud is tested with moto 5.2.x, found moto {version}: install "moto[server]>=5.2.5,<5.3"'
        )
    return version


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
        known = ", ".join(sorted(self._short(resource) for resource in candidates)) or "none"
        raise LocalCloudError(f"no {kind} matches {identifier!r} (deployed: {known})")

    @staticmethod
    def _short(resource: DeployedResource) -> str:
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
                lines.append(f"{label:<14} {self._short(resource):<40} {value}")
        return lines


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
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._own_server: Any = None
        self._api_port = api_port
        self._max_workers = max_workers
        self._failed_visibility_seconds = failed_visibility_seconds
        self._retry_delay_seconds = retry_delay_seconds
        self._saved_env: dict[str, str | None] = {}
        self._clients: dict[str, Any] = {}
        self.runtime: LambdaRuntime | None = None
        self.poller: SqsPoller | None = None
        self.events: EventDelivery | None = None
        self.apis: ApiGatewayServer | None = None
        self.deployments: list[Deployment] = []

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> LocalCloud:
        """Start moto (unless given), the Lambda runtime, the SQS poller, event delivery and the API server."""
        check_moto_version()
        if self.endpoint_url is None:
            from moto.server import ThreadedMotoServer

            self._own_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._own_server.start()
            host, port = self._own_server.get_host_and_port()
            self.endpoint_url = f"http://{host}:{port}"
        port = self.endpoint_url.rstrip("/").rsplit(":", 1)[-1]
        # moto's Step Functions interpreter calls the other services at localhost:$MOTO_PORT.
        self._set_env({"MOTO_PORT": port})
        self._moto_api("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        self.runtime = LambdaRuntime(self.endpoint_url, region=self.region, max_workers=self._max_workers)
        self.runtime.install()
        self.poller = SqsPoller(
            self.runtime, region=self.region, failed_visibility_seconds=self._failed_visibility_seconds
        )
        self.poller.start()
        self.events = EventDelivery(self.runtime, client=self.client, retry_delay_seconds=self._retry_delay_seconds)
        self.events.install()
        self.events.install_async_invoke()
        self.events.install_sns_to_lambda()
        self.apis = ApiGatewayServer(self.runtime, port=self._api_port, region=self.region)
        self.apis.start()
        return self

    def close(self) -> None:
        """Delete the stacks this cloud deployed and stop everything it started, in reverse order.

        Running executions get 10 s to end first. moto keeps its state per process, not per
        server: deleting the stacks lets a later ``LocalCloud`` in the same process deploy them again.
        """
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                self.wait_until_idle(10)
                self._wait_for_executions(10)
            for deployment in list(self.deployments):
                with contextlib.suppress(Exception):
                    self.destroy(deployment)
        if self.apis is not None:
            self.apis.stop()
        if self.events is not None:
            self.events.uninstall()
        if self.poller is not None:
            self.poller.stop()
        if self.runtime is not None:
            self.runtime.close()
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
        scope = StackScope(artifact.stack_name, DEFAULT_ACCOUNT, self.region)
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
        self._register_functions(artifact.template, scope)
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
            if self.apis is not None:
                for api in stack.apis:
                    self.apis.apis.pop(api.api_id, None)
        if deployment in self.deployments:
            self.deployments.remove(deployment)

    def _delete_stack(self, name: str, resources: dict[str, DeployedResource]) -> None:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        parser = stepfunctions_parser_backends[DEFAULT_ACCOUNT][self.region]
        for resource in resources.values():
            if resource.type == "AWS::StepFunctions::StateMachine":
                with contextlib.suppress(Exception):
                    parser.delete_state_machine(resource.physical_id)
            if resource.type == "AWS::Lambda::Function" and self.runtime is not None:
                self.runtime.forget(resource.name)
        # moto deletes what it can; a resource it cannot delete must not fail the caller's teardown.
        with contextlib.suppress(Exception):
            self.client("cloudformation").delete_stack(StackName=name)
            self._wait_for_stack(name)

    def _wait_for_stack(self, name: str, timeout: float = 60.0) -> str:
        from moto.cloudformation.models import cloudformation_backends

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
                with contextlib.suppress(Exception):
                    cloudformation_backends[DEFAULT_ACCOUNT][self.region].get_stack(name).verify_readiness()
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

    def _adopt_state_machines(self, scope: StackScope) -> None:
        """Copy state machines into the backend of moto's interpreter.

        moto's CloudFormation creates them in the plain Step Functions backend, while its API
        serves them, with the interpreter turned on, from the parser backend.
        """
        from moto.stepfunctions.models import stepfunctions_backends
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        plain = stepfunctions_backends[DEFAULT_ACCOUNT][self.region]
        parser = stepfunctions_parser_backends[DEFAULT_ACCOUNT][self.region]
        for resource in scope.resources.values():
            if resource.type != "AWS::StepFunctions::StateMachine":
                continue
            machine = plain.describe_state_machine(resource.physical_id)
            try:
                parser.create_state_machine(machine.name, machine.definition, machine.roleArn, tags=[])
            except Exception as error:
                raise LocalCloudError(
                    f"state machine {resource.path or resource.logical_id} cannot run on moto's interpreter: {error}"
                ) from error

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
                group = scope.resolve((properties.get("LoggingConfig") or {}).get("LogGroup"))
                if isinstance(group, str) and group:
                    self.runtime.log_groups[deployed.name] = group
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
        from moto.awslambda.models import lambda_backends

        assert self.runtime is not None
        runtime = self.runtime
        backend = lambda_backends[DEFAULT_ACCOUNT][self.region]
        deployed = deployment.resources("AWS::Lambda::Function")
        functions = [backend.get_function(resource.name) for resource in deployed]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda function: runtime.warm(runtime.spec_for(function)), functions))
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
