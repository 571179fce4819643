"""Template tidying that keeps synthesized templates free of cfn-lint findings."""

from __future__ import annotations

from aws_cdk import CfnResource, Stack
from constructs import IConstruct


def depends_only_on(resource: IConstruct, *targets: IConstruct) -> None:
    """Make ``resource``'s DependsOn list exactly the CloudFormation resources of ``targets``.

    aws-cdk-lib adds a DependsOn on a role that the resource already references with GetAtt,
    which cfn-lint reports as W3005 (obsolete DependsOn). Keep only the dependencies that order
    something no reference does, such as the role's policy being attached before first use.
    """
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource")
    target_resources = []
    for target in targets:
        target_cfn = target if isinstance(target, CfnResource) else target.node.default_child
        if isinstance(target_cfn, CfnResource):
            target_resources.append(target_cfn)
    if len(target_resources) == 1:
        # One target needs no sorting: its logical id token (one jsii round trip, not two) is
        # resolved at synthesis, and it follows an override of the logical id.
        cfn.add_override("DependsOn", [target_resources[0].logical_id])
        return
    stack = Stack.of(cfn)
    cfn.add_override("DependsOn", sorted(stack.get_logical_id(target) for target in target_resources))
