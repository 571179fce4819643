"""The article's five hand-written stacks as a CDK app: ``python -m benchmarks.baseline.order_system_app [outdir]``.

The hand-written side of the whole-process comparison with ``examples/order_system/app.py``:
the same stacks as ``bench_order_system``'s hand-written side, synthesized the way ``cdk synth``
runs an app (one fresh Python process).
"""

from __future__ import annotations

import sys

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from benchmarks.baseline import foundation
from benchmarks.baseline.crud_api import user_api_stack
from benchmarks.baseline.event_fanout import event_driven_stack
from benchmarks.baseline.lambda_alarms import monitoring
from benchmarks.baseline.saga_workflow import order_workflow_stack
from examples.order_system.app import HANDLERS

ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def hand_written(app: cdk.App) -> list[cdk.Stack]:
    """The article's stacks: API (users and orders), order queue, events, workflow, monitoring."""
    api = cdk.Stack(app, "UserApiStack", env=ENV)
    user_api_stack(api, entities=2)
    queue = cdk.Stack(app, "OrderQueueStack", env=ENV)
    ingest = foundation.queue_processing(queue, "Orders", HANDLERS)
    events_stack = cdk.Stack(app, "EventDrivenStack", env=ENV)
    handlers = [
        foundation.function(events_stack, name, HANDLERS)
        for name in ("SendEmail", "UpdateInventory", "NotifyWarehouse")
    ]
    event_driven_stack(events_stack, handlers, sns.Topic(events_stack, "HighValueAlertTopic"))
    workflow = cdk.Stack(app, "OrderWorkflowStack", env=ENV)
    steps: dict[str, lambda_.IFunction] = {
        name: foundation.function(workflow, name, HANDLERS)
        for name in ("validate_order", "process_payment", "reserve_inventory", "notify_customer", "refund_payment")
    }
    order_workflow_stack(workflow, **steps)
    watch = cdk.Stack(app, "MonitoringStack", env=ENV)
    monitoring(watch, [ingest, *handlers, *steps.values()])
    return [api, queue, events_stack, workflow, watch]


if __name__ == "__main__":
    app = cdk.App(outdir=sys.argv[1] if len(sys.argv) > 1 else None)
    hand_written(app)
    app.synth()
