"""Puts an event on EVENT_BUS_NAME with boto3; returns the error code instead of raising."""

import json
import os

import boto3
from botocore.exceptions import ClientError

events = boto3.client("events")


def handler(event, context):
    entry = {
        "Source": "shop",
        "DetailType": "OrderPlaced",
        "Detail": json.dumps(event),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }
    try:
        response = events.put_events(Entries=[entry])
    except ClientError as error:
        return {"error": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"failed": response["FailedEntryCount"]}
