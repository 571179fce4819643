"""The local cloud's IAM policy evaluator decides as AWS documents; each test names the page it follows."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from serverless_patterns.local.policy import (
    ALLOW,
    EXPLICIT_DENY_IDENTITY,
    EXPLICIT_DENY_RESOURCE,
    IMPLICIT_DENY_IDENTITY,
    IMPLICIT_DENY_KEY_POLICY,
    IMPLICIT_DENY_RESOURCE,
    Decision,
    Policy,
    PolicyError,
    Principal,
    Request,
    StatementRef,
    evaluate,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/App-OrdersFnRole"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/App-OrdersFnRole/App-OrdersFn"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/App-OrdersTable-1ABC"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:App-OrdersQueue-2DEF"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/App-OrderPlacedRule-3GHI"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:App-ItemsFn-4JKL"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

ORDERS_FUNCTION = Principal.assumed_role(ROLE, "App-OrdersFn")
EVENTS = Principal.for_service("events.amazonaws.com")
API_GATEWAY = Principal.for_service("apigateway.amazonaws.com")

# What CDK synthesizes for table.grantReadData(fn) and queue.grantSendMessages(fn).
ORDERS_ROLE_POLICY = Policy.parse(
    "inline policy OrdersFnRoleDefaultPolicy of role App-OrdersFnRole",
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": [
                    "dynamodb:BatchGetItem",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:Query",
                    "dynamodb:GetItem",
                    "dynamodb:Scan",
                    "dynamodb:ConditionCheckItem",
                    "dynamodb:DescribeTable",
                ],
                "Effect": "Allow",
                "Resource": [TABLE, f"{TABLE}/index/*"],
            },
            {
                "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                "Effect": "Allow",
                "Resource": QUEUE,
            },
        ],
    },
)

# What CDK synthesizes for Queue(enforce_ssl=True) targeted by an EventBridge rule.
QUEUE_POLICY = Policy.parse(
    f"queue policy of {QUEUE}",
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "sqs:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Resource": QUEUE,
            },
            {
                "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                "Condition": {"ArnEquals": {"aws:SourceArn": RULE}},
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Resource": QUEUE,
            },
        ],
    },
)

# What Lambda's GetPolicy returns after CDK's api.root.addResource("items").addMethod("GET", integration).
FUNCTION_POLICY = Policy.parse(
    f"function policy of {FUNCTION}",
    {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [
            {
                "Sid": "App-ItemsApiGETitemsPermission",
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Resource": FUNCTION,
                "Condition": {
                    "ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*/*/items"}
                },
            }
        ],
    },
)

# CDK's default key policy: the account root, which enables IAM policies.
KEY_POLICY = Policy.parse(
    f"key policy of {KEY}",
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "kms:*",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Resource": "*",
            }
        ],
    },
)


def policy(*statements: dict[str, Any], name: str = "test policy") -> Policy:
    return Policy.parse(name, {"Version": "2012-10-17", "Statement": list(statements)})


def allow(
    action: str | list[str] = "sqs:SendMessage", resource: str | list[str] = QUEUE, **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(
    action: str | list[str] = "sqs:SendMessage", resource: str | list[str] = QUEUE, **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def send(context: dict[str, Any] | None = None, principal: Principal = ORDERS_FUNCTION) -> Request:
    return Request(principal, "sqs:SendMessage", QUEUE, context or {})


def allowed_when(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether a statement with ``condition`` allows a request with ``context``."""
    return evaluate(send(context), identity=[policy(allow(Condition=condition))]).allowed


# -- evaluation logic ---------------------------------------------------------------------------
def test_an_identity_policy_allow_grants_a_role_session() -> None:
    """An identity-based policy that allows the request is enough within one account (the allow-or-deny logic).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    decision = evaluate(Request(ORDERS_FUNCTION, "dynamodb:GetItem", TABLE), identity=[ORDERS_ROLE_POLICY])
    assert decision == Decision(
        True,
        "allowed by inline policy OrdersFnRoleDefaultPolicy of role App-OrdersFnRole statement 1",
        StatementRef("inline policy OrdersFnRoleDefaultPolicy of role App-OrdersFnRole", 1, None),
        ALLOW,
    )


def test_a_request_no_policy_allows_is_implicitly_denied() -> None:
    """All requests are implicitly denied unless a policy allows them (the allow-or-deny logic).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    request = Request(ORDERS_FUNCTION, "dynamodb:PutItem", TABLE)
    decision = evaluate(request, identity=[ORDERS_ROLE_POLICY])
    assert (decision.allowed, decision.kind, decision.statement) == (False, IMPLICIT_DENY_IDENTITY, None)
    assert decision.reason == "no identity-based policy allows the dynamodb:PutItem action"


