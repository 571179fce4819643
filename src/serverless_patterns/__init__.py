"""serverless-patterns: AWS CDK v2 constructs for production serverless systems."""

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._version import __version__
from serverless_patterns.crud_api import ALL_OPERATIONS, CrudApi, CrudRestApi, Operation
from serverless_patterns.event_fanout import EventFanout, FanoutRoute, FanoutTarget
from serverless_patterns.function import ServerlessFunction
from serverless_patterns.lambda_alarms import (
    ALARM_KINDS,
    AlarmOptions,
    LambdaAlarms,
    WatchedFunction,
    WatchedQueue,
    WatchedRestApi,
    WatchedStateMachine,
)
from serverless_patterns.queue_processor import QueueProcessor
from serverless_patterns.saga_workflow import (
    COMPENSATION_FAILED,
    SAGA_FAILED,
    TRANSIENT_LAMBDA_ERRORS,
    SagaRetry,
    SagaStep,
    SagaWorkflow,
)

__all__ = [
    "ALARM_KINDS",
    "ALL_OPERATIONS",
    "COMPENSATION_FAILED",
    "SAGA_FAILED",
    "TRANSIENT_LAMBDA_ERRORS",
    "AlarmOptions",
    "CrudApi",
    "CrudRestApi",
    "EventFanout",
    "FanoutRoute",
    "FanoutTarget",
    "LambdaAlarms",
    "Operation",
    "QueueProcessor",
    "SagaRetry",
    "SagaStep",
    "SagaWorkflow",
    "ServerlessFunction",
    "ValidationError",
    "WatchedFunction",
    "WatchedQueue",
    "WatchedRestApi",
    "WatchedStateMachine",
    "__version__",
]
