"""IAM policy evaluation for the local cloud: may this principal make this request?

The local cloud runs real handler code against moto; this module decides, as AWS would, whether
a call a handler makes is allowed by the role's identity-based policies and the target's
resource-based policy. It is pure Python with no AWS dependency, so every call can be checked.

What is evaluated (requests within a single account, as the IAM User Guide describes them in
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html):

1. An explicit ``Deny`` that applies, in any identity-based policy or in the resource-based
   policy, denies the request.
2. An IAM principal (a role session) is allowed when an identity-based policy allows the request,
   or when the resource-based policy has an ``Allow`` that names the principal itself: the session
   ARN, the role's ARN, ``"*"`` or ``{"AWS": "*"}``. A statement naming only the account
   (``"123456789012"`` or ``arn:aws:iam::123456789012:root``) *delegates* to the account's
   identity-based policies, so it grants nothing by itself
   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts).
   The account root user has full access unless a policy denies it.
3. For a KMS key policy (``resource_is_key_policy=True``) the key policy must allow, naming the
   principal or naming the account, which enables identity-based policies; then one of those
   must allow too. Without a key policy ``Allow``, identity-based policies are ineffective
   (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
4. An AWS service principal (``Principal.service``) has no identity-based policies: only a
   resource-based ``Allow`` naming ``{"Service": ...}`` or everyone grants it.

Statement matching follows the JSON policy element reference: ``Action``/``NotAction`` match case
insensitively, ``Resource``/``NotResource`` case sensitively, both with ``*`` and ``?`` wildcards
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). A request
whose action takes no resource uses the resource ``"*"``, which only a ``"*"`` pattern matches.
Conditions support the string, numeric, date, Boolean, binary, IP address, ARN and ``Null``
operators, the ``...IfExists`` suffix and the ``ForAnyValue:``/``ForAllValues:`` qualifiers
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).

The evaluator adds these request context keys when the caller did not: ``aws:PrincipalArn`` (for
a role session, the role's ARN), ``aws:PrincipalAccount``, ``aws:PrincipalType`` and
``aws:PrincipalIsAWSService`` for IAM principals; ``aws:PrincipalServiceName``,
``aws:PrincipalServiceNamesList`` and ``aws:PrincipalIsAWSService`` for service principals; and
``aws:CurrentTime``/``aws:EpochTime`` (the time of the evaluation) when a condition asks for them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html). Keys
that describe the request itself (``aws:SecureTransport``, ``aws:SourceArn``, ...) are the
caller's to supply; a key the caller leaves out is absent, as AWS treats a key missing from the
request context.

Not evaluated: AWS Organizations SCPs and RCPs, permissions boundaries, session policies,
cross-account requests, VPC endpoint policies, and policy variables (``${aws:username}`` is
compared as the literal text). A malformed document, an unknown element or condition operator
raises :class:`PolicyError` when the policy is parsed, so nothing is silently permissive.

Where AWS's documentation leaves a choice, this module decides so:

* ``{"AWS": "*"}`` is the same as ``"*"`` (the Principal page says both forms are equivalent), so
  it names service principals too.
* ``NotPrincipal`` leaves out a caller whose own ARN, role ARN or account it lists; AWS advises
  listing the account along with the role for that reason.
* Identity-based policies have no ``Principal`` (IAM refuses one); a resource-based statement
  without ``Principal`` or ``NotPrincipal`` (which AWS refuses too) names nobody, and one without
  ``Resource`` covers the resource the policy is attached to.
* A list of request values under an operator without ``ForAnyValue``/``ForAllValues`` matches
  when any of them matches (a negated operator: when none does).

Examples
--------
>>> role = "arn:aws:iam::123456789012:role/App-OrdersFnRole"
>>> policy = Policy.parse("inline policy Default of role App-OrdersFnRole", {
...     "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem",
...                    "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"}]})
>>> request = Request(Principal.assumed_role(role, "session"), "dynamodb:PutItem",
...                   "arn:aws:dynamodb:us-east-1:123456789012:table/Orders")
>>> decision = evaluate(request, identity=[policy])
>>> decision.allowed, decision.kind
(False, 'implicit-deny-identity')
>>> print(decision.message(request))
User: arn:aws:sts::123456789012:assumed-role/App-OrdersFnRole/session is not authorized to perform:
dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders because no
identity-based policy allows the dynamodb:PutItem action
"""

from serverless_patterns.local.policy.documents import Policy
from serverless_patterns.local.policy.errors import PolicyError
from serverless_patterns.local.policy.evaluation import (
    ALLOW,
    DECISION_KINDS,
    EXPLICIT_DENY_IDENTITY,
    EXPLICIT_DENY_RESOURCE,
    IMPLICIT_DENY_IDENTITY,
    IMPLICIT_DENY_KEY_POLICY,
    IMPLICIT_DENY_RESOURCE,
    Decision,
    Request,
    StatementRef,
    evaluate,
)
from serverless_patterns.local.policy.principals import Principal

__all__ = [
    "ALLOW",
    "DECISION_KINDS",
    "EXPLICIT_DENY_IDENTITY",
    "EXPLICIT_DENY_RESOURCE",
    "IMPLICIT_DENY_IDENTITY",
    "IMPLICIT_DENY_KEY_POLICY",
    "IMPLICIT_DENY_RESOURCE",
    "Decision",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "StatementRef",
    "evaluate",
]
