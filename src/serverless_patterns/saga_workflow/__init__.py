"""SagaWorkflow: a Step Functions saga with automatic compensation, retries and observability."""

from serverless_patterns.saga_workflow.construct import SagaWorkflow
from serverless_patterns.saga_workflow.definition import COMPENSATION_FAILED, SAGA_FAILED
from serverless_patterns.saga_workflow.steps import TRANSIENT_LAMBDA_ERRORS, SagaRetry, SagaStep

__all__ = ["COMPENSATION_FAILED", "SAGA_FAILED", "TRANSIENT_LAMBDA_ERRORS", "SagaRetry", "SagaStep", "SagaWorkflow"]
