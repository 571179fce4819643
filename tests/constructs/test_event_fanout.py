"""EventFanout: template assertions, compliance, snapshots and grants/metrics."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Annotations, Match, Template

from serverless_patterns import ServerlessFunction, ValidationError
from serverless_patterns._internal.keys import deny_grants_except_for_aws_services
from serverless_patterns.event_fanout import EventFanout, FanoutRoute, FanoutTarget
from serverless_patterns.testing import nag_findings

ORDER_PLACED = events.EventPattern(source=["order.service"], detail_type=["Order Placed"])
HIGH_VALUE = events.EventPattern(
    source=["order.service"], detail_type=["Order Placed"], detail={"amount": events.Match.greater_than(1000)}
)
SCHEMAS = {"Order Placed": {"type": "object", "required": ["orderId", "amount"]}}


def _stack(name: str = "Test") -> cdk.Stack:
    return cdk.Stack(cdk.App(), name, env=cdk.Environment(account="111111111111", region="eu-west-1"))


def _queue(stack: cdk.Stack, id: str) -> sqs.Queue:
    """A target queue that is itself compliant (encrypted, TLS-only, with a DLQ)."""
    dlq = sqs.Queue(stack, f"{id}Dlq", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
    # A user acknowledges a Control Tower control with aws-cdk-lib's own mechanism; guard_findings honours it.
    cdk.Validations.of(dlq).acknowledge(
        cdk.Acknowledgment(id="CT.SQS.PR.1", reason=f"This queue is the dead-letter queue of {id}.")
    )
    return sqs.Queue(
        stack,
        id,
        enforce_ssl=True,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=dlq),
    )


@pytest.fixture(scope="module")
def handler_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("fanout-handler")
    (folder / "index.py").write_text("def handler(event, context):\n    return None\n")
    return str(folder)


@pytest.fixture(scope="module")
def default_scenario(handler_dir: str) -> tuple[cdk.Stack, EventFanout]:
    """The article's order stack: three Lambda targets and a high-value route to a queue."""
    stack = _stack()
    email = ServerlessFunction(stack, "SendEmail", entry=handler_dir)
    inventory = ServerlessFunction(stack, "UpdateInventory", entry=handler_dir)
    warehouse = ServerlessFunction(stack, "NotifyWarehouse", entry=handler_dir)
    review = _queue(stack, "Review")
    fanout = EventFanout(
        stack,
        "Orders",
        event_bus_name="order-events",
        routes=[
            FanoutRoute(
                name="OrderPlaced",
                event_pattern=ORDER_PLACED,
                targets=[email, inventory, FanoutTarget(destination=warehouse, retry_attempts=10)],
            ),
            FanoutRoute(name="HighValue", event_pattern=HIGH_VALUE, targets=[review]),
        ],
    )
    return stack, fanout


@pytest.fixture(scope="module")
def default_template(default_scenario: tuple[cdk.Stack, EventFanout]) -> Template:
    return Template.from_stack(default_scenario[0])


def _logical_id(stack: cdk.Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


def test_default_scenario_is_compliant(
    default_scenario: tuple[cdk.Stack, EventFanout], compliant: Callable[[cdk.Stack], None]
) -> None:
    compliant(default_scenario[0])


def test_default_scenario_snapshot(
    default_scenario: tuple[cdk.Stack, EventFanout], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(default_scenario[0])


def test_defines_a_named_bus(default_template: Template) -> None:
    default_template.resource_count_is("AWS::Events::EventBus", 1)
    default_template.has_resource_properties("AWS::Events::EventBus", {"Name": "order-events"})


def test_rules_carry_the_route_patterns(default_template: Template) -> None:
    default_template.resource_count_is("AWS::Events::Rule", 2)
    default_template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["order.service"],
                "detail-type": ["Order Placed"],
                "detail": {"amount": [{"numeric": [">", 1000]}]},
            },
            "EventBusName": {"Ref": Match.string_like_regexp("OrdersBus")},
            "State": "ENABLED",
        },
    )