def test_explicit_deny_in_an_identity_policy_overrides_an_allow() -> None:
    """An explicit deny in any policy overrides any allows (the allow-or-deny logic).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    guard = policy(deny("dynamodb:*", TABLE, Sid="NoWrites"), name="managed policy Guard")
    decision = evaluate(Request(ORDERS_FUNCTION, "dynamodb:GetItem", TABLE), identity=[ORDERS_ROLE_POLICY, guard])
    assert (decision.allowed, decision.kind) == (False, EXPLICIT_DENY_IDENTITY)
    assert decision.statement == StatementRef("managed policy Guard", 1, "NoWrites")
    assert decision.reason == "explicit deny in managed policy Guard statement 1 (Sid NoWrites)"


def test_explicit_deny_in_resource_policy_overrides_identity_allow() -> None:
    """The queue's TLS-only deny wins over the role's allow (the allow-or-deny logic; Bool in condition operators).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    decision = evaluate(send({"aws:SecureTransport": False}), identity=[ORDERS_ROLE_POLICY], resource=QUEUE_POLICY)
    assert (decision.allowed, decision.kind) == (False, EXPLICIT_DENY_RESOURCE)
    assert decision.statement == StatementRef(f"queue policy of {QUEUE}", 1, None)


def test_the_tls_only_deny_does_not_apply_to_requests_over_tls() -> None:
    """``aws:SecureTransport`` true does not match the deny's "false" (condition operators, Boolean).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    decision = evaluate(send({"aws:SecureTransport": True}), identity=[ORDERS_ROLE_POLICY], resource=QUEUE_POLICY)
    assert decision.allowed


def test_a_resource_policy_naming_the_role_grants_its_sessions() -> None:
    """A resource-based policy granting a role ARN grants the role's sessions (the allow-or-deny logic, "IAM role").

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    queue_policy = policy(allow(Principal={"AWS": ROLE}, Sid="Orders"))
    decision = evaluate(send(), identity=[], resource=queue_policy)
    assert decision.allowed
    assert decision.reason == "allowed by test policy statement 1 (Sid Orders)"


def test_a_resource_policy_naming_the_session_grants_it_directly() -> None:
    """Permissions granted to a role session ARN are granted directly to the session (the allow-or-deny logic).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    assert evaluate(send(), resource=policy(allow(Principal={"AWS": [SESSION]}))).allowed


@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}])
def test_a_resource_policy_allowing_everyone_grants_a_same_account_role(everyone: Any) -> None:
    """A ``*`` principal needs no other permission for principals of the account (Principal element, all principals).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    assert evaluate(send(), resource=policy(allow(Principal=everyone))).allowed


