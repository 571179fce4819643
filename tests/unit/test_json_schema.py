"""The compiled validators agree with the reference implementation (jsonschema) on every accepted keyword.

Hypothesis draws schemas from the accepted keywords and JSON instances, and compares the generated
validator's verdict with ``jsonschema``'s: Draft202012Validator for the ``"2020-12"`` dialect
(EventFanout) and Draft4Validator for the ``"draft-04"`` subset (CrudApi). Unsupported keywords are
rejected with the JSON pointer of the keyword.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from serverless_patterns._internal.json_schema import (
    KEYWORDS,
    object_problem,
    schema_problems,
    unsupported_keywords,
    validator_source,
)
from serverless_patterns.crud_api.schema import SUPPORTED_KEYWORDS as CRUD_KEYWORDS
from serverless_patterns.runtime.crud_api.validator import schema_errors as crud_schema_errors
from tests.hypothesis_budget import examples

Errors = Callable[[Any], list[tuple[str, str]]]

NAMES = st.sampled_from(["a", "b", "c", "x1"])
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from([0.0, 1.0, 2.5, -1.5, 1e300, 0.1])
STRINGS = st.text(alphabet="ab1 -@.", max_size=5)
INSTANCES = st.recursive(
    SCALARS | STRINGS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NAMES | STRINGS, children, max_size=4),
    max_leaves=12,
)
SMALL = st.integers(0, 4)
NUMBER = st.integers(-3, 3) | st.sampled_from([0.5, 1.5, -2.5, 2.0])
PATTERNS = st.sampled_from(["^a", "b$", "[0-9]", "^$", "a|b", "^[a-z]+$", "\\d"])
TYPES = st.sampled_from(["object", "array", "string", "number", "integer", "boolean", "null"])


@cache
def _compile(text: str, draft: str) -> Errors:
    namespace: dict[str, Any] = {}
    exec(validator_source(json.loads(text), draft=draft), namespace)  # type: ignore[arg-type]
    errors: Errors = namespace["errors"]
    return errors


def _errors(schema: dict[str, Any], draft: str) -> Errors:
    return _compile(json.dumps(schema, sort_keys=True), draft)


def _assertions(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """One keyword each, of every 2020-12 keyword the runtime accepts (``$ref`` and ``$defs`` aside)."""
    return st.one_of(
        st.builds(lambda kind: {"type": kind}, TYPES | st.lists(TYPES, min_size=1, max_size=3, unique=True)),
        st.builds(lambda values: {"enum": values}, st.lists(INSTANCES, max_size=3)),
        st.builds(lambda value: {"const": value}, INSTANCES),
        st.builds(lambda value: {"multipleOf": value}, st.sampled_from([1, 2, 3, 0.5, 0.1, 2.5])),
        *[st.builds(lambda value, key=key: {key: value}, NUMBER) for key in ("minimum", "maximum")],
        *[st.builds(lambda value, key=key: {key: value}, NUMBER) for key in ("exclusiveMinimum", "exclusiveMaximum")],
        *[
            st.builds(lambda value, key=key: {key: value}, SMALL)
            for key in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
        ],
        st.builds(lambda value: {"pattern": value}, PATTERNS),
        st.builds(lambda value: {"uniqueItems": value}, st.booleans()),
        st.builds(lambda value: {"required": value}, st.lists(NAMES, max_size=3, unique=True)),
        st.builds(
            lambda value: {"dependentRequired": value},
            st.dictionaries(NAMES, st.lists(NAMES, max_size=2, unique=True), max_size=2),
        ),
        st.builds(lambda value: {"properties": value}, st.dictionaries(NAMES, children, max_size=3)),
        st.builds(lambda value: {"patternProperties": value}, st.dictionaries(PATTERNS, children, max_size=2)),
        st.builds(lambda value: {"additionalProperties": value}, children),
        st.builds(lambda value: {"propertyNames": value}, children),
        st.builds(lambda value: {"dependentSchemas": value}, st.dictionaries(NAMES, children, max_size=2)),
        st.builds(lambda value: {"items": value}, children),
        st.builds(lambda value: {"prefixItems": value}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda value: {"contains": value}, children),
        *[
            st.builds(lambda value, key=key: {key: value}, st.lists(children, min_size=1, max_size=3))
            for key in ("allOf", "anyOf", "oneOf")
        ],
        st.builds(lambda value: {"not": value}, children),
        st.builds(lambda value: {"if": value}, children),
        st.builds(lambda value: {"then": value}, children),
        st.builds(lambda value: {"else": value}, children),
        st.builds(lambda value: {"format": value}, st.sampled_from(["email", "date", "uuid"])),
        st.just({"title": "t", "description": "d", "default": 1, "examples": [1], "$comment": "c"}),
        st.just({"$ref": "#/$defs/positive"}),
    )


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


SUBSCHEMAS = st.recursive(
    st.booleans() | st.just({}),
    lambda children: st.lists(_assertions(children), min_size=1, max_size=3).map(_merged),
    max_leaves=6,
)
DEFS = {"positive": {"type": "number", "exclusiveMinimum": 0}}
SCHEMAS_2020_12 = st.lists(_assertions(SUBSCHEMAS), min_size=1, max_size=4).map(
    lambda parts: {**_merged(parts), "$defs": DEFS}
)


def _agree_2020_12(schema: dict[str, Any], instance: Any) -> None:
    # fastjsonschema refuses some unsatisfiable schemas (a required field that additionalProperties forbids).
    assume(not any(problem.startswith("cannot be compiled") for problem in schema_problems(schema)))
    assert schema_problems(schema) == []
    expected = jsonschema.Draft202012Validator(schema).is_valid(instance)
    got = _errors(schema, "2020-12")(instance)
    assert (not got) == expected, (schema, instance, got)


@settings(max_examples=examples(200, deep=500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS_2020_12, instance=INSTANCES)
def test_2020_12_validator_agrees_with_jsonschema(schema: dict[str, Any], instance: Any) -> None:
    _agree_2020_12(schema, instance)


@settings(max_examples=examples(100, deep=300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS_2020_12, data=st.data())
def test_2020_12_validator_agrees_on_instances_that_pass(schema: dict[str, Any], data: st.DataObject) -> None:
    # Random instances mostly fail at the first keyword; also compare on instances built to pass it.
    validator = jsonschema.Draft202012Validator(schema)
    instance = data.draw(INSTANCES.filter(validator.is_valid), label="instance") if _satisfiable(schema) else None
    _agree_2020_12(schema, instance)


def _satisfiable(schema: dict[str, Any]) -> bool:
    validator = jsonschema.Draft202012Validator(schema)
    return any(validator.is_valid(value) for value in [None, True, 0, 1, 1.5, "", "a", [], [1], {}, {"a": 1}])


# The draft 4 subset CrudApi accepts, compared with Draft4Validator (formats: examples below).
CRUD_SUBSCHEMAS: st.SearchStrategy[dict[str, Any]] = st.recursive(
    st.just({}),
    lambda children: st.lists(
        st.one_of(
            st.builds(lambda kind: {"type": kind}, TYPES | st.lists(TYPES, min_size=1, max_size=2, unique=True)),
            st.builds(lambda values: {"enum": values}, st.lists(SCALARS | STRINGS, min_size=1, max_size=3)),
            *[
                st.builds(lambda value, key=key: {key: value}, SMALL)
                for key in ("minLength", "maxLength", "minItems", "maxItems")
            ],
            st.builds(
                lambda value, exclusive: {"minimum": value, "exclusiveMinimum": exclusive}, NUMBER, st.booleans()
            ),
            st.builds(
                lambda value, exclusive: {"maximum": value, "exclusiveMaximum": exclusive}, NUMBER, st.booleans()
            ),
            st.builds(lambda value: {"pattern": value}, PATTERNS),
            st.builds(
                lambda value, names, closed: {
                    "properties": value,
                    "required": sorted(set(names) & set(value)),
                    "additionalProperties": not closed,
                },
                st.dictionaries(NAMES, children, max_size=3),
                st.lists(NAMES, max_size=3),
                st.booleans(),
            ),
            st.builds(lambda value: {"items": value}, children),
            st.just({"title": "t", "description": "d"}),
        ),
        min_size=1,
        max_size=3,
    ).map(_merged),
    max_leaves=6,
)


def _decimals(value: Any) -> Any:
    """``value`` as the CrudApi handler parses it (JSON floats as ``Decimal``)."""
    return json.loads(json.dumps(value), parse_float=Decimal)


@settings(max_examples=examples(800, deep=3000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=CRUD_SUBSCHEMAS, instance=INSTANCES)
def test_draft_04_validator_agrees_with_jsonschema(schema: dict[str, Any], instance: Any) -> None:
    assert set().union(*(set(node) for node in _nodes(schema))) <= CRUD_KEYWORDS
    if any(isinstance(leaf, float) and math.isinf(leaf) for leaf in _leaves(instance)):
        return
    expected = jsonschema.Draft4Validator(schema).is_valid(instance)
    errors = _errors(schema, "draft-04")
    assert (not errors(instance)) == expected, (schema, instance, errors(instance))
    # The handler parses JSON floats as Decimal and validates them as JSON numbers.
    source = validator_source(schema, draft="draft-04")
    assert (not crud_schema_errors(_decimals(instance), source)) == expected, (schema, instance)


def _nodes(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [schema]
    for child in schema.get("properties", {}).values():
        found += _nodes(child)
    if "items" in schema:
        found += _nodes(schema["items"])
    return found


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


@pytest.mark.parametrize(
    ("form", "valid", "invalid"),
    [
        ("email", ["ada@example.com", "a.b@c.io"], ["ada", "ada@example", "a b@c.io", "@example.com"]),
        ("date", ["2024-02-29"], ["2023-02-29", "2024-2-1", "2024-02-29T00:00:00Z"]),
        ("date-time", ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123+02:00"], ["2024-01-02", "2024-01-02T03:04"]),
        ("uri", ["https://example.com/a?b=1", "urn:isbn:1"], ["example.com", "http://a b"]),
        ("uuid", ["0f0e0d0c-0000-4000-8000-000000000000"], ["0f0e0d0c00004000800000000000000", "x"]),
    ],
)
def test_draft_04_formats_are_asserted(form: str, valid: list[str], invalid: list[str]) -> None:
    errors = _errors({"properties": {"f": {"type": "string", "format": form}}}, "draft-04")
    assert [value for value in valid if errors({"f": value})] == []
    assert [errors({"f": value}) for value in invalid] == [[("f", f"must be a valid {form}")]] * len(invalid)


def test_draft_04_formats_outside_the_list_are_annotations() -> None:
    assert _errors({"type": "string", "format": "hostname"}, "draft-04")("not a host name") == []


def test_2020_12_formats_are_annotations() -> None:
    assert _errors({"type": "string", "format": "email"}, "2020-12")("not an email") == []


def test_errors_name_every_broken_field() -> None:
    schema = {
        "type": "object",
        "required": ["id", "name"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
        },
    }
    errors = _errors(schema, "2020-12")
    assert errors({"age": -1, "tags": ["ok", "long", 5], "extra": 1, "more": 2}) == [
        ("id", "is required"),
        ("name", "is required"),
        ("age", "must be at least 0"),
        ("tags[1]", "must be at most 3 characters long"),
        ("tags[2]", "must be of type string"),
        ("extra", "is not an allowed field"),
        ("more", "is not an allowed field"),
    ]


def test_draft_04_exclusive_bounds_are_booleans() -> None:
    errors = _errors({"type": "number", "minimum": 0, "exclusiveMinimum": True}, "draft-04")
    assert errors(0) == [("", "must be greater than 0")]
    assert errors(Decimal("0.5")) == []


def test_prefix_items_and_dependent_keywords_are_translated() -> None:
    errors = _errors(
        {
            "prefixItems": [{"type": "string"}],
            "items": {"type": "integer"},
            "dependentRequired": {"a": ["b"]},
            "dependentSchemas": {"d": {"required": ["c"]}},
        },
        "2020-12",
    )
    assert errors(["x", 1, 2]) == []
    assert errors(["x", "y"]) == [("[1]", "must be of type integer")]
    assert errors({"a": 1, "d": 1}) == [("b", "is required when a is present"), ("c", "is required when d is present")]


def test_ref_siblings_apply_as_in_2020_12() -> None:
    errors = _errors({"$defs": DEFS, "$ref": "#/$defs/positive", "maximum": 10}, "2020-12")
    assert errors(5) == []
    assert errors(11) == [("", "must be at most 10")]
    assert errors(0) == [("", "must be greater than 0")]


@pytest.mark.parametrize(
    "keyword",
    sorted(
        {
            "unevaluatedProperties",
            "unevaluatedItems",
            "minContains",
            "maxContains",
            "$dynamicRef",
            "$anchor",
            "$id",
            "definitions",
            "dependencies",
            "additionalItems",
            "contentMediaType",
            "nullable",
        }
    ),
)
def test_unsupported_keywords_are_rejected_with_their_pointer(keyword: str) -> None:
    schema = {"properties": {"a/b": {"items": {keyword: {}}}}}
    (problem,) = unsupported_keywords(schema)
    assert problem.startswith(f"uses the unsupported keyword {keyword!r} at #/properties/a~1b/items/{keyword} (")
    assert "allowed: $comment, $defs, $ref" in problem
    assert keyword not in KEYWORDS
    assert problem in schema_problems(schema)
    with pytest.raises(ValueError, match="unsupported keyword"):
        validator_source(schema, draft="2020-12")


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"$ref": "https://example.com/a.json"}, "has an unsupported $ref 'https://example.com/a.json' at #/$ref"),
        ({"$ref": "#/$defs/missing"}, "has a $ref '#/$defs/missing' at #/$ref to a definition that does not exist"),
        ({"items": [{}]}, "has items [{}] at #/items: must be one schema"),
        ({"properties": {"a": {"minLength": -1}}}, "has minLength -1 at #/properties/a/minLength"),
        ({"multipleOf": 0}, "has multipleOf 0 at #/multipleOf: must be greater than 0"),
        ({"pattern": "("}, "has a pattern '(' at #/pattern that is not a valid (Python) regular expression"),
        ({"not": {"$defs": {}}}, "has $defs at #/not/$defs: it is only allowed at the top level"),
        ({"$schema": "http://json-schema.org/draft-07/schema#"}, "has $schema 'http://json-schema.org/draft-07/"),
        ({"anyOf": [1]}, "has a subschema that is not an object or a boolean at #/anyOf/0, got 1"),
    ],
)
def test_fails_when_a_schema_breaks_a_rule(schema: dict[str, Any], problem: str) -> None:
    problems = schema_problems(schema)
    assert any(found.startswith(problem) for found in problems), problems


@pytest.mark.parametrize("schema", ['{"type": "object"}', ["type"], None, True])
def test_a_schema_that_is_not_a_mapping_is_a_problem_not_a_crash(schema: Any) -> None:
    assert object_problem(schema) == f"schema must be a JSON Schema object (a mapping), got {type(schema).__name__}"
    assert schema_problems(schema) == [f"must be a JSON Schema object (a mapping), got {type(schema).__name__}"]


def test_the_generated_validator_needs_only_the_standard_library() -> None:
    source = validator_source({"properties": {"a": {"type": "string", "format": "email"}}}, draft="draft-04")
    imported = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= {"__future__", "json", "re", "collections.abc", "datetime", "typing", "uuid", "decimal"}
