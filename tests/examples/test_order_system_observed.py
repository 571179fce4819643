"""The order system example under assert_observed: every sink watched by an alarm that notifies."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from serverless_patterns.testing import assert_observed
from serverless_patterns.testing.observed import _App, _sinks


@pytest.fixture(scope="module")
def stack(order_system_app: cdk.App) -> cdk.Stack:
    found = order_system_app.node.find_child("OrderSystem")
    assert isinstance(found, cdk.Stack)
    return found


def test_no_sink_is_unwatched(stack: cdk.Stack) -> None:
    assert_observed(stack)


def test_the_zero_is_not_vacuous_every_kind_of_sink_is_in_the_example(stack: cdk.Stack) -> None:
    sinks = _sinks(_App([stack]), stack.artifact_id)
    assert {sink.kind for sink in sinks} == {
        "dead-letter queue",
        "source queue",
        "rule",
        "state machine",
        "API stage",
        "async function",
        "table",
    }
    assert len(sinks) == 15
