"""Publish events to EventBridge without losing any: batching, validation, retries of failed entries.

The reference article's publisher sends ``PutEvents`` and ignores ``FailedEntryCount``: entries
EventBridge rejected (throttling, internal errors) vanish. This one checks every entry's result,
re-sends only the entries that failed with a retryable error (exponential backoff with full
jitter, bounded by a deadline) and raises :class:`PublishError` with the ones that never made it.

Those entries are also counted: an ``EventsNotPublished`` metric per bus, printed as an embedded
metric format document (see ``contract.py``). Not through Powertools Metrics, even where the
function has it: its metric set is shared by every ``Metrics`` instance of the process, so a count
added here would leave with the function's own namespace and dimensions, or never when the function
does not flush; a document of our own is complete and flushed at once.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .contract import (
    DEFAULT_METRICS_NAMESPACE,
    EVENT_BUS_DIMENSION,
    EVENT_BUS_NAME_ENV,
    EVENTS_NOT_PUBLISHED_METRIC,
    METRICS_NAMESPACE_ENV,
    SCHEMAS_FILE_NAME,
    VALIDATORS_FILE_NAME,
)
from .schema import schema_errors

MAX_ENTRIES_PER_REQUEST = 10
MAX_REQUEST_BYTES = 256 * 1024
#: Entry error codes that a retry cannot fix; every other code (throttling, internal failure) is retried.
PERMANENT_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "InvalidArgument",
        "MalformedDetail",
        "NotAuthorizedForDetailTypeException",
        "NotAuthorizedForSourceException",
        "ResourceNotFoundException",
        "ValidationException",
        "KmsException",
    }
)
#: Whole-request errors worth a retry.
RETRYABLE_REQUEST_ERRORS = frozenset(
    {"ThrottlingException", "InternalException", "InternalFailure", "ServiceUnavailable", "RequestTimeout"}
)
SCHEMAS_FILE = Path(__file__).resolve().parent / SCHEMAS_FILE_NAME
VALIDATORS_FILE = Path(__file__).resolve().parent / VALIDATORS_FILE_NAME


@dataclass(frozen=True)
class Event:
    """One event to publish.

    Examples
    --------
    >>> Event(source="order.service", detail_type="Order Placed", detail={"orderId": "o-1"}).detail_type
    'Order Placed'
    """

    source: str
    detail_type: str
    detail: Mapping[str, Any]
    resources: Sequence[str] = ()
    time: datetime | None = None
    event_bus_name: str | None = None
    trace_header: str | None = None


@dataclass(frozen=True)
class FailedEntry:
    """An entry that was not accepted, with EventBridge's (or the SDK's) error."""

    index: int
    entry: dict[str, Any]
    error_code: str
    error_message: str
    retryable: bool = True


class PublishError(Exception):
    """Some entries were never accepted by EventBridge; nothing else was dropped.

    Attributes
    ----------
    failed
        The entries that still failed, in input order, with their last error.
    event_ids
        Per input position, the event id EventBridge gave, or ``None`` for a failed entry.
    """

    def __init__(self, failed: Sequence[FailedEntry], event_ids: Sequence[str | None]) -> None:
        self.failed = tuple(failed)
        self.event_ids = list(event_ids)
        codes = sorted({entry.error_code for entry in self.failed})
        super().__init__(f"{len(self.failed)} of {len(self.event_ids)} events were not published: {', '.join(codes)}")


class InvalidEventError(ValueError):
    """An event that cannot be sent as it is; raised before anything is sent."""

    def __init__(self, index: int, message: str) -> None:
        self.index = index
        super().__init__(f"event {index}: {message}")


class EventTooLargeError(InvalidEventError):
    """An event larger than the 256 KB EventBridge accepts."""


class SchemaValidationError(InvalidEventError):
    """An event whose ``detail`` does not match the JSON Schema of its detail-type."""

    def __init__(self, index: int, detail_type: str, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__(index, f"detail does not match the schema of {detail_type!r}: {'; '.join(self.errors)}")


def entry_size(entry: Mapping[str, Any]) -> int:
    """Size of a PutEvents entry as EventBridge counts it against the 256 KB limit.

    UTF-8 bytes of ``Source``, ``DetailType``, ``Detail`` and each ``Resources`` item, plus 14
    bytes when ``Time`` is given (the calculation in the EventBridge user guide).

    Examples
    --------
    >>> entry_size({"Source": "a.b", "DetailType": "Xé", "Detail": "{}"})
    8
    """
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        if entry.get(key) is not None:
            size += len(str(entry[key]).encode("utf-8"))
    size += sum(len(resource.encode("utf-8")) for resource in entry.get("Resources", []))
    return size


def load_schemas(path: Path = SCHEMAS_FILE) -> dict[str, dict[str, Any]]:
    """The schemas shipped next to this module by ``EventFanout.publisher_layer`` (none if absent)."""
    if not path.is_file():
        return {}
    loaded: dict[str, dict[str, Any]] = json.loads(path.read_text())
    return loaded


def load_validators(path: Path = VALIDATORS_FILE) -> dict[str, str]:
    """The validators compiled from those schemas at synthesis, by detail-type (none if absent)."""
    if not path.is_file():
        return {}
    loaded: dict[str, str] = json.loads(path.read_text())
    return loaded


class EventPublisher:
    """Sends events to EventBridge in size-bounded batches and retries only the entries that failed.

    Parameters
    ----------
    event_bus_name
        Bus of events that name none. Default: the ``EVENT_BUS_NAME`` environment variable.
    validators
        Validator of ``detail`` per detail-type: the source of a module compiled from its JSON
        Schema at synthesis (``serverless_patterns._internal.json_schema.validator_source``).
        Default: the ``validators.json`` shipped with the module (by
        ``EventFanout.publisher_layer``), else none.
    client
        A boto3 EventBridge client. Default: an EventBridge client without the SDK's own retries
        (this class retries, within ``deadline_seconds``) and with 2 s connect and 5 s read timeouts,
        created on first use (from boto3's default session when the function uses boto3, else from
        botocore alone).
    deadline_seconds
        Time budget for all attempts of one :meth:`publish` call. Default: 10 seconds.
    base_delay_seconds, max_delay_seconds
        Backoff before retry ``n`` is uniform in ``[0, min(max, base * 2**n)]`` (full jitter).
        Default: 0.05 and 2 seconds.
    sleep, clock, rng
        Injected for tests. Default: ``time.sleep``, ``time.monotonic``, ``random.Random()``.
    emit
        Where the ``EventsNotPublished`` metric documents go, one JSON line each. Default: standard
        output (in Lambda, the function's log stream, from which CloudWatch extracts the metric).

    Examples
    --------
    >>> publisher = EventPublisher(event_bus_name="order-events", client=object())
    >>> publisher.event_bus_name
    'order-events'
    """

    def __init__(
        self,
        *,
        event_bus_name: str | None = None,
        validators: Mapping[str, str] | None = None,
        client: Any = None,
        deadline_seconds: float = 10.0,
        base_delay_seconds: float = 0.05,
        max_delay_seconds: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        emit: Callable[[str], None] | None = None,
    ) -> None:
        self.event_bus_name = event_bus_name or os.environ.get(EVENT_BUS_NAME_ENV)
        self.validators = dict(validators) if validators is not None else load_validators()
        self._client = client
        self.deadline_seconds = deadline_seconds
        self.base_delay_seconds = base_delay_seconds
        self.max_delay_seconds = max_delay_seconds
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # jitter, not cryptography
        self._emit = emit or _print_line

    @property
    def client(self) -> Any:
        """The EventBridge client (created on first use so that importing stays cheap)."""
        if self._client is None:
            self._client = _events_client()
        return self._client

    def entries(self, events: Iterable[Event | Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Validate ``events`` and turn them into PutEvents entries; raise on the first bad one."""
        result = []
        for index, event in enumerate(events):
            entry = self._entry(index, event)
            detail_type = entry["DetailType"]
            validator = self.validators.get(detail_type)
            if validator is not None:
                errors = schema_errors(json.loads(entry["Detail"]), validator)
                if errors:
                    raise SchemaValidationError(index, detail_type, errors)
            size = entry_size(entry)
            if size > MAX_REQUEST_BYTES:
                raise EventTooLargeError(index, f"is {size} bytes, EventBridge accepts at most {MAX_REQUEST_BYTES}")
            result.append(entry)
        return result

    def publish(self, events: Iterable[Event | Mapping[str, Any]]) -> list[str]:
        """Publish ``events``; return their event ids in order, or raise :class:`PublishError`.

        Every event is validated before the first request, so an invalid event sends nothing.
        """
        entries = self.entries(events)
        event_ids: list[str | None] = [None] * len(entries)
        deadline = self._clock() + self.deadline_seconds
        pending = list(range(len(entries)))
        final_failures: list[FailedEntry] = []
        attempt = 0
        while pending:
            retry: list[FailedEntry] = []
            for batch in self._batches(entries, pending):
                for failure in self._send(entries, batch, event_ids):
                    (retry if failure.retryable else final_failures).append(failure)
            if not retry:
                break
            delay = self._rng.uniform(0, min(self.max_delay_seconds, self.base_delay_seconds * 2**attempt))
            if self._clock() + delay >= deadline:
                final_failures.extend(retry)
                break
            self._sleep(delay)
            attempt += 1
            pending = [failure.index for failure in retry]
        if final_failures:
            self._count_not_published(final_failures)
            raise PublishError(sorted(final_failures, key=lambda failure: failure.index), event_ids)
        return [event_id for event_id in event_ids if event_id is not None]

    def _entry(self, index: int, event: Event | Mapping[str, Any]) -> dict[str, Any]:
        if isinstance(event, Event):
            raw: dict[str, Any] = {
                "Source": event.source,
                "DetailType": event.detail_type,
                "Detail": event.detail,
                "Resources": list(event.resources),
                "Time": event.time,
                "EventBusName": event.event_bus_name,
                "TraceHeader": event.trace_header,
            }
        elif isinstance(event, Mapping):
            raw = dict(event)
        else:
            raise InvalidEventError(index, f"must be an Event or a PutEvents entry mapping, got {type(event).__name__}")
        entry = {key: value for key, value in raw.items() if value is not None and value != []}
        for key in ("Source", "DetailType"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise InvalidEventError(index, f"{key} must be a non-empty string, got {entry.get(key)!r}")
        detail = entry.get("Detail", {})
        if isinstance(detail, str):
            try:
                detail = json.loads(detail)
            except ValueError as error:
                raise InvalidEventError(index, f"Detail is not valid JSON: {error}") from error
        if not isinstance(detail, Mapping):
            raise InvalidEventError(index, f"Detail must be a JSON object, got {type(detail).__name__}")
        entry["Detail"] = json.dumps(detail, separators=(",", ":"), ensure_ascii=False, default=str)
        entry.setdefault("EventBusName", self.event_bus_name)
        if not entry.get("EventBusName"):
            raise InvalidEventError(index, "no event bus: set EVENT_BUS_NAME or give event_bus_name")
        return entry

    def _count_not_published(self, failures: Sequence[FailedEntry]) -> None:
        counts: dict[str, int] = {}
        for failure in failures:
            bus = str(failure.entry.get("EventBusName", ""))
            counts[bus] = counts.get(bus, 0) + 1
        namespace = os.environ.get(METRICS_NAMESPACE_ENV) or DEFAULT_METRICS_NAMESPACE
        for bus, count in counts.items():
            self._emit(not_published_document(namespace, bus, count, int(time.time() * 1000)))

    @staticmethod
    def _batches(entries: list[dict[str, Any]], indexes: list[int]) -> list[list[int]]:
        batches: list[list[int]] = []
        current: list[int] = []
        current_size = 0
        for index in indexes:
            size = entry_size(entries[index])
            if current and (len(current) == MAX_ENTRIES_PER_REQUEST or current_size + size > MAX_REQUEST_BYTES):
                batches.append(current)
                current, current_size = [], 0
            current.append(index)
            current_size += size
        if current:
            batches.append(current)
        return batches

    def _send(self, entries: list[dict[str, Any]], batch: list[int], event_ids: list[str | None]) -> list[FailedEntry]:
        try:
            response = self.client.put_events(Entries=[entries[index] for index in batch])
        except Exception as error:  # any SDK failure leaves the whole batch unsent
            code, message, retryable = _request_error(error)
            return [FailedEntry(index, entries[index], code, message, retryable) for index in batch]
        failures = []
        for index, result in zip(batch, response.get("Entries", []), strict=False):
            if result.get("EventId") and not result.get("ErrorCode"):
                event_ids[index] = result["EventId"]
            else:
                code = result.get("ErrorCode") or "Unknown"
                message = result.get("ErrorMessage", "")
                failures.append(FailedEntry(index, entries[index], code, message, code not in PERMANENT_ERRORS))
        # A response with fewer results than entries would leave entries unaccounted for: retry them.
        answered = len(response.get("Entries", []))
        failures += [
            FailedEntry(index, entries[index], "InternalFailure", "no result for this entry")
            for index in batch[answered:]
        ]
        return failures


def not_published_document(namespace: str, event_bus_name: str, count: int, timestamp_ms: int) -> str:
    """The embedded metric format document of ``count`` entries not published to ``event_bus_name``.

    The structure is the one CloudWatch's specification requires: the ``_aws`` metadata with a
    ``Timestamp`` in epoch milliseconds and one metric directive (namespace, dimension set, metric
    name and unit), the dimension and the metric values as root members.

    Examples
    --------
    >>> print(not_published_document("ServerlessPatterns", "orders", 2, 1700000000000))
    {"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"ServerlessPatterns","Dimensions":[["EventBusName"]],"Metrics":[{"Name":"EventsNotPublished","Unit":"Count"}]}]},"EventBusName":"orders","EventsNotPublished":2}
    """
    document = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [[EVENT_BUS_DIMENSION]],
                    "Metrics": [{"Name": EVENTS_NOT_PUBLISHED_METRIC, "Unit": "Count"}],
                }
            ],
        },
        EVENT_BUS_DIMENSION: event_bus_name,
        EVENTS_NOT_PUBLISHED_METRIC: count,
    }
    return json.dumps(document, separators=(",", ":"))


