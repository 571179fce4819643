"""Template pre-processing: what moto's CloudFormation needs changed before it deploys a CDK template.

Every rewrite here is listed in ``docs/local.md``. The template is copied, never changed in place.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from serverless_patterns.local.http_apis import HTTP_API_TYPES, http_api_placeholder

# Resource types moto's CloudFormation does not implement and that have no runtime behaviour the
# local cloud emulates: they are removed (with every DependsOn on them) and reported as skipped.
SKIPPED_TYPES = frozenset(
    {
        "AWS::ApiGateway::Account",
        "AWS::CDK::Metadata",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::CloudWatch::Dashboard",
        # Kept by the local cloud's alarm registry, which runs their actions (serverless_patterns.local.alarms).
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::XRay::Group",
        "AWS::XRay::SamplingRule",
        "AWS::WAFv2::WebACL",
        "AWS::WAFv2::WebACLAssociation",
        "AWS::Lambda::Url",
        # moto's CloudFormation does not keep them: the local cloud's IAM enforcement reads them
        # from the original template instead (serverless_patterns.local.authorization).
        "AWS::SQS::QueuePolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::Events::EventBusPolicy",
        # Served by the local API Gateway router, which reads them from the original template.
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Model",
        "AWS::ApiGateway::RequestValidator",
        "AWS::ApiGateway::GatewayResponse",
        # moto cannot create authorizers; the router applies them from the original template.
        "AWS::ApiGateway::Authorizer",
        # Created through the SNS API after the stack (moto's CloudFormation does not know them).
        "AWS::SNS::Subscription",
        # HTTP APIs: moto's CloudFormation has none of them; the local router serves them from the
        # original template (serverless_patterns.local.http_apis).
        *HTTP_API_TYPES,
    }
)
_ENFORCED_TYPES = frozenset(
    {
        "AWS::SQS::QueuePolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::Events::EventBusPolicy",
    }
)
_ALARM_TYPES = frozenset({"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"})
_ROUTER_TYPES = frozenset(
    {
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Model",
        "AWS::ApiGateway::RequestValidator",
        "AWS::ApiGateway::GatewayResponse",
        "AWS::SNS::Subscription",
        *HTTP_API_TYPES,
    }
)

_GLOBAL_TABLE_KEEP = (
    "TableName",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "TimeToLiveSpecification",
)


def prepare_template(template: dict[str, Any], stack_name: str = "Stack") -> tuple[dict[str, Any], list[str]]:
    """Rewrite a synthesized template into one moto's CloudFormation deploys; return it and notes.

    Examples
    --------
    >>> template = {"Resources": {"Meta": {"Type": "AWS::CDK::Metadata", "Properties": {}}}}
    >>> prepare_template(template)[0]["Resources"]
    {}
    """
    result = copy.deepcopy(template)
    notes: list[str] = []
    _drop_bootstrap_check(result)
    resources: dict[str, Any] = result.setdefault("Resources", {})
    removed = [logical_id for logical_id, resource in resources.items() if resource.get("Type") in SKIPPED_TYPES]
    # moto's CloudFormation skips a type it does not implement, but a Ref or Fn::GetAtt of it would fail
    # the whole deploy: it is removed here like the skipped types, and references to it become placeholders.
    unsupported = [logical_id for logical_id in _unsupported(resources) if logical_id not in removed]
    removed.extend(unsupported)
    # A reference to a removed resource becomes a placeholder; a stage's becomes its name, as in AWS;
    # an HTTP API resource's the id the local router serves it under.
    placeholders: dict[str, Any] = {}
    for logical_id in removed:
        resource = resources[logical_id]
        stage_name = resource.get("Properties", {}).get("StageName")
        is_stage = resource["Type"] == "AWS::ApiGateway::Stage" and isinstance(stage_name, str)
        placeholders[logical_id] = stage_name if is_stage else f"local-skipped-{logical_id}"
        if resource["Type"] in HTTP_API_TYPES:
            placeholders[logical_id] = http_api_placeholder(resource, stack_name, logical_id)
    _replace_api_endpoints(result, placeholders)
    skipped: dict[str, list[str]] = {}
    for logical_id in removed:
        skipped.setdefault(resources.pop(logical_id)["Type"], []).append(logical_id)
    for resource_type, logical_ids in skipped.items():
        which = logical_ids[0] if len(logical_ids) == 1 else f"{len(logical_ids)} resources"
        if resource_type == "AWS::Lambda::EventInvokeConfig":
            notes.append(f"{which} ({resource_type}) applied by the local asynchronous invoker, not by moto")
        elif resource_type == "AWS::SNS::Subscription":
            notes.append(f"{which} ({resource_type}) created through the SNS API")
        elif resource_type in _ENFORCED_TYPES:
            notes.append(f"{which} ({resource_type}) enforced by the local cloud, not deployed to moto")
        elif resource_type in _ALARM_TYPES:
            notes.append(f"{which} ({resource_type}) kept by the local cloud: actions run on set_alarm_state")
        elif resource_type not in _ROUTER_TYPES and resource_type != "AWS::CDK::Metadata":
            if logical_ids[0] in unsupported:
                notes.append(
                    f"{which} ({resource_type}) skipped: moto's CloudFormation does not implement it; references "
                    "to it are local-skipped-<logical id> placeholders"
                )
            else:
                notes.append(f"{which} ({resource_type}) skipped: not emulated locally")
    result["Resources"] = resources = _replace_refs(resources, placeholders)
    if "Outputs" in result:
        result["Outputs"] = _replace_refs(result["Outputs"], placeholders)
    for resource in resources.values():
        depends = resource.get("DependsOn")
        if isinstance(depends, str):
            depends = [depends]
        if depends:
            kept = [name for name in depends if name not in removed]
            if kept:
                resource["DependsOn"] = kept
            else:
                resource.pop("DependsOn")
    bus_names: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Events::EventBus":
            properties = resource.setdefault("Properties", {})
            properties.setdefault("Name", f"{stack_name}-{logical_id}")
            bus_names[logical_id] = properties["Name"]
    if bus_names:
        # moto 5.2 returns its EventBus object, not the bus name, for a Ref to an EventBus. Its
        # Fn::GetAtt (Arn, Name) is right and stays: a policy granting events:PutEvents names the
        # bus by its Arn, which must remain an ARN for IAM (and keeps the dependency on the bus).
        result["Resources"] = resources = _replace_refs(resources, bus_names, attributes=False)
        result["Outputs"] = _replace_refs(result.get("Outputs", {}), bus_names, attributes=False)
        which = next(iter(bus_names)) if len(bus_names) == 1 else f"{len(bus_names)} resources"
        notes.append(f"{which} (AWS::Events::EventBus) Ref resolved to the bus name (moto returns an object)")
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Events::Archive":
            # moto names it <stack>-<logical id>-<suffix>, often over the 48 characters it then rejects.
            properties = resource.setdefault("Properties", {})
            # A fresh suffix per deploy: moto keeps an archive after its stack is deleted.
            properties.setdefault("ArchiveName", f"{logical_id[:39]}-{uuid.uuid4().hex[:8]}")
            # moto parses an archive's pattern as a JSON string only.
            if isinstance(properties.get("EventPattern"), dict):
                properties["EventPattern"] = {"Fn::ToJsonString": properties["EventPattern"]}
        if resource.get("Type") == "AWS::ApiGateway::Method":
            # moto 5.2 reads IntegrationHttpMethod and Uri unconditionally; a MOCK integration has neither.
            integration = resource.get("Properties", {}).get("Integration")
            if isinstance(integration, dict) and str(integration.get("Type", "")).upper() == "MOCK":
                integration.setdefault("IntegrationHttpMethod", "POST")
                integration.setdefault("Uri", "")
        if resource.get("Type") == "AWS::DynamoDB::GlobalTable":
            _global_table_to_table(resource)
            notes.append(f"{logical_id} (AWS::DynamoDB::GlobalTable) deployed as one AWS::DynamoDB::Table")
    return result, notes


def _replace_api_endpoints(template: dict[str, Any], placeholders: dict[str, Any]) -> None:
    """An HTTP API's ``Fn::GetAtt ApiEndpoint`` becomes its execute-api URL (other attributes: its id)."""
    resources: dict[str, Any] = template.get("Resources", {})
    endpoints = {
        logical_id: {
            "Fn::Join": [
                "",
                ["https://", placeholders[logical_id], ".execute-api.", {"Ref": "AWS::Region"}, ".amazonaws.com"],
            ]
        }
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::ApiGatewayV2::Api" and logical_id in placeholders
    }
    if not endpoints:
        return

    def replace(value: Any) -> Any:
        if isinstance(value, dict):
            target = value.get("Fn::GetAtt") if len(value) == 1 else None
            if target is not None:
                logical_id, _, attribute = (
                    (str(target[0]), "", str(target[1])) if isinstance(target, list) else str(target).partition(".")
                )
                if logical_id in endpoints and attribute == "ApiEndpoint":
                    return copy.deepcopy(endpoints[logical_id])
            return {key: replace(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replace(item) for item in value]
        return value

    for section in ("Resources", "Outputs"):
        entries = template.get(section)
        if isinstance(entries, dict):
            for key in list(entries):  # in place: the caller holds the Resources dict
                entries[key] = replace(entries[key])


def _unsupported(resources: dict[str, Any]) -> list[str]:
    """Logical ids of resources whose type moto's CloudFormation does not implement."""
    from serverless_patterns.local import _moto

    types = _moto.deployable_resource_types()
    if types is None:  # moto is only needed to deploy, not to read a template
        return []
    known, no_ops = types
    return [
        logical_id
        for logical_id, resource in resources.items()
        if resource.get("Type") not in known
        and resource.get("Type") not in no_ops
        and not str(resource.get("Type", "")).startswith("Custom::")
        # Rewritten into a type moto implements further down.
        and resource.get("Type") != "AWS::DynamoDB::GlobalTable"
    ]


def _replace_refs(value: Any, replacements: dict[str, Any], *, attributes: bool = True) -> Any:
    """Replace each ``Ref`` (and, with ``attributes``, each ``Fn::GetAtt``) of the given logical ids."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in replacements:
            return copy.deepcopy(replacements[value["Ref"]])
        if set(value) == {"Fn::Sub"}:
            return {"Fn::Sub": _replace_sub_refs(value["Fn::Sub"], replacements, attributes=attributes)}
        if attributes and set(value) == {"Fn::GetAtt"} and _get_att_target(value["Fn::GetAtt"]) in replacements:
            return copy.deepcopy(replacements[_get_att_target(value["Fn::GetAtt"])])
        return {key: _replace_refs(item, replacements, attributes=attributes) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_refs(item, replacements, attributes=attributes) for item in value]
    return value


def _replace_sub_refs(sub: Any, replacements: dict[str, Any], *, attributes: bool) -> Any:
    """The same replacements inside ``Fn::Sub``: ``${Id}`` (and ``${Id.Attribute}``) of a plain-string value."""
    template, variables = (sub[0], sub[1]) if isinstance(sub, list) and len(sub) == 2 else (sub, None)
    if not isinstance(template, str):
        return _replace_refs(sub, replacements, attributes=attributes)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        logical_id, dot, _ = name.partition(".")
        local = variables is not None and name in variables
        value = replacements.get(logical_id)
        if local or not isinstance(value, str) or (dot and not attributes):
            return match.group(0)
        return value

    replaced = re.sub(r"\$\{([^!}][^}]*)\}", replace, template)
    if variables is None:
        return replaced
    return [replaced, _replace_refs(variables, replacements, attributes=attributes)]


def _get_att_target(target: Any) -> str:
    """The logical id of an ``Fn::GetAtt``, in its list or ``"Id.Attribute"`` form."""
    return str(target[0] if isinstance(target, list) else str(target).split(".", 1)[0])


def _drop_bootstrap_check(template: dict[str, Any]) -> None:
    """The bootstrap-version parameter and rule check the CDK bootstrap stack, which is not deployed."""
    parameters = template.get("Parameters", {})
    parameters.pop("BootstrapVersion", None)
    if not parameters:
        template.pop("Parameters", None)
    rules = template.get("Rules", {})
    rules.pop("CheckBootstrapVersion", None)
    if not rules:
        template.pop("Rules", None)


def _global_table_to_table(resource: dict[str, Any]) -> None:
    properties = resource.get("Properties", {})
    table = {key: properties[key] for key in _GLOBAL_TABLE_KEEP if key in properties}
    stream = table.get("StreamSpecification")
    if stream is not None:
        table["StreamSpecification"] = {"StreamViewType": stream.get("StreamViewType", "NEW_AND_OLD_IMAGES")}
    if table.get("BillingMode", "PAY_PER_REQUEST") == "PROVISIONED":
        table["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    else:
        table["BillingMode"] = "PAY_PER_REQUEST"
    for index in table.get("GlobalSecondaryIndexes", []):
        for key in ("ReadProvisionedThroughputSettings", "WriteProvisionedThroughputSettings"):
            index.pop(key, None)
    resource["Type"] = "AWS::DynamoDB::Table"
    resource["Properties"] = table
