"""EventBridge delivery to Lambda, SNS and Step Functions targets, and Lambda's asynchronous invocation.

moto matches events to rules and delivers to SQS, log group and event bus targets itself; for
Lambda and SNS targets it raises ``NotImplementedError`` in ``Rule.send_to_targets``. The
delivery here takes those targets (and Step Functions) over:

* EventBridge hands the event to the target asynchronously. When the target cannot be reached
  (for example a missing function), delivery is retried up to the target's ``RetryPolicy``
  (attempts and maximum event age), then the event goes to the target's dead-letter queue with
  EventBridge's ``ERROR_CODE``/``ERROR_MESSAGE``/``RULE_ARN``/``TARGET_ARN`` attributes.
* A Lambda target is invoked asynchronously, as in AWS: an error *raised by the handler* is
  retried by Lambda (the function's ``MaximumRetryAttempts``, default 2, and maximum event age),
  then sent to the function's dead-letter queue or ``OnFailure`` destination. The rule's target
  DLQ does not see handler errors, in AWS or here.

Retries happen after ``retry_delay_seconds`` instead of AWS's back-off of minutes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from serverless_patterns.local import _moto
from serverless_patterns.local.event_payloads import _email, _sns_record, _target_input

if TYPE_CHECKING:
    from serverless_patterns.local.authorization import Authorization
    from serverless_patterns.local.runtime import LambdaRuntime

EVENTS_PRINCIPAL = "events.amazonaws.com"
SNS_PRINCIPAL = "sns.amazonaws.com"


@dataclass(frozen=True)
class AsyncConfig:
    """A function's asynchronous invocation settings (``EventInvokeConfig`` and ``DeadLetterConfig``).

    Examples
    --------
    >>> AsyncConfig().max_retry_attempts
    2
    """

    max_retry_attempts: int = 2
    max_event_age_seconds: int = 21600
    dead_letter_arn: str | None = None
    on_failure_arn: str | None = None
    on_success_arn: str | None = None


class EventDelivery:
    """Delivers matched EventBridge events to Lambda, SNS and Step Functions targets.

    Parameters
    ----------
    runtime
        Runs Lambda targets.
    client
        ``client(service)`` returns a boto3 client bound to moto's endpoint.
    retry_delay_seconds
        Pause between retries. Default: 0.05.

    Examples
    --------
    >>> from serverless_patterns.local import LambdaRuntime
    >>> delivery = EventDelivery(LambdaRuntime("http://127.0.0.1:5000"), client=lambda service: None)
    >>> delivery.async_configs
    {}
    """

    HANDLED_SERVICES = frozenset({"lambda", "sns", "states", "sqs"})

    def __init__(
        self, runtime: LambdaRuntime, *, client: Callable[[str], Any], retry_delay_seconds: float = 0.05
    ) -> None:
        self.runtime = runtime
        self.client = client
        self.retry_delay_seconds = retry_delay_seconds
        self.async_configs: dict[str, AsyncConfig] = {}
        """Function name to its asynchronous invocation settings (filled by the deploy)."""
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="local-events")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self.emails: list[dict[str, Any]] = []
        """Notifications SNS sent to e-mail subscriptions (``to``, ``subject``, ``message``, ``topic_arn``)."""
        self.authorization: Authorization | None = None
        """Evaluates each delivery against the target's resource policy (``None``: no enforcement)."""

    def install(self) -> None:
        """Take over moto's EventBridge delivery to the targets it cannot reach (Lambda, SNS, Step Functions, SQS)."""
        _moto.install_rule_delivery(self, self._handles, self._deliver_matched)

    def _handles(self, target: dict[str, Any]) -> bool:
        return _service(str(target["Arn"])) in self.HANDLED_SERVICES

    def _deliver_matched(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any], transform: bool) -> None:
        self.submit(rule_arn, target, _target_input(target, event, rule_arn) if transform else dict(event))

    def install_async_invoke(self) -> None:
        """Make ``Invoke`` with ``InvocationType=Event`` asynchronous: 202 at once, retries and DLQ after."""
        _moto.install_async_invoke(self, self.invoke_async)

    def install_sns_to_lambda(self) -> None:
        """Deliver SNS messages to Lambda subscriptions asynchronously, in the real SNS event shape.

        moto invokes the function inline with a fixed example event (``TopicArn``
        ``arn:aws:sns:EXAMPLE``, made-up attributes).
        """
        _moto.install_sns_delivery(self, self._deliver_sns)

    def _deliver_sns(self, notification: _moto.SnsNotification) -> bool:
        """Deliver one SNS notification; ``False`` leaves it to moto (every protocol but Lambda)."""
        if notification.protocol in {"email", "email-json"}:
            self.emails.append(_email(notification))
        if notification.protocol == "sqs" and not self.sns_may_deliver(notification, "sqs:SendMessage"):
            return True
        if notification.protocol != "lambda":
            return False
        if not self.sns_may_deliver(notification, "lambda:InvokeFunction"):
            return True
        if not notification.matches_filter_policy():
            return True
        function = self._function(notification.endpoint)
        self.invoke_async(function, {"Records": [_sns_record(notification)]})
        return True

    def sns_may_deliver(self, subscription: _moto.SnsNotification, action: str) -> bool:
        """Whether SNS may deliver to a subscription's queue or function (its resource policy, as in AWS).

        SNS sends to a queue, and invokes a function, as the service principal ``sns.amazonaws.com``
        with the topic as ``aws:SourceArn``; a queue policy or Lambda permission must allow it
        (https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html,
        https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html). A refused delivery is
        recorded as a denial and the message is not delivered.
        """
        if self.authorization is None:
            return True
        decision = self.authorization.check_service(
            SNS_PRINCIPAL, action, subscription.endpoint, source_arn=subscription.topic_arn
        )
        return decision.allowed

    def uninstall(self) -> None:
        """Give moto back what it patched (rule delivery, ``Invoke``, SNS delivery) and stop delivering."""
        _moto.uninstall_sns_delivery(self)
        _moto.uninstall_rule_delivery(self)
        _moto.uninstall_async_invoke(self)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, rule_arn: str, target: dict[str, Any], event: Any) -> None:
        """Deliver ``event`` to ``target`` in the background (EventBridge delivery is asynchronous)."""
        future = self._pool.submit(self._deliver, rule_arn, target, event, time.monotonic())
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every event handed over so far is delivered or dead-lettered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.01)
        return False

    # -- delivery ---------------------------------------------------------------------------
    def _deliver(self, rule_arn: str, target: dict[str, Any], event: Any, started: float) -> None:
        policy = target.get("RetryPolicy") or {}
        attempts = 1 + int(policy.get("MaximumRetryAttempts", 185))
        max_age = float(policy.get("MaximumEventAgeInSeconds", 86400))
        error: tuple[str, str] = ("", "")
        for attempt in range(attempts):
            if attempt and time.monotonic() - started > max_age:
                break
            try:
                self._hand_over(rule_arn, target, event)
                return
            except _DeliveryError as failure:
                error = (failure.code, failure.message)
                if not failure.retriable:
                    # Missing permissions are not retried: the event goes to the DLQ at once
                    # (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
                    break
            if attempt + 1 < attempts:
                time.sleep(self.retry_delay_seconds)
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if dlq and self.authorization is not None:
            # EventBridge writes to the DLQ as itself: the queue policy must allow it for this rule.
            decision = self.authorization.check_service(EVENTS_PRINCIPAL, "sqs:SendMessage", dlq, source_arn=rule_arn)
            if not decision.allowed:
                return
        if dlq:
            self._send_sqs(
                dlq,
                json.dumps(event),
                {
                    "RULE_ARN": rule_arn,
                    "TARGET_ARN": target["Arn"],
                    "ERROR_CODE": error[0],
                    "ERROR_MESSAGE": error[1],
                },
            )

    def _permit(self, rule_arn: str, target: dict[str, Any]) -> None:
        """Raise a non-retriable delivery error when AWS would refuse EventBridge this target.

        Lambda, SNS and SQS targets are reached as ``events.amazonaws.com`` through the target's
        resource policy; a state machine through the target's role, whose identity policy must
        allow ``states:StartExecution``
        (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html,
        https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html).
        """
        if self.authorization is None:
            return
        arn = str(target["Arn"])
        service = _service(arn)
        if service == "lambda":
            self._function(arn)  # a missing function is a missing resource first, not a permission problem
        action = _send_action(arn)
        role = target.get("RoleArn")
        if role:
            from serverless_patterns.local.policy import Principal

            principal = Principal.assumed_role(str(role), "events")
            decision = self.authorization.check(principal, action, arn, {"aws:SourceArn": rule_arn}, origin="delivery")
        else:
            decision = self.authorization.check_service(EVENTS_PRINCIPAL, action, arn, source_arn=rule_arn)
        if not decision.allowed:
            raise _DeliveryError("NO_PERMISSIONS", decision.reason, retriable=False)

    def _hand_over(self, rule_arn: str, target: dict[str, Any], event: Any) -> None:
        arn = str(target["Arn"])
        service = _service(arn)
        self._permit(rule_arn, target)
        try:
            if service == "lambda":
                self._invoke_async(arn, event)
            elif service == "sns":
                self.client("sns").publish(TopicArn=arn, Message=json.dumps(event))
            elif service == "sqs":
                group = (target.get("SqsParameters") or {}).get("MessageGroupId")
                self._send_sqs(arn, json.dumps(event), {}, group_id=group)
            elif service == "states":
                name = f"events-{uuid.uuid4().hex}"
                self.client("stepfunctions").start_execution(stateMachineArn=arn, name=name, input=json.dumps(event))
        except _DeliveryError:
            raise
        except Exception as error:  # any failure to reach the target is a delivery failure
            code = getattr(error, "response", {}).get("Error", {}).get("Code") or type(error).__name__
            raise _DeliveryError(str(code), str(error)) from error

    def _function(self, arn: str) -> _moto.FunctionView:
        parts = arn.split(":")
        function = _moto.get_function(parts[4], parts[3], arn)
        if function is None:
            raise _DeliveryError("ResourceNotFoundException", f"Function not found: {arn}")
        return function

    def _invoke_async(self, arn: str, event: Any) -> None:
        """Lambda's asynchronous invocation: accepted now, run and retried in the background."""
        function = self._function(arn)
        self.invoke_async(function, event)

    def invoke_async(self, function: _moto.FunctionView, event: Any) -> None:
        """Run ``function`` with ``event`` in the background with Lambda's asynchronous retries."""
        future = self._pool.submit(self._run_async, function, event, time.monotonic())
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _run_async(self, function: _moto.FunctionView, event: Any, started: float) -> None:
        config = self.async_configs.get(function.name, AsyncConfig())
        spec = self.runtime.spec_for(function)
        attempts = 0
        invocation = None
        for attempt in range(1 + config.max_retry_attempts):
            if attempt and time.monotonic() - started > config.max_event_age_seconds:
                break
            attempts += 1
            invocation = self.runtime.run(function, event, spec)
            if not invocation.errored:
                if config.on_success_arn and self._role_may_send(function, config.on_success_arn):
                    self._destination(config.on_success_arn, function, event, invocation, attempts, "Success")
                return
            if attempt < config.max_retry_attempts:
                time.sleep(self.retry_delay_seconds)
        assert invocation is not None
        if config.on_failure_arn and self._role_may_send(function, config.on_failure_arn):
            self._destination(config.on_failure_arn, function, event, invocation, attempts, "RetriesExhausted")
        if config.dead_letter_arn and self._role_may_send(function, config.dead_letter_arn):
            error = invocation.payload if isinstance(invocation.payload, dict) else {}
            attributes = {
                "RequestID": invocation.request_id,
                "ErrorCode": "200",
                "ErrorMessage": str(error.get("errorMessage", ""))[:255],
            }
            if _service(config.dead_letter_arn) == "sns":
                self.client("sns").publish(TopicArn=config.dead_letter_arn, Message=json.dumps(event))
            else:
                self._send_sqs(config.dead_letter_arn, json.dumps(event), attributes)

    def _role_may_send(self, function: _moto.FunctionView, arn: str) -> bool:
        """Whether the function's execution role may write to a destination or dead-letter target.

        Lambda sends asynchronous invocation records with the function's execution role
        (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html); a
        refused send is recorded as a denial and the record is lost, as in AWS.
        """
        if self.authorization is None or not function.role:
            return True
        from serverless_patterns.local.policy import Principal

        principal = Principal.assumed_role(function.role, function.name)
        return self.authorization.check(principal, _send_action(arn), arn, origin="delivery").allowed

    def _destination(  # noqa: PLR0917 - the parts of one invocation record
        self, arn: str, function: _moto.FunctionView, event: Any, invocation: Any, attempts: int, condition: str
    ) -> None:
        record = {
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "requestContext": {
                "requestId": invocation.request_id,
                "functionArn": f"{function.arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "responsePayload": invocation.payload,
        }
        if invocation.errored:
            record["responseContext"]["functionError"] = "Unhandled"
        service = _service(arn)
        body = json.dumps(record)
        if service == "sqs":
            self._send_sqs(arn, body, {})
        elif service == "sns":
            self.client("sns").publish(TopicArn=arn, Message=body)
        elif service == "lambda":
            self.invoke_async(self._function(arn), record)
        elif service == "events":
            outcome = "Success" if condition == "Success" else "Failure"
            self.client("events").put_events(
                Entries=[
                    {
                        "Source": "lambda",
                        "DetailType": f"Lambda Function Invocation Result - {outcome}",
                        "Detail": body,
                        "EventBusName": arn,
                    }
                ]
            )

    def _send_sqs(self, arn: str, body: str, attributes: dict[str, str], *, group_id: str | None = None) -> None:
        parts = arn.split(":")
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        message_attributes = {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
        }
        extra: dict[str, Any] = {}
        if parts[5].endswith(".fifo"):
            extra["MessageGroupId"] = group_id or "default"
            extra["MessageDeduplicationId"] = uuid.uuid4().hex
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=message_attributes, **extra)


class _DeliveryError(Exception):
    def __init__(self, code: str, message: str, *, retriable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retriable = retriable


# The action a sender needs on each kind of target (a delivery, a destination or a DLQ).
_SEND_ACTIONS = {
    "lambda": "lambda:InvokeFunction",
    "sns": "sns:Publish",
    "sqs": "sqs:SendMessage",
    "states": "states:StartExecution",
    "events": "events:PutEvents",
}


def _send_action(arn: str) -> str:
    service = _service(arn)
    return _SEND_ACTIONS.get(service, f"{service}:*")


def _service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""
