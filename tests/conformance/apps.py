"""Helpers the conformance modules share: the app fixture, functions from handler folders, records, HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message as HTTPMessage
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from serverless_patterns.local.pytest_plugin import LocalApp

HANDLERS = Path(__file__).parent / "handlers"


def deployed_from(build_app: Callable[[str], str]) -> Any:
    """A module's ``local_cdk_out`` fixture: ``build_app`` synthesized once into a temporary folder."""

    @pytest.fixture(scope="module")
    def local_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> str:
        return build_app(str(tmp_path_factory.mktemp(build_app.__module__.rsplit(".", 1)[-1]) / "cdk.out"))

    return local_cdk_out


def function(stack: Stack, id: str, handler: str, **options: Any) -> lambda_.Function:
    """A Python function whose code is ``handlers/<handler>``."""
    return lambda_.Function(
        stack,
        id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(HANDLERS / handler), exclude=["__pycache__", "*.pyc"]),
        timeout=options.pop("timeout", Duration.seconds(10)),
        **options,
    )


def recorded_by(stack: Stack, fn: lambda_.Function, queue: sqs.Queue | None = None) -> sqs.Queue:
    """Give ``fn`` a queue to record what it receives in (``RECORD_QUEUE_URL``); return the queue."""
    queue = queue or sqs.Queue(stack, f"{fn.node.id}Records")
    fn.add_environment("RECORD_QUEUE_URL", queue.queue_url)
    queue.grant_send_messages(fn)
    return queue


def records(app: LocalApp, queue: str, *, at_least: int = 1, wait_seconds: float = 10.0) -> list[Any]:
    """The JSON bodies recorded in ``queue`` (deleted once read), waiting until ``at_least`` arrived."""
    sqs_client = app.client("sqs")
    url = app.queue_url(queue)
    found: list[Any] = []
    deadline = time.monotonic() + wait_seconds
    while True:
        for message in app.receive_all(queue):
            found.append(json.loads(message["Body"]))
            sqs_client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(found) >= at_least or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def http(
    app: LocalApp,
    method: str,
    path: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    api: str | None = None,
    role: str | None = None,
    signed: bool = False,
) -> tuple[int, HTTPMessage, bytes]:
    """One request to a local REST API; ``(status, headers, raw body)`` (signed only when asked)."""
    url = app.api_url(api) + path.lstrip("/")
    all_headers = dict(headers or {})
    if signed or role:
        all_headers.update(app.cloud.sign(method, url, all_headers, data or b"", role=role))
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
