"""Resolving template expressions against a deployed stack (for what the local cloud reads itself)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeployedResource:
    """One resource of a deployed stack.

    Attributes
    ----------
    stack
        The stack name.
    logical_id, type
        As in the template.
    physical_id
        What CloudFormation's ``Ref`` returns (queue URL, function name, ARN, ...).
    path
        The construct path (``Stack/Construct/Resource``), when the assembly records it.

    Examples
    --------
    >>> DeployedResource("App", "Fn1", "AWS::Lambda::Function", "App-Fn1-X", "App/Fn/Resource").name
    'App-Fn1-X'
    """

    stack: str
    logical_id: str
    type: str
    physical_id: str
    path: str = ""

    @property
    def name(self) -> str:
        """The resource's name: the last part of a queue URL or an ARN, else the physical id."""
        if self.type == "AWS::SQS::Queue":
            return self.physical_id.rstrip("/").rsplit("/", 1)[-1]
        if self.physical_id.startswith("arn:"):
            return re.split(r"[:/]", self.physical_id)[-1]
        return self.physical_id


@dataclass
class StackScope:
    """A deployed stack's resources, able to resolve ``Ref``/``Fn::GetAtt``/``Fn::Join``/``Fn::Sub``.

    Examples
    --------
    >>> scope = StackScope("App", "123456789012", "us-east-1")
    >>> scope.resolve({"Fn::Join": ["-", [{"Ref": "AWS::Region"}, "x"]]})
    'us-east-1-x'
    >>> StackScope("App", "1", "eu-west-1", mappings={"M": {"eu-west-1": {"a": "b"}}}).resolve(
    ...     {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "a"]}
    ... )
    'b'
    """

    stack: str
    account: str
    region: str
    resources: dict[str, DeployedResource] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    """The template's ``Mappings``, for ``Fn::FindInMap``."""

    def arn(self, logical_id: str) -> str | None:
        """The ARN of a resource, built the way AWS builds it for the types the local cloud uses."""
        resource = self.resources.get(logical_id)
        if resource is None:
            return None
        prefix = f"arn:aws:{{}}:{self.region}:{self.account}:"
        if resource.physical_id.startswith("arn:"):
            return resource.physical_id
        kinds = {
            "AWS::SQS::Queue": ("sqs", resource.name),
            "AWS::Lambda::Function": ("lambda", f"function:{resource.name}"),
            "AWS::Events::EventBus": ("events", f"event-bus/{resource.name}"),
            "AWS::DynamoDB::Table": ("dynamodb", f"table/{resource.name}"),
            "AWS::DynamoDB::GlobalTable": ("dynamodb", f"table/{resource.name}"),
            "AWS::Events::Rule": ("events", f"rule/{resource.name}"),
        }
        kind = kinds.get(resource.type)
        if kind is None:
            return resource.physical_id
        return prefix.format(kind[0]) + kind[1]

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911 - one return per intrinsic function
        """Resolve an expression; unknown parts resolve to ``None``."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value and len(value) == 1:
            return self._ref(value["Ref"])
        if "Fn::GetAtt" in value and len(value) == 1:
            target = value["Fn::GetAtt"]
            logical_id, attribute = target if isinstance(target, list) else target.split(".", 1)
            return self._get_att(logical_id, attribute)
        if "Fn::Join" in value and len(value) == 1:
            separator, items = value["Fn::Join"]
            parts = self.resolve(items)
            if not isinstance(parts, list) or any(part is None for part in parts):
                return None
            return separator.join(str(part) for part in parts)
        if "Fn::Sub" in value and len(value) == 1:
            return self._sub(value["Fn::Sub"])
        if "Fn::Select" in value and len(value) == 1:
            index, items = value["Fn::Select"]
            resolved = self.resolve(items)
            return resolved[int(index)] if isinstance(resolved, list) else None
        if "Fn::FindInMap" in value and len(value) == 1:
            names = [self.resolve(part) for part in value["Fn::FindInMap"][:3]]
            found: Any = self.mappings
            for name in names:
                found = found.get(str(name)) if isinstance(found, dict) else None
            return found
        if "Fn::Split" in value and len(value) == 1:
            separator, text = value["Fn::Split"]
            resolved = self.resolve(text)
            return resolved.split(separator) if isinstance(resolved, str) else None
        return {key: self.resolve(item) for key, item in value.items()}

    def referenced_ids(self, value: Any) -> list[str]:
        """Logical ids an expression refers to (``Ref``, ``Fn::GetAtt``, ``${Id}`` in ``Fn::Sub``)."""
        found: list[str] = []
        if isinstance(value, list):
            for item in value:
                found.extend(self.referenced_ids(item))
        elif isinstance(value, dict):
            if isinstance(value.get("Ref"), str):
                found.append(value["Ref"])
            elif "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                found.append(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])
            elif "Fn::Sub" in value:
                template = value["Fn::Sub"]
                text = template[0] if isinstance(template, list) else template
                found.extend(name.split(".", 1)[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text))
            else:
                for item in value.values():
                    found.extend(self.referenced_ids(item))
        return [logical_id for logical_id in found if logical_id in self.resources]

    def _pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack,
            "AWS::NoValue": None,
        }.get(name)

    def _ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo(name)
        resource = self.resources.get(name)
        return resource.physical_id if resource is not None else None

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self.resources.get(logical_id)
        if resource is None:
            return None
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in {"QueueName", "TopicName", "Name"}:
            return resource.name
        if attribute == "QueueUrl":
            return resource.physical_id
        return None

    def _sub(self, template: Any) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(template, list):
            template, given = template
            variables = {key: self.resolve(item) for key, item in given.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                resolved = self._get_att(logical_id, attribute)
            else:
                resolved = self._ref(name)
            return "" if resolved is None else str(resolved)

        return re.sub(r"\$\{([^}]*)\}", replace, template)
