"""DynamoDB (moto): conditional writes, transactions, update expressions, ReturnValues, Query order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from botocore.exceptions import ClientError

from serverless_patterns.local.pytest_plugin import LocalApp
from tests.conformance.apps import deployed_from
from tests.conformance.conftest import behaviour

pytestmark = pytest.mark.e2e


def build_app(outdir: str) -> str:
    app = App(outdir=outdir)
    stack = Stack(app, "ConformanceDynamo")
    dynamodb.TableV2(
        stack,
        "Table",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
        removal_policy=RemovalPolicy.DESTROY,
    )
    app.synth()
    return outdir


local_cdk_out = deployed_from(build_app)


@pytest.fixture
def table(local_app: LocalApp) -> Iterator[tuple[Any, str]]:
    """The low-level client and the table name."""
    yield local_app.client("dynamodb"), local_app.table_name("Table")


def _key(pk: str, sk: str = "0") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


@behaviour("DynamoDB", "a failed ConditionExpression raises ConditionalCheckFailedException and writes nothing")
def test_dynamodb_failed_condition_raises_conditional_check_failed(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html"""
    client, name = table
    item = {**_key("cond"), "v": {"N": "1"}}
    client.put_item(TableName=name, Item=item, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as raised:
        client.put_item(TableName=name, Item={**item, "v": {"N": "2"}}, ConditionExpression="attribute_not_exists(pk)")
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert client.get_item(TableName=name, Key=_key("cond"))["Item"]["v"] == {"N": "1"}


@behaviour("DynamoDB", "ReturnValuesOnConditionCheckFailure ALL_OLD returns the item that failed the condition")
def test_dynamodb_condition_failure_returns_the_old_item(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html"""
    client, name = table
    client.put_item(TableName=name, Item={**_key("old"), "state": {"S": "shipped"}})
    with pytest.raises(ClientError) as raised:
        client.update_item(
            TableName=name,
            Key=_key("old"),
            UpdateExpression="SET #s = :new",
            ConditionExpression="#s = :expected",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":new": {"S": "cancelled"}, ":expected": {"S": "open"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    response: dict[str, Any] = dict(raised.value.response)
    assert response["Item"]["state"] == {"S": "shipped"}


@behaviour("DynamoDB", "TransactWriteItems is all-or-nothing and names the failed condition in CancellationReasons")
def test_dynamodb_transaction_is_all_or_nothing(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html"""
    client, name = table
    client.put_item(TableName=name, Item={**_key("stock"), "count": {"N": "0"}})
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": {**_key("order"), "state": {"S": "placed"}}}},
                {
                    "Update": {
                        "TableName": name,
                        "Key": _key("stock"),
                        "UpdateExpression": "ADD #c :minus",
                        "ConditionExpression": "#c > :zero",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":zero": {"N": "0"}},
                    }
                },
            ]
        )
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in client.get_item(TableName=name, Key=_key("order"))


@behaviour("DynamoDB", "UpdateExpression ADD creates a number at 0 and increments it")
def test_dynamodb_update_add_increments_a_counter(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html"""
    client, name = table
    for _ in range(3):
        client.update_item(
            TableName=name,
            Key=_key("counter"),
            UpdateExpression="ADD seen :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    assert client.get_item(TableName=name, Key=_key("counter"))["Item"]["seen"] == {"N": "3"}


@behaviour("DynamoDB", "UpdateExpression SET with if_not_exists and REMOVE")
def test_dynamodb_update_set_if_not_exists_and_remove(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html"""
    client, name = table
    client.put_item(TableName=name, Item={**_key("set"), "created": {"S": "first"}, "temp": {"S": "x"}})
    client.update_item(
        TableName=name,
        Key=_key("set"),
        UpdateExpression="SET created = if_not_exists(created, :now), #n = :name REMOVE #t",
        ExpressionAttributeNames={"#n": "name", "#t": "temp"},
        ExpressionAttributeValues={":now": {"S": "second"}, ":name": {"S": "pen"}},
    )
    item = client.get_item(TableName=name, Key=_key("set"))["Item"]
    assert (item["created"], item["name"], "temp" in item) == ({"S": "first"}, {"S": "pen"}, False)


@behaviour("DynamoDB", "ReturnValues UPDATED_NEW returns only the updated attributes, ALL_OLD the previous item")
def test_dynamodb_return_values(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html"""
    client, name = table
    client.put_item(TableName=name, Item={**_key("rv"), "a": {"N": "1"}, "b": {"S": "keep"}})
    updated = client.update_item(
        TableName=name,
        Key=_key("rv"),
        UpdateExpression="SET a = a + :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    assert updated["Attributes"] == {"a": {"N": "2"}}
    old = client.update_item(
        TableName=name,
        Key=_key("rv"),
        UpdateExpression="SET b = :changed",
        ExpressionAttributeValues={":changed": {"S": "changed"}},
        ReturnValues="ALL_OLD",
    )
    assert old["Attributes"] == {**_key("rv"), "a": {"N": "2"}, "b": {"S": "keep"}}


@behaviour("DynamoDB", "Query returns items in sort key order; ScanIndexForward false reverses it")
def test_dynamodb_query_orders_by_sort_key(table: tuple[Any, str]) -> None:
    """AWS: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html"""
    client, name = table
    for sk in ("b", "c", "a"):
        client.put_item(TableName=name, Item=_key("sorted", sk))

    def query(forward: bool) -> list[str]:
        items = client.query(
            TableName=name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "sorted"}},
            ScanIndexForward=forward,
        )["Items"]
        return [item["sk"]["S"] for item in items]

    assert (query(True), query(False)) == (["a", "b", "c"], ["c", "b", "a"])