def test_every_target_has_the_route_retry_policy_and_dlq(
    default_scenario: tuple[cdk.Stack, EventFanout], default_template: Template
) -> None:
    stack, fanout = default_scenario
    rule = fanout.rules["OrderPlaced"][0]
    targets = default_template.to_json()["Resources"][_logical_id(stack, rule)]["Properties"]["Targets"]
    dlq_arn = {"Fn::GetAtt": [_logical_id(stack, fanout.dead_letter_queue("OrderPlaced")), "Arn"]}
    assert len(targets) == 3
    assert all(target["DeadLetterConfig"] == {"Arn": dlq_arn} for target in targets)
    assert [target["RetryPolicy"] for target in targets] == [
        {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 7200},
        {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 7200},
        # FanoutTarget overrides the route's retry attempts only.
        {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 7200},
    ]


def test_dead_letter_queues_are_encrypted_tls_only_and_kept_14_days(default_template: Template) -> None:
    queues = default_template.find_resources(
        "AWS::SQS::Queue", {"Properties": {"MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True}}
    )
    assert len([name for name in queues if name.startswith("Orders")]) == 2
    assert all(queue["DeletionPolicy"] == "RetainExceptOnCreate" for queue in queues.values())
    default_template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": Match.string_like_regexp("OrdersHighValueDeadLetterQueue")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            },
        },
    )


def test_dlq_policy_lets_only_the_route_rule_send(
    default_scenario: tuple[cdk.Stack, EventFanout], default_template: Template
) -> None:
    stack, fanout = default_scenario
    rule_id = _logical_id(stack, fanout.rules["HighValue"][0])
    default_template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": _logical_id(stack, fanout.dead_letter_queue("HighValue"))}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": Match.any_value(),
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": Match.any_value(),
                            "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}},
                        }
                    ]
                )
            },
        },
    )


def test_lambda_failures_go_to_the_route_dlq(
    default_scenario: tuple[cdk.Stack, EventFanout], default_template: Template
) -> None:
    stack, fanout = default_scenario
    dlq_id = _logical_id(stack, fanout.dead_letter_queue("OrderPlaced"))
    configs = default_template.find_resources("AWS::Lambda::EventInvokeConfig")
    assert len(configs) == 3
    for config in configs.values():
        assert config["Properties"]["DestinationConfig"] == {
            "OnFailure": {"Destination": {"Fn::GetAtt": [dlq_id, "Arn"]}}
        }
        # Lambda checks the role's permission on the destination when the config is created.
        assert [dependency for dependency in config["DependsOn"] if "ServiceRoleDefaultPolicy" in dependency]
    default_template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("SendEmailServiceRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": Match.array_with(["sqs:SendMessage"]),
                                "Resource": {"Fn::GetAtt": [dlq_id, "Arn"]},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_rules_may_invoke_their_functions(default_template: Template) -> None:
    default_template.resource_count_is("AWS::Lambda::Permission", 3)
    default_template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [Match.string_like_regexp("OrdersOrderPlacedRule"), "Arn"]},
        },
    )


def test_no_archive_by_default(default_template: Template) -> None:
    default_template.resource_count_is("AWS::Events::Archive", 0)


@pytest.fixture(scope="module")
def large_scenario() -> tuple[cdk.Stack, EventFanout]:
    """One route with 12 queue targets and an archive with a custom retention on an encrypted bus."""
    stack = _stack("Large")
    key = kms.Key(stack, "BusKey", enable_key_rotation=True)
    deny_grants_except_for_aws_services(key)  # AWS Control Tower's CT.KMS.PR.3
    queues = [_queue(stack, f"Target{number}") for number in range(12)]
    fanout = EventFanout(
        stack,
        "Fanout",
        encryption_key=key,
        archive=True,
        archive_retention=cdk.Duration.days(30),
        routes=[
            FanoutRoute(name="All", event_pattern=ORDER_PLACED, targets=queues, max_event_age=cdk.Duration.hours(6))
        ],
    )
    return stack, fanout


def test_large_scenario_is_compliant(
    large_scenario: tuple[cdk.Stack, EventFanout], compliant: Callable[[cdk.Stack], None]
) -> None:
    compliant(large_scenario[0])


