"""A REST proxy handler whose answer is chosen by the request path's last part."""

import base64
import json
import time

PNG = b"\x89PNG\r\n\x1a\n\x00binary"


def handler(event, context):
    last = event["path"].rstrip("/").rsplit("/", 1)[-1]
    if last == "raise":
        raise RuntimeError("the handler failed")
    if last == "malformed":
        return "a string is not a proxy response"
    if last == "upload":
        return {"statusCode": 200, "body": str(len(event.get("body") or ""))}
    if last == "sleep":
        time.sleep(2)
    if last == "teapot":
        return {"statusCode": 418, "headers": {"X-Kind": "teapot"}, "body": "short and stout"}
    if last == "cookies":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "text/plain"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": "two cookies",
        }
    if last == "image":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(PNG).decode(),
            "isBase64Encoded": True,
        }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
