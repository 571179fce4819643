"""The article's MonitoringStack, hand-written with aws-cdk-lib L2 constructs, scaled to N functions.

Translated from the reference article's TypeScript (``lib/monitoring-stack.ts``), with the article's
choices kept: an unencrypted topic with one e-mail subscription; per function an error-count alarm
(Errors sum over 5 minutes above 10, 2 periods, missing data not breaching), an average-duration
alarm above a fixed 3 seconds and a throttle alarm; a dashboard with four graphs per function
(invocations, errors, duration, throttles). The article watches one function; scaling repeats its
per-function part, with an index in every construct id and alarm name so they stay unique.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions


def monitoring(stack: cdk.Stack, functions: Sequence[lambda_.IFunction]) -> cloudwatch.Dashboard:
    """The article's alarm topic, three alarms per function and its four-graph dashboard."""
    alarm_topic = sns.Topic(stack, "AlarmTopic", display_name="Lambda Alarms")
    alarm_topic.add_subscription(subscriptions.EmailSubscription("ops-team@example.com"))
    dashboard = cloudwatch.Dashboard(stack, "LambdaDashboard", dashboard_name="Serverless-API-Dashboard")

    for index, api_function in enumerate(functions):
        error_alarm = cloudwatch.Alarm(
            stack,
            f"ErrorAlarm{index}",
            alarm_name=f"Lambda-Hoog-Foutpercentage-{index}",
            metric=api_function.metric_errors(statistic="Sum", period=cdk.Duration.minutes(5)),
            threshold=10,
            evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        error_alarm.add_alarm_action(actions.SnsAction(alarm_topic))

        duration_alarm = cloudwatch.Alarm(
            stack,
            f"DurationAlarm{index}",
            alarm_name=f"Lambda-Trage-Response-{index}",
            metric=api_function.metric_duration(statistic="Average", period=cdk.Duration.minutes(5)),
            threshold=3000,
            evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        duration_alarm.add_alarm_action(actions.SnsAction(alarm_topic))

        throttle_alarm = cloudwatch.Alarm(
            stack,
            f"ThrottleAlarm{index}",
            alarm_name=f"Lambda-Throttling-{index}",
            metric=api_function.metric_throttles(statistic="Sum", period=cdk.Duration.minutes(5)),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        throttle_alarm.add_alarm_action(actions.SnsAction(alarm_topic))

        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Aanroepen", left=[api_function.metric_invocations()]),
            cloudwatch.GraphWidget(title="Fouten", left=[api_function.metric_errors()]),
            cloudwatch.GraphWidget(title="Duur", left=[api_function.metric_duration()]),
            cloudwatch.GraphWidget(title="Throttles", left=[api_function.metric_throttles()]),
        )
    return dashboard
