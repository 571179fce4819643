"""Test helpers for apps built with serverless-patterns (and for this library's own tests).

Needs the ``testing`` extra: ``pip install "serverless-patterns[testing]"`` (cdk-nag, cfn-lint).

Examples
--------
>>> from aws_cdk import App, Stack, aws_sqs as sqs
>>> from serverless_patterns.testing import compliance_findings
>>> stack = Stack(App(), "Plain")
>>> _ = sqs.Queue(stack, "Jobs")
>>> sorted(finding.rule for finding in compliance_findings(stack))
['AwsSolutions-SQS3', 'AwsSolutions-SQS4']
"""

from serverless_patterns.testing.compliance import (
    Finding,
    acknowledgments,
    assert_compliant,
    cfn_lint_findings,
    compliance_findings,
    nag_findings,
)
from serverless_patterns.testing.snapshot import normalized_template

__all__ = [
    "Finding",
    "acknowledgments",
    "assert_compliant",
    "cfn_lint_findings",
    "compliance_findings",
    "nag_findings",
    "normalized_template",
]
