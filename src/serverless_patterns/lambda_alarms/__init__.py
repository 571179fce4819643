"""LambdaAlarms: alarms, an encrypted alarm topic and dashboards for a serverless application."""

from serverless_patterns.lambda_alarms.alarms import ALARM_KINDS
from serverless_patterns.lambda_alarms.construct import LambdaAlarms
from serverless_patterns.lambda_alarms.options import AlarmOptions
from serverless_patterns.lambda_alarms.watched import (
    WatchedFunction,
    WatchedQueue,
    WatchedRestApi,
    WatchedStateMachine,
)

__all__ = [
    "ALARM_KINDS",
    "AlarmOptions",
    "LambdaAlarms",
    "WatchedFunction",
    "WatchedQueue",
    "WatchedRestApi",
    "WatchedStateMachine",
]
