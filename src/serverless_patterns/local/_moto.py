"""The local cloud's seams into moto's internals for IAM enforcement (and event matching), in one place.

Every moto import and private attribute that authorization needs is here, each behind a small
typed function, so that a moto upgrade that moves one of them fails a contract test
(``tests/local/test_moto_seams.py``) instead of silently letting calls through. The older
seams of the runtime, the SQS poller and event delivery still live in their modules.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

_log = logging.getLogger(__name__)

WsgiGuard = Callable[[dict[str, Any]], "tuple[str, list[tuple[str, str]], bytes] | None"]
"""Called with each WSGI environ before moto sees it: ``None`` lets it through, else the response."""

_guard_lock = threading.Lock()
_guard: WsgiGuard | None = None
_original_call: Any = None


def install_request_guard(guard: WsgiGuard) -> None:
    """Put ``guard`` in front of every moto server in this process (one guard at a time).

    moto's server is a WSGI application (``DomainDispatcherApplication``); its ``__call__`` is
    the one entry of every request, whatever the service, so the guard wraps it there.

    Examples
    --------
    >>> install_request_guard(lambda environ: None)
    >>> uninstall_request_guard()
    """
    global _guard, _original_call  # noqa: PLW0603 - one guard per process, as moto has one server app class
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    with _guard_lock:
        if _original_call is None:
            _original_call = DomainDispatcherApplication.__call__

            def __call__(app: Any, environ: dict[str, Any], start_response: Any) -> Any:  # noqa: N807
                guard = _guard
                if guard is not None:
                    denied = guard(environ)
                    if denied is not None:
                        status, headers, body = denied
                        start_response(status, [*headers, ("Content-Length", str(len(body)))])
                        return [body]
                return _original_call(app, environ, start_response)

            DomainDispatcherApplication.__call__ = __call__  # type: ignore[method-assign,assignment]
        _guard = guard


def uninstall_request_guard() -> None:
    """Give moto's server application back its own ``__call__``."""
    global _guard, _original_call  # noqa: PLW0603
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    with _guard_lock:
        if _original_call is not None:
            DomainDispatcherApplication.__call__ = _original_call  # type: ignore[method-assign]
        _original_call = None
        _guard = None


def role_policies(account: str, role_arn: str) -> list[tuple[str, Any]]:
    """The identity policies of an IAM role as ``(label, document)``: inline, then attached managed.

    Examples
    --------
    >>> role_policies("123456789012", "arn:aws:iam::123456789012:role/NoSuchRole")
    []
    """
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["global"]
    name = role_arn.rsplit("/", 1)[-1]
    role = next((role for role in backend.roles.values() if role.arn == role_arn or role.name == name), None)
    if role is None:
        return []
    found: list[tuple[str, Any]] = [
        (f"inline policy {policy_name} of role {role.name}", _document(document))
        for policy_name, document in role.policies.items()
    ]
    for arn, managed in role.managed_policies.items():
        default = next(version for version in managed.versions if version.version_id == managed.default_version_id)
        found.append((f"managed policy {arn} of role {role.name}", _document(default.document)))
    return found


def role_trust_policy(account: str, role_arn: str) -> Any | None:
    """The trust (assume-role) policy of an IAM role, or ``None`` when there is no such role."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["global"]
    role = next((role for role in backend.roles.values() if role.arn == role_arn), None)
    return None if role is None else _document(role.assume_role_policy_document)


def _document(document: Any) -> Any:
    if isinstance(document, str):
        text = document if document.lstrip().startswith("{") else unquote(document)
        return json.loads(text)
    return document


def stack_resolver(account: str, region: str, stack_name: str) -> Callable[[Any], Any]:
    """A function that resolves template expressions the way moto's CloudFormation did for the stack.

    It resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub`` and the other intrinsic
    functions against the resources moto created, so an ARN comes out exactly as moto serves it.
    """
    from moto.cloudformation.models import cloudformation_backends
    from moto.cloudformation.parsing import clean_json

    stack = cloudformation_backends[account][region].get_stack(stack_name)
    resource_map = stack.resource_map

    def resolve(value: Any) -> Any:
        return clean_json(value, resource_map)

    return resolve


def secret_arn(account: str, region: str, secret_id: str) -> str | None:
    """The full ARN (with its random suffix) of a Secrets Manager secret named or ARN'd by ``secret_id``."""
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account][region]
    try:
        return str(backend.describe_secret(secret_id).arn)
    except Exception:  # an unknown secret: the caller falls back to the name's ARN
        return None


