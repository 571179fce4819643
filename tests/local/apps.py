"""Small CDK apps the local cloud is proven on: ServerlessFunction plus plain aws-cdk-lib L2s."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from serverless_patterns import ServerlessFunction

HANDLERS = Path(__file__).parent / "handlers"


def build_everything_app(outdir: str) -> str:
    """Synthesize one stack with a queue worker, a REST API, an event rule and a state machine."""
    app = App(outdir=outdir)
    stack = Stack(app, "LocalEverything")
    table = dynamodb.TableV2(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        removal_policy=RemovalPolicy.DESTROY,
    )

    dlq = sqs.Queue(stack, "WorkDlq")
    queue = sqs.Queue(
        stack,
        "WorkQueue",
        visibility_timeout=Duration.seconds(30),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=2),
    )
    worker = ServerlessFunction(
        stack, "Worker", entry=str(HANDLERS / "worker"), environment={"TABLE_NAME": table.table_name}
    )
    table.grant_read_write_data(worker)
    worker.add_event_source(sources.SqsEventSource(queue, batch_size=5, report_batch_item_failures=True))

    api_fn = ServerlessFunction(stack, "ApiHandler", entry=str(HANDLERS / "api"))
    api = apigateway.RestApi(stack, "Api", deploy_options=apigateway.StageOptions(stage_name="prod"))
    integration = apigateway.LambdaIntegration(api_fn)
    items = api.root.add_resource("items")
    model = api.add_model(
        "ItemModel",
        content_type="application/json",
        schema=apigateway.JsonSchema(
            type=apigateway.JsonSchemaType.OBJECT,
            required=["name"],
            properties={"name": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, min_length=1)},
        ),
    )
    validator = api.add_request_validator("Validator", validate_request_body=True, validate_request_parameters=True)
    items.add_method("POST", integration, request_validator=validator, request_models={"application/json": model})
    items.add_resource("{id}").add_method("GET", integration)
    api.root.add_resource("boom").add_method("GET", integration)
    api.root.add_resource("search").add_method(
        "GET",
        integration,
        request_validator=validator,
        request_parameters={"method.request.querystring.q": True, "method.request.header.X-Test": True},
    )

    bus = events.EventBus(stack, "Bus")
    sink = ServerlessFunction(
        stack,
        "Sink",
        entry=str(HANDLERS / "sink"),
        environment={"TABLE_NAME": table.table_name},
        dead_letter_queue_enabled=True,
        retry_attempts=1,
    )
    table.grant_read_write_data(sink)
    sink_dlq = sqs.Queue(stack, "SinkDlq")
    copy_queue = sqs.Queue(stack, "CopyQueue")
    rule = events.Rule(
        stack, "OrderRule", event_bus=bus, event_pattern=events.EventPattern(source=["test.app"], detail_type=["Order"])
    )
    rule.add_target(
        targets.LambdaFunction(sink, dead_letter_queue=sink_dlq, retry_attempts=1, max_event_age=Duration.minutes(1))
    )
    rule.add_target(targets.SqsQueue(copy_queue))
    # A target whose function the tests delete, to see EventBridge's own retries and target DLQ.
    doomed = ServerlessFunction(stack, "Doomed", entry=str(HANDLERS / "step"))
    doomed_dlq = sqs.Queue(stack, "DoomedDlq")
    doomed_rule = events.Rule(
        stack, "DoomedRule", event_bus=bus, event_pattern=events.EventPattern(source=["test.doomed"])
    )
    doomed_rule.add_target(targets.LambdaFunction(doomed, dead_letter_queue=doomed_dlq, retry_attempts=2))

    step_fn = ServerlessFunction(stack, "Step", entry=str(HANDLERS / "step"))
    compensate = sfn.Pass(stack, "Compensate", result=sfn.Result.from_object({"compensated": True}))
    invoke = tasks.LambdaInvoke(stack, "AddOne", lambda_function=step_fn, payload_response_only=True)
    invoke.add_catch(compensate, errors=["OutOfStock"])
    machine = sfn.StateMachine(
        stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(invoke.next(sfn.Succeed(stack, "Done")))
    )

    recorder = ServerlessFunction(
        stack, "Recorder", entry=str(HANDLERS / "recorder"), environment={"TABLE_NAME": table.table_name}
    )
    table.grant_read_write_data(recorder)
    topic = sns.Topic(stack, "Notices")
    topic.add_subscription(
        subscriptions.LambdaSubscription(
            recorder,
            filter_policy={"kind": sns.SubscriptionFilter.string_filter(allowlist=["wanted"])},
        )
    )

    # CDK's Node.js custom resource (Custom::S3AutoDeleteObjects): answered without running.
    s3.Bucket(stack, "Uploads", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)

    CfnOutput(stack, "ApiUrl", value=api.url)
    CfnOutput(stack, "QueueUrl", value=queue.queue_url)
    CfnOutput(stack, "MachineArn", value=machine.state_machine_arn)
    CfnOutput(stack, "BusName", value=bus.event_bus_name)
    app.synth()
    return outdir


def build_small_app(outdir: str) -> str:
    """Synthesize a small app: a REST API in front of one function, and a queue."""
    app = App(outdir=outdir)
    stack = Stack(app, "LocalSmall")
    echo = ServerlessFunction(stack, "Echo", entry=str(HANDLERS / "api"))
    api = apigateway.RestApi(stack, "Api", deploy_options=apigateway.StageOptions(stage_name="prod"))
    api.root.add_resource("items").add_resource("{id}").add_method("GET", apigateway.LambdaIntegration(echo))
    sqs.Queue(stack, "Jobs")
    CfnOutput(stack, "ApiUrl", value=api.url)
    app.synth()
    return outdir
