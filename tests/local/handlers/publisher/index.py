"""Publishes an OrderPlaced event through the EventFanout publisher layer (``attach_publisher``)."""

from event_publisher import Event, publish


def handler(event, context):
    return publish([Event(source="shop", detail_type="OrderPlaced", detail=event)])
