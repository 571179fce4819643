"""IAM enforcement on the local cloud: who calls, what AWS would check, and what was denied.

Three kinds of principal reach the local cloud's services:

* **a function's execution role.** Each worker gets credentials that the local cloud minted for
  its function's role (as Lambda gives a function its role's temporary credentials). Every AWS
  call it makes passes through a guard in front of moto's server, which maps the request to the
  IAM action(s) and resource ARN(s) AWS would authorize (:mod:`~serverless_patterns.local.actions`)
  and evaluates the role's identity policies together with the resource's policy
  (:mod:`~serverless_patterns.local.policy`);
* **an AWS service delivering on a rule's, topic's, alarm's or API's behalf** (EventBridge, SNS,
  CloudWatch, API Gateway), evaluated against the resource policy of the target with the
  service principal and ``aws:SourceArn``/``aws:SourceAccount``, as AWS does;
* **the administrator**: every call made with credentials the local cloud did not mint (the
  deploy itself, ``LocalCloud.client()``, a test's own boto3 clients). It is allowed everything,
  as the deploy role of a CI pipeline would be.

A denial is recorded as a :class:`Denial` (``LocalCloud.denials()``), written to the calling
function's log group, and answered with AWS's ``AccessDenied`` error of the service's protocol,
whose message names the principal, action, resource and why (no matching Allow, or the explicit
Deny at statement N).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from serverless_patterns.local.guard_http import _access_key, _changes_policies, _read_body, access_denied_response
from serverless_patterns.local.policy import Decision, Policy, PolicyError, Principal, Request, evaluate

ADMIN_ACCESS_KEY = "testing"
"""The access key of the local administrator, with the secret ``testing`` (``LocalCloud.client()`` uses it)."""

ADMIN_SECRET_KEY = "testing"

_MINTED_PREFIX = "ASIALOCAL"
# What a call on a queue or topic with a customer managed key also needs on the key (see _key_refusal).
_KEY_ACTIONS = {
    "sqs:SendMessage": ("kms:GenerateDataKey", "kms:Decrypt"),
    "sns:Publish": ("kms:GenerateDataKey", "kms:Decrypt"),
    "sqs:ReceiveMessage": ("kms:Decrypt",),
}


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials the local cloud minted for an assumed role.

    Examples
    --------
    >>> Credentials("ASIALOCALX", "secret", "token").environment()["AWS_ACCESS_KEY_ID"]
    'ASIALOCALX'
    """

    access_key_id: str
    secret_access_key: str
    session_token: str

    def environment(self) -> dict[str, str]:
        """The variables that give an SDK these credentials (as Lambda sets them for a function)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


@dataclass(frozen=True)
class Denial:
    """One request the local cloud refused, as AWS would have.

    Attributes
    ----------
    principal
        Who asked: an assumed-role session ARN or a service principal (``events.amazonaws.com``).
    action, resource
        What was asked for (``dynamodb:PutItem`` on a table ARN).
    reason
        Why: the explicit Deny (policy and statement) or the missing Allow.
    message
        AWS's error message, as the caller received it.
    origin
        Where it happened: ``"call"`` (an SDK call of a handler), ``"delivery"`` (a service
        delivering to a target) or ``"api"`` (API Gateway).
    at
        When (``time.time()``).

    Examples
    --------
    >>> queue = "arn:aws:sqs:us-east-1:1:q"
    >>> denial = Denial("events.amazonaws.com", "sqs:SendMessage", queue, "no Allow", "m", "delivery")
    >>> str(denial)
    'events.amazonaws.com may not sqs:SendMessage on arn:aws:sqs:us-east-1:1:q: no Allow (delivery)'
    """

    principal: str
    action: str
    resource: str
    reason: str
    message: str
    origin: str
    at: float = field(default_factory=time.time)

    def __str__(self) -> str:
        return f"{self.principal} may not {self.action} on {self.resource}: {self.reason} ({self.origin})"


class Authorization:
    """Decides, as AWS would, whether a principal may perform an action on a resource; keeps the denials.

    Parameters
    ----------
    account, region
        The local cloud's account and default region.
    enabled
        Enforce (default). When ``False`` every request is allowed and nothing is recorded.
    identity_policies
        ``role ARN -> [(label, document)]``. Default: - the role's policies as moto keeps them.

    Examples
    --------
    >>> authorization = Authorization(identity_policies=lambda role: [])
    >>> credentials = authorization.credentials_for("arn:aws:iam::123456789012:role/R", "Fn")
    >>> authorization.principal_for_key(credentials.access_key_id).arn
    'arn:aws:sts::123456789012:assumed-role/R/Fn'
    >>> authorization.principal_for_key("testing") is None  # the administrator
    True
    """

    def __init__(
        self,
        *,
        account: str = "123456789012",
        region: str = "us-east-1",
        enabled: bool = True,
        identity_policies: Callable[[str], list[tuple[str, Any]]] | None = None,
    ) -> None:
        self.account = account
        self.region = region
        self.enabled = enabled
        self._identity_source = identity_policies
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[Principal, Credentials]] = {}
        self._identity_cache: dict[str, tuple[Policy, ...]] = {}
        self._allowed_invokes: dict[tuple[str, str, str], Decision] = {}
        self._resource_policies: dict[str, Policy] = {}
        self._parsed_documents: dict[str, Policy] = {}
        self._key_policies: dict[str, Policy] = {}
        self._encryption_keys: dict[str, str] = {}
        self.function_policies: Callable[[str], list[dict[str, Any]]] | None = None
        """``function ARN -> statements`` of Lambda permissions (set by the local cloud: moto keeps them)."""
        self.denials: deque[Denial] = deque(maxlen=10_000)
        """The latest denials, oldest first."""
        self.intercepts: list[Callable[[dict[str, Any]], tuple[str, list[tuple[str, str]], bytes] | None]] = []
        """Called with each request before it is checked; an answer is sent instead of moto's (local emulation)."""
        self.on_denial: list[Callable[[Denial, Principal], None]] = []
        """Called with each new denial (the local cloud writes it to the calling function's log group)."""

    # -- principals --------------------------------------------------------------------------
    def credentials_for(self, role_arn: str, session_name: str) -> Credentials:
        """Mint (once) the credentials of ``role_arn`` assumed as ``session_name``."""
        digest = hashlib.sha256(f"{role_arn}\n{session_name}".encode()).hexdigest().upper()
        access_key = (_MINTED_PREFIX + digest)[:20]
        with self._lock:
            known = self._keys.get(access_key)
            if known is not None:
                return known[1]
            credentials = Credentials(access_key, digest[20:60].lower(), f"local-session-{digest[:32].lower()}")
            self._keys[access_key] = (Principal.assumed_role(role_arn, session_name), credentials)
            return credentials

    def principal_for_key(self, access_key_id: str) -> Principal | None:
        """The principal of minted credentials; ``None`` for any other key (the administrator)."""
        known = self._keys.get(access_key_id)
        return known[0] if known is not None else None

    def secret_for(self, access_key_id: str) -> str | None:
        """The secret key of an access key the local cloud knows (minted, or the administrator's)."""
        if access_key_id == ADMIN_ACCESS_KEY:
            return ADMIN_SECRET_KEY
        known = self._keys.get(access_key_id)
        return known[1].secret_access_key if known is not None else None

    # -- policies ----------------------------------------------------------------------------
    def identity_policies(self, role_arn: str) -> tuple[Policy, ...]:
        """The parsed identity policies of a role (cached until :meth:`forget_policies`)."""
        cached = self._identity_cache.get(role_arn)
        if cached is not None:
            return cached
        if self._identity_source is None:
            from serverless_patterns.local import _moto

            source = _moto.role_policies(self.account, role_arn)
        else:
            source = self._identity_source(role_arn)
        parsed = tuple(Policy.parse(label, document) for label, document in source)
        self._identity_cache[role_arn] = parsed
        return parsed

    def forget_policies(self) -> None:
        """Drop cached identity policies and allowed Lambda permissions (after a deploy or a policy change)."""
        self._identity_cache.clear()
        self._allowed_invokes.clear()

    def may_invoke(self, service: str, function_arn: str, source_arn: str, *, origin: str) -> Decision:
        """``check_service`` of ``lambda:InvokeFunction``, with allowed answers remembered.

        API Gateway asks it on every request; a function's permissions change only through
        ``AddPermission``/``RemovePermission`` or a deploy, both of which forget what was remembered.
        """
        key = (service, function_arn, source_arn)
        remembered = self._allowed_invokes.get(key)
        if remembered is not None:
            return remembered
        decision = self.check_service(
            service, "lambda:InvokeFunction", function_arn, source_arn=source_arn, origin=origin
        )
        if decision.allowed:
            self._allowed_invokes[key] = decision
        return decision

    def set_resource_policy(self, arn: str, label: str, document: Any) -> None:
        """Record the resource policy of a queue, topic, bus, bucket or API (replaces an earlier one)."""
        self._resource_policies[arn] = Policy.parse(label, _strip_unknown(document))

    def set_key_policy(self, key_arn: str, label: str, document: Any) -> None:
        """Record the key policy of a KMS key."""
        self._key_policies[key_arn] = Policy.parse(label, _strip_unknown(document))

    def set_encryption_key(self, resource_arn: str, key_arn: str) -> None:
        """Record that a queue or topic is encrypted with a customer managed KMS key."""
        self._encryption_keys[resource_arn] = key_arn

    def _parsed(self, label: str, text: str) -> Policy:
        key = f"{label}\n{text}"
        cached = self._parsed_documents.get(key)
        if cached is None:
            cached = self._parsed_documents[key] = Policy.parse(label, _strip_unknown(text))
        return cached

    def default_topic_policy(self, topic_arn: str) -> bool:
        """Whether a topic still has the policy SNS gives a new topic (no topic policy replaced it)."""
        from serverless_patterns.local import _moto

        found = _moto.topic_policy(self.account, topic_arn.split(":")[3], topic_arn)
        return found is not None and found[1]

    def resource_policy(self, resource_arn: str) -> Policy | None:
        """The resource policy that governs ``resource_arn`` (an object's is its bucket's).

        Queue and topic policies are read from moto at each check, so a policy set at run time
        (``SetQueueAttributes``, ``SetTopicAttributes``) counts, as in AWS.
        """
        from serverless_patterns.local import _moto

        if resource_arn.startswith("arn:aws:lambda:"):
            return self._function_policy(resource_arn)
        if resource_arn.startswith("arn:aws:sqs:"):
            parts = resource_arn.split(":")
            text = _moto.queue_policy(parts[4], parts[3], parts[5])
            return None if text is None else self._parsed(f"queue policy of {parts[5]}", text)
        if resource_arn.startswith("arn:aws:sns:"):
            found = _moto.topic_policy(resource_arn.split(":")[4], resource_arn.split(":")[3], resource_arn)
            if found is None:
                return None
            label = "default topic policy" if found[1] else "topic policy"
            return self._parsed(f"{label} of {resource_arn.rsplit(':', 1)[-1]}", found[0])
        policy = self._resource_policies.get(resource_arn)
        if policy is None and resource_arn.startswith("arn:aws:s3:::") and "/" in resource_arn:
            policy = self._resource_policies.get(resource_arn.split("/", 1)[0])
        if policy is None and resource_arn.startswith("arn:aws:execute-api:"):
            api = resource_arn.split("/", 1)[0]
            policy = self._resource_policies.get(api)
        return policy

    def _function_policy(self, function_arn: str) -> Policy | None:
        if self.function_policies is None:
            return None
        unqualified = ":".join(function_arn.split(":")[:7])
        statements = self.function_policies(unqualified)
        if not statements:
            return None
        document = {"Version": "2012-10-17", "Statement": [_strip_statement(statement) for statement in statements]}
        # Parsed once per distinct policy: API Gateway checks it on every request.
        return self._parsed(f"resource policy of function {unqualified.rsplit(':', 1)[-1]}", json.dumps(document))

    # -- decisions ---------------------------------------------------------------------------
    def check(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        *,
        origin: str = "call",
    ) -> Decision:
        """Evaluate one request as AWS does (identity and resource policy, KMS keys apart); record a denial."""
        full_context = {"aws:SecureTransport": True, "aws:RequestedRegion": self.region, **(context or {})}
        request = Request(principal, action, resource, full_context)
        identity: tuple[Policy, ...] = ()
        if principal.service is None and principal.role_arn is not None:
            identity = self.identity_policies(principal.role_arn)
        if action.lower().startswith("kms:"):
            key_policy = self._key_policies.get(resource)
            if key_policy is None:  # a key the deploy did not define (an AWS managed key): identity decides
                decision = evaluate(request, identity=identity)
            else:
                decision = evaluate(request, identity=identity, resource=key_policy, resource_is_key_policy=True)
        else:
            decision = evaluate(request, identity=identity, resource=self.resource_policy(resource))
        if not decision.allowed:
            self.record(request, decision, origin)
        return decision

    def check_service(
        self,
        service: str,
        action: str,
        resource: str,
        *,
        source_arn: str | None = None,
        origin: str = "delivery",
    ) -> Decision:
        """Whether AWS service ``service`` (``events.amazonaws.com``) may act on ``resource`` for ``source_arn``.

        The service principal's request carries ``aws:SourceArn`` and ``aws:SourceAccount``, the
        keys AWS documents for service-to-service requests; with a customer managed KMS key on the
        target, the service also needs ``kms:GenerateDataKey`` and ``kms:Decrypt`` from the key policy.
        """
        principal = Principal.for_service(service, self.account)
        if service == "cloudwatch.amazonaws.com" and action == "sns:Publish" and self.default_topic_policy(resource):
            # CloudWatch alarms publish to a topic that keeps SNS's default policy; a topic policy
            # replaces it, and must then allow CloudWatch itself
            # (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
            refusal = self._key_refusal(principal, action, resource, {}, origin)
            return refusal[1] if refusal else Decision(True, "SNS's default topic policy", None, "allow")
        context: dict[str, Any] = {"aws:SourceAccount": self.account}
        if source_arn:
            context["aws:SourceArn"] = source_arn
        decision = self.check(principal, action, resource, context, origin=origin)
        if decision.allowed:
            refusal = self._key_refusal(principal, action, resource, context, origin)
            if refusal is not None:
                return refusal[1]
        return decision

    def _key_refusal(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any], origin: str
    ) -> tuple[Request, Decision] | None:
        """The refused KMS request that a call on a queue or topic with a customer managed key also needs.

        SQS and SNS call KMS with the caller's identity: a sender needs ``kms:GenerateDataKey`` and
        ``kms:Decrypt`` on the key, a receiver ``kms:Decrypt``
        (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
        https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        """
        key = self._encryption_keys.get(resource)
        if key is None:
            return None
        for kms_action in _KEY_ACTIONS.get(action, ()):
            decision = self.check(principal, kms_action, key, context, origin=origin)
            if not decision.allowed:
                return Request(principal, kms_action, key, {}), decision
        return None

    def record(self, request: Request, decision: Decision, origin: str) -> Denial:
        """Keep a denial and tell the listeners."""
        denial = Denial(
            request.principal.label,
            request.action,
            request.resource,
            decision.reason,
            decision.message(request),
            origin,
        )
        self.denials.append(denial)
        for listener in list(self.on_denial):
            listener(denial, request.principal)
        return denial

    # -- the guard in front of moto ----------------------------------------------------------
    def guard(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:  # noqa: PLR0911
        """Check one request to moto's server; ``None`` lets it through, else AWS's AccessDenied response."""
        for intercept in self.intercepts:
            answer = intercept(environ)
            if answer is not None:
                return answer
        if not self.enabled:
            return None
        access_key = _access_key(environ)
        if access_key is None:
            return None
        principal = self.principal_for_key(access_key)
        if principal is None:
            if _changes_policies(environ):
                self.forget_policies()
            return None
        from serverless_patterns.local.actions import parse_request

        body = _read_body(environ)
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        # The path as sent (PATH_INFO is already percent-decoded; an S3 key may hold a '%').
        raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/"))
        parsed = parse_request(
            environ.get("REQUEST_METHOD", "GET"),
            raw_path.split("?", 1)[0],
            environ.get("QUERY_STRING", ""),
            headers,
            body,
            account=self.account,
            default_region=self.region,
            lookup=_MotoLookup(self.account),
        )
        if parsed is None:
            return None
        for item in parsed.authorizations:
            decision = self.check(principal, item.action, item.resource, dict(item.context), origin="call")
            if not decision.allowed:
                message = decision.message(Request(principal, item.action, item.resource, {}))
                return access_denied_response(parsed.service, headers, message)
            refusal = self._key_refusal(principal, item.action, item.resource, {}, "call")
            if refusal is not None:
                key_request, key_decision = refusal
                return access_denied_response(parsed.service, headers, key_decision.message(key_request))
        return None


class _MotoLookup:
    def __init__(self, account: str) -> None:
        self.account = account

    def secret_arn(self, secret_id: str, region: str = "us-east-1") -> str | None:
        from serverless_patterns.local import _moto

        return _moto.secret_arn(self.account, region, secret_id)

    def key_arn(self, key_id: str, region: str = "us-east-1") -> str | None:
        from serverless_patterns.local import _moto

        return _moto.key_arn(self.account, region, key_id)


def _strip_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    # moto keeps the function name inside each statement of a function policy; IAM has no such element.
    return {key: value for key, value in statement.items() if key != "FunctionName"}


def _strip_unknown(document: Any) -> Any:
    if isinstance(document, str):
        return json.loads(document)
    return document


__all__ = [
    "ADMIN_ACCESS_KEY",
    "ADMIN_SECRET_KEY",
    "Authorization",
    "Credentials",
    "Denial",
    "PolicyError",
    "access_denied_response",
]
