"""JSON Schemas checked at synthesis and compiled to self-contained Python validators with fastjsonschema.

One validator for every construct that validates JSON at runtime. A schema is checked here
(:func:`schema_problems`: every keyword the runtime cannot honour is a problem), then compiled by
:func:`validator_source` into one Python module: the head in
``serverless_patterns/runtime/json_schema_head.py`` followed by the code fastjsonschema generates.
The module needs nothing but the standard library, so an asset or layer ships it as text and the
handler runs it with :func:`exec` once per execution environment; its ``errors(instance)`` returns
``(field, message)`` pairs.

Two dialects:

- ``"2020-12"``: the keywords in :data:`KEYWORDS` (JSON Schema draft 2020-12 minus what
  fastjsonschema, a draft 4/6/7 library, cannot evaluate the 2020-12 way). ``prefixItems``,
  ``dependentRequired``, ``dependentSchemas`` and ``$ref`` with sibling keywords are translated to
  their draft 7 equivalents; ``format`` is an annotation, as 2020-12 says by default.
- ``"draft-04"``: the subset of draft 4 that API Gateway models support (CrudApi checks that
  subset itself); ``format`` asserts ``date``, ``date-time``, ``email``, ``uri`` and ``uuid``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import fastjsonschema

from serverless_patterns._internal.assets import runtime_package

Draft = Literal["draft-04", "2020-12"]

_HEAD = runtime_package("serverless_patterns") / "runtime" / "json_schema_head.py"
_GENERATED_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"
_DRAFT_URIS = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "2020-12": "http://json-schema.org/draft-07/schema#",
}
SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"

ASSERTED_FORMATS = ("date", "date-time", "email", "uri", "uuid")
"""The ``format`` values a ``"draft-04"`` validator checks; other formats are annotations."""

JSON_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")

_SUBSCHEMA = frozenset({"additionalProperties", "items", "contains", "propertyNames", "not", "if", "then", "else"})
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
    }
)
_ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "dependentRequired",
        "$ref",
    }
)
KEYWORDS = _SUBSCHEMA | _SUBSCHEMA_LISTS | _SUBSCHEMA_MAPS | _ANNOTATIONS | _ASSERTIONS
"""The draft 2020-12 keywords a ``"2020-12"`` schema may use."""

_HINTS = {
    "definitions": "use $defs",
    "dependencies": "use dependentRequired or dependentSchemas",
    "additionalItems": "use prefixItems with items",
}
_NON_NEGATIVE_INTEGERS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_LOCAL_REF = re.compile(r"#/\$defs/([^/]+)")


def object_problem(schema: object, what: str = "schema") -> str | None:
    """Why ``schema`` is not a JSON object (a mapping), or ``None`` when it is.

    Examples
    --------
    >>> object_problem({"type": "string"}) is None
    True
    >>> object_problem('{"type": "string"}')
    'schema must be a JSON Schema object (a mapping), got str'
    """
    if isinstance(schema, Mapping):
        return None
    return f"{what} must be a JSON Schema object (a mapping), got {type(schema).__name__}"


def unsupported_keywords(schema: Mapping[str, Any]) -> list[str]:
    """One problem per keyword of ``schema`` outside :data:`KEYWORDS`, naming its JSON pointer.

    Examples
    --------
    >>> unsupported_keywords({"properties": {"tags": {"unevaluatedProperties": False}}})  # doctest: +ELLIPSIS
    ["uses the unsupported keyword 'unevaluatedProperties' at #/properties/tags/unevaluatedProperties (allowed: ...)"]
    """
    problems: list[str] = []
    for pointer, node in _subschemas(schema, "#"):
        if isinstance(node, Mapping):
            for keyword in node:
                if keyword not in KEYWORDS:
                    hint = f"; {_HINTS[keyword]}" if keyword in _HINTS else ""
                    allowed = ", ".join(sorted(KEYWORDS, key=str.lower))
                    problems.append(
                        f"uses the unsupported keyword {keyword!r} at {pointer}/{_escape(str(keyword))} "
                        f"(allowed: {allowed}{hint})"
                    )
    return problems


def schema_problems(schema: object) -> list[str]:
    """Every reason ``schema`` is not a ``"2020-12"`` schema the runtime validator honours (empty when it is).

    Examples
    --------
    >>> schema_problems({"type": "object", "properties": {"n": {"type": "float"}}})  # doctest: +ELLIPSIS
    ["has an unknown type 'float' at #/properties/n/type, allowed: object, array, string, ..., null"]
    >>> schema_problems(["not", "a", "schema"])
    ['must be a JSON Schema object (a mapping), got list']
    """
    problem = object_problem(schema, "")
    if problem is not None:
        return [problem.strip()]
    assert isinstance(schema, Mapping)
    problems = unsupported_keywords(schema)
    for pointer, node in _subschemas(schema, "#"):
        if not isinstance(node, (Mapping, bool)):
            problems.append(f"has a subschema that is not an object or a boolean at {pointer}, got {node!r}")
        elif isinstance(node, Mapping):
            problems += _value_problems(node, pointer, schema)
    return problems or compile_problems(schema, draft="2020-12")


def compile_problems(schema: Mapping[str, Any], *, draft: Draft) -> list[str]:
    """Why fastjsonschema cannot compile ``schema`` (for example a required field no value may hold), if it cannot.

    Examples
    --------
    >>> compile_problems({"required": ["a", "a"]}, draft="2020-12")
    ['cannot be compiled: required must contain unique elements']
    """
    try:
        _generate(schema, draft)
    except fastjsonschema.JsonSchemaDefinitionException as error:
        return [f"cannot be compiled: {str(error).removeprefix('data: ')}"]
    return []


def validator_source(schema: Mapping[str, Any], *, draft: Draft) -> str:
    """The Python module that validates instances against ``schema``: call its ``errors(instance)``.

    Raises ``ValueError`` for a ``"2020-12"`` schema with :func:`schema_problems`.

    Examples
    --------
    >>> source = validator_source({"properties": {"age": {"type": "integer", "minimum": 0}}}, draft="2020-12")
    >>> namespace: dict[str, Any] = {}
    >>> exec(source, namespace)
    >>> namespace["errors"]({"age": -1}), namespace["errors"]({"age": "x"}), namespace["errors"]({"age": 3})
    ([('age', 'must be at least 0')], [('age', 'must be of type integer')], [])
    """
    if draft == "2020-12":
        problems = schema_problems(schema)
        if problems:
            raise ValueError(f"schema {problems[0]}")
    code = _generate(schema, draft)
    if _GENERATED_IMPORT not in code:
        raise RuntimeError(f"fastjsonschema {fastjsonschema.VERSION} generates code this library does not recognise")
    generated = code.replace(_GENERATED_IMPORT, "")
    return f"{_HEAD.read_text()}\n\n# Generated by fastjsonschema from the schema: do not edit.\n{generated}"


def _generate(schema: Mapping[str, Any], draft: Draft) -> str:
    if draft == "2020-12":
        compiled: Any = _to_draft_07(schema)
        formats: dict[str, Any] = {}
    else:
        compiled = _without_annotations(schema)
        # Callables make the generated code call custom_formats[name], which the head passes (FORMATS).
        formats = dict.fromkeys(ASSERTED_FORMATS, str.isascii)
    if isinstance(compiled, Mapping):
        compiled = {**compiled, "$schema": _DRAFT_URIS[draft]}
    else:
        compiled = {"allOf": [compiled], "$schema": _DRAFT_URIS[draft]}
    code: str = fastjsonschema.compile_to_code(
        compiled, formats=formats, use_default=False, use_formats=draft == "draft-04", fast_fail=False
    )
    return code


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _subschemas(node: Any, pointer: str) -> list[tuple[str, Any]]:
    """``node`` and every subschema in it, each with its JSON pointer (values of ``enum`` are data, not schemas)."""
    found: list[tuple[str, Any]] = [(pointer, node)]
    if not isinstance(node, Mapping):
        return found
    for keyword, value in node.items():
        here = f"{pointer}/{_escape(str(keyword))}"
        if keyword in _SUBSCHEMA and not (keyword == "items" and isinstance(value, list)):
            found += _subschemas(value, here)
        elif keyword in _SUBSCHEMA_LISTS and isinstance(value, list):
            for index, item in enumerate(value):
                found += _subschemas(item, f"{here}/{index}")
        elif keyword in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            for name, item in value.items():
                found += _subschemas(item, f"{here}/{_escape(str(name))}")
    return found


def _value_problems(node: Mapping[str, Any], pointer: str, root: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []

    def bad(keyword: str, allowed: str) -> None:
        problems.append(f"has {keyword} {node[keyword]!r} at {pointer}/{_escape(keyword)}: {allowed}")

    if "type" in node:
        kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
        unknown = [kind for kind in kinds if kind not in JSON_TYPES]
        if unknown or not kinds:
            problems.append(
                f"has an unknown type {(unknown or [None])[0]!r} at {pointer}/type, allowed: {', '.join(JSON_TYPES)}"
            )
    for keyword in _NON_NEGATIVE_INTEGERS:
        value = node.get(keyword)
        if keyword in node and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            bad(keyword, "must be a non-negative integer")
    for keyword in _NUMBERS:
        value = node.get(keyword)
        if keyword in node and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            bad(keyword, "must be a number")
        elif keyword == "multipleOf" and value is not None and value <= 0:
            bad(keyword, "must be greater than 0")
    if "uniqueItems" in node and not isinstance(node["uniqueItems"], bool):
        bad("uniqueItems", "must be true or false")
    if "enum" in node and not isinstance(node["enum"], list):
        bad("enum", "must be a list")
    if "required" in node and not _strings(node["required"]):
        bad("required", "must be a list of property names")
    required = node.get("dependentRequired")
    if required is not None and not (isinstance(required, Mapping) and all(map(_strings, required.values()))):
        bad("dependentRequired", "must map property names to lists of property names")
    if "items" in node and isinstance(node["items"], list):
        bad("items", "must be one schema (an item list is prefixItems in draft 2020-12)")
    for keyword in ("allOf", "anyOf", "oneOf", "prefixItems"):
        if keyword in node and (not isinstance(node[keyword], list) or not node[keyword]):
            bad(keyword, "must be a non-empty list of schemas")
    for keyword in ("properties", "patternProperties", "$defs", "dependentSchemas"):
        if keyword in node and not isinstance(node[keyword], Mapping):
            bad(keyword, "must be an object of schemas")
    patterns = [("pattern", node["pattern"])] if "pattern" in node else []
    patterns += [("patternProperties", name) for name in node.get("patternProperties") or {}]
    for keyword, pattern in patterns:
        try:
            re.compile(pattern)
        except (re.error, TypeError):
            problems.append(
                f"has a {keyword} {pattern!r} at {pointer}/{keyword} that is not a valid (Python) regular expression"
            )
    if "$ref" in node:
        problems += _ref_problems(node["$ref"], pointer, root)
    if pointer != "#":
        for keyword in ("$defs", "$schema"):
            if keyword in node:
                problems.append(f"has {keyword} at {pointer}/{_escape(keyword)}: it is only allowed at the top level")
    elif "$schema" in node and str(node["$schema"]).rstrip("#") != SCHEMA_2020_12:
        bad("$schema", f"only {SCHEMA_2020_12!r} is supported")
    return problems


def _ref_problems(ref: object, pointer: str, root: Mapping[str, Any]) -> list[str]:
    found = _LOCAL_REF.fullmatch(ref) if isinstance(ref, str) else None
    if found is None:
        return [f"has an unsupported $ref {ref!r} at {pointer}/$ref: only '#/$defs/<name>' is supported"]
    name = found.group(1)
    definitions = root.get("$defs")
    if not (isinstance(definitions, Mapping) and name.replace("~1", "/").replace("~0", "~") in definitions):
        return [f"has a $ref {ref!r} at {pointer}/$ref to a definition that does not exist in $defs"]
    return []


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _to_draft_07(node: Any) -> Any:
    """A checked 2020-12 schema as the equivalent draft 7 schema, annotations removed."""
    if not isinstance(node, Mapping):
        return node
    result: dict[str, Any] = {}
    dependencies: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword in _SUBSCHEMA:
            result[keyword] = _to_draft_07(value)
        elif keyword in _SUBSCHEMA_LISTS:
            result["items" if keyword == "prefixItems" else keyword] = [_to_draft_07(item) for item in value]
        elif keyword == "dependentSchemas":
            for name, item in value.items():
                # fastjsonschema skips a boolean schema under dependencies: spell false and true out.
                spelled = {"not": {}} if item is False else {} if item is True else _to_draft_07(item)
                dependencies[name] = _both(dependencies.get(name), spelled)
        elif keyword == "dependentRequired":
            for name, names in value.items():
                dependencies[name] = _both(dependencies.get(name), {"required": list(names)})
        elif keyword in _SUBSCHEMA_MAPS:
            result[keyword] = {name: _to_draft_07(item) for name, item in value.items()}
        else:
            result[keyword] = value
    if "prefixItems" in node:
        # 2020-12 items after prefixItems applies to the remaining items: draft 7's additionalItems.
        result.pop("items", None)
        result["items"] = [_to_draft_07(item) for item in node["prefixItems"]]
        if "items" in node:
            result["additionalItems"] = _to_draft_07(node["items"])
    if dependencies:
        result["dependencies"] = {
            name: value["required"] if isinstance(value, Mapping) and set(value) == {"required"} else value
            for name, value in dependencies.items()
        }
    if "$ref" in result and len(result) > 1:
        # Draft 7 ignores the siblings of $ref; 2020-12 applies them: the same as allOf with the reference.
        result["allOf"] = [{"$ref": result.pop("$ref")}, *result.get("allOf", [])]
    return result


def _both(first: Any, second: Any) -> Any:
    return second if first is None else {"allOf": [first, second]}


def _without_annotations(node: Any) -> Any:
    """A draft 4 schema without annotations (and formats the runtime does not assert), for compiling."""
    if isinstance(node, list):
        return [_without_annotations(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    result: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in ("title", "description", "default", "examples", "$comment"):
            continue
        if keyword == "format" and value not in ASSERTED_FORMATS:
            continue
        if keyword in ("properties", "patternProperties", "definitions"):
            result[keyword] = {name: _without_annotations(item) for name, item in value.items()}
        elif keyword in ("enum", "const", "required"):
            result[keyword] = value
        else:
            result[keyword] = _without_annotations(value)
    return result
