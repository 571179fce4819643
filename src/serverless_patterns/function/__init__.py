"""ServerlessFunction: a Python Lambda function with production defaults."""

from serverless_patterns.function.construct import ServerlessFunction

__all__ = ["ServerlessFunction"]
