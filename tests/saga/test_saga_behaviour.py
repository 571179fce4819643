"""SagaWorkflow behaviour: the synthesized definition run by moto's Step Functions interpreter.

The saga has six steps; three have a compensation and two a guard:

    validate(guard) -> reserve[undo] -> charge[undo](guard) -> audit -> ship[undo] -> notify

Each test starts an execution whose ``plan`` makes a chosen step or compensation fail, and reads
the journal of calls that the real step handlers wrote to DynamoDB on moto.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from serverless_patterns import ServerlessFunction
from serverless_patterns.local import LambdaRuntime
from serverless_patterns.saga_workflow import SagaRetry, SagaStep, SagaWorkflow
from tests.saga.conftest import DeployedSaga, deploy_saga

STEP_HANDLER = Path(__file__).parent / "handlers" / "step"
STEPS = ["validate", "reserve", "charge", "audit", "ship", "notify"]
COMPENSATED = {"reserve", "charge", "ship"}
GUARDED = {"validate": "OrderInvalid", "charge": "PaymentDeclined"}
# Short waits keep the suite fast; the errors retried are the default (the Lambda service's transient ones).
RETRY = SagaRetry(interval=cdk.Duration.seconds(1), backoff_rate=1.0)


def _compensations_after(index: int) -> list[str]:
    return [f"undo:{step}" for step in reversed(STEPS[:index]) if step in COMPENSATED]


def _ran(until: int) -> list[str]:
    return [f"do:{step}" for step in STEPS[: until + 1]]


@pytest.fixture(scope="module")
def saga(lambda_runtime: LambdaRuntime, moto_server: str) -> DeployedSaga:
    stack = cdk.Stack(cdk.App(), "SagaBehaviour")
    functions: dict[str, tuple[str, Path]] = {}

    def function(name: str) -> ServerlessFunction:
        fn = ServerlessFunction(stack, name.replace("-", "_"), entry=str(STEP_HANDLER))
        cfn = fn.node.default_child
        assert isinstance(cfn, cdk.CfnResource)
        functions[stack.get_logical_id(cfn)] = (name, STEP_HANDLER)
        return fn

    steps = [
        SagaStep(
            name=step,
            function=function(f"do-{step}"),
            compensation=function(f"undo-{step}") if step in COMPENSATED else None,
            guard=sfn.Condition.boolean_equals(f"$.results.{step}.ok", True) if step in GUARDED else None,
            guard_error=GUARDED.get(step),
            retry=RETRY,
        )
        for step in STEPS
    ]
    SagaWorkflow(stack, "Orders", steps=steps)
    return deploy_saga(moto_server, dict(Template.from_stack(stack).to_json()), functions)


def test_happy_path_runs_every_step_once_and_keeps_input_and_every_result(saga: DeployedSaga) -> None:
    execution = saga.run("happy", customer="c-42")

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.calls == _ran(len(STEPS) - 1)
    assert execution.output is not None
    assert execution.output["orderId"] == "happy"
    assert execution.output["customer"] == "c-42"
    results = execution.output["results"]
    assert list(results) == STEPS
    for index, step in enumerate(STEPS):
        # every step received the original input plus the results of the steps before it
        assert results[step]["step"] == step
        assert results[step]["sawResults"] == sorted(STEPS[:index])
    assert "saga" not in execution.output


@pytest.mark.parametrize("failing", range(len(STEPS)), ids=STEPS)
def test_failure_at_each_step_compensates_earlier_steps_in_reverse(saga: DeployedSaga, failing: int) -> None:
    step = STEPS[failing]
    execution = saga.run(f"fail-{step}", {"fail": {step: "BoomError"}})

    assert execution.status == "FAILED"
    assert execution.error == "SagaFailed"
    assert execution.cause is not None
    assert execution.cause.startswith(f"step {step} failed: BoomError: ")
    # the failed step ran once (BoomError is not a transient error), later steps never ran,
    # and exactly the earlier steps with a compensation were undone, newest first
    assert execution.calls == _ran(failing) + _compensations_after(failing)


@pytest.mark.parametrize("guarded", sorted(GUARDED))
def test_false_guard_fails_with_its_error_and_compensates_earlier_steps(saga: DeployedSaga, guarded: str) -> None:
    index = STEPS.index(guarded)
    execution = saga.run(f"guard-{guarded}", {"results": {guarded: {"ok": False}}})

    assert execution.status == "FAILED"
    assert execution.error == GUARDED[guarded]
    assert execution.cause == f"step {guarded} guard was false ({GUARDED[guarded]})"
    assert execution.calls == _ran(index) + _compensations_after(index)


def test_transient_errors_are_retried_and_the_saga_succeeds(saga: DeployedSaga) -> None:
    execution = saga.run("transient-charge", {"transient": {"charge": 2}})

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.calls.count("do:charge") == 3
    assert execution.calls == [*_ran(2), "do:charge", "do:charge", *_ran(len(STEPS) - 1)[3:]]
    assert execution.output is not None
    assert execution.output["results"]["charge"]["attempt"] == 3


def test_transient_errors_beyond_max_attempts_fail_the_step_and_compensate(saga: DeployedSaga) -> None:
    execution = saga.run("transient-ship", {"transient": {"ship": 10}})

    assert execution.status == "FAILED"
    assert execution.error == "SagaFailed"
    assert execution.cause is not None
    assert execution.cause.startswith("step ship failed: Lambda.TooManyRequestsException: ")
    index = STEPS.index("ship")
    # one attempt and max_attempts (3) retries, then the compensations
    assert execution.calls == _ran(index) + ["do:ship"] * 3 + _compensations_after(index)


def test_failing_compensation_stops_with_compensation_failed_naming_it(saga: DeployedSaga) -> None:
    execution = saga.run("undo-fails", {"fail": {"ship": "BoomError"}, "failUndo": {"charge": "RefundRejected"}})

    assert execution.status == "FAILED"
    assert execution.error == "CompensationFailed"
    assert execution.cause is not None
    assert execution.cause.startswith("compensation of step charge failed: RefundRejected: ")
    assert "the saga had failed with: step ship failed: BoomError" in execution.cause
    # reserve is not compensated after the failed compensation of charge: state needs repair
    assert execution.calls == [*_ran(STEPS.index("ship")), "undo:charge"]


def test_compensation_retries_transient_errors(saga: DeployedSaga) -> None:
    execution = saga.run("undo-transient", {"fail": {"audit": "BoomError"}, "transientUndo": {"charge": 1}})

    assert execution.status == "FAILED"
    assert execution.error == "SagaFailed"
    assert execution.calls == [*_ran(STEPS.index("audit")), "undo:charge", "undo:charge", "undo:reserve"]
