"""Sends every event it receives to the RECORD_QUEUE_URL queue; fails when the event asks to."""

import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["RECORD_QUEUE_URL"], MessageBody=json.dumps(event))
    if isinstance(event, dict) and (event.get("fail") or (event.get("detail") or {}).get("fail")):
        raise RuntimeError("recorder failed on purpose")
    return {"recorded": True}