def test_large_scenario_snapshot(
    large_scenario: tuple[cdk.Stack, EventFanout], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(large_scenario[0])


def test_routes_over_five_targets_split_into_rules_of_five(large_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, fanout = large_scenario
    template = Template.from_stack(stack).to_json()["Resources"]
    rules = fanout.rules["All"]
    sizes = [len(template[_logical_id(stack, rule)]["Properties"]["Targets"]) for rule in rules]
    assert sizes == [5, 5, 2]
    patterns = {json.dumps(template[_logical_id(stack, rule)]["Properties"]["EventPattern"]) for rule in rules}
    assert len(patterns) == 1
    for rule in rules:
        for target in template[_logical_id(stack, rule)]["Properties"]["Targets"]:
            assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600}


def test_the_shared_dlq_admits_each_rule_of_the_route(large_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, fanout = large_scenario
    template = Template.from_stack(stack)
    policies = template.find_resources(
        "AWS::SQS::QueuePolicy",
        {"Properties": {"Queues": [{"Ref": _logical_id(stack, fanout.dead_letter_queue("All"))}]}},
    )
    (policy,) = policies.values()
    sources = [
        statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]
    assert sorted(sources) == sorted(_logical_id(stack, rule) for rule in fanout.rules["All"])


def test_archive_keeps_every_event_of_the_bus(large_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, fanout = large_scenario
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::Events::Archive",
        {
            "Properties": {
                "RetentionDays": 30,
                # With a customer managed key the bus is named by ARN (a GetAtt would be a cycle).
                "SourceArn": {
                    "Fn::Join": ["", Match.array_with([Match.string_like_regexp("event-bus/Large-Fanout-")])]
                },
                "EventPattern": {"account": [{"Ref": "AWS::AccountId"}]},
                "KmsKeyIdentifier": {"Fn::GetAtt": [Match.string_like_regexp("BusKey"), "Arn"]},
            },
            "DeletionPolicy": "RetainExceptOnCreate",
            "DependsOn": [_logical_id(stack, fanout.event_bus)],
        },
    )
    template.has_resource_properties(
        "AWS::Events::EventBus", {"KmsKeyIdentifier": {"Fn::GetAtt": [Match.string_like_regexp("BusKey"), "Arn"]}}
    )


def test_archive_retention_defaults_to_7_days(compliant: Callable[[cdk.Stack], None]) -> None:
    stack = _stack()
    queue = _queue(stack, "Queue")
    fanout = EventFanout(
        stack, "Fanout", archive=True, routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[queue])]
    )
    Template.from_stack(stack).has_resource(
        "AWS::Events::Archive",
        {
            "Properties": Match.object_like(
                {"RetentionDays": 7, "SourceArn": {"Fn::GetAtt": [_logical_id(stack, fanout.event_bus), "Arn"]}}
            ),
            # The GetAtt orders the archive after the bus: a DependsOn would be cfn-lint's W3005.
            "DependsOn": Match.absent(),
        },
    )
    compliant(stack)


@pytest.fixture(scope="module")
def kinds_scenario() -> tuple[cdk.Stack, EventFanout]:
    """Every kind of target on an existing bus: topic, state machine, imported function and queue."""
    stack = _stack("Kinds")
    bus = events.EventBus.from_event_bus_name(stack, "Bus", "shared-bus")
    key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "Alerts", master_key=key, enforce_ssl=True)
    log_group = logs.LogGroup(stack, "MachineLogs", retention=logs.RetentionDays.ONE_MONTH)
    machine = sfn.StateMachine(
        stack,
        "Machine",
        definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Done")),
        logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL),
        tracing_enabled=True,
    )
    imported = lambda_.Function.from_function_arn(
        stack, "Imported", "arn:aws:lambda:eu-west-1:111111111111:function:legacy"
    )
    fanout = EventFanout(
        stack,
        "Fanout",
        event_bus=bus,
        routes=[
            FanoutRoute(
                name="HighValue",
                event_pattern=HIGH_VALUE,
                targets=[
                    topic,
                    machine,
                    imported,
                    FanoutTarget(destination=_queue(stack, "Audit"), max_event_age=cdk.Duration.minutes(5)),
                ],
                retry_attempts=0,
            )
        ],
    )
    return stack, fanout


