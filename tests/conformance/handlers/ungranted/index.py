"""Writes to TABLE_NAME and reports the outcome (its role may lack the grant)."""

import os

import boto3
from botocore.exceptions import ClientError

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    try:
        table.put_item(Item={"pk": "written-by-lambda"})
    except ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"code": None}
