"""A minimal handler used by the construct tests as an asset folder."""

from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return event
