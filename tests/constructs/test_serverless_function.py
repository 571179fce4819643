"""ServerlessFunction: template assertions, validation rules, compliance and a snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template

from serverless_patterns import ServerlessFunction, ValidationError
from tests.constructs.stacks import ECHO, new_stack


@pytest.fixture(scope="module")
def default_stack() -> cdk.Stack:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", entry=ECHO)
    return stack


@pytest.fixture(scope="module")
def default_template(default_stack: cdk.Stack) -> Template:
    return Template.from_stack(default_stack)


@pytest.fixture(scope="module")
def full_stack() -> tuple[cdk.Stack, ServerlessFunction]:
    stack = new_stack()
    # Imported: a secret defined here would bring its own (unrelated) rotation finding.
    secret = secretsmanager.Secret.from_secret_complete_arn(
        stack, "ApiKey", "arn:aws:secretsmanager:eu-west-1:111111111111:secret:api-key-AbCdEf"
    )
    fn = ServerlessFunction(
        stack,
        "Full",
        entry=ECHO,
        memory_mib=1024,
        timeout=cdk.Duration.seconds(30),
        environment={"TABLE": "orders"},
        secrets={"API_KEY_SECRET_ARN": secret},
        dead_letter_queue_enabled=True,
        retry_attempts=1,
        max_event_age=cdk.Duration.hours(1),
        reserved_concurrent_executions=5,
        provisioned_concurrent_executions=2,
    )
    return stack, fn


def test_defaults_are_the_best_practices(default_template: Template) -> None:
    default_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "MemorySize": 256,
            "Timeout": 10,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": Match.string_like_regexp("FnLogGroup")}},
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "Fn",
                    "POWERTOOLS_METRICS_NAMESPACE": "ServerlessPatterns",
                    "POWERTOOLS_LOG_LEVEL": "INFO",
                }
            },
        },
    )


def test_powertools_layer_matches_region_runtime_and_architecture(default_template: Template) -> None:
    function = next(iter(default_template.find_resources("AWS::Lambda::Function").values()))
    layer = json.dumps(function["Properties"]["Layers"])
    assert layer == '["arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:27"]'


def test_log_group_has_retention_and_is_retained(default_template: Template) -> None:
    default_template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 30},
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_role_has_no_managed_policy_and_logs_only_to_its_own_group(default_template: Template) -> None:
    role = next(iter(default_template.find_resources("AWS::IAM::Role").values()))
    assert "ManagedPolicyArns" not in role["Properties"]
    default_template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [Match.string_like_regexp("FnLogGroup"), "Arn"]},
                        }
                    ]
                )
            }
        },
    )


def test_function_depends_only_on_its_policy(default_template: Template) -> None:
    function = next(iter(default_template.find_resources("AWS::Lambda::Function").values()))
    assert function["DependsOn"] == [next(iter(default_template.find_resources("AWS::IAM::Policy")))]


def test_default_is_compliant(default_stack: cdk.Stack, compliant) -> None:  # type: ignore[no-untyped-def]
    compliant(default_stack)


def test_every_option_is_compliant(full_stack: tuple[cdk.Stack, ServerlessFunction], compliant) -> None:  # type: ignore[no-untyped-def]
    compliant(full_stack[0])


def test_default_snapshot(default_stack: cdk.Stack, template_snapshot) -> None:  # type: ignore[no-untyped-def]
    template_snapshot(default_stack)


def test_secret_passes_arn_and_grants_read(full_stack: tuple[cdk.Stack, ServerlessFunction]) -> None:
    template = Template.from_stack(full_stack[0])
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "TABLE": "orders",
                        "API_KEY_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:api-key-AbCdEf",
                    }
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                                "Resource": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:api-key-AbCdEf",
                            }
                        )
                    ]
                )
            }
        },
    )


def test_async_invocation_has_encrypted_dlq_retries_and_max_age(
    full_stack: tuple[cdk.Stack, ServerlessFunction],
) -> None:
    stack, fn = full_stack
    template = Template.from_stack(stack)
    assert fn.dead_letter_queue is not None
    template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": [Match.string_like_regexp("FullDeadLetterQueue"), "Arn"]}}},
    )
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600}
    )


def test_concurrency_options(full_stack: tuple[cdk.Stack, ServerlessFunction]) -> None:
    stack, fn = full_stack
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {"ReservedConcurrentExecutions": 5})
    template.has_resource_properties(
        "AWS::Lambda::Alias",
        {"Name": "live", "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 2}},
    )
    assert fn.alias is not None


def test_snap_start_publishes_an_alias() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Snappy", entry=ECHO, snap_start=True)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Lambda::Function", {"SnapStart": {"ApplyOn": "PublishedVersions"}})
    template.resource_count_is("AWS::Lambda::Alias", 1)
    assert fn.alias is not None


def test_powertools_layer_can_be_turned_off() -> None:
    stack = new_stack()
    ServerlessFunction(stack, "Bare", entry=ECHO, powertools_layer=False, tracing=False)
    function = next(iter(Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()))
    assert "Layers" not in function["Properties"]
    assert "TracingConfig" not in function["Properties"]


def test_asset_excludes_bytecode(tmp_path: Path) -> None:
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return event\n")
    first = _asset_hash(tmp_path)
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    (cache / "index.cpython-311.pyc").write_bytes(b"\x00compiled")
    (tmp_path / "stale.pyc").write_bytes(b"\x00")
    assert _asset_hash(tmp_path) == first
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return None\n")
    assert _asset_hash(tmp_path) != first


def _asset_hash(folder: Path) -> str:
    stack = new_stack()
    ServerlessFunction(stack, "Fn", entry=str(folder))
    function = next(iter(Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()))
    return str(function["Properties"]["Code"]["S3Key"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"memory_mib": 64}, "memory_mib must be between 128 and 10240 MiB, got 64"),
        ({"memory_mib": 10241}, "memory_mib must be between 128 and 10240 MiB, got 10241"),
        ({"timeout": cdk.Duration.minutes(16)}, "timeout must be between 1 and 900 seconds, got 960"),
        ({"timeout": cdk.Duration.millis(500)}, "timeout must be between 1 and 900 seconds, got 0.5"),
        ({"timeout": cdk.Duration.millis(1500)}, "timeout must be a whole number of seconds, got 1.5"),
        ({"retry_attempts": 3}, "retry_attempts must be between 0 and 2, got 3"),
        ({"max_event_age": cdk.Duration.seconds(30)}, "max_event_age must be between 60 and 21600 seconds, got 30"),
        ({"reserved_concurrent_executions": -1}, "reserved_concurrent_executions must be at least 0, got -1"),
        ({"provisioned_concurrent_executions": 0}, "provisioned_concurrent_executions must be at least 1, got 0"),
        ({"ephemeral_storage_mib": 256}, "ephemeral_storage_mib must be between 512 and 10240 MiB, got 256"),
        ({"log_level": "VERBOSE"}, "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'VERBOSE'"),
        ({"handler": "index"}, "handler must be 'module.function', got 'index'"),
        ({"runtime": lambda_.Runtime.NODEJS_22_X}, "runtime must be a Python runtime, got nodejs22.x"),
        ({"environment": {"1BAD": "x"}}, "environment variable name must be letters, digits and underscores"),
        ({"environment": {"AWS_REGION": "x"}}, "environment variable AWS_REGION is reserved by Lambda"),
        # Four names the library let through until 0.2 (aws-cdk-lib then crashed inside jsii).
        ({"environment": {"AWS_EXECUTION_ENV": "x"}}, "environment variable AWS_EXECUTION_ENV is reserved by Lambda"),
        (
            {"environment": {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1"}},
            "environment variable AWS_LAMBDA_FUNCTION_MEMORY_SIZE is reserved by Lambda",
        ),
        (
            {"environment": {"AWS_LAMBDA_RUNTIME_API": "x"}},
            "environment variable AWS_LAMBDA_RUNTIME_API is reserved by Lambda",
        ),
        ({"environment": {"LAMBDA_RUNTIME_DIR": "x"}}, "environment variable LAMBDA_RUNTIME_DIR is reserved by Lambda"),
        (
            {"environment": {"CONFIG": "x" * 4096}},
            "environment variables must take at most 4096 bytes (Lambda's 4 KB, names and values as JSON), got 4",
        ),
        (
            {"reserved_concurrent_executions": 5, "provisioned_concurrent_executions": 6},
            "provisioned_concurrent_executions must be at most reserved_concurrent_executions (5), got 6",
        ),
        (
            {"snap_start": True, "provisioned_concurrent_executions": 1},
            "snap_start cannot be combined with provisioned_concurrent_executions",
        ),
        (
            {"snap_start": True, "ephemeral_storage_mib": 1024},
            "snap_start allows at most 512 MiB of ephemeral storage, got 1024",
        ),
        (
            {"snap_start": True, "runtime": lambda_.Runtime.PYTHON_3_11},
            "snap_start needs Python 3.12 or newer, got python3.11",
        ),
    ],
)
def test_fails_when_an_option_is_out_of_range(options: dict[str, object], message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError) as caught:
        ServerlessFunction(stack, "Bad", entry=ECHO, **options)  # type: ignore[arg-type]
    assert caught.value.construct_path == "Test/Bad"
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


def test_fails_when_neither_entry_nor_code_is_given() -> None:
    with pytest.raises(ValidationError, match="give entry"):
        ServerlessFunction(new_stack(), "Bad")


def test_fails_when_entry_and_code_are_both_given() -> None:
    with pytest.raises(ValidationError, match="entry and code cannot be combined"):
        ServerlessFunction(new_stack(), "Bad", entry=ECHO, code=lambda_.Code.from_inline("x"))


def test_fails_when_entry_is_missing() -> None:
    with pytest.raises(ValidationError, match="entry must be an existing folder, got 'no/such/folder'"):
        ServerlessFunction(new_stack(), "Bad", entry="no/such/folder")


def _handler_folder(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return str(tmp_path)


def test_fails_when_the_handler_module_file_is_missing(tmp_path: Path) -> None:
    entry = _handler_folder(tmp_path, {"index.py": "def handler(event, context): ...\n"})
    with pytest.raises(ValidationError) as caught:
        ServerlessFunction(new_stack(), "Bad", entry=entry, handler="orders.place.handler")
    [problem] = caught.value.problems
    assert f"{tmp_path.as_posix()}/orders/place.py" in problem
    assert f"{tmp_path.as_posix()}/orders/place/__init__.py" in problem
    assert "'handler'" in problem


def test_fails_when_the_default_handler_module_is_missing(tmp_path: Path) -> None:
    entry = _handler_folder(tmp_path, {"app.py": "def handler(event, context): ...\n"})
    with pytest.raises(ValidationError, match=r"handler module file .*/index\.py .*does not exist"):
        ServerlessFunction(new_stack(), "Bad", entry=entry)


def test_fails_when_the_handler_function_is_not_defined(tmp_path: Path) -> None:
    entry = _handler_folder(tmp_path, {"index.py": "def main(event, context): ...\n\nhandle = 1\n"})
    with pytest.raises(ValidationError) as caught:
        ServerlessFunction(new_stack(), "Bad", entry=entry)
    assert list(caught.value.problems) == [
        f"handler function 'handler' is not defined in {tmp_path.as_posix()}/index.py"
    ]


def test_fails_when_the_handler_is_defined_only_inside_a_function(tmp_path: Path) -> None:
    source = "def factory():\n    def handler(event, context): ...\n    return handler\n"
    entry = _handler_folder(tmp_path, {"index.py": source})
    with pytest.raises(ValidationError, match="handler function 'handler' is not defined in"):
        ServerlessFunction(new_stack(), "Bad", entry=entry)


def test_fails_when_the_handler_module_is_not_valid_python(tmp_path: Path) -> None:
    entry = _handler_folder(tmp_path, {"index.py": "def handler(event, context)\n"})
    with pytest.raises(ValidationError, match=r"handler module file .*/index\.py is not valid Python"):
        ServerlessFunction(new_stack(), "Bad", entry=entry)


@pytest.mark.parametrize(
    ("files", "handler"),
    [
        ({"index.py": "async def handler(event, context): ...\n"}, "index.handler"),
        ({"index.py": "handler = lambda event, context: None\n"}, "index.handler"),
        (
            {"index.py": "from app.core import main as handler\n", "app/core.py": "def main(e, c): ...\n"},
            "index.handler",
        ),
        (
            {"index.py": "try:\n    from fast import handler\nexcept ImportError:\n    handler = None\n"},
            "index.handler",
        ),
        ({"orders/place/__init__.py": "def handler(event, context): ...\n"}, "orders.place.handler"),
        ({"orders/place.py": "x: int = 1\n\ndef run(event, context): ...\n"}, "orders.place.run"),
    ],
)
def test_accepts_every_way_a_module_binds_the_handler(tmp_path: Path, files: dict[str, str], handler: str) -> None:
    entry = _handler_folder(tmp_path, files)
    ServerlessFunction(new_stack(), "Fn", entry=entry, handler=handler)


def test_fails_when_dlq_is_both_enabled_and_given() -> None:
    stack = new_stack()
    queue = cdk.aws_sqs.Queue(stack, "Q")
    with pytest.raises(ValidationError, match="dead_letter_queue_enabled and dead_letter_queue cannot be combined"):
        ServerlessFunction(stack, "Bad", entry=ECHO, dead_letter_queue_enabled=True, dead_letter_queue=queue)


def test_fails_when_a_variable_is_both_plain_and_secret() -> None:
    stack = new_stack()
    secret = secretsmanager.Secret(stack, "S")
    with pytest.raises(ValidationError, match="environment and secrets both set KEY"):
        ServerlessFunction(stack, "Bad", entry=ECHO, environment={"KEY": "x"}, secrets={"KEY": secret})


def test_reports_every_broken_rule_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        ServerlessFunction(new_stack(), "Bad", entry=ECHO, memory_mib=1, retry_attempts=9)
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith("Test/Bad: memory_mib")


def test_unresolved_tokens_are_not_validated() -> None:
    stack = new_stack()
    memory = cdk.CfnParameter(stack, "Memory", type="Number").value_as_number
    ServerlessFunction(stack, "Tokens", entry=ECHO, memory_mib=int(memory))  # type: ignore[call-overload]


def test_reserved_names_match_aws_cdk_lib() -> None:
    # Every name aws-cdk-lib rejects (with a jsii error) must be the library's ValidationError first.
    from serverless_patterns.function.environment import _RESERVED_ENV

    function = lambda_.Function(
        new_stack(),
        "Plain",
        code=lambda_.Code.from_inline("x"),
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_14,
    )
    for name in sorted(_RESERVED_ENV):
        with pytest.raises(Exception, match="reserved"):
            function.add_environment(name, "x")


def test_environment_size_counts_names_and_values_as_json() -> None:
    from serverless_patterns.function.environment import environment_bytes

    assert environment_bytes({"A": "b", "C": "d"}) == len('{"A":"b","C":"d"}')
    assert environment_bytes({"A": "\u00e9"}) == len('{"A":"\u00e9"}'.encode())


def test_environment_exactly_at_the_limit_is_accepted() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fits", entry=ECHO)
    used = len(json.dumps(fn._environment, separators=(",", ":")))
    fn.add_environment("PAD", "x" * (4096 - used - len(',"PAD":""')))


def test_fails_when_add_environment_goes_over_the_limit_or_uses_a_reserved_name() -> None:
    fn = ServerlessFunction(new_stack(), "Grows", entry=ECHO)
    with pytest.raises(ValidationError) as caught:
        fn.add_environment("BIG", "x" * 5000)
    assert caught.value.construct_path == "Test/Grows"
    assert "environment variables must take at most 4096 bytes" in caught.value.problems[0]
    with pytest.raises(ValidationError, match="environment variable AWS_EXECUTION_ENV is reserved by Lambda"):
        fn.add_environment("AWS_EXECUTION_ENV", "x")


def test_deploy_time_values_are_not_counted_against_the_limit() -> None:
    stack = new_stack()
    name = cdk.CfnParameter(stack, "Name").value_as_string
    ServerlessFunction(stack, "Tokens", entry=ECHO, environment={f"V{i}": name for i in range(160)})


# --- A ServerlessFunction is a lambda.Function: everyday aws-cdk-lib habits work on it directly ---


def test_is_a_lambda_function_that_grants_targets_metrics_and_event_sources_accept() -> None:
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_sqs as sqs

    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", entry=ECHO)
    assert isinstance(fn, lambda_.Function)
    table = dynamodb.TableV2(
        stack, "Table", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_write_data(fn)
    events.Rule(
        stack, "Every5", schedule=events.Schedule.rate(cdk.Duration.minutes(5)), targets=[targets.LambdaFunction(fn)]
    )
    fn.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Work", enforce_ssl=True)))
    assert fn.metric_errors().metric_name == "Errors"
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Permission", 1)
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 1)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({"Action": Match.array_with(["dynamodb:PutItem"])})])
            }
        },
    )


def test_the_function_is_the_construct_and_its_resource_is_the_default_child() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", entry=ECHO)
    assert isinstance(fn.node.default_child, lambda_.CfnFunction)
    assert fn.node.default_child.node.path == f"{stack.node.path}/Fn/Resource"
    assert fn.role is not None and fn.role.node.path == f"{stack.node.path}/Fn/ServiceRole"
    assert fn.log_group.node.path == f"{stack.node.path}/Fn/LogGroup"


def test_log_group_property_is_the_function_s_own_group_without_a_log_retention_resource() -> None:
    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", entry=ECHO)
    # lambda.Function's own getter would define a LogRetention custom resource here.
    fn.log_group.grant_write(fn)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::LogRetention", 0)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": Match.string_like_regexp("FnLogGroup")}}},
    )


def test_managed_policies_added_later_are_kept_but_not_the_basic_execution_role() -> None:
    from aws_cdk import aws_iam as iam

    stack = new_stack()
    fn = ServerlessFunction(stack, "Fn", entry=ECHO)
    assert fn.role is not None
    fn.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AWSXrayReadOnlyAccess"))
    role = next(iter(Template.from_stack(stack).find_resources("AWS::IAM::Role").values()))
    arns = json.dumps(role["Properties"]["ManagedPolicyArns"])
    assert "AWSXrayReadOnlyAccess" in arns
    assert "AWSLambdaBasicExecutionRole" not in arns


def test_an_existing_role_is_used_and_gets_the_log_statement() -> None:
    from aws_cdk import aws_iam as iam

    stack = new_stack()
    role = iam.Role(stack, "Shared", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    fn = ServerlessFunction(stack, "Fn", entry=ECHO, role=role)
    assert fn.role is role
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("Shared")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": ["logs:CreateLogStream", "logs:PutLogEvents"]})]
                )
            },
        },
    )


def test_dead_letter_queue_property_and_config_come_from_the_library_queue(
    full_stack: tuple[cdk.Stack, ServerlessFunction],
) -> None:
    stack, fn = full_stack
    assert fn.dead_letter_queue is not None
    assert fn.dead_letter_queue.node.path == f"{stack.node.path}/Full/DeadLetterQueue"
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": [Match.string_like_regexp("FullDeadLetterQueue"), "Arn"]}}},
    )


def test_function_attribute_is_deprecated_and_returns_the_function_itself() -> None:
    fn = ServerlessFunction(new_stack(), "Fn", entry=ECHO)
    with pytest.warns(DeprecationWarning, match="use it directly"):
        assert fn.function is fn


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": "30s"}, "timeout must be Duration or None, got str '30s'"),
        ({"timeout": 30}, "timeout must be Duration or None, got int 30"),
        ({"memory_mib": "512"}, "memory_mib must be int, got str '512'"),
        ({"tracing": "yes"}, "tracing must be bool, got str 'yes'"),
        ({"environment": {"TABLE": 1}}, "environment['TABLE'] must be str, got int 1"),
        (
            {"environment": "TABLE=orders"},
            "environment must be a mapping of str to str or None, got str 'TABLE=orders'",
        ),
        ({"layers": ["arn:aws:lambda:eu-west-1:1:layer:x:1"]}, "layers[0] must be ILayerVersion"),
    ],
)
def test_fails_when_an_option_has_the_wrong_type(options: dict[str, object], message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=re.escape(f"{stack.node.path}/Fn: {message}")):
        ServerlessFunction(stack, "Fn", entry=ECHO, **options)  # type: ignore[arg-type]


def test_fails_when_add_environment_is_given_a_one_letter_name_lambda_rejects() -> None:
    fn = ServerlessFunction(new_stack(), "Fn", entry=ECHO)
    with pytest.raises(ValidationError, match="environment variable name must be"):
        fn.add_environment("A", "b")
