"""serverless-patterns: AWS CDK v2 constructs for production serverless systems."""

from serverless_patterns._internal.errors import ValidationError
from serverless_patterns.function import ServerlessFunction

__all__ = ["ServerlessFunction", "ValidationError"]
