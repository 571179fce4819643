"""Deploying a cloud assembly's stacks on moto's CloudFormation, and deleting them again."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from serverless_patterns.local import _moto
from serverless_patterns.local.apigateway import ApiGatewayServer
from serverless_patterns.local.assembly import StackArtifact, read_assembly
from serverless_patterns.local.deployment import DEFAULT_ACCOUNT, DeployedStack, Deployment
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.http_apis import read_http_apis, register_http_api_resources
from serverless_patterns.local.resolve import DeployedResource, StackScope
from serverless_patterns.local.rest_apis import read_rest_apis
from serverless_patterns.local.stack_wiring import StackWiring
from serverless_patterns.local.template import prepare_template

if TYPE_CHECKING:
    from serverless_patterns.local.cloud import LocalCloud

_log = logging.getLogger(__name__)


class StackDeployment(StackWiring):
    """Deploying and destroying stacks (a mixin of :class:`LocalCloud`; :class:`StackWiring` does the wiring after)."""

    apis: ApiGatewayServer | None
    deployments: list[Deployment]

    if TYPE_CHECKING:

        def start(self) -> LocalCloud: ...

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
            for http_api in stack.http_apis:
                url = self.apis.http_apis.url(http_api)
                api_urls[http_api.logical_id] = url
                if http_api.path:
                    api_urls[http_api.path] = url
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
        register_http_api_resources(artifact.template, scope, artifact.paths)
        self._register_layers(artifact, scope, outputs, notes, report)
        self._register_functions(artifact.template, scope)
        self._register_policies(artifact, scope, notes, report)
        self._adopt_state_machines(scope)
        self._subscribe(artifact.template, scope)
        apis = read_rest_apis(artifact.template, scope)
        assert self.apis is not None
        for api in apis:
            self.apis.add(api)
        http_apis = read_http_apis(artifact.template, scope)
        for http_api in http_apis:
            self.apis.http_apis.add(http_api)
        elapsed = time.perf_counter() - started
        report(f"{artifact.stack_name}: deployed {len(scope.resources)} resources in {elapsed:.1f} s")
        return DeployedStack(artifact.stack_name, outputs, dict(scope.resources), notes, apis, http_apis)

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
                for http_api in stack.http_apis:
                    self.apis.http_apis.apis.pop(http_api.api_id, None)
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

    def _localize_outputs(self, deployment: Deployment) -> None:
        """Point outputs that hold an execute-api URL at the local API server."""
        assert self.apis is not None
        for stack in deployment.stacks:
            for key, value in stack.outputs.items():
                for api_id in [api.api_id for api in stack.apis] + [api.api_id for api in stack.http_apis]:
                    marker = f"https://{api_id}.execute-api."
                    if value.startswith(marker):
                        _, _, rest = value.partition(".amazonaws.com/")
                        stack.outputs[key] = f"{self.apis.base_url}/{api_id}/{rest}"

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
