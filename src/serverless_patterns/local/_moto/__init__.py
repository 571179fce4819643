"""The local cloud's one adapter over moto: every moto import, patch and private attribute is here.

Callers get small typed functions and views (:class:`FunctionView`, :class:`SnsNotification`,
:class:`EventSourceMapping`, :class:`SqsMessage`) instead of moto's objects. Every patch of moto
goes through one registry (:mod:`.patches`): named, installed once under one lock, checked
against the signature it was written for, and undone on uninstall. Each seam has a contract
test (``tests/local/test_moto_seams.py``) that fails loudly when a moto upgrade moves it, and
``tests/local/test_moto_imports.py`` fails when another module of ``local/`` imports moto.

Modules: :mod:`.server` (version, server, request guard), :mod:`.lambda_` (functions, invocation
hook, asynchronous invoke, logs), :mod:`.messaging` (EventBridge rules, SNS subscriptions),
:mod:`.sqs` (queues, event source mappings), :mod:`.dynamodb` (atomic item writes), :mod:`.iam`
(policies and ARNs IAM enforcement reads), :mod:`.cloudformation` (stacks, resource types, Step
Functions), :mod:`.cognito`.
"""

from __future__ import annotations

from serverless_patterns.local._moto.cloudformation import (
    adopt_state_machine,
    delete_interpreter_state_machine,
    deployable_resource_types,
    install_step_functions_credentials,
    stack_resolver,
    uninstall_step_functions_credentials,
    verify_stack_readiness,
)
from serverless_patterns.local._moto.cognito import cognito_jwks
from serverless_patterns.local._moto.dynamodb import (
    atomic_writes_installed,
    install_atomic_writes,
    uninstall_atomic_writes,
)
from serverless_patterns.local._moto.iam import (
    function_policy_statements,
    key_arn,
    queue_policy,
    role_policies,
    role_trust_policy,
    secret_arn,
    topic_policy,
)
from serverless_patterns.local._moto.lambda_ import (
    FunctionView,
    Invoker,
    get_function,
    install_async_invoke,
    install_invoke_hook,
    uninstall_async_invoke,
    uninstall_invoke_hook,
    view_of,
    write_log_lines,
)
from serverless_patterns.local._moto.messaging import (
    RuleDelivery,
    SnsNotification,
    event_pattern_matches,
    install_rule_delivery,
    install_sns_delivery,
    uninstall_rule_delivery,
    uninstall_sns_delivery,
)
from serverless_patterns.local._moto.patches import METHODS, MotoSeamError, PatchConflictError, not_found
from serverless_patterns.local._moto.server import (
    SUPPORTED_MOTO,
    MotoServer,
    WsgiGuard,
    check_moto_version,
    install_request_guard,
    uninstall_request_guard,
)
from serverless_patterns.local._moto.sqs import (
    EventSourceMapping,
    SqsMessage,
    change_message_visibility,
    delete_message,
    detach_from_queue,
    event_source_mappings,
    has_visible_messages,
    receive_messages,
)

__all__ = [
    "METHODS",
    "SUPPORTED_MOTO",
    "EventSourceMapping",
    "FunctionView",
    "Invoker",
    "MotoSeamError",
    "MotoServer",
    "PatchConflictError",
    "RuleDelivery",
    "SnsNotification",
    "SqsMessage",
    "WsgiGuard",
    "adopt_state_machine",
    "atomic_writes_installed",
    "change_message_visibility",
    "check_moto_version",
    "cognito_jwks",
    "delete_interpreter_state_machine",
    "delete_message",
    "deployable_resource_types",
    "detach_from_queue",
    "event_pattern_matches",
    "event_source_mappings",
    "function_policy_statements",
    "get_function",
    "has_visible_messages",
    "install_async_invoke",
    "install_atomic_writes",
    "install_invoke_hook",
    "install_request_guard",
    "install_rule_delivery",
    "install_sns_delivery",
    "install_step_functions_credentials",
    "key_arn",
    "not_found",
    "queue_policy",
    "receive_messages",
    "role_policies",
    "role_trust_policy",
    "secret_arn",
    "stack_resolver",
    "topic_policy",
    "uninstall_async_invoke",
    "uninstall_atomic_writes",
    "uninstall_invoke_hook",
    "uninstall_request_guard",
    "uninstall_rule_delivery",
    "uninstall_sns_delivery",
    "uninstall_step_functions_credentials",
    "verify_stack_readiness",
    "view_of",
    "write_log_lines",
]
