"""An SQS batch handler: records each batch, then fails records as their bodies ask.

A body containing "raise" fails the whole invocation; "fail" is reported in batchItemFailures;
"invalid" makes the handler answer with an itemIdentifier that is not in the batch.
"""

import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    records = event["Records"]
    sqs.send_message(QueueUrl=os.environ["RECORD_QUEUE_URL"], MessageBody=json.dumps(records))
    bodies = [record["body"] for record in records]
    if any("raise" in body for body in bodies):
        raise RuntimeError("the whole batch failed")
    if any("invalid" in body for body in bodies):
        return {"batchItemFailures": [{"itemIdentifier": "not-a-message-of-this-batch"}]}
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if "fail" in r["body"]]}
