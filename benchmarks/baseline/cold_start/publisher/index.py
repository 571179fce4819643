"""The example's order-placing function written by hand the usual way: an EventBridge client made at import.

It sends ``PutEvents`` in batches of 10 (EventBridge's limit per request) and raises when an entry
was not accepted; what the library's ``event_publisher`` does on top (retrying failed entries,
size checks, the ``EventsNotPublished`` metric) is left out, as it usually is.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

events = boto3.client("events")
EVENT_BUS_NAME = os.environ["EVENT_BUS_NAME"]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    entries = [
        {
            "Source": "shop.orders",
            "DetailType": "OrderPlaced",
            "Detail": json.dumps(order),
            "EventBusName": EVENT_BUS_NAME,
        }
        for order in event["orders"]
    ]
    event_ids: list[str] = []
    for start in range(0, len(entries), 10):
        response = events.put_events(Entries=entries[start : start + 10])
        if response["FailedEntryCount"]:
            raise RuntimeError(f"{response['FailedEntryCount']} events were not published")
        event_ids += [entry["EventId"] for entry in response["Entries"]]
    return {"eventIds": event_ids}