def _events_client() -> Any:
    """An EventBridge client with one attempt per call and short timeouts: the publisher retries, within its deadline.

    Made from boto3's default session when the function has imported boto3 already, so the two share
    what a session loads (endpoint data, credentials); else from botocore alone, which is all an
    EventBridge client needs: importing boto3 also imports s3transfer and boto3's resource and
    documentation machinery (about 30 ms of CPU on a cold start; benchmarks/bench_cold_start.py) for nothing here.
    """
    # Imported here so that importing the publisher stays cheap; no stubs needed.
    config = importlib.import_module("botocore.config").Config(
        retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5
    )
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        return boto3.client("events", config=config)
    return importlib.import_module("botocore.session").get_session().create_client("events", config=config)


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _request_error(error: Exception) -> tuple[str, str, bool]:
    """Code, message and retryability of a failed request: throttling, server and connection errors retry."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", "Unknown"))
        message = str(response.get("Error", {}).get("Message", error))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code, message, code in RETRYABLE_REQUEST_ERRORS or int(status) >= 500
    # Connection and timeout errors from botocore carry no response: worth a retry.
    return type(error).__name__, str(error), True


_default: EventPublisher | None = None


def publish(events: Iterable[Event | Mapping[str, Any]], *, event_bus_name: str | None = None) -> list[str]:
    """Publish ``events`` with a module-wide :class:`EventPublisher` (created once per Lambda sandbox).

    Examples
    --------
    >>> publish([Event(source="order.service", detail_type="Order Placed", detail={"amount": 1500})])  # doctest: +SKIP
    ['6f0c...']
    """
    global _default  # noqa: PLW0603 - one client per sandbox, reused across invocations
    if _default is None:
        _default = EventPublisher()
    if event_bus_name is not None:
        events = [_with_bus(event, event_bus_name) for event in events]
    return _default.publish(events)


def _with_bus(event: Event | Mapping[str, Any], event_bus_name: str) -> Event | Mapping[str, Any]:
    if isinstance(event, Event):
        return event if event.event_bus_name else dataclasses.replace(event, event_bus_name=event_bus_name)
    return {"EventBusName": event_bus_name, **event}


__all__ = [
    "Event",
    "EventPublisher",
    "EventTooLargeError",
    "FailedEntry",
    "InvalidEventError",
    "PublishError",
    "SchemaValidationError",
    "entry_size",
    "publish",
]