def key_arn(account: str, region: str, key_id: str) -> str | None:
    """The ARN of a KMS key given by id, ARN, alias name or alias ARN."""
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    try:
        resolved = backend.any_id_to_key_id(key_id)
        return str(backend.describe_key(resolved).arn)
    except Exception:  # an unknown key or alias
        return None


def function_policy_statements(account: str, region: str, function_name: str) -> list[dict[str, Any]]:
    """The statements of a Lambda function's resource policy as moto keeps them (``AddPermission``)."""
    from moto.awslambda.models import lambda_backends

    backend = lambda_backends[account][region]
    try:
        function = backend.get_function(function_name)
    except Exception:  # no such function: no policy
        return []
    policy = getattr(function, "policy", None)
    if policy is None:
        return []
    try:
        document = policy.get_policy()
    except Exception:  # moto raises when the function has no statement yet
        return []
    statements = document.get("Policy", document).get("Statement", [])
    return [dict(statement) for statement in _as_list(statements)]


def _as_list(value: Any) -> Iterable[Any]:
    return value if isinstance(value, list) else [value]


def queue_policy(account: str, region: str, queue_name: str) -> str | None:
    """The ``Policy`` attribute of an SQS queue as moto keeps it (``None``: no queue or no policy)."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[account][region].queues.get(queue_name)
    if queue is None:
        return None
    policy = queue.policy
    return str(policy) if policy else None


def topic_policy(account: str, region: str, topic_arn: str) -> tuple[str, bool] | None:
    """An SNS topic's policy as moto keeps it and whether it is SNS's default one (``None``: no topic)."""
    from moto.sns.models import sns_backends

    topic = sns_backends[account][region].topics.get(topic_arn)
    if topic is None:
        return None
    document = topic._policy_json
    return json.dumps(document), document.get("Id") == "__default_policy_ID"


_original_client_for: Any = None
_patched_modules: list[Any] = []


def install_step_functions_credentials(mint: Callable[[str], tuple[str, str, str]]) -> None:
    """Make moto's Step Functions interpreter call services with the credentials of the execution's role.

    The interpreter creates a boto3 client per task with fixed test keys (``boto_client_for``),
    so every task would run as the administrator. Each module of the interpreter imported that
    function by name; the replacement is set in each of them, and takes the role from the task's
    ``state_credentials`` (the state machine's role, or the task's ``Credentials``), as Step
    Functions does (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html).
    """
    global _original_client_for  # noqa: PLW0603 - one interpreter per process
    import sys

    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.utils import boto_client

    if _original_client_for is None:
        _original_client_for = boto_client.boto_client_for
    original = _original_client_for

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        role = getattr(state_credentials, "role_arn", None)
        if not role:
            return original(region=region, service=service, state_credentials=state_credentials)
        from moto.settings import moto_server_port

        key, secret, token = mint(str(role))
        return boto3.client(
            service_name=service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=f"http://localhost:{moto_server_port()}",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            ),
        )

    import importlib
    import pkgutil

    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state import exec as task_package

    # The task modules hold their own reference to boto_client_for: import them all before replacing it.
    for info in pkgutil.walk_packages(task_package.__path__, f"{task_package.__name__}."):
        importlib.import_module(info.name)
    _patched_modules.clear()
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is original:
            setattr(module, "boto_client_for", boto_client_for)  # noqa: B010 - a patch of moto's module
            _patched_modules.append(module)
    if not _patched_modules:
        raise RuntimeError("moto's Step Functions interpreter no longer uses boto_client_for: the seam moved")


def uninstall_step_functions_credentials() -> None:
    """Give moto's interpreter modules back their own ``boto_client_for``."""
    for module in _patched_modules:
        setattr(module, "boto_client_for", _original_client_for)  # noqa: B010 - undoing the patch
    _patched_modules.clear()


def event_pattern_matches(pattern: str, event: dict[str, Any]) -> bool:
    """Whether an EventBridge event matches a rule's pattern, by the matcher moto's delivery uses.

    Examples
    --------
    >>> event_pattern_matches('{"source": ["shop"]}', {"source": "shop", "detail": {}})
    True
    """
    from moto.events.models import EventPattern

    return bool(EventPattern.load(pattern).matches_event(event))  # type: ignore[arg-type]
