"""The composite alarm: one "<prefix> unhealthy" alarm to page on, in ALARM when any member alarm is.

CloudWatch's limits shape it: "The rule expression of a composite alarm can include as many as
100 underlying alarms" and "Any single alarm can be included in the rule expressions of as many
as 150 composite alarms" (PutCompositeAlarm,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html), and
an ``AlarmRule`` is at most 10,240 characters (the same page). When the members do not fit one
rule, they are split into group composites ("<prefix> unhealthy (1 of 3)", ...) and the top alarm
watches the groups: each member is in one rule, each group in one. Each is an
``AWS::CloudWatch::CompositeAlarm`` L1 whose rule is written in Python from the members' ARNs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import NestedStack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

MAX_ALARMS_PER_RULE = 100
MAX_RULE_CHARACTERS = 10_240
# ALARM("arn:aws-us-gov:cloudwatch:<region>:<account>:alarm:<name>") OR : every part but the name,
# with a region of up to 20 characters; the estimate errs on the long side so a rule never exceeds
# the limit at deploy time, when the tokens are replaced by the real ARNs.
_TERM_OVERHEAD = len('ALARM("arn:aws-us-gov:cloudwatch:') + 20 + len(":123456789012:alarm:") + len('") OR ')


def chunks(names: Sequence[str]) -> list[list[int]]:
    """Indexes of ``names`` packed into rules of at most 100 alarms and 10,240 characters."""
    groups: list[list[int]] = [[]]
    length = 2  # the rule's parentheses
    for index, name in enumerate(names):
        term = _TERM_OVERHEAD + len(name)
        if groups[-1] and (len(groups[-1]) >= MAX_ALARMS_PER_RULE or length + term > MAX_RULE_CHARACTERS):
            groups.append([])
            length = 2
        groups[-1].append(index)
        length += term
    return groups


@dataclass(frozen=True)
class Composite:
    """A composite alarm defined here, and its ARN (read once)."""

    alarm: cloudwatch.CfnCompositeAlarm
    arn: str


def define_health(
    owner: Construct,
    nested: Sequence[NestedStack],
    members: Mapping[int, Sequence[tuple[str, str]]],
    prefix: str,
    *,
    alarm_count: int,
    actions: Sequence[str],
    ok_actions: Sequence[str],
) -> tuple[Composite, list[str]]:
    """Define ``<prefix> unhealthy`` over the member alarms (name, ARN) of ``owner`` or of each nested stack.

    ``members`` is keyed by the ``id()`` of the construct the alarms are in. Return the top
    composite alarm and the ARNs the "Service health" widget shows (the top one, then the parts').
    """
    if not nested:
        # By alarm name, as ``LambdaAlarms.alarms``: a name defined twice is one alarm in CloudWatch.
        every = list(dict(members[id(owner)]).items())
        top = define_composite(owner, every, prefix, actions=actions, ok_actions=ok_actions)
        return top, [top.arn]
    # Each nested stack watches its own alarms; the top alarm reads only those composites (one
    # output per nested stack, not one per alarm).
    parts = [
        define_composite(stack, members[id(stack)], prefix, f"{prefix} unhealthy (part {number} of {len(nested)})").arn
        for number, stack in enumerate(nested, start=1)
    ]
    top = define_composite_of(owner, parts, prefix, alarm_count, actions=actions, ok_actions=ok_actions)
    return top, [top.arn, *parts]


def define_composite(
    owner: Construct,
    members: Sequence[tuple[str, str]],
    prefix: str,
    name: str | None = None,
    *,
    actions: Sequence[str] = (),
    ok_actions: Sequence[str] = (),
) -> Composite:
    """Define ``Unhealthy`` (and ``Unhealthy1``, ... when the members need groups) over ``members`` (name, ARN).

    ``name`` is the top alarm's name. Default: ``<prefix> unhealthy``. The top alarm notifies
    ``actions`` (and ``ok_actions`` on OK); the groups notify nobody.
    """
    name = name or f"{prefix} unhealthy"
    groups = chunks([member_name for member_name, _ in members])
    description = f"{len(members)} alarms of {prefix}: in ALARM when any of them is"
    if len(groups) == 1:
        arns = [arn for _, arn in members]
    else:
        arns = [
            _define(
                owner,
                f"Unhealthy{number}",
                name=f"{name} ({number} of {len(groups)})",
                description=f"{len(group)} alarms of {prefix} (group {number} of {len(groups)})",
                arns=[members[index][1] for index in group],
            ).arn
            for number, group in enumerate(groups, start=1)
        ]
    return _define(
        owner, "Unhealthy", name=name, description=description, arns=arns, actions=actions, ok_actions=ok_actions
    )


def define_composite_of(
    owner: Construct,
    parts: Sequence[str],
    prefix: str,
    alarm_count: int,
    *,
    actions: Sequence[str] = (),
    ok_actions: Sequence[str] = (),
) -> Composite:
    """Define ``Unhealthy``, ``<prefix> unhealthy``, over the composite alarms (ARNs) of the parts (at most 100)."""
    assert len(parts) <= MAX_ALARMS_PER_RULE  # 40,000 alarms at 400 a part
    description = f"{alarm_count} alarms of {prefix} in {len(parts)} parts: in ALARM when any of them is"
    return _define(
        owner,
        "Unhealthy",
        name=f"{prefix} unhealthy",
        description=description,
        arns=parts,
        actions=actions,
        ok_actions=ok_actions,
    )


def _define(
    owner: Construct,
    id: str,
    *,
    name: str,
    description: str,
    arns: Sequence[str],
    actions: Sequence[str] = (),
    ok_actions: Sequence[str] = (),
) -> Composite:
    """One ``AWS::CloudWatch::CompositeAlarm`` at ``<id>/Resource``, where aws-cdk-lib's ``CompositeAlarm`` puts it.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-compositealarm.html
    """
    alarm = cloudwatch.CfnCompositeAlarm(
        Construct(owner, id),
        "Resource",
        alarm_name=name,
        alarm_description=description,
        alarm_rule=alarm_rule(arns),
        alarm_actions=list(actions) or None,
        ok_actions=list(ok_actions) or None,
    )
    return Composite(alarm, alarm.attr_arn)


def alarm_rule(arns: Sequence[str]) -> str:
    """In ALARM when any of the alarms ``arns`` is: ``(ALARM("arn") OR ALARM("arn") ...)``.

    The rule syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
    """
    return "(" + " OR ".join(f'ALARM("{arn}")' for arn in arns) + ")"
