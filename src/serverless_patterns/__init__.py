"""serverless-patterns: AWS CDK v2 constructs for production serverless systems."""

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._version import __version__
from serverless_patterns.event_fanout import EventFanout, FanoutRoute, FanoutTarget
from serverless_patterns.function import ServerlessFunction
from serverless_patterns.lambda_alarms import (
    AlarmOptions,
    LambdaAlarms,
    WatchedFunction,
    WatchedQueue,
    WatchedRestApi,
    WatchedStateMachine,
)
from serverless_patterns.queue_processor import QueueProcessor
from serverless_patterns.saga_workflow import SagaRetry, SagaStep, SagaWorkflow

__all__ = [
    "AlarmOptions",
    "EventFanout",
    "FanoutRoute",
    "FanoutTarget",
    "LambdaAlarms",
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
