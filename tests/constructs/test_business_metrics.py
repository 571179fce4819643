"""Business metrics: what each construct's runtime code counts, and the dashboard row LambdaAlarms gives them."""

from __future__ import annotations

import json

from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from serverless_patterns import (
    CrudApi,
    EventFanout,
    FanoutRoute,
    LambdaAlarms,
    SagaStep,
    SagaWorkflow,
    ServerlessFunction,
)
from serverless_patterns.runtime.crud_api import contract as crud_contract
from serverless_patterns.runtime.event_publisher import contract as publisher_contract

from .stacks import ECHO, new_stack

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


def test_crud_api_metrics_are_the_write_functions_powertools_metrics() -> None:
    stack = new_stack()
    api = CrudApi(stack, "Users", resource_name="users", schema=SCHEMA).api
    metrics = api.business_metrics()
    assert [metric.metric_name for metric in metrics] == list(crud_contract.BUSINESS_METRICS)
    for metric in metrics:
        assert metric.namespace == "ServerlessPatterns"
        assert metric.dimensions == {"service": "Api-write"}
        assert metric.statistic == "Sum"


def test_the_publisher_metric_follows_the_namespace_of_each_attached_function() -> None:
    stack = new_stack()
    route = FanoutRoute(name="All", event_pattern=events.EventPattern(source=["shop"]), targets=[sqs.Queue(stack, "Q")])
    fanout = EventFanout(stack, "Orders", routes=[route])
    assert [metric.namespace for metric in fanout.metric_events_not_published()] == ["ServerlessPatterns"]
    fanout.attach_publisher(ServerlessFunction(stack, "A", entry=ECHO, metrics_namespace="Shop"))
    fanout.attach_publisher(ServerlessFunction(stack, "B", entry=ECHO, metrics_namespace="Shop"))
    (metric,) = fanout.metric_events_not_published()
    assert (metric.namespace, metric.metric_name) == ("Shop", publisher_contract.EVENTS_NOT_PUBLISHED_METRIC)
    assert set(metric.dimensions or {}) == {"EventBusName"}


def test_saga_compensations_sum_the_starts_of_each_compensation_function_once() -> None:
    stack = new_stack()
    pay, refund, ship, unship = (
        lambda_.Function.from_function_name(stack, name, name) for name in ("pay", "refund", "ship", "unship")
    )
    steps = [
        SagaStep(name="pay", function=pay, compensation=refund),
        SagaStep(name="ship", function=ship, compensation=refund),
        SagaStep(name="notify", function=ship, compensation=unship),  # the last one's compensation never runs
    ]
    metric = SagaWorkflow(stack, "Saga", steps=steps).metric_compensations()
    assert metric is not None
    assert metric.expression == "m0"
    (started,) = metric.using_metrics.values()
    assert (started.namespace, started.metric_name) == ("AWS/States", "LambdaFunctionsStarted")
    assert set(started.dimensions or {}) == {"LambdaFunctionArn"}


def test_a_saga_without_compensation_functions_has_no_compensation_metric() -> None:
    stack = new_stack()
    step = SagaStep(name="only", function=lambda_.Function.from_function_name(stack, "Fn", "fn"))
    saga = SagaWorkflow(stack, "Saga", steps=[step])
    assert saga.metric_compensations() is None
    assert saga.business_metrics() == []


def test_the_dashboard_has_a_business_metrics_row_per_reporting_construct() -> None:
    stack = new_stack()
    CrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    pay, refund = (lambda_.Function.from_function_name(stack, name, name) for name in ("pay", "refund"))
    steps = [SagaStep(name="pay", function=pay, compensation=refund), SagaStep(name="ship", function=pay)]
    SagaWorkflow(stack, "Saga", steps=steps)
    LambdaAlarms.for_scope(stack, "Alarms", stack)
    body = json.dumps(Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard"))
    assert "Users/Api: business metrics" in body
    assert "Saga: business metrics" in body
    for name in (*crud_contract.BUSINESS_METRICS, "LambdaFunctionsStarted", "Compensations"):
        assert name in body


def test_no_business_row_without_a_dashboard() -> None:
    stack = new_stack()
    CrudApi(stack, "Users", resource_name="users", schema=SCHEMA)
    LambdaAlarms.for_scope(stack, "Alarms", stack, dashboard=False)
    Template.from_stack(stack).resource_count_is("AWS::CloudWatch::Dashboard", 0)
