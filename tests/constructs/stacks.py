"""What the construct tests share: a fresh stack in a fixed environment, a handler folder, a plain function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

ECHO = str(Path(__file__).parent / "handlers" / "echo")


def new_stack(name: str = "Test") -> cdk.Stack:
    """A stack in its own app, in a fixed account and region (so templates are stable)."""
    return cdk.Stack(cdk.App(), name, env=cdk.Environment(account="111111111111", region="eu-west-1"))


def plain_function(scope: cdk.Stack, id: str = "Fn", **options: Any) -> lambda_.Function:
    """A plain aws-cdk-lib ``lambda.Function`` with an inline echo handler: what a user's own function looks like."""
    return lambda_.Function(
        scope,
        id,
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_14,
        **options,
    )
