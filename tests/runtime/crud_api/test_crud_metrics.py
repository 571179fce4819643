"""The write handler's business metrics: one EMF document per invocation that counted something.

The documents are read from the handler's standard output, where Lambda sends them to CloudWatch
Logs, which extracts the metrics (embedded metric format, CloudWatch User Guide:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from serverless_patterns.runtime.crud_api import contract

from .conftest import Client


def _documents(captured: str) -> list[dict[str, Any]]:
    found = []
    for line in captured.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            found.append(json.loads(line))
    return found


def _only_metric(capsys: pytest.CaptureFixture[str], name: str, resource: str) -> None:
    (document,) = _documents(capsys.readouterr().out)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "ServerlessPatterns",
        "Dimensions": [[contract.SERVICE_DIMENSION]],
        "Metrics": [{"Name": name, "Unit": "Count"}],
    }
    assert isinstance(document["_aws"]["Timestamp"], int)
    assert document[contract.SERVICE_DIMENSION] == "crud-api-test"
    assert document[name] == [1.0]
    assert document[contract.RESOURCE_PROPERTY] == resource


def test_a_successful_write_emits_no_metric_and_does_not_raise(
    client: Client, new_user: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert client.send("POST", "/users", body=new_user).status == 201
    assert _documents(capsys.readouterr().out) == []


def test_a_body_that_breaks_the_schema_counts_validation_rejected(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    assert client.send("POST", "/users", body={"name": 1}).status == 422
    _only_metric(capsys, contract.VALIDATION_REJECTED_METRIC, "users")


def test_a_stale_etag_counts_precondition_failed(
    client: Client, new_user: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    created = client.send("POST", "/users", body=new_user).body
    path = f"/users/{created['userId']}"
    assert client.send("PUT", path, body=new_user, headers={"If-Match": '"1"'}).status == 200
    capsys.readouterr()
    assert client.send("DELETE", path, headers={"If-Match": '"1"'}).status == 412
    _only_metric(capsys, contract.PRECONDITION_FAILED_METRIC, "users")


def test_a_missing_if_match_is_not_a_precondition_failure(
    client: Client, new_user: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    created = client.send("POST", "/users", body=new_user).body
    assert client.send("PUT", f"/users/{created['userId']}", body=new_user).status == 428
    assert _documents(capsys.readouterr().out) == []


def test_a_retried_post_counts_one_idempotent_replay(
    client: Client, new_user: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    headers = {"Idempotency-Key": "metrics-replay"}
    assert client.send("POST", "/users", body=new_user, headers=headers).status == 201
    assert _documents(capsys.readouterr().out) == []
    assert client.send("POST", "/users", body=new_user, headers=headers).status == 201
    _only_metric(capsys, contract.IDEMPOTENT_REPLAY_METRIC, "users")
