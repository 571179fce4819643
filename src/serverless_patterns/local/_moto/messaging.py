"""moto's EventBridge rules and SNS subscriptions: the delivery the local cloud takes over, event matching."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from serverless_patterns.local._moto import patches

RuleDelivery = Callable[[str, dict[str, Any], dict[str, Any], bool], None]
"""Delivers one matched event to one target: ``(rule ARN, target, event, transform input)``."""


def install_rule_delivery(owner: object, handles: Callable[[dict[str, Any]], bool], deliver: RuleDelivery) -> None:
    """Deliver the targets ``handles`` accepts of every rule an event matches through ``deliver``.

    moto's ``Rule.send_to_targets`` matches the event and delivers to SQS, log group and event
    bus targets itself, but raises ``NotImplementedError`` for Lambda and SNS; the other targets
    stay with moto.
    """

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def send_to_targets(rule: Any, original_event: Any, transform_input: bool = True) -> None:
            if not rule.event_pattern.matches_event(original_event):
                return
            ours = [target for target in rule.targets if handles(target)]
            theirs = [target for target in rule.targets if not handles(target)]
            if theirs:
                view = copy.copy(rule)
                view.targets = theirs
                original(view, original_event, transform_input)
            for target in ours:
                deliver(str(rule.arn), target, original_event, transform_input)

        return send_to_targets

    patches.replace_method("events.send_to_targets", owner, make)


def uninstall_rule_delivery(owner: object) -> None:
    """Give moto back its own ``Rule.send_to_targets``."""
    patches.uninstall("events.send_to_targets", owner)


def event_pattern_matches(pattern: str, event: dict[str, Any]) -> bool:
    """Whether an EventBridge event matches a rule's pattern, by the matcher moto's delivery uses.

    Examples
    --------
    >>> event_pattern_matches('{"source": ["shop"]}', {"source": "shop", "detail": {}})
    True
    """
    from moto.events.models import EventPattern

    return bool(EventPattern.load(pattern).matches_event(event))  # type: ignore[arg-type]


@dataclass(frozen=True)
class SnsNotification:
    """One message SNS is about to deliver to one subscription, as moto hands it over.

    Examples
    --------
    >>> notification = SnsNotification("arn:sub", "email", "a@example.com", "arn:topic", "hi", "m-1", None)
    >>> notification.matches_filter_policy(), notification.message_for_protocol()
    (True, 'hi')
    """

    subscription_arn: str
    protocol: str
    endpoint: str
    topic_arn: str
    message: str
    message_id: str
    subject: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    message_structure: str | None = None
    _subscription: Any = field(default=None, repr=False, compare=False)

    def matches_filter_policy(self) -> bool:
        """Whether the subscription's filter policy lets the message through (no policy: it does)."""
        matcher = None if self._subscription is None else self._subscription._filter_policy_matcher
        return matcher is None or bool(matcher.matches(self.attributes, self.message))

    def message_for_protocol(self) -> str:
        """The message this subscription receives: with ``MessageStructure=json``, its protocol's entry."""
        if self.message_structure != "json" or self._subscription is None:
            return self.message
        return str(self._subscription._parse_message_structure(self.message, self.protocol))


def install_sns_delivery(owner: object, deliver: Callable[[SnsNotification], bool]) -> None:
    """Show every SNS delivery to ``deliver`` first; ``True`` means it was handled and moto does not deliver it.

    moto's ``Subscription.publish`` invokes a Lambda subscriber inline with a fixed example event
    (``TopicArn`` ``arn:aws:sns:EXAMPLE``) and checks no resource policy.
    """

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def publish(subscription: Any, message: str, message_id: str, subject: str | None = None, **kw: Any) -> Any:
            notification = SnsNotification(
                subscription_arn=str(subscription.arn),
                protocol=str(subscription.protocol),
                endpoint=str(subscription.endpoint),
                topic_arn=str(subscription.topic.arn),
                message=message,
                message_id=message_id,
                subject=subject,
                attributes=dict(kw.get("message_attributes") or {}),
                message_structure=kw.get("message_structure"),
                _subscription=subscription,
            )
            if deliver(notification):
                return None
            return original(subscription, message, message_id, subject, **kw)

        return publish

    patches.replace_method("sns.publish", owner, make)


def uninstall_sns_delivery(owner: object) -> None:
    """Give moto back its own ``Subscription.publish``."""
    patches.uninstall("sns.publish", owner)
