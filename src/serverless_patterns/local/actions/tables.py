"""AWS's documented exceptions, as tables: other action names, actions without resources, ARN parameters."""

from __future__ import annotations


def _pairs(table: str) -> dict[str, str]:
    words = table.split()
    return dict(zip(words[::2], words[1::2], strict=True))


# Operations whose IAM action has another name (every other operation authorizes "<prefix>:<Operation>").
_ACTION_NAMES: dict[str, dict[str, str]] = {
    # "This operation requires permission for the lambda:InvokeFunction action":
    # https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html, and InvokeWithResponseStream's page alike
    "lambda": _pairs("Invoke InvokeFunction  InvokeWithResponseStream InvokeFunction"),
    # A batch is authorized as its single action: "Amazon SQS API permissions: Actions and resource reference",
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
    "sqs": _pairs("""
        SendMessageBatch SendMessage  DeleteMessageBatch DeleteMessage
        ChangeMessageVisibilityBatch ChangeMessageVisibility
    """),
    # There is no sns:PublishBatch; PublishBatch, "a batch version of the Publish API", is authorized as sns:Publish:
    # https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html
    "sns": _pairs("PublishBatch Publish"),
    # "Required permissions for Amazon S3 API operations", and the Permissions section of each operation's page:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
    "s3": _pairs("""
        ListBuckets ListAllMyBuckets  ListObjects ListBucket  ListObjectsV2 ListBucket  HeadBucket ListBucket
        ListObjectVersions ListBucketVersions  ListMultipartUploads ListBucketMultipartUploads
        ListParts ListMultipartUploadParts  HeadObject GetObject  SelectObjectContent GetObject
        CreateMultipartUpload PutObject  UploadPart PutObject  CompleteMultipartUpload PutObject
        CopyObject PutObject  UploadPartCopy PutObject  DeleteObjects DeleteObject
        GetBucketNotificationConfiguration GetBucketNotification
        PutBucketNotificationConfiguration PutBucketNotification
        GetBucketLifecycle GetLifecycleConfiguration  GetBucketLifecycleConfiguration GetLifecycleConfiguration
        PutBucketLifecycle PutLifecycleConfiguration  PutBucketLifecycleConfiguration PutLifecycleConfiguration
        DeleteBucketLifecycle PutLifecycleConfiguration
        GetBucketCors GetBucketCORS  PutBucketCors PutBucketCORS  DeleteBucketCors PutBucketCORS
        GetBucketEncryption GetEncryptionConfiguration  PutBucketEncryption PutEncryptionConfiguration
        DeleteBucketEncryption PutEncryptionConfiguration
        GetPublicAccessBlock GetBucketPublicAccessBlock  PutPublicAccessBlock PutBucketPublicAccessBlock
        DeletePublicAccessBlock PutBucketPublicAccessBlock
        DeleteBucketTagging PutBucketTagging  DeleteBucketOwnershipControls PutBucketOwnershipControls
        GetBucketReplication GetReplicationConfiguration  PutBucketReplication PutReplicationConfiguration
        DeleteBucketReplication PutReplicationConfiguration
        GetBucketAccelerateConfiguration GetAccelerateConfiguration
        PutBucketAccelerateConfiguration PutAccelerateConfiguration
        GetObjectLockConfiguration GetBucketObjectLockConfiguration
        PutObjectLockConfiguration PutBucketObjectLockConfiguration
        GetBucketAnalyticsConfiguration GetAnalyticsConfiguration
        ListBucketAnalyticsConfigurations GetAnalyticsConfiguration
        PutBucketAnalyticsConfiguration PutAnalyticsConfiguration
        DeleteBucketAnalyticsConfiguration PutAnalyticsConfiguration
        GetBucketInventoryConfiguration GetInventoryConfiguration
        ListBucketInventoryConfigurations GetInventoryConfiguration
        PutBucketInventoryConfiguration PutInventoryConfiguration
        DeleteBucketInventoryConfiguration PutInventoryConfiguration
        GetBucketMetricsConfiguration GetMetricsConfiguration  ListBucketMetricsConfigurations GetMetricsConfiguration
        PutBucketMetricsConfiguration PutMetricsConfiguration  DeleteBucketMetricsConfiguration PutMetricsConfiguration
        GetBucketIntelligentTieringConfiguration GetIntelligentTieringConfiguration
        ListBucketIntelligentTieringConfigurations GetIntelligentTieringConfiguration
        PutBucketIntelligentTieringConfiguration PutIntelligentTieringConfiguration
        DeleteBucketIntelligentTieringConfiguration PutIntelligentTieringConfiguration
    """),
}
# With a versionId S3 authorizes the version's action (the same page, and each operation's API reference).
_S3_VERSION_ACTIONS = _pairs("""
    GetObject GetObjectVersion  HeadObject GetObjectVersion  DeleteObject DeleteObjectVersion
    GetObjectAcl GetObjectVersionAcl  PutObjectAcl PutObjectVersionAcl  GetObjectTagging GetObjectVersionTagging
    PutObjectTagging PutObjectVersionTagging  DeleteObjectTagging DeleteObjectVersionTagging
""")
# Operations whose actions have no resource-level permissions, per the "Actions, resources, and condition keys" page
# of each service (https://docs.aws.amazon.com/service-authorization/latest/reference/): AWS authorizes them on "*".
_NO_RESOURCE: dict[str, frozenset[str]] = {
    prefix: frozenset(operations.split())
    for prefix, operations in {
        "dynamodb": "ListTables ListBackups ListGlobalTables ListStreams DescribeLimits DescribeEndpoints",
        "sqs": "ListQueues",
        "sns": "ListTopics ListSubscriptions",
        "events": "ListEventBuses ListRules ListRuleNamesByTarget TestEventPattern",
        "states": "ListStateMachines ListActivities",
        "lambda": "ListFunctions GetAccountSettings ListEventSourceMappings CreateEventSourceMapping",
        "s3": "ListBuckets",
        "kms": "CreateKey ListKeys ListAliases GenerateRandom",
        "secretsmanager": "ListSecrets GetRandomPassword",
        "ssm": "DescribeParameters",
        "cloudwatch": "PutMetricData GetMetricData GetMetricStatistics ListMetrics",
        "xray": "PutTraceSegments PutTelemetryRecords GetSamplingRules GetSamplingTargets GetTraceSummaries",
        "sts": "GetSessionToken GetAccessKeyInfo DecodeAuthorizationMessage",
        "cloudformation": "ListStacks ValidateTemplate ListExports",
        "iam": "ListRoles ListUsers ListPolicies ListGroups",
    }.items()
}
# Parameters whose value is the resource's ARN, tried in order after a service's own rule.
_ARN_PARAMETERS: dict[str, tuple[str, ...]] = {
    prefix: tuple(parameters.split())
    for prefix, parameters in {
        "dynamodb": "ResourceArn StreamArn TableArn BackupArn",
        "sns": "TopicArn TargetArn ResourceArn",
        "events": "ResourceARN",
        # An execution's calls are authorized on the execution (DescribeExecution), the rest on the state machine.
        "states": "executionArn stateMachineArn activityArn mapRunArn resourceArn",
        "lambda": "Resource",
        "logs": "resourceArn",
        "sts": "RoleArn",
        "iam": "PolicyArn",
    }.items()
}
