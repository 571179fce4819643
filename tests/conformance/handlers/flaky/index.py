"""A Step Functions task: records each attempt, then raises the error the input names or adds one."""

import json
import os

import boto3

sqs = boto3.client("sqs")


class Transient(Exception):  # noqa: N818 - the error name state machines retry
    pass


class Permanent(Exception):  # noqa: N818 - the error name state machines catch
    pass


ERRORS = {"Transient": Transient, "Permanent": Permanent}


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["RECORD_QUEUE_URL"], MessageBody=json.dumps(event))
    if event.get("error"):
        raise ERRORS[event["error"]](f"{event['error']} failure")
    return {**event, "count": event.get("count", 0) + 1}
