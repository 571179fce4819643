"""QueueProcessor: SQS to Lambda with partial batch failures and a dead-letter queue."""

from serverless_patterns.queue_processor.construct import QueueProcessor

__all__ = ["QueueProcessor"]
