"""When LambdaAlarms defines its alarms: at synthesis, through an aspect, so definition order never matters.

CDK invokes aspects top-down once every line of the app has run (``invokeAspectsV2`` in
aws-cdk-lib's ``core/lib/private/synthesis.ts``). The aspect is added to a leaf child of the
LambdaAlarms (``DefineAtSynthesis``), so it fires once, when the walk reaches the LambdaAlarms'
children, wherever it sits in the tree; an aspect on the LambdaAlarms itself would be visited, one
jsii callback each, by every alarm it defines.
Constructs may be added from an aspect; CDK walks the tree again until nothing new is visited, so
the alarms and dashboards defined here are visited by the aspects inherited from above (tags,
checks) too. What is not seen: resources that another aspect defines, or properties it changes,
after this one ran (see the LambdaAlarms page, "When").
"""

from __future__ import annotations

from typing import Protocol

import jsii
from aws_cdk import IAspect
from constructs import IConstruct


class _Owner(IConstruct, Protocol):
    def define_alarms(self) -> None: ...


@jsii.implements(IAspect)
class DefineAtSynthesis:
    """Calls ``owner.define_alarms()`` when synthesis visits the node it is added to."""

    def __init__(self, owner: _Owner) -> None:
        self._owner = owner

    def visit(self, node: IConstruct) -> None:
        """Define the owner's alarms (once: ``define_alarms`` is idempotent)."""
        self._owner.define_alarms()
