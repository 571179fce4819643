"""SQS event source mappings: batches, ReportBatchItemFailures, and redrive left to the queue.

moto invokes a mapped function inline when a message is sent, one message at a time, and ignores
``ReportBatchItemFailures``. The poller takes those mappings away from moto's queues and polls
them itself, like Lambda's pollers do.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from serverless_patterns.local import _moto

if TYPE_CHECKING:
    from serverless_patterns.local.runtime import LambdaRuntime

_log = logging.getLogger(__name__)


@dataclass
class _Mapping:
    uuid: str
    function_arn: str
    queue_arn: str
    batch_size: int
    report_failures: bool
    busy: bool = False


class SqsPoller:
    """Polls every SQS event source mapping of one moto account and region and invokes its function.

    Parameters
    ----------
    runtime
        The :class:`~serverless_patterns.local.runtime.LambdaRuntime` that runs the handlers.
    account_id, region
        Where the mappings live. Default: moto's default account, ``us-east-1``.
    interval_seconds
        Pause between polls when the queues are empty. Default: 0.02.
    failed_visibility_seconds
        Visibility timeout given to records that failed, so that they return to the queue. ``None``
        keeps the queue's own visibility timeout (as in AWS: tests then wait that long for each
        retry). Default: 0, so that redrive to the DLQ after ``maxReceiveCount`` happens at once.

    Examples
    --------
    >>> from serverless_patterns.local import LambdaRuntime
    >>> poller = SqsPoller(LambdaRuntime("http://127.0.0.1:5000"))
    >>> poller.stop()
    """

    def __init__(
        self,
        runtime: LambdaRuntime,
        *,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        interval_seconds: float = 0.02,
        failed_visibility_seconds: int | None = 0,
    ) -> None:
        self.runtime = runtime
        self.account_id = account_id
        self.region = region
        self.interval_seconds = interval_seconds
        self.failed_visibility_seconds = failed_visibility_seconds
        self._mappings: dict[str, _Mapping] = {}
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._inflight = 0
        self._last_error = ""

    def start(self) -> None:
        """Start polling in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="local-sqs-poller", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling (waits for the current batch)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every mapped queue has no visible message and no batch is running.

        Messages in flight with a visibility timeout still running (``failed_visibility_seconds``
        left at the queue's) do not count. Returns ``False`` on timeout.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._adopt_mappings()
            with self._idle:
                busy = self._inflight > 0
            if not busy and not any(self._visible(mapping) for mapping in list(self._mappings.values())):
                return True
            time.sleep(self.interval_seconds)
        return False

    # -- internals --------------------------------------------------------------------------
    def _adopt_mappings(self) -> None:
        """Take SQS mappings away from moto's inline invocation and register them here."""
        current = _moto.event_source_mappings(self.account_id, self.region)
        for uuid, esm in current.items():
            if ":sqs:" not in esm.source_arn:
                continue
            _moto.detach_from_queue(self.account_id, self.region, esm.source_arn.rsplit(":", 1)[-1], esm.function_arn)
            mapping = self._mappings.get(uuid)
            report_failures = "ReportBatchItemFailures" in esm.response_types
            if mapping is None:
                self._mappings[uuid] = _Mapping(
                    uuid=uuid,
                    function_arn=esm.function_arn,
                    queue_arn=esm.source_arn,
                    batch_size=esm.batch_size,
                    report_failures=report_failures,
                )
            else:
                mapping.batch_size = esm.batch_size
                mapping.report_failures = report_failures
        for uuid in list(self._mappings):
            kept = current.get(uuid)
            if kept is None or not kept.enabled:
                self._mappings.pop(uuid, None)

    def _visible(self, mapping: _Mapping) -> bool:
        return _moto.has_visible_messages(self.account_id, self.region, mapping.queue_arn.rsplit(":", 1)[-1])

    def _run(self) -> None:
        while not self._stop.is_set():
            worked = False
            try:
                self._adopt_mappings()
                for mapping in list(self._mappings.values()):
                    if self._visible(mapping):
                        worked = self._poll(mapping) or worked
                self._last_error = ""
            except Exception as error:  # the poller survives a reset of moto's state mid-poll; it says so
                self._report(error)
                time.sleep(self.interval_seconds)
            if not worked:
                self._stop.wait(self.interval_seconds)

    def _report(self, error: Exception) -> None:
        """Log a failed poll once per distinct error (a poll every few milliseconds would repeat it)."""
        text = f"{type(error).__name__}: {error}"
        if text != self._last_error:
            _log.warning(
                "SQS poll of %s/%s failed (mappings %s), retrying: %s",
                self.account_id,
                self.region,
                ", ".join(sorted(self._mappings)) or "none",
                text,
                exc_info=error,
            )
        self._last_error = text

    def _poll(self, mapping: _Mapping) -> bool:
        queue_name = mapping.queue_arn.rsplit(":", 1)[-1]
        with self._idle:
            self._inflight += 1
        try:
            messages = _moto.receive_messages(self.account_id, self.region, queue_name, mapping.batch_size)
            if not messages:
                return False
            function = _moto.get_function(self.account_id, self.region, mapping.function_arn)
            if function is None:
                raise LookupError(f"function {mapping.function_arn} of mapping {mapping.uuid} is gone")
            event = {"Records": [_record(message, mapping.queue_arn, self.region) for message in messages]}
            invocation = self.runtime.run(function, event)
            failed = _failed_ids(invocation.errored, invocation.payload, mapping.report_failures, messages)
            for message in messages:
                if message.id in failed:
                    if self.failed_visibility_seconds is not None:
                        _moto.change_message_visibility(
                            self.account_id,
                            self.region,
                            queue_name,
                            message.receipt_handle,
                            self.failed_visibility_seconds,
                        )
                else:
                    _moto.delete_message(self.account_id, self.region, queue_name, message.receipt_handle)
            return True
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()


def _failed_ids(  # noqa: PLR0911 - one return per rule of Lambda's partial batch response
    errored: bool, payload: Any, report_failures: bool, messages: list[_moto.SqsMessage]
) -> set[str]:
    """Which records return to the queue, by Lambda's rules for SQS batches."""
    every = {message.id for message in messages}
    if errored:
        return every
    if not report_failures or payload is None:
        return set()
    if not isinstance(payload, dict):
        return set()
    failures = payload.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return every
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        # An empty, null or unknown identifier makes Lambda treat the whole batch as failed.
        if not identifier or identifier not in every:
            return every
        failed.add(identifier)
    return failed


def _record(message: _moto.SqsMessage, queue_arn: str, region: str) -> dict[str, Any]:
    attributes = {
        "ApproximateReceiveCount": str(message.receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": str(message.first_receive_timestamp),
    }
    if message.group_id:
        attributes["MessageGroupId"] = message.group_id
    if message.deduplication_id:
        attributes["MessageDeduplicationId"] = message.deduplication_id
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
        for name, value in message.attributes.items()
    }
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": json.loads(json.dumps(message_attributes, default=str)),
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
