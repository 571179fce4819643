"""The error a policy document the evaluator cannot read raises."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy document the evaluator cannot read: not JSON, a wrong element, an unknown operator.

    Examples
    --------
    >>> from serverless_patterns.local.policy import Policy
    >>> Policy.parse("broken", "{nope")
    Traceback (most recent call last):
    ...
    serverless_patterns.local.policy.errors.PolicyError: broken: the document is not JSON ...
    """
