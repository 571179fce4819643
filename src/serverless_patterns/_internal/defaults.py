"""Library-wide defaults: one place to change a default for every construct."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

# cdk-nag's AwsSolutions-L1 accepts only the newest runtime of a family, so the default follows it.
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
MEMORY_MIB = 256
TIMEOUT = Duration.seconds(10)
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
DLQ_RETENTION = Duration.days(14)
MAX_RECEIVE_COUNT = 3
# EventBridge delivery to a target (EventFanout routes, SagaWorkflow's trigger): retries and how
# long EventBridge keeps retrying before the event goes to the rule's dead-letter queue.
EVENT_RETRY_ATTEMPTS = 2
EVENT_MAX_AGE = Duration.hours(2)

# What every stateful resource (tables, queues, log groups, keys, the archive) does when it leaves
# the stack: CloudFormation's RetainExceptOnCreate keeps it on a stack update or deletion but
# deletes it when the stack operation that created it rolls back, so a failed first deploy leaves
# no orphans behind. Each construct's removal_policy option overrides it.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
REMOVAL_POLICY = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE

ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache"]
