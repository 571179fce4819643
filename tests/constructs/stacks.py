"""What the construct tests share: a fresh stack in a fixed environment, and a handler folder."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk

ECHO = str(Path(__file__).parent / "handlers" / "echo")


def new_stack(name: str = "Test") -> cdk.Stack:
    """A stack in its own app, in a fixed account and region (so templates are stable)."""
    return cdk.Stack(cdk.App(), name, env=cdk.Environment(account="111111111111", region="eu-west-1"))
