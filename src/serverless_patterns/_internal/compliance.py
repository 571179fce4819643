"""Acknowledge cdk-nag rules that cannot apply to a construct, always with a written reason.

Every acknowledgment the library makes goes through :func:`acknowledge`, so they can be found
(``grep acknowledge(``) and counted in a synthesized tree (``aws:cdk:acknowledged-rules`` metadata).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Validations

if TYPE_CHECKING:
    from constructs import IConstruct

ACKNOWLEDGED_METADATA_TYPE = "aws:cdk:acknowledged-rules"


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` (for example ``"AwsSolutions-IAM5[Resource::*]"``) on ``scope``'s subtree.

    A rule id with a bracketed finding (``[Resource::...]``) acknowledges only that finding,
    so a later wildcard added by the user is still reported.
    """
    if len(reason) < 20:
        raise ValueError(f"an acknowledgment needs a real reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
