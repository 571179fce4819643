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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, CfnResource, Validations

from serverless_patterns._internal.jsii_values import is_instance

if TYPE_CHECKING:
    from constructs import IConstruct

ACKNOWLEDGED_METADATA_TYPE = "aws:cdk:acknowledged-rules"
CHECKOV_PREFIX = "CKV"
_RESOURCE = (CfnResource,)


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` on ``scope``'s subtree, for whichever scanner owns the id.

    A cdk-nag rule id with a bracketed finding (``[Resource::...]``) acknowledges only that
    finding, so a later wildcard added by the user is still reported. A checkov id is written
    into the resources that exist under ``scope`` now: acknowledge after defining them, on the
    narrowest scope (the L1 resource where an L2 holds several).
    """
    acknowledge_all(scope, [(rule_id, reason)])


def acknowledge_all(scope: IConstruct, rules: Sequence[tuple[str, str]]) -> None:
    """Acknowledge each ``(rule_id, reason)`` on ``scope``'s subtree, as :func:`acknowledge` does one.

    The same result as one :func:`acknowledge` per rule, in fewer jsii round trips: one
    acknowledgment call for all of them, and one metadata read and write per resource for all
    the checkov ids.
    """
    for _, reason in rules:
        if len(reason) < 20:
            raise ValueError(f"an acknowledgment needs a real reason, got {reason!r}")
    if not rules:
        return
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in rules))
    checkov = [(rule_id, reason) for rule_id, reason in rules if rule_id.startswith(CHECKOV_PREFIX)]
    if checkov:
        # A CloudFormation resource has no resources under it: no need to ask jsii for its subtree.
        nodes = [scope] if is_instance(scope, _RESOURCE) else scope.node.find_all()
        for node in nodes:
            if is_instance(node, _RESOURCE):
                _add_checkov_skips(node, checkov)


def acknowledged_reason(construct: IConstruct, rule_id: str) -> str | None:
    """The reason ``rule_id`` is acknowledged on ``construct`` or one of its scopes, if it is."""
    key = f"Annotation::{rule_id}"
    for scope in reversed(construct.node.scopes):
        for entry in scope.node.metadata:
            if entry.type == ACKNOWLEDGED_METADATA_TYPE and key in dict(entry.data):
                return str(dict(entry.data)[key])
    return None


def _add_checkov_skips(resource: CfnResource, rules: Sequence[tuple[str, str]]) -> None:
    found: Any = resource.get_metadata("checkov")
    skips: list[dict[str, str]] = list(found.get("skip", [])) if isinstance(found, dict) else []
    known = {skip.get("id") for skip in skips}
    added = False
    for rule_id, reason in rules:
        if rule_id not in known:
            skips.append({"id": rule_id, "comment": reason})
            known.add(rule_id)
            added = True
    if added:
        resource.add_metadata("checkov", {"skip": skips})
