"""The composite alarm: one "<prefix> unhealthy" alarm to page on, in ALARM when any member alarm is.

CloudWatch's limits shape it: "The rule expression of a composite alarm can include as many as
100 underlying alarms" and "Any single alarm can be included in the rule expressions of as many
as 150 composite alarms" (PutCompositeAlarm,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html), and
an ``AlarmRule`` is at most 10,240 characters (aws-cdk-lib's ``CompositeAlarm`` rejects a longer
one). When the members do not fit one rule, they are split into group composites
("<prefix> unhealthy (1 of 3)", ...) and the top alarm watches the groups: each member is in one
rule, each group in one.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def define_composite(
    owner: Construct, members: Sequence[tuple[str, cloudwatch.IAlarm]], prefix: str
) -> tuple[cloudwatch.CompositeAlarm, list[cloudwatch.CompositeAlarm]]:
    """Define ``Unhealthy`` (and ``Unhealthy1``, ... when the members need groups); return (top, groups)."""
    name = f"{prefix} unhealthy"
    groups = chunks([member_name for member_name, _ in members])
    description = f"{len(members)} alarms of {prefix}: in ALARM when any of them is"
    if len(groups) == 1:
        top = cloudwatch.CompositeAlarm(
            owner,
            "Unhealthy",
            composite_alarm_name=name,
            alarm_description=description,
            alarm_rule=_any_of([alarm for _, alarm in members]),
        )
        return top, []
    defined = []
    for number, group in enumerate(groups, start=1):
        alarms = [members[index][1] for index in group]
        defined.append(
            cloudwatch.CompositeAlarm(
                owner,
                f"Unhealthy{number}",
                composite_alarm_name=f"{name} ({number} of {len(groups)})",
                alarm_description=f"{len(alarms)} alarms of {prefix} (group {number} of {len(groups)})",
                alarm_rule=_any_of(alarms),
            )
        )
    top = cloudwatch.CompositeAlarm(
        owner,
        "Unhealthy",
        composite_alarm_name=name,
        alarm_description=description,
        alarm_rule=_any_of(defined),
    )
    return top, defined


def _any_of(alarms: Sequence[cloudwatch.IAlarm]) -> cloudwatch.IAlarmRule:
    return cloudwatch.AlarmRule.any_of(
        *(cloudwatch.AlarmRule.from_alarm(alarm, cloudwatch.AlarmState.ALARM) for alarm in alarms)
    )
