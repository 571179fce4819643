"""The wiring after moto's CloudFormation deployed a stack: what it does not keep, handed to the local parts."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from serverless_patterns.local import _moto
from serverless_patterns.local.alarms import AlarmRegistry, LocalAlarm
from serverless_patterns.local.assembly import StackArtifact
from serverless_patterns.local.authorization import Authorization
from serverless_patterns.local.deployment import DEFAULT_ACCOUNT
from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.events import AsyncConfig, EventDelivery
from serverless_patterns.local.layers import read_function_layers
from serverless_patterns.local.resolve import StackScope
from serverless_patterns.local.runtime import LambdaRuntime
from serverless_patterns.local.schedules import Schedule, ScheduledRule, ScheduleError, Scheduler, parse_schedule

_log = logging.getLogger(__name__)


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


class StackWiring:
    """The deploy steps that hand a stack's resources to the parts moto lacks (a mixin of :class:`LocalCloud`).

    Policies, alarms, schedules, layers, SNS subscriptions and function settings.
    """

    region: str
    authorization: Authorization
    alarms: AlarmRegistry
    scheduler: Scheduler | None
    runtime: LambdaRuntime | None
    events: EventDelivery | None
    _schedule_speedup: float
    _layer_archives: dict[str, bytes]
    _layer_exports: dict[str, str]

    if TYPE_CHECKING:

        def client(self, service: str) -> Any: ...

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
