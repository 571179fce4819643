"""CrudApi next to the article's hand-written UserApiStack, at 1, 10 and 50 entities."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from benchmarks.baseline import crud_api as baseline
from benchmarks.common import markdown_table, ratio, resource_count
from serverless_patterns.crud_api import CrudApi
from serverless_patterns.testing import nag_findings

TITLE = "CrudApi: REST entities on API Gateway, Lambda and DynamoDB"
USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["email", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
    },
}
CLOUDFORMATION_LIMIT = 500
Build = Callable[[cdk.Stack], object]


def ours(entities: int) -> Build:
    def build(stack: cdk.Stack) -> None:
        first = CrudApi(stack, "Users", resource_name="users", id_attribute="userId", schema=USER_SCHEMA)
        for number in range(2, entities + 1):
            CrudApi(
                stack,
                f"Entity{number}",
                api=first.api,
                resource_name=baseline.entity_name(number),
                id_attribute="userId",
                schema=USER_SCHEMA,
            )

    return build


def theirs(entities: int) -> Build:
    def build(stack: cdk.Stack) -> None:
        baseline.user_api_stack(stack, entities)

    return build


def _stack() -> cdk.Stack:
    # aws-cdk-lib refuses stacks over 500 resources at synth; lift that so the hand-written side
    # can be measured at sizes CloudFormation would reject.
    app = cdk.App(context={"@aws-cdk/core:stackResourceLimit": 0})
    return cdk.Stack(app, "Bench", env=cdk.Environment(account="111111111111", region="eu-west-1"))


def _synth(build: Build) -> dict[str, Any]:
    stack = _stack()
    build(stack)
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template


def _synth_seconds(build: Build, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        _synth(build)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _nag(build: Build) -> tuple[int, str]:
    stack = _stack()
    build(stack)
    findings = nag_findings(stack)
    rules: dict[str, int] = {}
    for finding in findings:
        rule = finding.rule.removeprefix("AwsSolutions-")
        rules[rule] = rules.get(rule, 0) + 1
    return len(findings), ", ".join(f"{rule} x{count}" for rule, count in sorted(rules.items()))


def run() -> str:
    _synth(ours(1))  # warm up jsii and the asset folders before measuring
    _synth(theirs(1))
    rows = []
    counts: dict[tuple[str, int], int] = {}
    for entities in (1, 10, 50):
        repeats = 1 if entities == 50 else 5
        ours_seconds = _synth_seconds(ours(entities), repeats)
        theirs_seconds = _synth_seconds(theirs(entities), repeats)
        ours_count = resource_count(_synth(ours(entities)))
        theirs_count = resource_count(_synth(theirs(entities)))
        counts[("ours", entities)] = ours_count
        counts[("theirs", entities)] = theirs_count

        def fits(count: int) -> str:
            return f"{count}" if count <= CLOUDFORMATION_LIMIT else f"{count} (over {CLOUDFORMATION_LIMIT})"

        rows.append(
            [
                entities,
                fits(ours_count),
                fits(theirs_count),
                f"{ours_seconds * 1000:.0f} ms",
                f"{theirs_seconds * 1000:.0f} ms",
                ratio(ours_seconds, theirs_seconds),
            ]
        )
    table = markdown_table(
        [
            "entities",
            "resources (library)",
            "resources (hand-written)",
            "synth (library)",
            "synth (hand-written)",
            "synth ratio",
        ],
        rows,
    )
    ours_first = counts[("ours", 1)]
    theirs_first = counts[("theirs", 1)]
    ours_added = (counts[("ours", 10)] - ours_first) / 9
    theirs_added = (counts[("theirs", 10)] - theirs_first) / 9
    ours_max = 1 + (CLOUDFORMATION_LIMIT - ours_first) // round(ours_added)
    theirs_max = 1 + (CLOUDFORMATION_LIMIT - theirs_first) // round(theirs_added)
    marginal = markdown_table(
        ["", "library", "hand-written"],
        [
            ["resources for the first entity", ours_first, theirs_first],
            ["resources per added entity", f"{ours_added:g}", f"{theirs_added:g}"],
            ["entities in one stack (500 resources)", ours_max, theirs_max],
        ],
    )
    ours_nag, ours_rules = _nag(ours(1))
    theirs_nag, theirs_rules = _nag(theirs(1))
    ours_nag10, _ = _nag(ours(10))
    theirs_nag10, _ = _nag(theirs(10))
    nag = markdown_table(
        ["cdk-nag AwsSolutions findings", "library", "hand-written"],
        [
            ["1 entity", ours_nag, theirs_nag],
            ["10 entities", ours_nag10, theirs_nag10],
            ["rules (1 entity)", ours_rules or "none", theirs_rules],
        ],
    )
    return (
        f"{table}\n\n{marginal}\n\n{nag}\n\n"
        "Both sides define the article's users entity (same schema) and repeat it with other names; one\n"
        "run, one process, medians of 5 synths (1 at 50 entities). aws-cdk-lib refuses a stack over 500\n"
        "resources at synth, so both sides synthesize with that check lifted to be measured at all.\n"
        "The library's first entity carries the shared part: the REST API, its stage, WAF web ACL,\n"
        "account CloudWatch role, access logs, validator, three gateway responses, the read and the\n"
        "write function (role, policy, log group each) with one invoke permission each, and the\n"
        "idempotency table. Each added entity costs its table, two API resources, five methods and a\n"
        "model (two OPTIONS methods more with CORS): the functions are shared, one statement per set of\n"
        "actions lists every table that needs it, so the read role never gets a write action. The\n"
        "hand-written side adds, per entity, four functions with a role and a policy each, eight\n"
        "invoke permissions (one per method plus one for the console's test invoke), two CORS methods\n"
        "and a model. Lambda's 4 KB environment limit bounds one API at roughly 50 entities with\n"
        "short names (`CRUD_TABLES` lists every table); the construct warns at synth beyond that.\n"
    )
