"""The README's main job: the order system's scripted day on the local cloud, and its outcomes."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from examples.order_system.scenario import Outcome, Scenario, report
from serverless_patterns.local import LocalCloud

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def outcome(order_system_app: cdk.App) -> Outcome:
    with LocalCloud() as cloud:
        deployment = cloud.deploy(order_system_app.outdir)
        return Scenario(cloud, deployment, say=lambda line: None).run()


def test_user_is_created_and_a_bad_one_rejected(outcome: Outcome) -> None:
    assert outcome.user_status == 201
    assert outcome.user["email"] == "ada@example.com"
    assert outcome.user["version"] == 1
    assert outcome.invalid_user_status == 400
    # The CrudRestApi's BAD_REQUEST_BODY gateway response, as API Gateway applies it
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html).
    assert outcome.invalid_user == {
        "error": {"code": "BAD_REQUEST_BODY", "message": "Invalid request body", "details": []}
    }


def test_every_order_is_stored_and_its_event_reaches_every_handler(outcome: Outcome) -> None:
    assert outcome.order_statuses == {"normal": 201, "high-value": 201, "out-of-stock": 201}
    assert outcome.handled_events == {
        label: ["email", "inventory", "warehouse"] for label in ("normal", "high-value", "out-of-stock")
    }


def test_only_the_high_value_order_raises_an_alert(outcome: Outcome) -> None:
    assert outcome.alerts == ["high-value"]


def test_sagas_succeed_or_compensate(outcome: Outcome) -> None:
    sagas = {saga.label: saga for saga in outcome.sagas}
    for label in ("normal", "high-value"):
        assert (sagas[label].status, sagas[label].payment, sagas[label].reservation) == (
            "SUCCEEDED",
            "CHARGED",
            "RESERVED",
        )
    failed = sagas["out-of-stock"]
    assert (failed.status, failed.error) == ("FAILED", "SagaFailed")
    assert failed.cause == "step inventory failed: OutOfStockError"
    # The payment was refunded; nothing was left reserved.
    assert (failed.payment, failed.reservation) == ("REFUNDED", None)
    # 1 lamp of 3 went to the high-value order; the out-of-stock order took none.
    assert outcome.stock == {"pen": 98, "lamp": 2}


def test_bulk_ingestion_stores_good_records_once_and_dead_letters_the_bad_one(outcome: Outcome) -> None:
    assert outcome.ingested == ["bulk-0", "bulk-1", "bulk-2"]
    assert outcome.dead_letters == [{"orderId": "bulk-bad", "amount": -1}]


def test_report_names_each_outcome(outcome: Outcome) -> None:
    text = report(outcome)
    assert "saga FAILED with SagaFailed (payment REFUNDED" in text
    assert "high-value alerts: high-value" in text
