"""What Lambda accepts as a function's environment: variable names and the 4 KB limit."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from serverless_patterns._internal.validation import Rules

# Lambda's API pattern for a variable name, "[a-zA-Z]([a-zA-Z0-9_])+": two characters at least
# (https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html).
_ENV_NAME = r"[A-Za-z][A-Za-z0-9_]+"
# The runtime sets these; Lambda rejects a function configuration that sets them. The list of
# "Reserved environment variables" in
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
_RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# "Environment variables: 4 KB, for all environment variables associated with the function, in
# aggregate" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Lambda
# measures the variables as their JSON object, names and values together: its rejection quotes the
# "String measured: {...}" (InvalidParameterValueException, as reported in
# github-aws-runners/terraform-aws-github-runner issue 3594).
ENVIRONMENT_LIMIT_BYTES = 4096
_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")


def environment_bytes(environment: Mapping[str, str]) -> int:
    """The size Lambda counts against its 4 KB limit, with deploy-time tokens counted as empty.

    Examples
    --------
    >>> environment_bytes({"A": "b"})
    9
    """
    known = {name: _TOKEN.sub("", value) for name, value in environment.items()}
    return len(json.dumps(known, separators=(",", ":"), ensure_ascii=False).encode())


def check_environment_name(rules: Rules, name: str) -> None:
    """Require a name Lambda accepts and does not reserve."""
    rules.matches("environment variable name", name, _ENV_NAME, "letters, digits and underscores")
    rules.check(name not in _RESERVED_ENV, f"environment variable {name} is reserved by Lambda")


def check_environment_size(rules: Rules, environment: Mapping[str, str]) -> None:
    """Require the variables to fit Lambda's 4 KB, names and values as JSON."""
    size = environment_bytes(environment)
    rules.check(
        size <= ENVIRONMENT_LIMIT_BYTES,
        f"environment variables must take at most {ENVIRONMENT_LIMIT_BYTES} bytes (Lambda's 4 KB, names and "
        f"values as JSON), got {size} bytes",
    )
