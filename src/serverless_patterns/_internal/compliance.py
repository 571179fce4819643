"""Acknowledge scanner rules that a construct deliberately does not meet, always with a written reason.

Every acknowledgment the library makes goes through :func:`acknowledge`, so they can be found
(``grep acknowledge(``) and counted in a synthesized tree (``aws:cdk:acknowledged-rules`` metadata).
One mechanism serves the three scanners the library is checked with:

- cdk-nag rule ids (``"AwsSolutions-IAM5[Resource::*]"``) are read by cdk-nag itself;
- AWS Control Tower proactive-control ids (``"CT.LAMBDA.PR.3"``) are read by
  ``serverless_patterns.testing``'s cfn-guard check;
- checkov check ids (``"CKV_AWS_117"``) are also written into the template, as
  ``Metadata.checkov.skip`` of every CloudFormation resource under ``scope``, which is where
  checkov reads its skips (https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, CfnResource, Validations

if TYPE_CHECKING:
    from constructs import IConstruct

ACKNOWLEDGED_METADATA_TYPE = "aws:cdk:acknowledged-rules"
CHECKOV_PREFIX = "CKV"


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` on ``scope``'s subtree, for whichever scanner owns the id.

    A cdk-nag rule id with a bracketed finding (``[Resource::...]``) acknowledges only that
    finding, so a later wildcard added by the user is still reported. A checkov id is written
    into the resources that exist under ``scope`` now: acknowledge after defining them, on the
    narrowest scope (the L1 resource where an L2 holds several).
    """
    if len(reason) < 20:
        raise ValueError(f"an acknowledgment needs a real reason, got {reason!r}")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    if rule_id.startswith(CHECKOV_PREFIX):
        for node in scope.node.find_all():
            if isinstance(node, CfnResource):
                _add_checkov_skip(node, rule_id, reason)


def acknowledged_reason(construct: IConstruct, rule_id: str) -> str | None:
    """The reason ``rule_id`` is acknowledged on ``construct`` or one of its scopes, if it is."""
    key = f"Annotation::{rule_id}"
    for scope in reversed(construct.node.scopes):
        for entry in scope.node.metadata:
            if entry.type == ACKNOWLEDGED_METADATA_TYPE and key in dict(entry.data):
                return str(dict(entry.data)[key])
    return None


def _add_checkov_skip(resource: CfnResource, rule_id: str, reason: str) -> None:
    found: Any = resource.get_metadata("checkov")
    skips: list[dict[str, str]] = list(found.get("skip", [])) if isinstance(found, dict) else []
    if any(skip.get("id") == rule_id for skip in skips):
        return
    skips.append({"id": rule_id, "comment": reason})
    resource.add_metadata("checkov", {"skip": skips})
