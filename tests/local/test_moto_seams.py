"""Contract tests of every moto seam of the local cloud (``serverless_patterns.local._moto``).

Each test fails loudly when a moto upgrade moves what a seam reads or replaces, instead of the
local cloud silently letting calls through or a test timing out.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from serverless_patterns.local import _moto
from serverless_patterns.local._moto import dynamodb

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _client(endpoint: str, service: str, key: str = "testing") -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="testing",
    )


def test_the_request_guard_sees_every_request_and_can_answer_for_moto(moto: str) -> None:
    seen: list[str] = []

    def guard(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        seen.append(str(environ.get("HTTP_X_AMZ_TARGET", environ.get("PATH_INFO"))))
        if "ListTables" in seen[-1]:
            return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0")], b'{"__type": "Nope"}'
        return None

    _moto.install_request_guard(guard)
    try:
        _client(moto, "sqs").list_queues()
        with pytest.raises(Exception, match="Nope"):
            _client(moto, "dynamodb").list_tables()
    finally:
        _moto.uninstall_request_guard()
    assert any("ListQueues" in item for item in seen)
    _client(moto, "dynamodb").list_tables()  # uninstalled: moto answers again


def test_role_policies_reads_inline_and_managed_documents(moto: str) -> None:
    iam = _client(moto, "iam")
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    role = iam.create_role(RoleName="seam-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    iam.put_role_policy(RoleName="seam-role", PolicyName="inline", PolicyDocument=json.dumps(inline))
    managed = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="managed", PolicyDocument=json.dumps(managed))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="seam-role", PolicyArn=arn)
    found = dict(_moto.role_policies(ACCOUNT, role["Arn"]))
    assert found["inline policy inline of role seam-role"]["Statement"][0]["Action"] == "sqs:SendMessage"
    assert found[f"managed policy {arn} of role seam-role"]["Statement"][0]["Action"] == "sns:Publish"
    assert _moto.role_trust_policy(ACCOUNT, role["Arn"])["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


def test_queue_and_topic_policies_are_read_as_sqs_and_sns_keep_them(moto: str) -> None:
    sqs = _client(moto, "sqs")
    url = sqs.create_queue(QueueName="seam-queue")["QueueUrl"]
    assert _moto.queue_policy(ACCOUNT, REGION, "seam-queue") is None
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    assert json.loads(str(_moto.queue_policy(ACCOUNT, REGION, "seam-queue")))["Statement"][0]["Action"] == "sqs:*"
    sns = _client(moto, "sns")
    topic = sns.create_topic(Name="seam-topic")["TopicArn"]
    found = _moto.topic_policy(ACCOUNT, REGION, topic)
    assert found is not None and found[1]  # SNS's default policy
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    found = _moto.topic_policy(ACCOUNT, REGION, topic)
    assert found is not None and not found[1]


def test_secret_and_key_lookups_return_full_arns(moto: str) -> None:
    secret = _client(moto, "secretsmanager").create_secret(Name="seam-secret", SecretString="x")["ARN"]
    assert _moto.secret_arn(ACCOUNT, REGION, "seam-secret") == secret
    kms = _client(moto, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/seam", TargetKeyId=key["KeyId"])
    assert _moto.key_arn(ACCOUNT, REGION, "alias/seam") == key["Arn"]
    assert _moto.key_arn(ACCOUNT, REGION, "alias/none") is None


def test_the_step_functions_interpreter_creates_its_clients_through_the_replaced_function() -> None:
    minted: list[str] = []

    def mint(role: str) -> tuple[str, str, str]:
        minted.append(role)
        return "ASIALOCALSEAM0000000", "secret", "token"

    _moto.install_step_functions_credentials(mint)
    try:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials

        client = lambda_eval_utils.boto_client_for(
            region=REGION, service="lambda", state_credentials=StateCredentials(role_arn="arn:aws:iam::1:role/R")
        )
        assert client._request_signer._credentials.access_key == "ASIALOCALSEAM0000000"
        assert minted == ["arn:aws:iam::1:role/R"]
    finally:
        _moto.uninstall_step_functions_credentials()
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils as restored
    from moto.stepfunctions.parser.asl.utils import boto_client

    assert restored.boto_client_for is boto_client.boto_client_for


def test_stack_resolver_resolves_get_att_arns_as_moto_created_them(moto: str) -> None:
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "seam-stack-queue"}}},
    }
    cloudformation = _client(moto, "cloudformation")
    cloudformation.create_stack(StackName="SeamStack", TemplateBody=json.dumps(template))
    resolve = _moto.stack_resolver(ACCOUNT, REGION, "SeamStack")
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == f"arn:aws:sqs:{REGION}:{ACCOUNT}:seam-stack-queue"
    assert resolve({"Fn::Join": ["/", ["x", {"Ref": "AWS::Region"}]]}) == f"x/{REGION}"


def test_event_patterns_match_by_moto_s_delivery_matcher() -> None:
    # put_event reports the rules an event matches with the matcher moto's own delivery uses.
    event = {"source": "shop", "detail-type": "OrderPlaced", "detail": {"amount": 1500}}
    assert _moto.event_pattern_matches('{"source": ["shop"], "detail": {"amount": [{"numeric": [">", 1000]}]}}', event)
    assert not _moto.event_pattern_matches('{"source": ["shop"], "detail-type": ["OrderCancelled"]}', event)


def _function(endpoint: str, name: str, **options: Any) -> str:
    """A Python function in moto (its code is never run by moto here: the seams under test replace that)."""
    role = _client(endpoint, "iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    created = _client(endpoint, "lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": buffer.getvalue()},
        **options,
    )
    return str(created["FunctionArn"])


@pytest.mark.parametrize("name", sorted(_moto.METHODS))
def test_every_replaced_method_still_has_the_signature_its_replacement_was_written_for(name: str) -> None:
    method = _moto.METHODS[name]
    original = method.verify()
    assert callable(original)
    current = getattr(method.owner_class(), method.attribute)
    if name in dynamodb.PATCHES and _moto.atomic_writes_installed():
        current = current.__wrapped_by_local_cloud__  # held for the whole session by the moto_server fixture
    assert current is original  # nothing left installed by another test


def test_a_changed_signature_or_a_moved_class_fails_at_install_not_at_run_time() -> None:
    changed = _moto.patches.Method("moto.events.models", "Rule", "send_to_targets", ("self", "event"))
    with pytest.raises(_moto.MotoSeamError, match="takes"):
        changed.verify()
    moved = _moto.patches.Method("moto.events.models", "NoSuchRule", "send_to_targets", ())
    with pytest.raises(_moto.MotoSeamError, match="NoSuchRule"):
        moved.verify()


def test_patches_install_once_per_owner_refuse_a_second_owner_and_restore_moto_s_method() -> None:
    from moto.events.models import Rule

    original = Rule.send_to_targets
    owner, other = object(), object()
    _moto.install_rule_delivery(owner, lambda target: False, lambda *args: None)
    try:
        replaced = Rule.send_to_targets
        assert replaced is not original
        _moto.install_rule_delivery(owner, lambda target: False, lambda *args: None)  # idempotent
        assert Rule.send_to_targets is replaced
        with pytest.raises(_moto.PatchConflictError):
            _moto.install_rule_delivery(other, lambda target: False, lambda *args: None)
        _moto.uninstall_rule_delivery(other)  # not its patch: nothing happens
        assert Rule.send_to_targets is replaced
    finally:
        _moto.uninstall_rule_delivery(owner)
    assert Rule.send_to_targets is original


def test_the_invoke_hook_runs_every_invocation_with_a_view_of_the_function(moto: str) -> None:
    arn = _function(moto, "seam-fn", Timeout=7, MemorySize=256, Environment={"Variables": {"A": "1"}})
    seen: list[tuple[_moto.FunctionView, Any]] = []

    def run(function: _moto.FunctionView, event: Any) -> tuple[str, bool, str]:
        seen.append((function, event))
        return json.dumps({"ran": True}), False, "a log line"

    owner = object()
    _moto.install_invoke_hook(owner, run)
    try:
        answer = _client(moto, "lambda").invoke(FunctionName="seam-fn", Payload=b'{"n": 1}')
    finally:
        _moto.uninstall_invoke_hook(owner)
    assert json.loads(answer["Payload"].read()) == {"ran": True}
    function, event = seen[0]
    assert event == {"n": 1}  # moto hands the parsed payload over
    assert (function.name, function.arn, function.account, function.region) == ("seam-fn", arn, ACCOUNT, REGION)
    assert (function.handler, function.runtime, function.timeout_seconds, function.memory_mib) == (
        "index.handler",
        "python3.12",
        7.0,
        256,
    )
    assert function.environment == {"A": "1"}
    assert function.role.endswith(":role/seam-fn-role")
    assert function.log_group == "/aws/lambda/seam-fn"
    assert zipfile.ZipFile(io.BytesIO(function.code)).namelist() == ["index.py"]
    assert _moto.get_function(ACCOUNT, REGION, arn) == function


def test_event_invocations_are_handed_over_and_function_errors_read_unhandled(moto: str) -> None:
    _function(moto, "seam-async")
    submitted: list[tuple[str, Any]] = []
    owner = object()
    _moto.install_invoke_hook(owner, lambda function, event: ('{"errorMessage": "x"}', True, ""))
    _moto.install_async_invoke(owner, lambda function, event: submitted.append((function.name, event)))
    try:
        client = _client(moto, "lambda")
        accepted = client.invoke(FunctionName="seam-async", InvocationType="Event", Payload=b'{"k": "v"}')
        failed = client.invoke(FunctionName="seam-async", Payload=b"{}")
    finally:
        _moto.uninstall_async_invoke(owner)
        _moto.uninstall_invoke_hook(owner)
    assert accepted["StatusCode"] == 202
    assert submitted == [("seam-async", {"k": "v"})]
    assert failed["FunctionError"] == "Unhandled"


def test_log_lines_are_written_to_moto_s_log_group(moto: str) -> None:
    _moto.write_log_lines(ACCOUNT, REGION, "/seam/logs", ["first", " ", "second"])
    events = _client(moto, "logs").filter_log_events(logGroupName="/seam/logs")["events"]
    assert [event["message"] for event in events] == ["first", "second"]


def test_rule_delivery_takes_the_targets_it_handles_and_leaves_the_others_to_moto(moto: str) -> None:
    function_arn = _function(moto, "seam-target")
    sqs = _client(moto, "sqs")
    url = sqs.create_queue(QueueName="seam-rule-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = _client(moto, "events")
    rule_arn = events.put_rule(Name="seam-rule", EventPattern=json.dumps({"source": ["seam"]}))["RuleArn"]
    events.put_targets(Rule="seam-rule", Targets=[{"Id": "fn", "Arn": function_arn}, {"Id": "q", "Arn": queue_arn}])
    delivered: list[tuple[str, str, Any, bool]] = []
    owner = object()
    _moto.install_rule_delivery(
        owner,
        lambda target: ":lambda:" in target["Arn"],
        lambda rule, target, event, transform: delivered.append((rule, target["Arn"], event, transform)),
    )
    try:
        events.put_events(Entries=[{"Source": "seam", "DetailType": "Seen", "Detail": '{"a": 1}'}])
        events.put_events(Entries=[{"Source": "other", "DetailType": "Seen", "Detail": "{}"}])
    finally:
        _moto.uninstall_rule_delivery(owner)
    assert [(rule, arn, transform) for rule, arn, _, transform in delivered] == [(rule_arn, function_arn, True)]
    assert delivered[0][2]["detail"] == {"a": 1}
    received = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(received[0]["Body"])["detail"] == {"a": 1}  # moto still delivers the SQS target


def test_sns_delivery_sees_each_notification_with_its_filter_policy_and_message_structure(moto: str) -> None:
    function_arn = _function(moto, "seam-subscriber")
    sns = _client(moto, "sns")
    topic = sns.create_topic(Name="seam-sns")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function_arn,
        Attributes={"FilterPolicy": json.dumps({"kind": ["wanted"]})},
    )
    seen: list[tuple[_moto.SnsNotification, bool, str]] = []

    def deliver(notification: _moto.SnsNotification) -> bool:
        seen.append((notification, notification.matches_filter_policy(), notification.message_for_protocol()))
        return True

    owner = object()
    _moto.install_sns_delivery(owner, deliver)
    try:
        structured = json.dumps({"default": "plain", "lambda": "for lambda"})
        wanted = {"kind": {"DataType": "String", "StringValue": "wanted"}}
        sns.publish(TopicArn=topic, Message=structured, MessageStructure="json", MessageAttributes=wanted)
        other = {"kind": {"DataType": "String", "StringValue": "other"}}
        sns.publish(TopicArn=topic, Message="plain", MessageAttributes=other, Subject="s")
    finally:
        _moto.uninstall_sns_delivery(owner)
    (first, first_matches, first_message), (second, second_matches, second_message) = seen
    assert (first.protocol, first.endpoint, first.topic_arn) == ("lambda", function_arn, topic)
    assert first.subscription_arn.startswith(topic)
    assert (first_matches, first_message) == (True, "for lambda")
    assert (second_matches, second_message, second.subject) == (False, "plain", "s")


def test_sqs_mappings_and_messages_are_read_and_settled_as_the_poller_needs(moto: str) -> None:
    function_arn = _function(moto, "seam-poller")
    sqs = _client(moto, "sqs")
    url = sqs.create_queue(QueueName="seam-poll", Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = _client(moto, "lambda").create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=function_arn,
        BatchSize=5,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    found = _moto.event_source_mappings(ACCOUNT, REGION)[mapping["UUID"]]
    assert (found.function_arn, found.source_arn, found.batch_size, found.enabled) == (
        function_arn,
        queue_arn,
        5,
        True,
    )
    assert found.response_types == ("ReportBatchItemFailures",)
    _moto.detach_from_queue(ACCOUNT, REGION, "seam-poll", function_arn)  # moto no longer invokes inline
    attributes = {"a": {"DataType": "String", "StringValue": "b"}}
    sqs.send_message(QueueUrl=url, MessageBody="one", MessageAttributes=attributes)
    sqs.send_message(QueueUrl=url, MessageBody="two")
    assert _moto.has_visible_messages(ACCOUNT, REGION, "seam-poll")
    messages = _moto.receive_messages(ACCOUNT, REGION, "seam-poll", 5)
    assert [message.body for message in messages] == ["one", "two"]
    first = messages[0]
    assert first.attributes["a"]["StringValue"] == "b"
    assert first.receive_count == 1 and first.sent_timestamp <= first.first_receive_timestamp
    assert first.md5_of_body and first.receipt_handle and first.id
    assert not _moto.has_visible_messages(ACCOUNT, REGION, "seam-poll")  # hidden for the queue's visibility timeout
    _moto.change_message_visibility(ACCOUNT, REGION, "seam-poll", first.receipt_handle, 0)
    _moto.delete_message(ACCOUNT, REGION, "seam-poll", messages[1].receipt_handle)
    again = _moto.receive_messages(ACCOUNT, REGION, "seam-poll", 5)
    assert [(message.body, message.receive_count) for message in again] == [("one", 2)]


def test_stacks_complete_state_machines_move_to_the_interpreter_and_resource_types_are_known(moto: str) -> None:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    template = {
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": "seam-machine",
                    "DefinitionString": json.dumps(definition),
                    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/seam-machine",
                },
            }
        }
    }
    cloudformation = _client(moto, "cloudformation")
    cloudformation.create_stack(StackName="SeamMachines", TemplateBody=json.dumps(template))
    _moto.verify_stack_readiness(ACCOUNT, REGION, "SeamMachines")
    _moto.verify_stack_readiness(ACCOUNT, REGION, "NoSuchStack")  # gone: nothing to do, no error
    deadline = time.monotonic() + 10
    while cloudformation.describe_stacks(StackName="SeamMachines")["Stacks"][0]["StackStatus"].endswith("PROGRESS"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    resources = cloudformation.describe_stack_resources(StackName="SeamMachines")["StackResources"]
    arn = resources[0]["PhysicalResourceId"]
    parser = stepfunctions_parser_backends[ACCOUNT][REGION]
    _moto.adopt_state_machine(ACCOUNT, REGION, arn)
    assert parser.describe_state_machine(arn).name == "seam-machine"
    _moto.delete_interpreter_state_machine(ACCOUNT, REGION, arn)
    assert all(machine.arn != arn for machine in parser.state_machines)
    types = _moto.deployable_resource_types()
    assert types is not None
    deployable, no_ops = types
    assert {"AWS::Lambda::Function", "AWS::StepFunctions::StateMachine", "AWS::SQS::Queue"} <= deployable
    assert "AWS::CloudFormation::WaitConditionHandle" in no_ops


def test_cognito_keys_are_the_user_pool_s_public_key(moto: str) -> None:
    pool = _client(moto, "cognito-idp").create_user_pool(PoolName="seam-pool")["UserPool"]["Id"]
    keys = _moto.cognito_jwks(pool, REGION, ACCOUNT)["keys"]
    assert len(keys) == 1
    assert {"kid", "kty", "n", "e"} <= set(keys[0]) and "d" not in keys[0]


def test_the_installed_moto_is_a_tested_version() -> None:
    import moto

    assert _moto.check_moto_version() == moto.__version__


def _table(endpoint: str, name: str) -> Any:
    client = _client(endpoint, "dynamodb")
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def test_moto_server_stop_ends_its_serving_thread() -> None:
    # MotoServer.stop wakes werkzeug's serving loop with connections while moto's stop waits for it.
    server = _moto.MotoServer()
    serving = server._server._thread  # ThreadedMotoServer's serving thread
    assert serving is not None and serving.is_alive()
    server.stop()
    assert not serving.is_alive()


def test_concurrent_conditional_writes_to_one_item_let_exactly_one_through(moto: str) -> None:
    # Optimistic locking, as a handler does it: SET version = 2 only if version is still 1.
    # AWS evaluates the condition and writes atomically; moto alone lets several writers through.
    client = _table(moto, "seam-race")
    writers, rounds = 12, 12
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over often: moto's race, if any, shows in a few rounds
    try:
        with ThreadPoolExecutor(writers) as pool:
            for round_ in range(rounds):
                key = {"id": {"S": f"item-{round_}"}}
                client.put_item(TableName="seam-race", Item={**key, "version": {"N": "1"}})
                barrier = threading.Barrier(writers)

                def write(writer: int, key: dict[str, Any] = key, barrier: threading.Barrier = barrier) -> bool:
                    barrier.wait()
                    try:
                        client.update_item(
                            TableName="seam-race",
                            Key=key,
                            UpdateExpression="SET version = :next, writer = :writer",
                            ConditionExpression="version = :expected",
                            ExpressionAttributeValues={
                                ":expected": {"N": "1"},
                                ":next": {"N": "2"},
                                ":writer": {"N": str(writer)},
                            },
                        )
                    except client.exceptions.ConditionalCheckFailedException:
                        return False
                    return True

                succeeded = [writer for writer, ok in enumerate(pool.map(write, range(writers))) if ok]
                assert len(succeeded) == 1, f"round {round_}: writers {succeeded} all passed version = 1"
                stored = client.get_item(TableName="seam-race", Key=key)["Item"]
                assert stored["writer"] == {"N": str(succeeded[0])}
    finally:
        sys.setswitchinterval(previous)


def test_every_dynamodb_write_waits_for_the_write_lock_and_reads_do_not(moto: str) -> None:
    # The seam is "every request that writes an item goes through a wrapped handler method": a moto
    # upgrade that routes one elsewhere makes its request finish while the lock is held.
    assert dynamodb.atomic_writes_installed()  # by the moto_server fixture, for the whole session
    client = _table(moto, "seam-locked")
    client.put_item(TableName="seam-locked", Item={"id": {"S": "a"}, "n": {"N": "1"}})
    item = {"id": {"S": "b"}}
    statement = {
        "Statement": 'UPDATE "seam-locked" SET n = ? WHERE id = ?',
        "Parameters": [{"N": "3"}, {"S": "a"}],
    }
    writes: dict[str, Any] = {
        "PutItem": lambda: client.put_item(TableName="seam-locked", Item=item),
        "UpdateItem": lambda: client.update_item(
            TableName="seam-locked",
            Key={"id": {"S": "a"}},
            UpdateExpression="SET n = :n",
            ExpressionAttributeValues={":n": {"N": "2"}},
        ),
        "DeleteItem": lambda: client.delete_item(TableName="seam-locked", Key={"id": {"S": "c"}}),
        "BatchWriteItem": lambda: client.batch_write_item(
            RequestItems={"seam-locked": [{"PutRequest": {"Item": {"id": {"S": "d"}}}}]}
        ),
        "TransactWriteItems": lambda: client.transact_write_items(
            TransactItems=[{"Put": {"TableName": "seam-locked", "Item": {"id": {"S": "e"}}}}]
        ),
        "ExecuteStatement": lambda: client.execute_statement(**statement),
        "ExecuteTransaction": lambda: client.execute_transaction(TransactStatements=[statement]),
        "BatchExecuteStatement": lambda: client.batch_execute_statement(Statements=[statement]),
    }
    with ThreadPoolExecutor(len(writes) + 1) as pool:
        with dynamodb.write_lock:
            pending = {name: pool.submit(call) for name, call in writes.items()}
            read = pool.submit(lambda: client.get_item(TableName="seam-locked", Key={"id": {"S": "a"}}))
            assert read.result(timeout=10)["Item"]["n"] == {"N": "1"}  # reads take no lock
            time.sleep(0.3)
            assert [name for name, future in pending.items() if future.done()] == []
        for future in pending.values():
            future.result(timeout=10)
    assert client.get_item(TableName="seam-locked", Key=item)["Item"] == item


def test_atomic_writes_are_shared_by_their_holders_and_removed_with_the_last() -> None:
    from moto.dynamodb.responses import DynamoHandler

    held_by_the_session = dynamodb.atomic_writes_installed()
    first, second = object(), object()
    _moto.install_atomic_writes(first)
    _moto.install_atomic_writes(second)
    _moto.install_atomic_writes(first)  # holding twice is holding once
    try:
        wrapped = DynamoHandler.update_item
        assert wrapped.__wrapped_by_local_cloud__ is _moto.METHODS["dynamodb.update_item"].verify()
        _moto.uninstall_atomic_writes(first)
        assert dynamodb.atomic_writes_installed() and DynamoHandler.update_item is wrapped
        _moto.uninstall_atomic_writes(first)  # no longer a holder: nothing happens
        assert dynamodb.atomic_writes_installed()
    finally:
        _moto.uninstall_atomic_writes(first)
        _moto.uninstall_atomic_writes(second)
    assert dynamodb.atomic_writes_installed() is held_by_the_session
    if not held_by_the_session:
        assert all(
            not hasattr(getattr(DynamoHandler, name.split(".")[1]), "__wrapped_by_local_cloud__")
            for name in dynamodb.PATCHES
        )