def test_every_kind_of_target_is_wired(kinds_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, fanout = kinds_scenario
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::EventBus", 0)
    rule = template.to_json()["Resources"][_logical_id(stack, fanout.rules["HighValue"][0])]["Properties"]
    assert rule["EventBusName"] == "shared-bus"
    arns = [json.dumps(target["Arn"]) for target in rule["Targets"]]
    assert "Alerts" in arns[0] and "Machine" in arns[1] and "function:legacy" in arns[2] and "Audit" in arns[3]
    assert "RoleArn" in rule["Targets"][1]  # Step Functions targets need a role to start executions
    assert [target["RetryPolicy"] for target in rule["Targets"]] == [
        {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 7200},
        {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 7200},
        {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 7200},
        {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300},
    ]


def test_warns_when_a_function_failure_cannot_be_caught(kinds_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, _ = kinds_scenario
    warnings = Annotations.from_stack(stack).find_warning("/Kinds/Fanout", Match.string_like_regexp("legacy|Imported"))
    assert len(warnings) == 1


def test_kinds_scenario_construct_is_compliant(kinds_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, fanout = kinds_scenario
    ours = [finding for finding in nag_findings(stack) if finding.location.startswith(fanout.node.path)]
    assert ours == []


def test_kinds_scenario_snapshot(
    kinds_scenario: tuple[cdk.Stack, EventFanout], template_snapshot: Callable[[cdk.Stack], None]
) -> None:
    template_snapshot(kinds_scenario[0])


def test_functions_with_their_own_dlq_are_left_alone(handler_dir: str) -> None:
    stack = _stack()
    fn = ServerlessFunction(stack, "Fn", entry=handler_dir, dead_letter_queue_enabled=True)
    EventFanout(stack, "Fanout", routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[fn])])
    Template.from_stack(stack).resource_count_is("AWS::Lambda::EventInvokeConfig", 0)


def test_functions_with_an_alias_are_invoked_and_configured_through_it(handler_dir: str) -> None:
    stack = _stack()
    fn = ServerlessFunction(stack, "Fn", entry=handler_dir, snap_start=True)
    EventFanout(stack, "Fanout", routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[fn])])
    template = Template.from_stack(stack)
    alias_id = _logical_id(stack, fn.alias)
    template.has_resource_properties("AWS::Events::Rule", {"Targets": [Match.object_like({"Arn": {"Ref": alias_id}})]})
    (config,) = template.find_resources("AWS::Lambda::EventInvokeConfig").values()
    assert alias_id in json.dumps(config["Properties"]["Qualifier"])  # the alias's name, not $LATEST
    template.has_resource_properties("AWS::Lambda::Permission", {"FunctionName": {"Ref": alias_id}})


def test_configure_function_failures_can_be_turned_off(handler_dir: str) -> None:
    stack = _stack()
    fn = ServerlessFunction(stack, "Fn", entry=handler_dir)
    EventFanout(
        stack,
        "Fanout",
        configure_function_failures=False,
        routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[fn])],
    )
    Template.from_stack(stack).resource_count_is("AWS::Lambda::EventInvokeConfig", 0)


def test_grant_put_events(default_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack = _stack()
    fanout = EventFanout(
        stack, "Fanout", routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[sqs.Queue(stack, "Q")])]
    )
    role = iam.Role(stack, "Publisher", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = fanout.grant_put_events(role)
    assert grant.success
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "events:PutEvents",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [Match.string_like_regexp("FanoutBus"), "Arn"]},
                    }
                ]
            }
        },
    )


def test_metric_dead_letter_messages(default_scenario: tuple[cdk.Stack, EventFanout]) -> None:
    stack, fanout = default_scenario
    metric = fanout.metric_dead_letter_messages("HighValue")
    assert metric.namespace == "AWS/SQS"
    assert metric.metric_name == "ApproximateNumberOfMessagesVisible"
    assert metric.statistic == "Maximum"
    queue_name = stack.resolve(metric.dimensions["QueueName"])
    assert queue_name == {"Fn::GetAtt": [_logical_id(stack, fanout.dead_letter_queue("HighValue")), "QueueName"]}
    age = fanout.metric_oldest_dead_letter_age("HighValue")
    assert age.metric_name == "ApproximateAgeOfOldestMessage"


