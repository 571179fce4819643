"""CloudWatch alarms on the local cloud: kept from the template, set by hand, and acting through SNS.

moto's CloudFormation does not deploy ``AWS::CloudWatch::Alarm``; the local cloud keeps each
alarm's name, ARN and actions, and ``LocalCloud.set_alarm_state`` changes a state and runs the
actions of the new state the way CloudWatch does: it publishes the alarm notification to each
SNS topic action *as the service principal* ``cloudwatch.amazonaws.com``, so the topic policy
(and the key policy of an encrypted topic) must let CloudWatch publish, as in AWS
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html,
https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
Metrics are not evaluated: an alarm changes state only when a test sets it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from serverless_patterns.local.errors import LocalCloudError

ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


@dataclass
class AlarmAction:
    """One action CloudWatch ran (or was refused) for a state change.

    Examples
    --------
    >>> AlarmAction("arn:aws:sns:us-east-1:123456789012:T", delivered=True, reason="").delivered
    True
    """

    target: str
    delivered: bool
    reason: str


@dataclass
class HistoryItem:
    """An entry of an alarm's history: a state change and what its actions did.

    Examples
    --------
    >>> HistoryItem("OK", "ALARM", "test", []).new_state
    'ALARM'
    """

    old_state: str
    new_state: str
    reason: str
    actions: list[AlarmAction]
    at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


@dataclass
class LocalAlarm:
    """An alarm of a deployed stack.

    Examples
    --------
    >>> alarm = LocalAlarm("A", "App/Alarms/Errors", "Errors1", "arn:aws:cloudwatch:us-east-1:1:alarm:A", "", {})
    >>> alarm.state
    'INSUFFICIENT_DATA'
    """

    name: str
    path: str
    logical_id: str
    arn: str
    description: str
    actions: dict[str, list[str]]
    enabled: bool = True
    state: str = "INSUFFICIENT_DATA"
    history: list[HistoryItem] = field(default_factory=list)

    def notification(self, old_state: str, reason: str, region: str, account: str) -> dict[str, Any]:
        """The JSON message CloudWatch publishes to an SNS topic action on a state change."""
        return {
            "AlarmName": self.name,
            "AlarmDescription": self.description or None,
            "AWSAccountId": account,
            "AlarmConfigurationUpdatedTimestamp": None,
            "NewStateValue": self.state,
            "NewStateReason": reason,
            "StateChangeTime": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
            "Region": region,
            "AlarmArn": self.arn,
            "OldStateValue": old_state,
        }


class AlarmRegistry:
    """The alarms of every deployed stack, found by name, construct path or logical id.

    Examples
    --------
    >>> registry = AlarmRegistry()
    >>> registry.add(LocalAlarm("A", "App/Alarms/Errors/Resource", "E1", "arn:...:alarm:A", "", {}))
    >>> registry.find("Alarms/Errors").name
    'A'
    """

    def __init__(self) -> None:
        self._alarms: dict[str, LocalAlarm] = {}
        self.lock = threading.Lock()

    def add(self, alarm: LocalAlarm) -> None:
        """Keep an alarm (a later one of the same name replaces it)."""
        self._alarms[alarm.name] = alarm

    def remove_stack(self, stack_name: str) -> None:
        """Forget the alarms of a deleted stack."""
        for name in [name for name, alarm in self._alarms.items() if alarm.path.split("/", 1)[0] == stack_name]:
            self._alarms.pop(name)

    def all(self) -> list[LocalAlarm]:
        """Every alarm, by name."""
        return [self._alarms[name] for name in sorted(self._alarms)]

    def find(self, identifier: str) -> LocalAlarm:
        """The one alarm ``identifier`` names: its name, logical id, or construct path (with or without the stack)."""
        candidates = list(self._alarms.values())
        rules: tuple[Callable[[LocalAlarm], bool], ...] = (
            lambda alarm: identifier in {alarm.name, alarm.logical_id, alarm.arn},
            lambda alarm: _strip(alarm.path) == identifier,
            lambda alarm: _strip(alarm.path).split("/", 1)[-1] == identifier,
        )
        for rule in rules:
            found = [alarm for alarm in candidates if rule(alarm)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(sorted(alarm.name for alarm in found))
                raise LocalCloudError(f"{identifier!r} matches more than one alarm: {names}")
        known = ", ".join(sorted(_strip(alarm.path).split("/", 1)[-1] or alarm.name for alarm in candidates))
        raise LocalCloudError(f"no alarm matches {identifier!r} (deployed: {known or 'none'})")


def _strip(path: str) -> str:
    while path.endswith("/Resource"):
        path = path.removesuffix("/Resource")
    return path


def subject(alarm: LocalAlarm, region: str) -> str:
    """The e-mail subject CloudWatch gives an alarm notification (at most 100 characters, as SNS allows).

    Examples
    --------
    >>> subject(LocalAlarm("Errors", "", "", "", "", {}, state="ALARM"), "us-east-1")
    'ALARM: "Errors" in us-east-1'
    """
    return f'{alarm.state}: "{alarm.name}" in {region}'[:100]


def message(alarm: LocalAlarm, old_state: str, reason: str, region: str, account: str) -> str:
    """The notification as the JSON text SNS delivers."""
    return json.dumps(alarm.notification(old_state, reason, region, account))
