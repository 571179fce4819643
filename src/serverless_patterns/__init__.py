"""serverless-patterns: AWS CDK v2 constructs for production serverless systems."""

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns._version import __version__
from serverless_patterns.function import ServerlessFunction
from serverless_patterns.queue_processor import QueueProcessor

__all__ = ["QueueProcessor", "ServerlessFunction", "ValidationError", "__version__"]
