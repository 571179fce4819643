"""Typed step and retry descriptions for :class:`~serverless_patterns.saga_workflow.SagaWorkflow`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Imported for real, not under TYPE_CHECKING: SagaWorkflow type-checks each step field by field
# against these annotations at runtime.
from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn

#: The errors AWS recommends retrying on every Lambda invocation from Step Functions: the
#: Lambda service's own transient failures, never the function's errors.
TRANSIENT_LAMBDA_ERRORS: tuple[str, ...] = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
)


@dataclass(frozen=True, kw_only=True)
class SagaRetry:
    """A retry policy for a saga step or its compensation (Step Functions ``Retry``).

    Parameters
    ----------
    errors
        Error names to retry (for example a function's ``errorType``, ``"States.Timeout"``).
        Default: the Lambda service's transient errors (:data:`TRANSIENT_LAMBDA_ERRORS`).
    max_attempts
        Retries after the first attempt, 0 to 99999999; 0 turns retrying off. Default: 3.
    interval
        Wait before the first retry, 1 to 99999999 whole seconds. Default: 2 seconds.
    backoff_rate
        Multiplier of the wait after each retry, 1.0 to 99999999. Default: 2.0.
    max_delay
        Upper bound of any wait, 1 second to 366 days, at least ``interval``. Default: - none.
    jitter
        Randomise each wait (``JitterStrategy: FULL``) so retries of many executions spread out.
        Default: ``True``.

    Examples
    --------
    >>> from aws_cdk import Duration
    >>> retry = SagaRetry(errors=["PaymentGatewayBusy"], max_attempts=5, interval=Duration.seconds(1))
    >>> retry.backoff_rate
    2.0
    """

    errors: Sequence[str] = TRANSIENT_LAMBDA_ERRORS
    max_attempts: int = 3
    interval: Duration = field(default_factory=lambda: Duration.seconds(2))
    backoff_rate: float = 2.0
    max_delay: Duration | None = None
    jitter: bool = True


@dataclass(frozen=True, kw_only=True)
class SagaStep:
    """One step of a saga: what runs, how to undo it, how to retry it and when it counts as failed.

    Parameters
    ----------
    name
        The step's name, unique in its saga: a letter, then letters, digits or ``_``, at most 64
        characters. Its result is stored at ``$.results.<name>`` and it names the generated states
        (``<name>``, ``Compensate <name>``), so renaming a step changes the definition.
    function
        The Lambda function the step invokes (any ``lambda.IFunction``: a ``lambda.Function``, a
        ``ServerlessFunction``, an alias, an imported function) with
        the whole saga state as its event; its return value is stored at ``$.results.<name>``.
        Give ``function`` or ``task``.
    task
        Any Step Functions task state instead (for example ``tasks.DynamoPutItem``). It keeps
        its own state name and must set ``result_path`` (``"$.results.<name>"`` or
        ``JsonPath.DISCARD``) so that it overwrites nothing. aws-cdk-lib adds its IAM
        permissions to the saga's role.
    compensation
        What undoes the step: a function (invoked with the saga state, the error included, at
        ``$.saga``; its result is kept at ``$.saga.compensations.<name>``) or a task, which
        must set ``result_path``. It runs when a later step fails. Default: - nothing to undo.
    retry
        Retry policy of the step and of its compensation. Default: ``SagaRetry()``: the Lambda
        service's transient errors, 3 retries from 2 seconds with backoff 2.0 and full jitter.
    guard
        A condition on the saga state after the step (for example
        ``Condition.boolean_equals("$.results.validate.valid", True)``); when false the saga
        fails with ``guard_error`` and compensates the earlier steps. A guard that reads a
        field the step may omit should test ``Condition.is_present`` first: Step Functions
        fails the execution outright on a missing path. Default: - no guard.
    guard_error
        Error name the saga fails with when ``guard`` is false: a letter, then letters, digits,
        ``.`` or ``_``, at most 128 characters, not starting with ``States.``. The cause names
        the step. Default: ``"GuardFailed"``.

    Examples
    --------
    >>> from aws_cdk import App, Stack, aws_lambda as lambda_, aws_stepfunctions as sfn
    >>> stack = Stack(App(), "Docs")
    >>> charge = lambda_.Function.from_function_name(stack, "Charge", "charge")
    >>> refund = lambda_.Function.from_function_name(stack, "Refund", "refund")
    >>> step = SagaStep(
    ...     name="payment",
    ...     function=charge,
    ...     compensation=refund,
    ...     guard=sfn.Condition.string_equals("$.results.payment.status", "SUCCESS"),
    ...     guard_error="PaymentDeclined",
    ... )
    >>> step.name
    'payment'
    """

    name: str
    function: lambda_.IFunction | None = None
    task: sfn.TaskStateBase | None = None
    compensation: lambda_.IFunction | sfn.TaskStateBase | None = None
    retry: SagaRetry | None = None
    guard: sfn.Condition | None = None
    guard_error: str | None = None

    @property
    def effective_guard_error(self) -> str:
        """The error name of a false guard: ``guard_error`` or ``"GuardFailed"``."""
        return self.guard_error or "GuardFailed"
