"""The library's default WAFv2 web ACL for a regional API: AWS managed rules and a per-IP rate limit."""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

WEB_ACL_ARN = r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/.+"
"""A regional web ACL's ARN, the only kind an API Gateway stage can be associated with."""


def per_ip_limit(rate_limit: float) -> int:
    """Requests one client IP may send in five minutes: a tenth of what ``rate_limit`` (per second) allows.

    At least 100, WAF's minimum for a rate-based rule.

    Examples
    --------
    >>> per_ip_limit(100)
    3000
    >>> per_ip_limit(1)
    100
    """
    return max(100, int(rate_limit * 300 / 10))


def default_web_acl(scope: Construct, id: str, *, rate_limit: float, metric_name: str) -> wafv2.CfnWebACL:
    """Define a regional web ACL: the AWS managed common and known-bad-inputs rule groups and a per-IP rate limit.

    Parameters
    ----------
    scope, id
        Where the web ACL is defined.
    rate_limit
        The protected stage's steady-state requests per second (see :func:`per_ip_limit`).
    metric_name
        CloudWatch metric name of the web ACL's default visibility.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> acl = default_web_acl(Stack(App(), "Docs"), "WebAcl", rate_limit=100, metric_name="Api")
    >>> acl.scope
    'REGIONAL'
    """

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        )

    def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name
                )
            ),
            visibility_config=visibility(name),
        )

    return wafv2.CfnWebACL(
        scope,
        id,
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=visibility(metric_name),
        rules=[
            managed("AWSManagedRulesCommonRuleSet", 0),
            managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerIp",
                priority=2,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=per_ip_limit(rate_limit)
                    )
                ),
                visibility_config=visibility("RatePerIp"),
            ),
        ],
    )
