"""Putting one event on a deployed app's bus, from a test (``local_app.put_event``) or the command line.

EventBridge puts an entry without ``EventBusName`` on the account's default bus ("If you omit
this, the default event bus is used",
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html). An
app's rules almost always listen on its own bus, so the local helpers default to that bus when
the app has exactly one custom bus, keep EventBridge's default bus when it has none, and refuse
to guess among several. After the put they say which rules matched: an event no rule matches is
accepted by EventBridge and delivered nowhere, which is worth knowing in a test. Rules a service
manages (an archive's) are not counted: they deliver to no target.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from serverless_patterns.local import _moto
from serverless_patterns.local.errors import LocalCloudError

if TYPE_CHECKING:
    from serverless_patterns.local.deployment import Deployment

DEFAULT_BUS = "default"


class UnmatchedEventWarning(UserWarning):
    """An event was put on a bus where no enabled rule matches it: EventBridge delivers it nowhere."""


@dataclass(frozen=True)
class PutEventResult:
    """One accepted event: its id, the bus it went to and the rules on that bus that match it.

    Examples
    --------
    >>> PutEventResult("1", "orders", ()).message()
    'no rule on event bus orders matches the event: EventBridge accepted it and delivers it nowhere'
    """

    event_id: str
    bus: str
    matched_rules: tuple[str, ...]

    def message(self) -> str:
        """One line: the rules the event matched, or that none did."""
        if self.matched_rules:
            return f"event {self.event_id} on event bus {self.bus} matches {', '.join(self.matched_rules)}"
        return f"no rule on event bus {self.bus} matches the event: EventBridge accepted it and delivers it nowhere"


def bus_for(deployment: Deployment, bus: str | None) -> str:
    """The bus name to put on: ``bus`` (construct path, logical id, name or ``"default"``), else the app's.

    Without ``bus``: the app's custom bus when it has exactly one, EventBridge's default bus when
    it has none; with several, a :class:`LocalCloudError` naming them.

    Examples
    --------
    >>> from serverless_patterns.local.deployment import Deployment
    >>> bus_for(Deployment([], api_urls={}), None)
    'default'
    """
    if bus is not None:
        return DEFAULT_BUS if bus == DEFAULT_BUS else deployment.event_bus_name(bus)
    buses = deployment.resources("AWS::Events::EventBus")
    if not buses:
        return DEFAULT_BUS
    if len(buses) == 1:
        return buses[0].name
    names = ", ".join(sorted(deployment.short_name(resource) for resource in buses))
    raise LocalCloudError(f"the app has {len(buses)} event buses ({names}): say which one to put the event on")


def put_event(
    client: Any,
    deployment: Deployment,
    source: str,
    detail_type: str,
    detail: Any,
    *,
    bus: str | None = None,
    account: str = "123456789012",
) -> PutEventResult:
    """Put one event with an EventBridge ``client``; return its id, bus and the rules it matches.

    Raises
    ------
    LocalCloudError
        The bus is ambiguous or unknown, or EventBridge refused the entry (with its error).
    """
    bus_name = bus_for(deployment, bus)
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": bus_name}
    response = client.put_events(Entries=[entry])
    result = response["Entries"][0]
    if response.get("FailedEntryCount") or "EventId" not in result:
        raise LocalCloudError(
            f"EventBridge refused the event on bus {bus_name}: {result.get('ErrorCode')} {result.get('ErrorMessage')}"
        )
    event = {
        "version": "0",
        "id": result["EventId"] or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": client.meta.region_name,
        "resources": [],
        "detail": detail,
    }
    matched = []
    for page in client.get_paginator("list_rules").paginate(EventBusName=bus_name):
        for rule in page["Rules"]:
            pattern = rule.get("EventPattern")
            # A rule a service manages (an archive's, ManagedBy set) keeps the event but delivers it to no target.
            if rule.get("ManagedBy") or rule.get("State") != "ENABLED" or not pattern:
                continue
            if _moto.event_pattern_matches(pattern, event):
                matched.append(rule["Name"])
    return PutEventResult(str(result["EventId"]), bus_name, tuple(matched))
