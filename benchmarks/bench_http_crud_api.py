"""HttpCrudApi next to CrudApi and a hand-written HTTP API, at 1, 10 and 50 entities, in one run."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk

from benchmarks.baseline import crud_api as rest_baseline
from benchmarks.baseline import http_crud_api as http_baseline
from benchmarks.bench_crud_api import CLOUDFORMATION_LIMIT, USER_SCHEMA, _nag, _synth, _synth_seconds
from benchmarks.bench_crud_api import ours as rest_library
from benchmarks.common import markdown_table, resource_count
from serverless_patterns.crud_api import HttpCrudApi

TITLE = "HttpCrudApi: the same entities on an HTTP API, beside CrudApi and a hand-written HTTP API"
Build = Callable[[cdk.Stack], object]


def http_library(entities: int) -> Build:
    def build(stack: cdk.Stack) -> None:
        first = HttpCrudApi(stack, "Users", resource_name="users", id_attribute="userId", schema=USER_SCHEMA)
        for number in range(2, entities + 1):
            first.api.add_resource(
                f"Entity{number}",
                resource_name=rest_baseline.entity_name(number),
                id_attribute="userId",
                schema=USER_SCHEMA,
            )

    return build


def http_hand_written(entities: int) -> Build:
    def build(stack: cdk.Stack) -> None:
        http_baseline.user_http_api_stack(stack, entities)

    return build


SIDES: dict[str, Callable[[int], Build]] = {
    "HttpCrudApi": http_library,
    "CrudApi (REST)": rest_library,
    "hand-written HTTP API": http_hand_written,
}


def run() -> str:
    for side in SIDES.values():
        _synth(side(1))  # warm up jsii and the asset folders before measuring
    counts: dict[tuple[str, int], int] = {}
    seconds: dict[tuple[str, int], float] = {}
    for entities in (1, 10, 50):
        repeats = 1 if entities == 50 else 5
        for name, side in SIDES.items():
            seconds[(name, entities)] = _synth_seconds(side(entities), repeats)
            counts[(name, entities)] = resource_count(_synth(side(entities)))
    names = list(SIDES)
    rows: list[list[object]] = []
    for entities in (1, 10, 50):
        rows.append(
            [
                entities,
                *(counts[(name, entities)] for name in names),
                *(f"{seconds[(name, entities)] * 1000:.0f} ms" for name in names),
            ]
        )
    table = markdown_table(
        ["entities", *(f"resources ({name})" for name in names), *(f"synth ({name})" for name in names)], rows
    )
    first = {name: counts[(name, 1)] for name in names}
    added = {name: (counts[(name, 10)] - first[name]) / 9 for name in names}
    fits = {name: 1 + (CLOUDFORMATION_LIMIT - first[name]) // max(1, round(added[name])) for name in names}
    nag = {name: _nag(SIDES[name](1)) for name in names}
    marginal = markdown_table(
        ["", *names],
        [
            ["resources for the first entity", *(first[name] for name in names)],
            ["resources per added entity", *(f"{added[name]:g}" for name in names)],
            ["entities in one stack (500 resources)", *(fits[name] for name in names)],
            ["cdk-nag findings (1 entity)", *(nag[name][0] for name in names)],
        ],
    )
    return (
        f"{table}\n\n{marginal}\n\n"
        "One run, one process, medians of 5 synths (1 at 50 entities); the same users schema repeated\n"
        "under other names. HttpCrudApi's first entity carries the HTTP API, its stage (access logs,\n"
        "throttling, detailed metrics), the two shared functions (role, policy, log group each) with\n"
        "one Lambda integration and one invoke permission each, and the idempotency table; each added\n"
        "entity costs its table and five routes. CrudApi's REST API adds a WAF web ACL, validator,\n"
        "gateway responses and a model per entity. The hand-written HTTP API has four functions per\n"
        "entity, each with a role, a policy, an integration and a permission per route, and no access\n"
        "logs. Lambda's 4 KB environment bounds one API at roughly 50 entities with short names.\n"
    )