@pytest.mark.parametrize("account", [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"])
def test_a_resource_policy_naming_only_the_account_does_not_grant_a_role_by_itself(account: str) -> None:
    """An account principal delegates authority to the account (the Principal element, AWS account principals).

    The account's identity-based policies decide; the default key policy states the same delegation
    for key policies ("the policy statement doesn't give any IAM users or roles permission").

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    queue_policy = policy(allow(Principal={"AWS": account}))
    denied = evaluate(send(), resource=queue_policy)
    assert (denied.allowed, denied.kind) == (False, IMPLICIT_DENY_IDENTITY)
    assert evaluate(send(), identity=[ORDERS_ROLE_POLICY], resource=queue_policy).allowed


def test_the_account_root_user_has_full_access_unless_denied() -> None:
    """Requests are implicitly denied except for the account root user, which has full access (the allow-or-deny logic).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    """
    root = Principal.account_root(ACCOUNT)
    assert evaluate(Request(root, "dynamodb:DeleteTable", TABLE)).allowed
    denied = evaluate(send({"aws:SecureTransport": "false"}, principal=root), resource=QUEUE_POLICY)
    assert denied.kind == EXPLICIT_DENY_RESOURCE


def test_a_service_principal_is_allowed_by_the_statement_naming_it() -> None:
    """The queue policy grants EventBridge for this rule only (service principals; ARN condition operators).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    request = send({"aws:SourceArn": RULE, "aws:SecureTransport": True}, principal=EVENTS)
    decision = evaluate(request, resource=QUEUE_POLICY)
    assert decision.allowed
    assert decision.statement == StatementRef(f"queue policy of {QUEUE}", 2, None)


def test_a_service_principal_for_another_rule_is_denied_by_the_resource_policy() -> None:
    """The ``aws:SourceArn`` condition fails and nothing else can grant a service (condition operators).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    other_rule = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/Other"
    request = send({"aws:SourceArn": other_rule, "aws:SecureTransport": True}, principal=EVENTS)
    decision = evaluate(request, resource=QUEUE_POLICY)
    assert (decision.allowed, decision.kind) == (False, IMPLICIT_DENY_RESOURCE)
    assert decision.message(request) == (
        f"User: events.amazonaws.com is not authorized to perform: sqs:SendMessage on resource: {QUEUE} "
        "because no resource-based policy allows the sqs:SendMessage action"
    )


def test_identity_policies_do_not_apply_to_a_service_principal() -> None:
    """A service principal has no identity-based policies; only a resource-based policy can grant it.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    everything = policy(allow("*", "*"))
    assert not evaluate(send({"aws:SourceArn": RULE}, principal=EVENTS), identity=[everything]).allowed


def test_the_tls_only_deny_names_service_principals_too() -> None:
    """``{"AWS": "*"}`` is equivalent to ``"*"``, so the queue's TLS deny applies to EventBridge as well.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    request = send({"aws:SourceArn": RULE, "aws:SecureTransport": False}, principal=EVENTS)
    assert evaluate(request, resource=QUEUE_POLICY).kind == EXPLICIT_DENY_RESOURCE


def test_a_resource_statement_without_a_principal_grants_nobody() -> None:
    """AWS refuses such a resource-based statement; here it names no caller rather than every caller.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    assert not evaluate(send(), resource=policy(allow())).allowed
    assert not evaluate(send(principal=EVENTS), resource=policy(allow())).allowed


def test_a_service_statement_may_list_several_services() -> None:
    """``Service`` takes an array of service principals (the Principal element, service principals).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    services = policy(allow(Principal={"Service": ["sns.amazonaws.com", "events.amazonaws.com"]}))
    assert evaluate(send(principal=EVENTS), resource=services).allowed
    assert not evaluate(send(principal=Principal.for_service("s3.amazonaws.com")), resource=services).allowed


def test_a_lambda_permission_matches_the_api_stage_method_and_path() -> None:
    """``ArnLike`` matches each ARN part, the resource part with its slashes (condition operators, ARN operators).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """

    def invoke(source_arn: str) -> Decision:
        request = Request(API_GATEWAY, "lambda:InvokeFunction", FUNCTION, {"aws:SourceArn": source_arn})
        return evaluate(request, resource=FUNCTION_POLICY)

    allowed = invoke(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/prod/GET/items")
    assert (
        allowed.reason == f"allowed by function policy of {FUNCTION} statement 1 (Sid App-ItemsApiGETitemsPermission)"
    )
    assert not invoke(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/prod/GET/orders").allowed
    assert not invoke(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:zzz999/prod/GET/items").allowed


# -- KMS key policies ---------------------------------------------------------------------------
def test_the_key_policy_root_statement_enables_identity_policies() -> None:
    """The default key policy's root statement lets IAM policies allow access to the key.

    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    role_policy = policy(allow(["kms:Decrypt", "kms:GenerateDataKey*"], KEY), name="role policy")
    decision = evaluate(
        Request(ORDERS_FUNCTION, "kms:Decrypt", KEY),
        identity=[role_policy],
        resource=KEY_POLICY,
        resource_is_key_policy=True,
    )
    assert decision.allowed
    assert decision.statement == StatementRef("role policy", 1, None)
    assert decision.reason == f"allowed by role policy statement 1, enabled by key policy of {KEY} statement 1"


def test_the_key_policy_root_statement_alone_does_not_grant_a_role() -> None:
    """The account principal in a key policy gives no role permission by itself (the default key policy).

    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    request = Request(ORDERS_FUNCTION, "kms:Decrypt", KEY)
    decision = evaluate(request, identity=[ORDERS_ROLE_POLICY], resource=KEY_POLICY, resource_is_key_policy=True)
    assert (decision.allowed, decision.kind) == (False, IMPLICIT_DENY_IDENTITY)
    assert decision.message(request).endswith("because no identity-based policy allows the kms:Decrypt action")


def test_identity_policies_are_ineffective_without_a_key_policy_allow() -> None:
    """Without the key policy's permission, IAM policies that allow access are ineffective (the default key policy).

    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    other_admin = policy(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/Admin"}))
    request = Request(ORDERS_FUNCTION, "kms:Decrypt", KEY)
    decision = evaluate(
        request, identity=[policy(allow("kms:*", "*"))], resource=other_admin, resource_is_key_policy=True
    )
    assert (decision.allowed, decision.kind) == (False, IMPLICIT_DENY_KEY_POLICY)
    assert decision.message(request) == (
        f"User: {SESSION} is not authorized to perform: kms:Decrypt on resource: {KEY} "
        "because no resource-based policy allows the kms:Decrypt action"
    )
    assert not evaluate(request, identity=[policy(allow("kms:*", "*"))], resource_is_key_policy=True).allowed


def test_a_key_policy_naming_the_role_grants_it_without_identity_policies() -> None:
    """Key policies must explicitly allow principals, and may name a role directly (the allow-or-deny logic).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    key_users = policy(allow(["kms:Decrypt"], "*", Principal={"AWS": ROLE}))
    assert evaluate(
        Request(ORDERS_FUNCTION, "kms:Decrypt", KEY), resource=key_users, resource_is_key_policy=True
    ).allowed


# -- Action, Resource, Principal ----------------------------------------------------------------
def test_action_names_match_case_insensitively() -> None:
    """``iam:ListAccessKeys`` is the same as ``IAM:listaccesskeys`` (the Action element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    assert evaluate(Request(ORDERS_FUNCTION, "DynamoDB:getitem", TABLE), identity=[ORDERS_ROLE_POLICY]).allowed


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("sqs:*", "sqs:SendMessage", True),
        ("*", "sqs:SendMessage", True),
        ("sqs:Send*", "sqs:SendMessageBatch", True),
        ("sqs:*Message", "sqs:ReceiveMessage", True),
        ("sqs:?endMessage", "sqs:SendMessage", True),
        ("sqs:?endMessage", "sqs:SendMessageBatch", False),
        ("sqs:Send*", "sns:SendMessage", False),
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    """``*`` matches any characters and may sit inside the action name (the Action element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    assert evaluate(Request(ORDERS_FUNCTION, action, QUEUE), identity=[policy(allow(pattern))]).allowed is expected


def test_not_action_allows_everything_but_the_listed_actions() -> None:
    """``NotAction`` with ``Allow`` allows all actions except the listed ones (the NotAction element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    everything_but_delete = policy(
        {"Effect": "Allow", "NotAction": ["sqs:DeleteQueue", "sqs:Purge*"], "Resource": QUEUE}
    )
    assert evaluate(send(), identity=[everything_but_delete]).allowed
    assert not evaluate(Request(ORDERS_FUNCTION, "sqs:PurgeQueue", QUEUE), identity=[everything_but_delete]).allowed


def test_not_action_with_deny_denies_everything_but_the_listed_actions() -> None:
    """``NotAction`` with ``Deny`` explicitly denies the actions not listed (the NotAction element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    """
    only_sqs = policy({"Effect": "Deny", "NotAction": "sqs:*", "Resource": "*"}, allow("*", "*"))
    assert evaluate(send(), identity=[only_sqs]).allowed
    assert (
        evaluate(Request(ORDERS_FUNCTION, "dynamodb:GetItem", TABLE), identity=[only_sqs]).kind
        == EXPLICIT_DENY_IDENTITY
    )


def test_resource_arns_match_case_sensitively() -> None:
    """Resource ARNs are compared as written; ``App-OrdersTable`` is not ``app-orderstable`` (the Resource element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    assert not evaluate(
        Request(ORDERS_FUNCTION, "dynamodb:GetItem", TABLE.lower()), identity=[ORDERS_ROLE_POLICY]
    ).allowed


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (f"{TABLE}/index/ByCustomer", True),
        (f"{TABLE}/index/ByCustomer/extra", True),
        (f"{TABLE}/stream/2024-01-01T00:00:00.000", False),
        (f"{TABLE}-Other", False),
    ],
)
def test_resource_wildcards_span_slashes(resource: str, expected: bool) -> None:
    """``${TableArn}/index/*`` covers every index of the table, nothing else (the Resource element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    request = Request(ORDERS_FUNCTION, "dynamodb:Query", resource)
    assert evaluate(request, identity=[ORDERS_ROLE_POLICY]).allowed is expected


def test_resource_wildcards_span_colons_and_match_single_characters() -> None:
    """``*`` and ``?`` may appear in any ARN part; ``*`` may cover several parts (the Resource element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    any_region_queue = policy(allow(resource=["arn:aws:sqs:*:App-OrdersQueue-????"]))
    assert evaluate(send(), identity=[any_region_queue]).allowed


def test_not_resource_matches_every_resource_but_the_listed_ones() -> None:
    """``NotResource`` with ``Deny`` denies every resource except the listed ones (the NotResource element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    """
    only_this_queue = policy({"Effect": "Deny", "Action": "sqs:*", "NotResource": QUEUE}, allow("sqs:*", "*"))
    assert evaluate(send(), identity=[only_this_queue]).allowed
    other = Request(ORDERS_FUNCTION, "sqs:SendMessage", f"{QUEUE}-dlq")
    assert evaluate(other, identity=[only_this_queue]).kind == EXPLICIT_DENY_IDENTITY


def test_an_action_without_a_resource_matches_only_a_star_resource() -> None:
    """Actions that take no resource need ``"Resource": "*"`` (the Resource element, note on ``*``).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """
    list_queues = Request(ORDERS_FUNCTION, "sqs:ListQueues", "*")
    assert not evaluate(list_queues, identity=[policy(allow("sqs:*", "arn:aws:sqs:*"))]).allowed
    assert evaluate(list_queues, identity=[policy(allow("sqs:*", "*"))]).allowed


def test_a_not_principal_deny_exempts_the_named_role() -> None:
    """``NotPrincipal`` with ``Deny`` denies every principal except the named ones (the NotPrincipal element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    queue_policy = policy(
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [ROLE, f"arn:aws:iam::{ACCOUNT}:root"]},
            "Action": "sqs:*",
            "Resource": QUEUE,
        },
        allow("sqs:*", QUEUE, Principal="*"),
    )
    assert evaluate(send(), resource=queue_policy).allowed
    intruder = Principal.assumed_role(f"arn:aws:iam::{ACCOUNT}:role/Intruder", "s")
    # The account is exempted too, as AWS advises, so deny a principal of another account.
    outsider = Principal.assumed_role("arn:aws:iam::999999999999:role/Outsider", "s")
    assert evaluate(send(principal=intruder), resource=queue_policy).allowed
    assert evaluate(send(principal=outsider), resource=queue_policy).kind == EXPLICIT_DENY_RESOURCE


# -- conditions ---------------------------------------------------------------------------------
def test_several_values_for_one_key_are_ored() -> None:
    """Several values for one key are evaluated with a logical OR (multiple keys or values).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
    """
    condition = {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
    assert allowed_when(condition, {"aws:RequestedRegion": "us-east-1"})
    assert not allowed_when(condition, {"aws:RequestedRegion": "us-west-2"})


def test_several_keys_and_operators_are_anded() -> None:
    """Several keys, and several operators, are evaluated with a logical AND (multiple keys or values).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
    """
    condition = {
        "StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": ACCOUNT},
        "Bool": {"aws:SecureTransport": "true"},
    }
    assert allowed_when(condition, {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": True})
    assert not allowed_when(condition, {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": False})
    assert not allowed_when(condition, {"aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": True})


def test_condition_key_names_are_case_insensitive() -> None:
    """``aws:SourceIP`` is the same key as ``AWS:SourceIp`` (the Condition element).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    """
    assert allowed_when({"IpAddress": {"aws:SourceIP": "203.0.113.0/24"}}, {"AWS:SourceIp": "203.0.113.7"})


def test_a_positive_operator_is_false_when_the_key_is_absent() -> None:
    """A key missing from the request context makes the condition false (condition operators, Important note).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert not allowed_when({"ArnEquals": {"aws:SourceArn": RULE}}, {})


def test_string_not_equals_is_true_when_the_key_is_absent() -> None:
    """A negated operator such as ``StringNotLike`` is true when the key is absent (condition operators, Important).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert allowed_when({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}, {})
    assert allowed_when({"ArnNotLike": {"aws:SourceArn": RULE}}, {})


def test_a_negated_operator_with_several_values_is_a_nor() -> None:
    """A negated operator's several values are evaluated with a logical NOR (multiple keys or values).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
    """
    condition = {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
    assert not allowed_when(condition, {"aws:RequestedRegion": "us-east-1"})
    assert allowed_when(condition, {"aws:RequestedRegion": "us-west-2"})


def test_if_exists_is_true_without_the_key_and_checks_it_otherwise() -> None:
    """``...IfExists`` evaluates a missing key as true and checks a present one (condition operators, IfExists).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}
    assert allowed_when(condition, {})
    assert allowed_when(condition, {"ec2:InstanceType": "t2.micro"})
    assert not allowed_when(condition, {"ec2:InstanceType": "m5.large"})


def test_null_checks_whether_the_key_is_present() -> None:
    """``Null`` true means the key is absent, false that it is present (condition operators, Null check).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert allowed_when({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not allowed_when({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})
    assert allowed_when({"Null": {"aws:TokenIssueTime": False}}, {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})


@pytest.mark.parametrize("policy_value", ["false", False, "FALSE"])
@pytest.mark.parametrize(
    ("request_value", "expected"), [(False, True), ("false", True), (True, False), ("true", False)]
)
def test_bool_reads_json_booleans_and_strings(policy_value: Any, request_value: Any, expected: bool) -> None:
    """``Bool`` compares to "true" or "false", written as a string or a JSON boolean (condition operators, Boolean).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert (
        allowed_when({"Bool": {"aws:SecureTransport": policy_value}}, {"aws:SecureTransport": request_value})
        is expected
    )


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("StringEquals", "Orders", "Orders", True),
        ("StringEquals", "Orders", "orders", False),
        ("StringEquals", "Ord*", "Orders", False),
        ("StringEqualsIgnoreCase", "ORDERS", "orders", True),
        ("StringNotEqualsIgnoreCase", "ORDERS", "orders", False),
        ("StringLike", "home/*/docs/?.txt", "home/ann/docs/a.txt", True),
        ("StringLike", "home/*", "Home/ann", False),
        ("StringNotLike", "home/*", "tmp/x", True),
        ("StringEquals", 123456789012, "123456789012", True),
    ],
)
def test_string_operators(operator: str, policy_value: Any, request_value: str, expected: bool) -> None:
    """String operators: exact and case-sensitive, ignoring case, or with ``*`` and ``?`` (condition operators, String).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert allowed_when({operator: {"s3:prefix": policy_value}}, {"s3:prefix": request_value}) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("NumericEquals", False),
        ("NumericNotEquals", True),
        ("NumericLessThan", True),
        ("NumericLessThanEquals", True),
        ("NumericGreaterThan", False),
        ("NumericGreaterThanEquals", False),
    ],
)
def test_numeric_operators(operator: str, expected: bool) -> None:
    """Numeric operators compare integers and decimals (condition operators, Numeric); the request asks for 5 of 10.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    assert allowed_when({operator: {"s3:max-keys": "10"}}, {"s3:max-keys": 5}) is expected


@pytest.mark.parametrize(
    ("request_time", "expected"),
    [
        ("2020-01-01T00:00:02Z", True),
        ("2019-12-31T23:59:59Z", False),
        (1577836802, True),
        ("1577836800", False),
        (datetime(2021, 6, 1, tzinfo=timezone.utc), True),
    ],
)
def test_date_operators_read_iso_8601_and_epoch_times(request_time: Any, expected: bool) -> None:
    """Dates are W3C ISO 8601 or epoch seconds (condition operators, Date); the policy asks for a later time.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}
    assert allowed_when(condition, {"aws:TokenIssueTime": request_time}) is expected


def test_date_conditions_see_the_current_time() -> None:
    """``aws:CurrentTime`` is always in the request context (global condition keys).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    """
    assert allowed_when({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {})
    assert not allowed_when({"DateLessThan": {"aws:EpochTime": 1577836800}}, {})


@pytest.mark.parametrize(
    ("source_ip", "expected"),
    [("203.0.113.9", True), ("198.51.100.1", False), ("2001:db8:1234:5678::1", True), ("not an address", False)],
)
def test_ip_address_matches_cidr_ranges(source_ip: str, expected: bool) -> None:
    """``IpAddress`` takes IPv4 and IPv6 CIDR ranges (condition operators, IP address).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    condition = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}
    assert allowed_when(condition, {"aws:SourceIp": source_ip}) is expected
    assert allowed_when({"NotIpAddress": condition["IpAddress"]}, {"aws:SourceIp": source_ip}) is not expected


def test_arn_like_matches_each_arn_part_separately_where_string_like_does_not() -> None:
    """The documented case where ``StringLike`` matches and ``ArnLike`` does not (condition operators, ARN).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert allowed_when({"StringLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})
    assert not allowed_when({"ArnLike": {"aws:SourceArn": pattern}}, {"aws:SourceArn": value})


def test_for_any_value_needs_one_request_value_to_match() -> None:
    """``ForAnyValue`` is true if any request value matches, and false without values (set operators).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    condition = {"ForAnyValue:StringLike": {"dynamodb:Attributes": ["ID", "PostDateTime"]}}
    assert allowed_when(condition, {"dynamodb:Attributes": ["UserName", "PostDateTime"]})
    assert not allowed_when(condition, {"dynamodb:Attributes": ["UserName", "Message"]})
    assert not allowed_when(condition, {})


def test_for_all_values_needs_every_request_value_to_match_and_is_true_without_the_key() -> None:
    """``ForAllValues`` is true if every request value matches, and when the key is absent (set operators).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    condition = {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["PostDateTime", "Message", "Tags"]}}
    assert allowed_when(condition, {"dynamodb:Attributes": ["PostDateTime", "Message"]})
    assert not allowed_when(condition, {"dynamodb:Attributes": ["PostDateTime", "UserName"]})
    assert allowed_when(condition, {})
    assert allowed_when(condition, {"dynamodb:Attributes": []})


def test_negated_set_operators() -> None:
    """``ForAllValues:StringNotLike`` matches when no request value matches the pattern (set operators examples).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    condition = {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}
    assert allowed_when(condition, {"aws:TagKeys": ["key2:audit"]})
    assert not allowed_when(condition, {"aws:TagKeys": ["key1:hr", "key2:audit"]})
    assert allowed_when({"ForAnyValue:StringNotLike": {"aws:TagKeys": "key1*"}}, {"aws:TagKeys": ["key1:hr", "key2:x"]})


def test_policy_variables_are_compared_as_literal_text() -> None:
    """Policy variables are not substituted: ``${aws:username}`` matches only itself (a documented limit).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """
    home = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*"))
    assert not evaluate(
        Request(ORDERS_FUNCTION, "s3:GetObject", "arn:aws:s3:::bucket/home/ann/a"), identity=[home]
    ).allowed


# -- context keys from the principal ------------------------------------------------------------
def test_the_principal_keys_describe_the_role_behind_a_session() -> None:
    """``aws:PrincipalArn`` is the role's ARN for a session; account and type are present too (global condition keys).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    """
    session = Principal.assumed_role(f"arn:aws:iam::{ACCOUNT}:role/app/App-OrdersFnRole", "s")
    condition = {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app/App-OrdersFnRole"},
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT, "aws:PrincipalType": "AssumedRole"},
        "Bool": {"aws:PrincipalIsAWSService": "false"},
    }
    assert evaluate(send(principal=session), identity=[policy(allow(Condition=condition))]).allowed


def test_a_service_principal_carries_its_service_name() -> None:
    """``aws:PrincipalServiceName`` is present when an AWS service principal calls (global condition keys).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    """
    deny_other_services = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": QUEUE,
            "Condition": {"StringNotEquals": {"aws:PrincipalServiceName": "events.amazonaws.com"}},
        },
        allow(Principal={"Service": ["events.amazonaws.com", "sns.amazonaws.com"]}),
    )
    assert evaluate(send(principal=EVENTS), resource=deny_other_services).allowed
    sns = Principal.for_service("sns.amazonaws.com")
    assert evaluate(send(principal=sns), resource=deny_other_services).kind == EXPLICIT_DENY_RESOURCE


