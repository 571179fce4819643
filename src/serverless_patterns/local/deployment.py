"""What a deploy on the local cloud returns: the stacks, their resources and outputs, and lookups by name."""

from __future__ import annotations

from dataclasses import dataclass, field

from serverless_patterns.local.errors import LocalCloudError
from serverless_patterns.local.http_apis import HttpApi
from serverless_patterns.local.resolve import DeployedResource
from serverless_patterns.local.rest_apis import RestApi

DEFAULT_ACCOUNT = "123456789012"


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
    http_apis: list[HttpApi] = field(default_factory=list)


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
        """REST and HTTP API logical id (and construct path) to its local base URL."""

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
        """The local base URL of a REST API (``http://127.0.0.1:<port>/<api id>/<stage>/``) or an HTTP API.

        An HTTP API's URL is that of its ``$default`` stage, ``http://127.0.0.1:<port>/<api id>/``
        (else of its first stage, ``.../<api id>/<stage>/``). ``identifier`` may be left out when
        the deployment has exactly one API.
        """
        if identifier is None:
            urls = {url for key, url in self.api_urls.items() if "/" not in key}
            if len(urls) == 1:
                return urls.pop()
            raise LocalCloudError(f"the deployment has {len(urls)} APIs: name one")
        if identifier in self.api_urls:
            return self.api_urls[identifier]
        try:
            resource = self.resource(identifier, "AWS::ApiGateway::RestApi")
        except LocalCloudError:
            resource = self.resource(identifier, "AWS::ApiGatewayV2::Api")
        return self.api_urls[resource.logical_id]

    def summary(self) -> list[str]:
        """Human-readable lines: API URLs, functions, queues, buses, tables, state machines."""
        lines: list[str] = []
        labels = [
            ("AWS::ApiGateway::RestApi", "API"),
            ("AWS::ApiGatewayV2::Api", "HTTP API"),
            ("AWS::Lambda::Function", "function"),
            ("AWS::SQS::Queue", "queue"),
            ("AWS::SNS::Topic", "topic"),
            ("AWS::Events::EventBus", "event bus"),
            ("AWS::DynamoDB::Table", "table"),
            ("AWS::StepFunctions::StateMachine", "state machine"),
        ]
        for resource_type, label in labels:
            for resource in self.resources(resource_type):
                value = self.api_urls.get(resource.logical_id) if "API" in label else resource.name
                lines.append(f"{label:<14} {self.short_name(resource):<40} {value}")
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
