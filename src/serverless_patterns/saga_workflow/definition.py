"""The state machine graph of a SagaWorkflow: the forward chain, failure records and compensations."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from serverless_patterns.saga_workflow.steps import SagaRetry, SagaStep

#: Error name of a saga that failed at a step (after its retries) and was compensated.
SAGA_FAILED = "SagaFailed"
#: Error name of a saga whose compensation failed for good: state needs repair by an operator.
COMPENSATION_FAILED = "CompensationFailed"


class SagaDefinition:
    """Builds the states: the forward chain, one failure record per step and the compensation chain."""

    def __init__(self, scope: Construct, steps: list[SagaStep], functions: list[lambda_.IFunction]) -> None:
        self._scope = scope
        self._functions = functions
        saga_failed = sfn.Fail(
            scope,
            "Saga failed",
            comment="A step failed or its guard was false; earlier steps were compensated",
            error_path="$.saga.error",
            cause_path="$.saga.cause",
        )
        compensation_failed = sfn.Fail(
            scope,
            "Compensation failed",
            comment="A compensation failed after its retries: state needs repair",
            error=COMPENSATION_FAILED,
            cause_path="$.saga.cause",
        )

        # after_failure[k]: where a failure of step k goes next, i.e. the compensation of the
        # nearest earlier step that has one, or straight to "Saga failed".
        after_failure: list[sfn.IChainable] = []
        undo: sfn.IChainable = saga_failed
        for step in steps[:-1]:  # the last step's compensation could never run: nothing follows it
            after_failure.append(undo)
            if step.compensation is not None:
                undo = self._compensation(step, undo, compensation_failed)

        after_failure.append(undo)
        following: sfn.IChainable = sfn.Succeed(scope, "Saga succeeded")
        for index in range(len(steps) - 1, -1, -1):
            step = steps[index]
            state = self._step_state(step)
            retry = step.retry or SagaRetry()
            _add_retry(state, retry)
            record = sfn.Pass(
                scope,
                f"{step.name} failed",
                comment=f"Records that step {step.name} failed after its retries",
                parameters={
                    "failedStep": step.name,
                    "error": SAGA_FAILED,
                    "cause": sfn.JsonPath.format(
                        f"step {step.name} failed: {{}}: {{}}",
                        sfn.JsonPath.string_at("$.saga.caught.Error"),
                        sfn.JsonPath.string_at("$.saga.caught.Cause"),
                    ),
                    "caught": sfn.JsonPath.object_at("$.saga.caught"),
                },
                result_path="$.saga",
            )
            record.next(after_failure[index])
            state.add_catch(record, errors=["States.ALL"], result_path="$.saga.caught")
            if step.guard is not None:
                guard_failed = sfn.Pass(
                    scope,
                    f"{step.name} guard failed",
                    comment=f"Records that the guard of step {step.name} was false",
                    result=sfn.Result.from_object(
                        {
                            "failedStep": step.name,
                            "error": step.effective_guard_error,
                            "cause": f"step {step.name} guard was false ({step.effective_guard_error})",
                            "caught": {"Error": step.effective_guard_error, "Cause": "guard was false"},
                        }
                    ),
                    result_path="$.saga",
                )
                guard_failed.next(after_failure[index])
                choice = sfn.Choice(scope, f"{step.name} guard", comment=f"Did step {step.name} succeed?")
                choice.when(step.guard, following).otherwise(guard_failed)
                state.next(choice)
            else:
                state.next(following)
            following = state
        self.start = following

    def _invoke(self, state_name: str, function: lambda_.IFunction, result_path: str) -> sfn.State:
        fn = function
        self._functions.append(fn)
        # The Lambda integration with the function ARN as Resource returns the function's
        # payload itself (no StatusCode/headers envelope), stored whole at result_path.
        return sfn.CustomState(
            self._scope,
            state_name,
            state_json={"Type": "Task", "Resource": fn.function_arn, "ResultPath": result_path},
        )

    def _step_state(self, step: SagaStep) -> sfn.CustomState | sfn.TaskStateBase:
        if step.task is not None:
            return step.task
        assert step.function is not None  # validated: exactly one of function and task
        state = self._invoke(step.name, step.function, f"$.results.{step.name}")
        assert isinstance(state, sfn.CustomState)
        return state

    def _compensation(self, step: SagaStep, following: sfn.IChainable, compensation_failed: sfn.Fail) -> sfn.State:
        compensation = step.compensation
        assert compensation is not None
        name = f"Compensate {step.name}"
        state: sfn.CustomState | sfn.TaskStateBase
        if isinstance(compensation, sfn.TaskStateBase):
            state = compensation
        else:
            custom = self._invoke(name, compensation, f"$.saga.compensations.{step.name}")
            assert isinstance(custom, sfn.CustomState)
            state = custom
        _add_retry(state, step.retry or SagaRetry())
        record = sfn.Pass(
            self._scope,
            f"{name} failed",
            comment=f"Records that the compensation of step {step.name} failed after its retries",
            parameters={
                "failedStep": sfn.JsonPath.string_at("$.saga.failedStep"),
                "failedCompensation": step.name,
                "error": COMPENSATION_FAILED,
                "cause": sfn.JsonPath.format(
                    f"compensation of step {step.name} failed: {{}}: {{}}; the saga had failed with: {{}}",
                    sfn.JsonPath.string_at("$.saga.compensationCaught.Error"),
                    sfn.JsonPath.string_at("$.saga.compensationCaught.Cause"),
                    sfn.JsonPath.string_at("$.saga.cause"),
                ),
                "caught": sfn.JsonPath.object_at("$.saga.caught"),
                "compensationCaught": sfn.JsonPath.object_at("$.saga.compensationCaught"),
            },
            result_path="$.saga",
        )
        record.next(compensation_failed)
        state.add_catch(record, errors=["States.ALL"], result_path="$.saga.compensationCaught")
        state.next(following)
        return state


def _add_retry(state: sfn.CustomState | sfn.TaskStateBase, retry: SagaRetry) -> None:
    state.add_retry(
        errors=list(retry.errors),
        max_attempts=retry.max_attempts,
        interval=retry.interval,
        backoff_rate=retry.backoff_rate,
        max_delay=retry.max_delay,
        jitter_strategy=sfn.JitterType.FULL if retry.jitter else None,
    )
