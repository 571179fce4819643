"""Where the alarms go when one stack cannot hold them: nested stacks of at most ``ALARMS_PER_NESTED_STACK``.

CloudFormation allows 500 resources per stack (Resources, "Maximum number of resources that you
can declare in your AWS CloudFormation template": 500,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html), and
every alarm is one. When the LambdaAlarms' stack would exceed it, the member alarms are packed, in
the order they are defined (so the packing is the same on every synthesis), into nested stacks
``Alarms1``, ``Alarms2``, ... that are children of the LambdaAlarms, each with the dashboard of
its own rows; the topics, the top composite alarm and the first dashboard (service health and the
rows of ``add_dashboard_row``) stay in its own stack.

Nothing reads a member alarm across a stack boundary, because a stack has at most 200 outputs
(the same page, "Outputs"): each nested stack holds the composite alarm(s) of its own alarms, and
the top composite reads only those (one output per nested stack). The dashboard of a part sits
with its alarms, so its status widgets read them in the same stack. A nested stack reads the
alarm topic as one parameter, and each watched resource as CDK passes it (an import of the
producer's export, or a parameter).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource, NestedStack, Stack

from serverless_patterns._internal.jsii_values import is_instance

MAX_RESOURCES_PER_STACK = 500
# Alarms per nested stack: room is left for the composite alarms of its members (one per 100
# alarms) and its dashboard, and for the template's size: "Template body size in an Amazon S3
# object: 1 MB" (same page). 490 alarms of short-named functions with their dashboard came to
# 0.98 MB; 400 keep a fifth in reserve for longer names.
ALARMS_PER_NESTED_STACK = 400


def resources_in(stack: Stack) -> int:
    """How many CloudFormation resources ``stack``'s own template holds now (nested stacks' excluded)."""
    constructs = stack.node.find_all()
    nested = [construct.node.path for construct in constructs if is_instance(construct, _NESTED_STACK)]
    if not nested:
        # The type of a jsii object is known without a round trip: count without reading paths.
        return sum(1 for construct in constructs if is_instance(construct, _RESOURCE))
    return sum(
        1
        for construct in constructs
        if is_instance(construct, _RESOURCE) and not any(construct.node.path.startswith(path + "/") for path in nested)
    )


_NESTED_STACK = (NestedStack,)
_RESOURCE = (CfnResource,)


def needed(existing: int, alarm_count: int, extra: int) -> bool:
    """Whether ``alarm_count`` alarms and ``extra`` other resources overflow a stack that holds ``existing``."""
    return existing + alarm_count + extra > MAX_RESOURCES_PER_STACK


def pack(alarm_counts: Sequence[int], capacity: int | None = None) -> list[int]:
    """The part (0, 1, ...) of each row, given how many alarms each row defines; rows are never split.

    ``capacity``: alarms per part. Default: ``ALARMS_PER_NESTED_STACK``.
    """
    capacity = capacity or ALARMS_PER_NESTED_STACK
    parts: list[int] = []
    part = used = 0
    for count in alarm_counts:
        if used and used + count > capacity:
            part += 1
            used = 0
        parts.append(part)
        used += count
    return parts
