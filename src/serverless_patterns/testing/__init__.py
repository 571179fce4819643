"""Test helpers for apps built with serverless-patterns (and for this library's own tests).

Needs the ``testing`` extra: ``pip install "serverless-patterns[testing]"`` (cdk-nag, cfn-lint and
the cfn-guard plugin with AWS Control Tower's proactive controls). :func:`checkov_findings` runs a
``checkov`` executable you install in a virtual environment of its own.

Examples
--------
>>> from aws_cdk import App, Stack, aws_sqs as sqs
>>> from serverless_patterns.testing import compliance_findings
>>> stack = Stack(App(), "Plain")
>>> _ = sqs.Queue(stack, "Jobs")
>>> sorted(finding.rule for finding in compliance_findings(stack))
['AwsSolutions-SQS3', 'AwsSolutions-SQS4', 'CT.SQS.PR.1', 'CT.SQS.PR.2']
"""

from serverless_patterns.testing.compliance import (
    Finding,
    acknowledgments,
    assert_compliant,
    cfn_lint_findings,
    checkov_findings,
    checkov_skips,
    compliance_findings,
    guard_findings,
    nag_findings,
)
from serverless_patterns.testing.observed import UnwatchedSink, assert_observed, unwatched_sinks
from serverless_patterns.testing.snapshot import normalized_template

__all__ = [
    "Finding",
    "UnwatchedSink",
    "acknowledgments",
    "assert_compliant",
    "assert_observed",
    "cfn_lint_findings",
    "checkov_findings",
    "checkov_skips",
    "compliance_findings",
    "guard_findings",
    "nag_findings",
    "normalized_template",
    "unwatched_sinks",
]
