"""moto's CloudFormation and Step Functions: stacks, the resource types moto deploys, state machines."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from serverless_patterns.local._moto import patches

_log = logging.getLogger(__name__)


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


def verify_stack_readiness(account: str, region: str, stack_name: str) -> None:
    """Let moto complete a stack whose resources are all created (it checks only when a custom resource answers).

    A custom resource that answered while moto was still creating the other resources leaves the
    stack waiting in ``CREATE_IN_PROGRESS``. A stack moto no longer holds (deleted meanwhile)
    is left alone.

    Examples
    --------
    >>> verify_stack_readiness("123456789012", "us-east-1", "NoSuchStack")
    """
    from moto.cloudformation.models import cloudformation_backends

    try:
        stack = cloudformation_backends[account][region].get_stack(stack_name)
    except patches.not_found():  # ValidationError: the stack is gone, nothing to complete
        return
    stack.verify_readiness()


def deployable_resource_types() -> tuple[frozenset[str], frozenset[str]] | None:
    """The resource types moto's CloudFormation creates and those it accepts as no-ops (``None``: moto is absent).

    Examples
    --------
    >>> deployable, no_ops = deployable_resource_types() or (frozenset(), frozenset())
    >>> "AWS::SQS::Queue" in deployable
    True
    """
    try:
        from moto.cloudformation.parsing import NULL_MODELS, get_model_map
    except ImportError:  # moto is only needed to deploy, not to read a template
        return None
    return frozenset(get_model_map()), frozenset(NULL_MODELS)


def adopt_state_machine(account: str, region: str, arn: str) -> None:
    """Copy a state machine moto's CloudFormation created into the backend of moto's interpreter.

    CloudFormation creates it in the plain Step Functions backend, while the API serves it, with
    the interpreter turned on (``execute_state_machine``), from the parser backend.
    """
    from moto.stepfunctions.models import stepfunctions_backends
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    machine = stepfunctions_backends[account][region].describe_state_machine(arn)
    parser = stepfunctions_parser_backends[account][region]
    parser.create_state_machine(machine.name, machine.definition, machine.roleArn, tags=[])


def delete_interpreter_state_machine(account: str, region: str, arn: str) -> None:
    """Delete a state machine from the backend of moto's interpreter (deleting one it lacks does nothing).

    Examples
    --------
    >>> delete_interpreter_state_machine("123456789012", "us-east-1",
    ...                                  "arn:aws:states:us-east-1:123456789012:stateMachine:none")
    """
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    try:
        stepfunctions_parser_backends[account][region].delete_state_machine(arn)
    except patches.not_found() as error:  # an ARN moto rejects: nothing of it to delete; teardown goes on
        _log.warning("state machine %s: moto's interpreter could not delete it: %s", arn, error)


def install_step_functions_credentials(mint: Callable[[str], tuple[str, str, str]]) -> None:
    """Make moto's Step Functions interpreter call services with the credentials of the execution's role.

    The interpreter creates a boto3 client per task with fixed test keys (``boto_client_for``),
    so every task would run as the administrator. Each module of the interpreter imported that
    function by name; the replacement is set in each of them, and takes the role from the task's
    ``state_credentials`` (the state machine's role, or the task's ``Credentials``), as Step
    Functions does (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html).
    The patch is held by ``mint``: another one raises
    :class:`~serverless_patterns.local._moto.patches.PatchConflictError` until it is uninstalled.
    """
    patches.install("stepfunctions.boto_client_for", mint, lambda: _patch_boto_client_for(mint))


def uninstall_step_functions_credentials() -> None:
    """Give moto's interpreter modules back their own ``boto_client_for``."""
    patches.uninstall("stepfunctions.boto_client_for")


def _patch_boto_client_for(mint: Callable[[str], tuple[str, str, str]]) -> Callable[[], None]:
    import importlib
    import pkgutil
    import sys

    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state import exec as task_package
    from moto.stepfunctions.parser.asl.utils import boto_client

    original = boto_client.boto_client_for

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

    # The task modules hold their own reference to boto_client_for: import them all before replacing it.
    for info in pkgutil.walk_packages(task_package.__path__, f"{task_package.__name__}."):
        importlib.import_module(info.name)
    patched = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is original
    ]
    if not patched:
        raise patches.MotoSeamError("moto's Step Functions interpreter no longer uses boto_client_for: the seam moved")
    for module in patched:
        setattr(module, "boto_client_for", boto_client_for)  # noqa: B010 - a patch of moto's module

    def undo() -> None:
        for module in patched:
            setattr(module, "boto_client_for", original)  # noqa: B010 - undoing the patch

    return undo
