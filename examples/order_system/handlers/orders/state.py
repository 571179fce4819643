"""The order workflow's state: one DynamoDB table (``WORKFLOW_TABLE``) with typed keys.

Keys: ``stock#<sku>`` (available units), ``payment#<orderId>``, ``reservation#<orderId>``,
``notification#<orderId>`` and ``event#<orderId>#<handler>`` (what the event handlers did).

One low-level DynamoDB client, made once per execution environment when a handler module that
uses the table is imported. A ``boto3.resource`` would also load and build DynamoDB's resource
model on every cold start, for nothing these handlers need; :func:`attributes` and :func:`plain`
convert between plain values and DynamoDB's attribute values instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

dynamodb = boto3.client("dynamodb")
TABLE = os.environ["WORKFLOW_TABLE"]
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values (an item, a key, expression values) as DynamoDB attribute values."""
    return {name: _serializer.serialize(value) for name, value in values.items()}


def plain(stored: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values as plain values (numbers become ``Decimal``)."""
    return {name: _deserializer.deserialize(value) for name, value in stored.items()}
