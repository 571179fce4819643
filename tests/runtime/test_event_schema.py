"""The publisher's compiled validators agree with the reference implementation (jsonschema) on an order schema.

tests/unit/test_json_schema.py compares them keyword by keyword; this is the publisher's view.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from serverless_patterns._internal.json_schema import validator_source
from serverless_patterns.runtime.event_publisher import schema_errors

ORDER = {
    "$defs": {
        "item": {
            "type": "object",
            "required": ["sku", "quantity"],
            "properties": {"quantity": {"type": "integer", "exclusiveMinimum": 0}},
        }
    },
    "type": "object",
    "required": ["orderId", "amount", "items"],
    "additionalProperties": False,
    "properties": {
        "orderId": {"type": "string", "pattern": "^o-[0-9]+$"},
        "amount": {"type": "number", "minimum": 0, "multipleOf": 0.01},
        "currency": {"enum": ["EUR", "USD"]},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "uniqueItems": True,
            "items": {"$ref": "#/$defs/item"},
        },
        "note": {"type": ["string", "null"], "maxLength": 5},
        "channel": {"anyOf": [{"const": "web"}, {"type": "string", "minLength": 4}]},
        "priority": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]},
        "region": {"not": {"const": "moon"}},
        "tags": {"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "string"}},
    },
}

ORDER_VALIDATOR = validator_source(ORDER, draft="2020-12")
ITEM = {"sku": "a", "quantity": 1}
CASES: list[dict[str, Any]] = [
    {"orderId": "o-1", "amount": 10.5, "items": [ITEM]},
    {"orderId": "o-1", "amount": 10.5, "items": [ITEM], "currency": "EUR", "note": None, "channel": "web"},
    {"orderId": "x-1", "amount": 10.5, "items": [ITEM]},
    {"orderId": "o-1", "amount": -1, "items": [ITEM]},
    {"orderId": "o-1", "amount": True, "items": [ITEM]},
    {"orderId": "o-1", "amount": 1.005, "items": [ITEM]},
    {"orderId": "o-1", "items": [ITEM]},
    {"orderId": "o-1", "amount": 1, "items": []},
    {"orderId": "o-1", "amount": 1, "items": [ITEM, ITEM]},
    {
        "orderId": "o-1",
        "amount": 1,
        "items": [ITEM, {"sku": "b", "quantity": 2}, {"sku": "c", "quantity": 3}, {"sku": "d", "quantity": 4}],
    },
    {"orderId": "o-1", "amount": 1, "items": [{"sku": "a", "quantity": 0}]},
    {"orderId": "o-1", "amount": 1, "items": [{"sku": "a", "quantity": 1.5}]},
    {"orderId": "o-1", "amount": 1, "items": [{"quantity": 1}]},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "currency": "GBP"},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "note": "too long"},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "note": 5},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "channel": "app"},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "channel": "mobile"},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "priority": 12},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "priority": 3},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "priority": 12.5},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "region": "moon"},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "tags": {}},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "tags": {"a": "1", "b": "2", "c": "3"}},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "tags": {"a": 1}},
    {"orderId": "o-1", "amount": 1, "items": [ITEM], "unknown": 1},
    ["not", "an", "object"],
]


@pytest.mark.parametrize("instance", CASES)
def test_agrees_with_jsonschema(instance: Any) -> None:
    expected_valid = jsonschema.Draft202012Validator(ORDER).is_valid(instance)
    errors = schema_errors(instance, ORDER_VALIDATOR)
    assert (not errors) == expected_valid, errors


def test_errors_name_the_path_and_the_problem() -> None:
    errors = schema_errors({"orderId": "o-1", "amount": 1, "items": [{"sku": "a", "quantity": 0}]}, ORDER_VALIDATOR)
    assert errors == ["$.items[0].quantity: must be greater than 0"]


def test_every_broken_rule_is_reported() -> None:
    errors = schema_errors({"orderId": "x", "items": [], "unknown": 1}, ORDER_VALIDATOR)
    assert errors == [
        "$.amount: is required",
        "$.orderId: must match the pattern ^o-[0-9]+$",
        "$.items: must have at least 1 items",
        "$.unknown: is not an allowed field",
    ]


def test_false_schema_rejects_everything() -> None:
    validator = validator_source({"properties": {"legacy": False}}, draft="2020-12")
    assert schema_errors({"legacy": 1}, validator) == ["$.legacy: is not allowed"]


def test_root_errors_name_the_detail_itself() -> None:
    assert schema_errors(["not", "an", "object"], ORDER_VALIDATOR)[0] == "$: must be of type object"


def test_keywords_the_old_validator_ignored_are_enforced() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^x-": {"type": "string"}},
        "if": {"required": ["refund"]},
        "then": {"required": ["reason"]},
        "dependentSchemas": {"coupon": {"required": ["campaign"]}},
        "properties": {"pair": {"prefixItems": [{"type": "string"}, {"type": "integer"}]}},
    }
    validator = validator_source(schema, draft="2020-12")
    assert schema_errors({"x-a": "ok", "pair": ["a", 1]}, validator) == []
    assert schema_errors({"x-a": 1, "refund": True, "coupon": "c", "pair": [1, "a"]}, validator) == [
        "$.campaign: is required when coupon is present",
        "$.pair[0]: must be of type string",
        "$.pair[1]: must be of type integer",
        "$.x-a: must be of type string",
        "$.reason: is required",
    ]
