"""LambdaAlarms: alarms, an encrypted alarm topic and dashboards for a serverless application."""

from serverless_patterns.lambda_alarms.construct import (
    LambdaAlarms,
    WatchedFunction,
    WatchedQueue,
    WatchedRestApi,
    WatchedStateMachine,
)
from serverless_patterns.lambda_alarms.options import ALARM_KINDS, AlarmOptions

__all__ = [
    "ALARM_KINDS",
    "AlarmOptions",
    "LambdaAlarms",
    "WatchedFunction",
    "WatchedQueue",
    "WatchedRestApi",
    "WatchedStateMachine",
]
