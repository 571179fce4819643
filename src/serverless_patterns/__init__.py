"""serverless-patterns: AWS CDK v2 constructs for production serverless systems.

The constructs are imported on first use (PEP 562), so that ``import serverless_patterns`` and
the ``serverless-patterns`` command start without loading aws-cdk-lib and its Node.js process
until a construct is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._version import __version__

if TYPE_CHECKING:
    from serverless_patterns.crud_api import (
        ALL_OPERATIONS,
        ApiGatewayCloudWatchRole,
        CrudApi,
        CrudHttpApi,
        CrudRestApi,
        HttpCrudApi,
        Operation,
    )
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

_LAZY = {
    "serverless_patterns.crud_api": (
        "ALL_OPERATIONS",
        "ApiGatewayCloudWatchRole",
        "CrudApi",
        "CrudHttpApi",
        "CrudRestApi",
        "HttpCrudApi",
        "Operation",
    ),
    "serverless_patterns.event_fanout": ("EventFanout", "FanoutRoute", "FanoutTarget"),
    "serverless_patterns.function": ("ServerlessFunction",),
    "serverless_patterns.lambda_alarms": (
        "ALARM_KINDS",
        "AlarmOptions",
        "LambdaAlarms",
        "WatchedFunction",
        "WatchedQueue",
        "WatchedRestApi",
        "WatchedStateMachine",
    ),
    "serverless_patterns.queue_processor": ("QueueProcessor",),
    "serverless_patterns.saga_workflow": (
        "COMPENSATION_FAILED",
        "SAGA_FAILED",
        "TRANSIENT_LAMBDA_ERRORS",
        "SagaRetry",
        "SagaStep",
        "SagaWorkflow",
    ),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'serverless_patterns' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ALARM_KINDS",
    "ALL_OPERATIONS",
    "COMPENSATION_FAILED",
    "SAGA_FAILED",
    "TRANSIENT_LAMBDA_ERRORS",
    "AlarmOptions",
    "ApiGatewayCloudWatchRole",
    "CrudApi",
    "CrudHttpApi",
    "CrudRestApi",
    "EventFanout",
    "FanoutRoute",
    "FanoutTarget",
    "HttpCrudApi",
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