def test_attach_publisher_adds_layer_bus_name_and_grant(handler_dir: str, tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Publisher", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    api = ServerlessFunction(stack, "Api", entry=handler_dir)
    fanout = EventFanout(
        stack,
        "Fanout",
        schemas=SCHEMAS,
        routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[sqs.Queue(stack, "Q")])],
    )
    fanout.attach_publisher(api)
    template = Template.from_stack(stack)
    layer_id = _logical_id(stack, fanout.publisher_layer)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Layers": Match.array_with([{"Ref": layer_id}]),
            "Environment": {
                "Variables": Match.object_like({"EVENT_BUS_NAME": {"Ref": Match.string_like_regexp("FanoutBus")}})
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Action": "events:PutEvents"})])}},
    )
    # The layer puts the publisher on Lambda's Python path, with this fanout's schemas next to it.
    app.synth()
    (schemas_file,) = tmp_path.glob("asset.*/python/event_publisher/schemas.json")
    assert json.loads(schemas_file.read_text()) == SCHEMAS
    assert (schemas_file.parent / "publisher.py").is_file()
    assert not list(schemas_file.parent.glob("__pycache__"))
    # On Lambda the layer's python/ folder is on sys.path: the package imports as event_publisher
    # on its own (no serverless_patterns, no aws_cdk, no fastjsonschema) and finds the schemas and
    # the validators compiled from them next to it.
    layer_python = schemas_file.parent.parent
    script = (
        f"import sys; sys.path.insert(0, {str(layer_python)!r}); import event_publisher, json; "
        "validators = event_publisher.load_validators(); "
        "errors = {name: event_publisher.schema_errors({}, source) for name, source in validators.items()}; "
        "print(json.dumps([event_publisher.__file__, event_publisher.load_schemas(), errors, "
        "[name for name in ('aws_cdk', 'serverless_patterns', 'fastjsonschema') if name in sys.modules]]))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    module_file, schemas, errors, imported = json.loads(result.stdout)
    assert module_file.startswith(str(layer_python))
    assert schemas == SCHEMAS
    assert set(errors) == set(SCHEMAS)
    assert all(problems for problems in errors.values())  # {} misses the required fields of every schema
    assert imported == []


def test_lambda_alarms_discover_the_route_dead_letter_queues(handler_dir: str) -> None:
    from serverless_patterns import LambdaAlarms

    app = cdk.App()
    services = cdk.Stack(app, "Services", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    fn = ServerlessFunction(services, "Email", entry=handler_dir)
    EventFanout(
        services,
        "Orders",
        routes=[
            FanoutRoute(name="OrderPlaced", event_pattern=ORDER_PLACED, targets=[fn]),
            FanoutRoute(name="HighValue", event_pattern=HIGH_VALUE, targets=[_queue(services, "Review")]),
        ],
    )
    monitoring = cdk.Stack(app, "Monitoring", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    alarms = LambdaAlarms.for_scope(monitoring, "Alarms", services)
    app.synth()  # LambdaAlarms decides what it watches at synthesis
    feeders = {queue.construct.node.path: queue.dead_letter_of for queue in alarms.dead_letter_queues}
    assert "Services/Orders/OrderPlaced/DeadLetterQueue/Resource" in feeders
    assert "Services/Orders/HighValue/DeadLetterQueue/Resource" in feeders
    # Fed by the route's rule and by the function's on-failure destination.
    assert len(feeders["Services/Orders/OrderPlaced/DeadLetterQueue/Resource"]) == 2


def test_a_function_in_another_stack_is_not_configured_but_warned_about(handler_dir: str) -> None:
    app = cdk.App()
    env = cdk.Environment(account="111111111111", region="eu-west-1")
    services = cdk.Stack(app, "Functions", env=env)
    fn = ServerlessFunction(services, "Email", entry=handler_dir)
    routing = cdk.Stack(app, "Routing", env=env)
    EventFanout(routing, "Fanout", routes=[FanoutRoute(name="A", event_pattern=ORDER_PLACED, targets=[fn])])
    Template.from_stack(services).resource_count_is("AWS::Lambda::EventInvokeConfig", 0)
    warnings = Annotations.from_stack(routing).find_warning("/Routing/Fanout", Match.string_like_regexp("Email"))
    assert len(warnings) == 1


def test_a_function_shared_by_routes_sends_failures_to_the_first_route_dlq(handler_dir: str) -> None:
    stack = _stack()
    fn = ServerlessFunction(stack, "Fn", entry=handler_dir)
    fanout = EventFanout(
        stack,
        "Fanout",
        routes=[
            FanoutRoute(name="First", event_pattern=ORDER_PLACED, targets=[fn]),
            FanoutRoute(name="Second", event_pattern=HIGH_VALUE, targets=[fn]),
        ],
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::EventInvokeConfig", 1)
    first_dlq = _logical_id(stack, fanout.dead_letter_queue("First"))
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [first_dlq, "Arn"]}}}},
    )


