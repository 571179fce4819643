"""CloudWatch alarm actions on the local cloud: setting an alarm's state runs its SNS actions, as CloudWatch does."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from serverless_patterns.local.alarms import ALARM_STATES, AlarmAction, AlarmRegistry, HistoryItem, LocalAlarm
from serverless_patterns.local.alarms import message as alarm_message
from serverless_patterns.local.alarms import subject as alarm_subject
from serverless_patterns.local.authorization import Authorization
from serverless_patterns.local.deployment import DEFAULT_ACCOUNT
from serverless_patterns.local.errors import LocalCloudError


class AlarmActions:
    """Setting a deployed alarm's state and running its actions (a mixin of :class:`LocalCloud`)."""

    region: str
    authorization: Authorization
    alarms: AlarmRegistry

    if TYPE_CHECKING:

        def client(self, service: str) -> Any: ...

    def set_alarm_state(self, alarm: str, state: str, reason: str = "set by a test") -> list[AlarmAction]:
        """Set a deployed alarm's state and run that state's actions as CloudWatch does; return what they did.

        Each SNS topic action is published to as ``cloudwatch.amazonaws.com`` with the alarm as
        ``aws:SourceArn``: a topic policy (or key policy) that does not let CloudWatch publish
        refuses it, the refusal is a denial, and nothing reaches the topic's subscribers, as in
        AWS. Setting the state it already has runs no action (CloudWatch acts on changes).

        Parameters
        ----------
        alarm
            The alarm's name, logical id or construct path.
        state
            ``"ALARM"``, ``"OK"`` or ``"INSUFFICIENT_DATA"``.
        reason
            The ``NewStateReason`` of the notification.
        """
        if state not in ALARM_STATES:
            raise LocalCloudError(f"alarm state must be one of {', '.join(ALARM_STATES)}, got {state!r}")
        found = self.alarms.find(alarm)
        with self.alarms.lock:
            old_state, found.state = found.state, state
        actions: list[AlarmAction] = []
        if old_state != state and found.enabled:
            for target in found.actions.get(state, []):
                actions.append(self._alarm_action(found, target, old_state, reason))
        found.history.append(HistoryItem(old_state, state, reason, actions))
        return actions

    def _alarm_action(self, alarm: LocalAlarm, target: str, old_state: str, reason: str) -> AlarmAction:
        if not target.startswith("arn:aws:sns:"):
            return AlarmAction(target, False, "only SNS topic actions are run locally")
        if self.authorization.enabled:
            decision = self.authorization.check_service(
                "cloudwatch.amazonaws.com", "sns:Publish", target, source_arn=alarm.arn
            )
            if not decision.allowed:
                return AlarmAction(target, False, decision.reason)
        self.client("sns").publish(
            TopicArn=target,
            Subject=alarm_subject(alarm, self.region),
            Message=alarm_message(alarm, old_state, reason, self.region, DEFAULT_ACCOUNT),
        )
        return AlarmAction(target, True, "")

    def _intercept_set_alarm_state(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """Answer CloudWatch's ``SetAlarmState`` for a deployed alarm here, so that its actions run."""
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.endswith(".SetAlarmState"):
            return None
        from serverless_patterns.local.guard_http import _read_body

        request = json.loads(_read_body(environ) or b"{}")
        name = str(request.get("AlarmName", ""))
        try:
            self.alarms.find(name)
        except LocalCloudError:
            return None  # not an alarm of a deployed stack: moto answers
        self.set_alarm_state(name, str(request.get("StateValue")), str(request.get("StateReason", "")))
        return "200 OK", [("Content-Type", "application/x-amz-json-1.0")], b"{}"