def test_the_callers_context_keys_take_precedence() -> None:
    """The evaluator only fills keys the caller left out."""
    condition = {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}
    assert allowed_when(condition, {"AWS:PrincipalAccount": "111122223333"})


# -- documents and messages ---------------------------------------------------------------------
def test_parse_reads_url_encoded_json_as_iam_returns_it() -> None:
    """IAM's GetRolePolicy returns the document URL-encoded (RFC 3986).

    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
    """
    encoded = (
        "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C"
        "%22Action%22%3A%22sqs%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D"
    )
    parsed = Policy.parse("inline", encoded)
    assert parsed.document["Statement"]["Action"] == "sqs:*"
    assert evaluate(send(), identity=[parsed]).statement == StatementRef("inline", 1, None)


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ("{nope", "not JSON"),
        ("[]", "must be a JSON object"),
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}, "Effect must be Allow or Deny"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "needs Action or NotAction"),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*"}]}, "not both"),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resources": "*"}]}, "unknown statement element"),
        ({"Statement": [{"Effect": "Allow", "Action": ["s3:*", 5]}]}, "Action must be a string"),
        ({"Statement": [allow(Condition={"StringEqualz": {"k": "v"}})]}, "unknown condition operator"),
        (
            {"Statement": [allow(Condition={"ForSomeValues:StringEquals": {"k": "v"}})]},
            "unknown condition set qualifier",
        ),
        ({"Statement": [allow(Condition={"NullIfExists": {"k": "true"}})]}, "Null operator"),
        ({"Statement": [allow(Condition={"Bool": {"aws:SecureTransport": "yes"}})]}, "neither true nor false"),
        ({"Statement": [allow(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})]}, "not a number"),
        ({"Statement": [allow(Condition={"DateLessThan": {"aws:CurrentTime": "soon"}})]}, "ISO 8601"),
        ({"Statement": [allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/99"}})]}, "aws:SourceIp"),
        ({"Statement": [allow(Condition={"StringEquals": {"k": {"nested": 1}}})]}, "strings, numbers or booleans"),
        ({"Statement": [allow(Principal="arn:aws:iam::123456789012:root")]}, "Principal must be"),
        ({"Statement": [allow(Principal={"Person": "me"})]}, "unknown Principal type"),
    ],
)
def test_parse_rejects_documents_it_cannot_evaluate_faithfully(document: Any, error: str) -> None:
    """A malformed document raises rather than being evaluated permissively."""
    with pytest.raises(PolicyError, match=error):
        Policy.parse("p", document)


def test_a_single_statement_object_is_statement_one() -> None:
    """``Statement`` may be one object instead of a list (condition operators examples use that form).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    """
    single = Policy.parse(
        "single", {"Statement": {"Sid": "Only", "Effect": "Deny", "Action": "sqs:*", "Resource": "*"}}
    )
    assert evaluate(send(), identity=[single]).statement == StatementRef("single", 1, "Only")


def test_denial_messages_use_aws_access_denied_wording() -> None:
    """``User: ... is not authorized to perform: ... on resource: ...`` plus the policy type (access denied messages).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    put = Request(ORDERS_FUNCTION, "dynamodb:PutItem", TABLE)
    assert evaluate(put, identity=[ORDERS_ROLE_POLICY]).message(put) == (
        f"User: {SESSION} is not authorized to perform: dynamodb:PutItem on resource: {TABLE} "
        "because no identity-based policy allows the dynamodb:PutItem action"
    )
    guard = policy(deny("dynamodb:*", TABLE))
    assert evaluate(put, identity=[guard]).message(put).endswith(" with an explicit deny in an identity-based policy")
    insecure = send({"aws:SecureTransport": False})
    assert evaluate(insecure, resource=QUEUE_POLICY).message(insecure) == (
        f"User: {SESSION} is not authorized to perform: sqs:SendMessage on resource: {QUEUE} "
        "with an explicit deny in a resource-based policy"
    )


def test_a_message_names_no_resource_for_an_action_without_one() -> None:
    """AWS's example for ``codecommit:ListRepositories`` has no ``on resource:`` part (access denied messages).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """
    request = Request(ORDERS_FUNCTION, "sqs:ListQueues", "*")
    assert evaluate(request).message(request) == (
        f"User: {SESSION} is not authorized to perform: sqs:ListQueues "
        "because no identity-based policy allows the sqs:ListQueues action"
    )


def test_an_assumed_role_session_arn_drops_the_role_path() -> None:
    """The session ARN is ``arn:aws:sts::<account>:assumed-role/<role-name>/<session>`` (role session principals).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    session = Principal.assumed_role("arn:aws:iam::111122223333:role/service-role/Worker", "i-0abc")
    assert (session.arn, session.account, session.label) == (
        "arn:aws:sts::111122223333:assumed-role/Worker/i-0abc",
        "111122223333",
        "arn:aws:sts::111122223333:assumed-role/Worker/i-0abc",
    )
    with pytest.raises(ValueError, match="not an IAM role ARN"):
        Principal.assumed_role(QUEUE, "s")
