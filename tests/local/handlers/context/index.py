"""A REST handler that answers the proxy event it received (after sleeping ``?sleep=<seconds>``)."""

import json
import time


def handler(event, context):
    seconds = float((event.get("queryStringParameters") or {}).get("sleep", 0))
    if seconds:
        time.sleep(seconds)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
