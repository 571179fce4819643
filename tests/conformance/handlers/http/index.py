"""An HTTP API handler (payload 2.0 or 1.0) whose answer is chosen by the request path's last part."""

import base64
import json
import time


def handler(event, context):
    path = event.get("rawPath") or event.get("path") or "/"
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last == "raise":
        raise RuntimeError("the handler failed")
    if last == "sleep":
        time.sleep(2)
    if last == "inferred":
        return {"message": "Hello from Lambda!"}
    if last == "text":
        return "Hello from Lambda!"
    if last == "cookies":
        return {"statusCode": 201, "cookies": ["a=1", "b=2"], "headers": {"x-kind": "cookies"}, "body": "two"}
    if last == "binary":
        return {"statusCode": 200, "body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True}
    if last == "cors":
        return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "https://evil.example"}, "body": "{}"}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
