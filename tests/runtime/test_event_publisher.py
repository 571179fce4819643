"""The event publisher: batching, entry size, schema validation and retries of failed entries only.

Partial failures are injected with a thin fake EventBridge client that fails chosen entries a
chosen number of times, so each test knows exactly which entries must be re-sent.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from serverless_patterns._internal.json_schema import validator_source
from serverless_patterns.runtime.event_publisher import (
    Event,
    EventPublisher,
    EventTooLargeError,
    InvalidEventError,
    PublishError,
    SchemaValidationError,
    entry_size,
)

ORDER_SCHEMA = {
    "type": "object",
    "required": ["orderId", "amount"],
    "properties": {"orderId": {"type": "string", "minLength": 1}, "amount": {"type": "number", "minimum": 0}},
}
ORDER_VALIDATOR = validator_source(ORDER_SCHEMA, draft="2020-12")


class FakeEventBridge:
    """Answers PutEvents like EventBridge; ``failures[order_id]`` is how often that entry fails first."""

    def __init__(self, failures: dict[str, int] | None = None, code: str = "ThrottlingException") -> None:
        self.failures = dict(failures or {})
        self.code = code
        self.requests: list[list[dict[str, Any]]] = []
        self.raise_next: list[Exception] = []
        self._ids = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.requests.append(Entries)
        if self.raise_next:
            raise self.raise_next.pop(0)
        results = []
        for entry in Entries:
            order_id = json.loads(entry["Detail"]).get("orderId", "")
            if self.failures.get(order_id, 0) > 0:
                self.failures[order_id] -= 1
                results.append({"ErrorCode": self.code, "ErrorMessage": "injected"})
            else:
                self._ids += 1
                results.append({"EventId": f"id-{self._ids}"})
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}

    def sent_order_ids(self, request: int) -> list[str]:
        return [json.loads(entry["Detail"])["orderId"] for entry in self.requests[request]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _orders(count: int, amount: int = 10) -> list[Event]:
    return [
        Event(source="order.service", detail_type="Order Placed", detail={"orderId": f"o-{n}", "amount": amount})
        for n in range(count)
    ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_publisher(clock: FakeClock) -> Callable[..., EventPublisher]:
    def make(client: Any, **options: Any) -> EventPublisher:
        settings: dict[str, Any] = {
            "event_bus_name": "orders",
            "validators": {},
            "sleep": clock.sleep,
            "clock": clock,
            "rng": random.Random(7),
            **options,
        }
        return EventPublisher(client=client, **settings)

    return make


def test_publishes_in_batches_of_at_most_10(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    ids = make_publisher(client).publish(_orders(23))
    assert [len(request) for request in client.requests] == [10, 10, 3]
    assert ids == [f"id-{n}" for n in range(1, 24)]
    assert all(entry["EventBusName"] == "orders" for entry in client.requests[0])


def test_batches_stay_under_256_kb(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    big = "x" * 100_000
    events = [Event(source="s", detail_type="Blob", detail={"orderId": f"o-{n}", "blob": big}) for n in range(5)]
    make_publisher(client).publish(events)
    assert [len(request) for request in client.requests] == [2, 2, 1]
    for request in client.requests:
        assert sum(entry_size(entry) for entry in request) <= 256 * 1024


def test_entry_size_counts_like_eventbridge() -> None:
    entry = {
        "Source": "order.service",  # 13 bytes
        "DetailType": "Bestelling geplaatst €",  # 22 characters, € is 3 bytes: 24
        "Detail": '{"a":1}',  # 7
        "Resources": ["arn:aws:s3:::b"],  # 14
        "Time": "2026-01-01T00:00:00Z",  # counted as 14
        "EventBusName": "not counted",
    }
    assert entry_size(entry) == 13 + 24 + 7 + 14 + 14


def test_partial_failures_resend_only_the_failed_entries(
    make_publisher: Callable[..., EventPublisher], clock: FakeClock
) -> None:
    client = FakeEventBridge(failures={"o-2": 1, "o-7": 2})
    ids = make_publisher(client).publish(_orders(10))
    assert client.sent_order_ids(1) == ["o-2", "o-7"]
    assert client.sent_order_ids(2) == ["o-7"]
    assert len(client.requests) == 3
    assert len(ids) == 10 and len(set(ids)) == 10
    assert len(clock.sleeps) == 2


def test_backoff_grows_exponentially_with_full_jitter(
    make_publisher: Callable[..., EventPublisher], clock: FakeClock
) -> None:
    client = FakeEventBridge(failures={"o-0": 6})
    make_publisher(client, base_delay_seconds=0.1, max_delay_seconds=1.0).publish(_orders(1))
    caps = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert len(clock.sleeps) == 6
    assert all(0 <= delay <= cap for delay, cap in zip(clock.sleeps, caps, strict=True))
    # Full jitter: a delay is random below its cap, not the cap itself.
    assert any(delay < cap / 2 for delay, cap in zip(clock.sleeps, caps, strict=True))


def test_reports_the_entries_that_never_succeed_within_the_deadline(
    make_publisher: Callable[..., EventPublisher], clock: FakeClock
) -> None:
    client = FakeEventBridge(failures={"o-1": 10_000, "o-3": 10_000})
    publisher = make_publisher(client, deadline_seconds=5.0)
    with pytest.raises(PublishError) as raised:
        publisher.publish(_orders(5))
    error = raised.value
    assert [failure.index for failure in error.failed] == [1, 3]
    assert [json.loads(failure.entry["Detail"])["orderId"] for failure in error.failed] == ["o-1", "o-3"]
    assert {failure.error_code for failure in error.failed} == {"ThrottlingException"}
    assert error.event_ids[0] and error.event_ids[2] and error.event_ids[4]
    assert error.event_ids[1] is None and error.event_ids[3] is None
    assert clock.now <= 5.0
    assert "2 of 5 events were not published: ThrottlingException" in str(error)
    # The retries carried the two failing entries only.
    assert all(client.sent_order_ids(n) == ["o-1", "o-3"] for n in range(1, len(client.requests)))


def test_permanent_entry_errors_are_not_retried(
    make_publisher: Callable[..., EventPublisher], clock: FakeClock
) -> None:
    client = FakeEventBridge(failures={"o-0": 1}, code="NotAuthorizedForSourceException")
    with pytest.raises(PublishError) as raised:
        make_publisher(client).publish(_orders(2))
    assert len(client.requests) == 1
    assert clock.sleeps == []
    assert raised.value.failed[0].retryable is False


def test_throttled_requests_are_retried_whole(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    client.raise_next = [
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents"),
        EndpointConnectionError(endpoint_url="https://events.eu-west-1.amazonaws.com"),
    ]
    ids = make_publisher(client).publish(_orders(3))
    assert len(ids) == 3
    assert [len(request) for request in client.requests] == [3, 3, 3]


def test_access_denied_requests_fail_without_retry(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    client.raise_next = [ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutEvents")]
    with pytest.raises(PublishError) as raised:
        make_publisher(client).publish(_orders(2))
    assert len(client.requests) == 1
    assert [failure.error_code for failure in raised.value.failed] == ["AccessDeniedException"] * 2


def test_invalid_detail_for_its_schema_sends_nothing(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    publisher = make_publisher(client, validators={"Order Placed": ORDER_VALIDATOR})
    events = [
        *_orders(2),
        Event(source="order.service", detail_type="Order Placed", detail={"orderId": "", "amount": -5}),
    ]
    with pytest.raises(SchemaValidationError) as raised:
        publisher.publish(events)
    assert raised.value.index == 2
    assert raised.value.errors == [
        "$.orderId: must be at least 1 characters long",
        "$.amount: must be at least 0",
    ]
    assert client.requests == []


def test_detail_types_without_schema_are_not_validated(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    publisher = make_publisher(client, validators={"Order Placed": ORDER_VALIDATOR})
    publisher.publish([Event(source="order.service", detail_type="Order Shipped", detail={"anything": True})])
    assert len(client.requests) == 1


def test_an_event_over_256_kb_is_rejected_before_sending(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    huge = Event(source="s", detail_type="Blob", detail={"blob": "é" * 140_000})  # 280,000 bytes in UTF-8
    with pytest.raises(EventTooLargeError, match=r"event 1: is 28\d{4} bytes, EventBridge accepts at most 262144"):
        make_publisher(client).publish([*_orders(1), huge])
    assert client.requests == []


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"Source": "", "DetailType": "X", "Detail": "{}"}, "Source must be a non-empty string"),
        ({"Source": "s", "DetailType": "X", "Detail": "not json"}, "Detail is not valid JSON"),
        ({"Source": "s", "DetailType": "X", "Detail": "[1, 2]"}, "Detail must be a JSON object, got list"),
        ("order placed", "must be an Event or a PutEvents entry mapping, got str"),
    ],
)
def test_malformed_events_are_rejected_before_sending(
    make_publisher: Callable[..., EventPublisher], event: Any, message: str
) -> None:
    client = FakeEventBridge()
    with pytest.raises(InvalidEventError, match=message):
        make_publisher(client).publish([event])
    assert client.requests == []


def test_an_event_without_a_bus_is_rejected(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    publisher = EventPublisher(client=FakeEventBridge(), validators={})
    with pytest.raises(InvalidEventError, match="no event bus: set EVENT_BUS_NAME"):
        publisher.publish(_orders(1))


def test_put_events_entries_are_accepted_as_mappings(make_publisher: Callable[..., EventPublisher]) -> None:
    client = FakeEventBridge()
    make_publisher(client).publish(
        [
            {
                "Source": "order.service",
                "DetailType": "Order Placed",
                "Detail": '{"orderId": "o-1"}',
                "EventBusName": "other",
            }
        ]
    )
    assert client.requests[0] == [
        {
            "Source": "order.service",
            "DetailType": "Order Placed",
            "Detail": '{"orderId":"o-1"}',
            "EventBusName": "other",
        }
    ]


def test_validators_load_from_the_file_the_layer_ships(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from serverless_patterns.runtime.event_publisher import publisher as module

    validators_file = tmp_path / "validators.json"
    validators_file.write_text(json.dumps({"Order Placed": ORDER_VALIDATOR}))
    monkeypatch.setattr(module, "VALIDATORS_FILE", validators_file)
    monkeypatch.setattr(module.load_validators, "__defaults__", (validators_file,))
    monkeypatch.setenv("EVENT_BUS_NAME", "orders")
    publisher = EventPublisher(client=FakeEventBridge())
    assert publisher.validators == {"Order Placed": ORDER_VALIDATOR}
    assert publisher.event_bus_name == "orders"


def test_the_default_client_leaves_retries_to_the_publisher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    client = EventPublisher(event_bus_name="orders", validators={}).client
    assert client.meta.service_model.service_name == "events"
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.config.read_timeout == 5


def test_the_default_client_of_a_function_without_boto3_comes_from_botocore_alone() -> None:
    # The layer's layout (``event_publisher`` on the path) in a fresh process that never imported boto3:
    # its cold start pays for botocore only, and the client is configured as with boto3.
    runtime = Path(__file__).resolve().parents[2] / "src" / "serverless_patterns" / "runtime"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(runtime)!r})\n"
        "from event_publisher import EventPublisher\n"
        "client = EventPublisher(event_bus_name='orders', validators={}).client\n"
        "config = client.meta.config\n"
        "print(client.meta.service_model.service_name, config.retries['total_max_attempts'], config.read_timeout,"
        " config.connect_timeout, 'boto3' in sys.modules)\n"
    )
    environment = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "PYTHONPATH": ""}
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["events", "1", "5", "2", "False"]


# The EventsNotPublished metric: an embedded metric format document per bus, CloudWatch User Guide,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html


def test_entries_that_never_succeed_are_counted_once_per_bus(
    make_publisher: Callable[..., EventPublisher], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Shop")
    lines: list[str] = []
    client = FakeEventBridge(failures={"o-0": 10_000, "o-1": 10_000, "o-2": 10_000}, code="InternalFailure")
    events = [*_orders(2), Event(source="s", detail_type="Order Placed", detail={"orderId": "o-2"}, event_bus_name="x")]
    with pytest.raises(PublishError):
        make_publisher(client, deadline_seconds=1.0, emit=lines.append).publish(events)
    documents = [json.loads(line) for line in lines]
    assert [(document["EventBusName"], document["EventsNotPublished"]) for document in documents] == [
        ("orders", 2),
        ("x", 1),
    ]
    for document in documents:
        assert document["_aws"]["CloudWatchMetrics"] == [
            {
                "Namespace": "Shop",
                "Dimensions": [["EventBusName"]],
                "Metrics": [{"Name": "EventsNotPublished", "Unit": "Count"}],
            }
        ]
        assert isinstance(document["_aws"]["Timestamp"], int)


def test_the_metric_goes_to_standard_output_in_the_default_namespace(
    make_publisher: Callable[..., EventPublisher],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    client = FakeEventBridge(failures={"o-0": 1}, code="AccessDeniedException")
    with pytest.raises(PublishError):
        make_publisher(client).publish(_orders(1))
    (line,) = capsys.readouterr().out.splitlines()
    document = json.loads(line)
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ServerlessPatterns"
    assert document["EventsNotPublished"] == 1


def test_entries_published_after_retries_are_not_counted(make_publisher: Callable[..., EventPublisher]) -> None:
    lines: list[str] = []
    make_publisher(FakeEventBridge(failures={"o-0": 2}), emit=lines.append).publish(_orders(3))
    assert lines == []