def _fanout_template(build: Callable[[cdk.Stack, sqs.Queue], None]) -> dict[str, Any]:
    stack = _stack("Grown")
    build(stack, _queue(stack, "Review"))
    return dict(Template.from_stack(stack).to_json())


def test_add_route_defines_what_a_route_given_at_construction_defines() -> None:
    def given(stack: cdk.Stack, review: sqs.Queue) -> None:
        EventFanout(stack, "Orders", routes=[FanoutRoute(name="HighValue", event_pattern=HIGH_VALUE, targets=[review])])

    def added(stack: cdk.Stack, review: sqs.Queue) -> None:
        fanout = EventFanout(stack, "Orders")
        rules = fanout.add_route("HighValue", event_pattern=HIGH_VALUE, targets=[review])
        assert rules == fanout.rules["HighValue"]
        assert [rule.node.path for rule in rules] == ["Grown/Orders/HighValue/Rule"]

    assert _fanout_template(added) == _fanout_template(given)


def test_add_route_takes_route_and_target_options() -> None:
    stack = _stack()
    review, audit = _queue(stack, "Review"), _queue(stack, "Audit")
    fanout = EventFanout(
        stack, "Orders", routes=[FanoutRoute(name="Placed", event_pattern=ORDER_PLACED, targets=[review])]
    )
    fanout.add_route(
        "HighValue",
        event_pattern=HIGH_VALUE,
        targets=[FanoutTarget(destination=audit, retry_attempts=10)],
        max_event_age=cdk.Duration.hours(1),
        description="High-value orders for audit",
    )
    assert sorted(fanout.dead_letter_queues) == ["HighValue", "Placed"]
    Template.from_stack(stack).has_resource_properties(
        "AWS::Events::Rule",
        {
            "Description": "High-value orders for audit",
            "Targets": [
                Match.object_like({"RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600}})
            ],
        },
    )


def test_fails_when_add_route_repeats_a_route_name() -> None:
    stack = _stack()
    review = _queue(stack, "Review")
    fanout = EventFanout(
        stack, "Orders", routes=[FanoutRoute(name="Placed", event_pattern=ORDER_PLACED, targets=[review])]
    )
    with pytest.raises(ValidationError) as raised:
        fanout.add_route("Placed", event_pattern=HIGH_VALUE, targets=[review])
    assert raised.value.construct_path == "Test/Orders"
    assert raised.value.problems == ("route names must be unique, got duplicates 'Placed'",)


def test_fails_when_add_route_breaks_the_route_rules_and_reports_them_all() -> None:
    stack = _stack()
    fanout = EventFanout(stack, "Orders")
    with pytest.raises(ValidationError) as raised:
        fanout.add_route("high value", event_pattern=events.EventPattern(), targets=[], retry_attempts=200)
    assert raised.value.construct_path == "Test/Orders"
    assert raised.value.problems == (
        "route name must be letters, digits, '-' and '_', at most 64, got 'high value'",
        "route 'high value' must have at least one target, got none",
        "route 'high value' event_pattern must have at least one field (source, detail_type, detail, ...), got none",
        "route 'high value' retry_attempts must be between 0 and 185, got 200",
    )
    assert fanout.rules == {}


def test_fails_when_a_method_names_an_unknown_route() -> None:
    stack = _stack()
    review = _queue(stack, "Review")
    fanout = EventFanout(
        stack, "Orders", routes=[FanoutRoute(name="Placed", event_pattern=ORDER_PLACED, targets=[review])]
    )
    with pytest.raises(ValidationError) as raised:
        fanout.metric_dead_letter_messages("HighValue")
    assert raised.value.problems == ("route_name must name a route ('Placed'), got 'HighValue'",)
