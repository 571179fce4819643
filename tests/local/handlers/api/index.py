"""A REST handler: echoes what the proxy event carried."""

import json
import logging

logger = logging.getLogger("echo")


def handler(event, context):
    logger.info("echoing %s", event.get("path"))
    if event.get("path", "").endswith("/boom"):
        raise RuntimeError("unhandled")
    body = {
        "resource": event["resource"],
        "path": event["path"],
        "method": event["httpMethod"],
        "pathParameters": event.get("pathParameters"),
        "query": event.get("queryStringParameters"),
        "multiQuery": event.get("multiValueQueryStringParameters"),
        "header": (event.get("headers") or {}).get("X-Test"),
        "body": json.loads(event["body"]) if event.get("body") else None,
        "stage": event["requestContext"]["stage"],
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Handled": "yes"},
        "body": json.dumps(body),
    }
