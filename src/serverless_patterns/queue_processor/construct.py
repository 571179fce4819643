"""QueueProcessor: SQS to Lambda with partial batch failures and a dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.queues import acknowledge_sqs_managed_encryption, dead_letter_queue
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules, is_unresolved
from serverless_patterns.function import ServerlessFunction

# Lambda's guidance: a visibility timeout of at least six times the function timeout, so a
# message is not redelivered while a throttled or retried invocation still works on it.
VISIBILITY_TIMEOUT_FACTOR = 6
# Lambda's own default timeout, for a lambda.Function defined without one
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3)
DEFAULT_HANDLER = "index.handler"
DEFAULT_BATCH_SIZE = 10


class QueueProcessor(Construct):
    """Defines an SQS queue processed by a Lambda function, with partial batch failures and a DLQ.

    What it defines: an encrypted, TLS-only queue whose messages move to an encrypted, TLS-only
    dead-letter queue (14-day retention) after ``max_receive_count`` failed receives; a
    ``ServerlessFunction`` (unless a ``function`` is given); and an event source mapping with
    ``ReportBatchItemFailures``, so only the records the handler names as failed return to the
    queue, and the rest of the batch is not redelivered.

    The handler processes one record at a time with Powertools' ``BatchProcessor``:

    .. code-block:: python

        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        processor = BatchProcessor(event_type=EventType.SQS)

        def record_handler(record):
            save_order(record.json_body)  # raise to fail just this record

        def handler(event, context):
            return process_partial_response(event, record_handler, processor, context)

    Parameters
    ----------
    scope
        The parent construct.
    id
        The construct id.
    entry
        Folder of the handler code, for a new ``ServerlessFunction`` with default options.
        Give ``entry`` or ``function``.
    handler
        ``module.function`` inside ``entry``; not with ``function``. Default: ``"index.handler"``.
    function
        Any ``lambda.IFunction`` to process the queue instead (a ``ServerlessFunction``, a plain
        ``lambda.Function``, an alias or version, an imported function); not with ``entry``.
    visibility_timeout
        At least six times the function timeout, whole seconds, at most 12 hours. Required when
        ``function`` is imported (``Function.from_function_arn`` and the like): its timeout is
        not known at synth. Default: six times the function timeout (10 seconds for a new
        ``ServerlessFunction``; Lambda's 3 seconds for a ``lambda.Function`` defined without one).
    retention_period
        How long the queue keeps a message, 60 seconds to 14 days. Default: 4 days.
    max_receive_count
        Receives before a message moves to the DLQ, 1 to 1000. Default: 3.
    dead_letter_retention
        How long the DLQ keeps a message, 60 seconds to 14 days. Default: 14 days.
    batch_size
        Records per invocation, 1 to 10000 (over 10 needs a batching window). Default: 10.
    max_batching_window
        How long to gather records, up to 5 minutes. Default: - none.
    max_concurrency
        Most concurrent invocations from this queue, 2 to 1000. Default: - no limit.
    encryption_key
        A customer-managed KMS key for both queues. Default: - SQS-managed encryption (SSE-SQS).
    removal_policy
        What happens to both queues when the stack is deleted.
        Default: ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE`` (kept, except when their first
        creation rolls back).

    Attributes
    ----------
    queue, dead_letter_queue
        The two ``sqs.Queue`` constructs.
    function
        The ``lambda.IFunction`` that processes the queue (the ``ServerlessFunction`` defined
        from ``entry``, or the ``function`` given).
    event_source
        The ``SqsEventSource``.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> from serverless_patterns import QueueProcessor
    >>> stack = Stack(App(), "Docs")
    >>> orders = QueueProcessor(stack, "Orders", entry="examples/order_system/handlers/ingest")
    >>> orders.queue.queue_arn.startswith("${Token")
    True

    Any ``lambda.IFunction`` works; an imported one needs ``visibility_timeout``:

    >>> from aws_cdk import Duration, aws_lambda as lambda_
    >>> billing = lambda_.Function.from_function_name(stack, "Billing", "billing")
    >>> invoices = QueueProcessor(stack, "Invoices", function=billing, visibility_timeout=Duration.minutes(3))
    >>> invoices.function is billing
    True
    """

    @typed_options
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        entry: str | None = None,
        handler: str | None = None,
        function: lambda_.IFunction | None = None,
        visibility_timeout: Duration | None = None,
        retention_period: Duration | None = None,
        max_receive_count: int = defaults.MAX_RECEIVE_COUNT,
        dead_letter_retention: Duration | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batching_window: Duration | None = None,
        max_concurrency: int | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = defaults.REMOVAL_POLICY,
    ) -> None:
        super().__init__(scope, id)
        dead_letter_retention = dead_letter_retention or defaults.DLQ_RETENTION

        rules = Rules()
        rules.exclusive(entry=entry, function=function)
        rules.exclusive(function=function, handler=handler)
        rules.check(entry is not None or function is not None, "give entry (a folder of handler code) or function")
        rules.in_range("max_receive_count", max_receive_count, 1, 1000)
        rules.in_range("batch_size", batch_size, 1, 10000)
        rules.duration_in_range("max_batching_window", max_batching_window, 0, 300)
        rules.in_range("max_concurrency", max_concurrency, 2, 1000)
        rules.duration_in_range("retention_period", retention_period, 60, 14 * 24 * 3600)
        rules.duration_in_range("dead_letter_retention", dead_letter_retention, 60, 14 * 24 * 3600)
        rules.duration_in_range("visibility_timeout", visibility_timeout, 0, 12 * 3600)
        rules.whole_seconds("visibility_timeout", visibility_timeout)
        if batch_size > 10 and not _is_positive(max_batching_window):
            rules.problems.append(f"batch_size over 10 needs a max_batching_window, got batch_size {batch_size}")
        function_timeout = _timeout_of(function) if function is not None else defaults.TIMEOUT
        rules.check(
            function_timeout is not None or visibility_timeout is not None,
            "visibility_timeout is required when the function's timeout is unknown at synth (an imported "
            f"function): give at least {VISIBILITY_TIMEOUT_FACTOR} times the function's timeout",
        )
        minimum_visibility = function_timeout.to_seconds() * VISIBILITY_TIMEOUT_FACTOR if function_timeout else None
        if minimum_visibility is not None and visibility_timeout is not None and not is_unresolved(visibility_timeout):
            seconds = visibility_timeout.to_milliseconds() / 1000
            rules.check(
                seconds >= minimum_visibility,
                f"visibility_timeout must be at least {VISIBILITY_TIMEOUT_FACTOR} times the function timeout "
                f"({minimum_visibility} seconds), got {seconds:g}",
            )
        rules.raise_if_broken(self)
        if visibility_timeout is None:
            assert minimum_visibility is not None  # validated above
            visibility_timeout = Duration.seconds(minimum_visibility)

        encryption = sqs.QueueEncryption.KMS if encryption_key else sqs.QueueEncryption.SQS_MANAGED
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeadLetterQueue",
            holds="the records that failed max_receive_count times",
            retention=dead_letter_retention,
            encryption_key=encryption_key,
            removal_policy=removal_policy,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=encryption,
            encryption_master_key=encryption_key,
            enforce_ssl=True,
            retention_period=retention_period,
            visibility_timeout=visibility_timeout,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=max_receive_count),
            removal_policy=removal_policy,
        )
        if encryption_key is None:
            acknowledge_sqs_managed_encryption(self.queue)

        self.function: lambda_.IFunction = function or ServerlessFunction(
            self, "Function", entry=entry, handler=handler or DEFAULT_HANDLER
        )
        self.event_source = event_sources.SqsEventSource(
            self.queue,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            max_concurrency=max_concurrency,
            report_batch_item_failures=True,
        )
        self.function.add_event_source(self.event_source)

    @typed_options
    def grant_send_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant sending to the queue: ``sqs:SendMessage``, ``sqs:GetQueueAttributes``,
        ``sqs:GetQueueUrl`` (and ``kms:Encrypt``/``kms:Decrypt``/``kms:GenerateDataKey*`` with a customer key).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_iam as iam
        >>> stack = Stack(App(), "Docs")
        >>> orders = QueueProcessor(stack, "Orders", entry="examples/order_system/handlers/ingest")
        >>> sender = iam.Role(stack, "Sender", assumed_by=iam.AccountRootPrincipal())
        >>> orders.grant_send_messages(sender).success
        True
        """
        return self.queue.grant_send_messages(grantee)

    @typed_options
    def metric_dead_letter_messages(self, period: Duration | None = None) -> cloudwatch.Metric:
        """``ApproximateNumberOfMessagesVisible`` of the DLQ (maximum): work that was not done."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=period or Duration.minutes(1), statistic="Maximum"
        )

    @typed_options
    def metric_oldest_message_age(self, period: Duration | None = None) -> cloudwatch.Metric:
        """``ApproximateAgeOfOldestMessage`` of the queue (maximum): how far processing lags."""
        return self.queue.metric_approximate_age_of_oldest_message(
            period=period or Duration.minutes(1), statistic="Maximum"
        )


def _timeout_of(function: lambda_.IFunction) -> Duration | None:
    """The timeout of ``function`` when the app defines it (directly or behind an alias or version).

    ``None`` for an imported function, or a timeout that is a deploy-time token.
    """
    defined = function
    if isinstance(defined, (lambda_.Alias, lambda_.Version)):
        defined = defined.lambda_
    if not isinstance(defined, lambda_.Function):
        return None
    timeout = defined.timeout or LAMBDA_DEFAULT_TIMEOUT
    return None if is_unresolved(timeout) else timeout


def _is_positive(duration: Duration | None) -> bool:
    return duration is not None and (duration.is_unresolved() or duration.to_milliseconds() > 0)
