"""CrudApi handlers against moto's DynamoDB: every status code of the issue, concurrency, idempotency."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from .conftest import Client, LambdaContext, load_handlers


def _count(table: str) -> int:
    return int(boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def _create(client: Client, user: dict[str, Any]) -> dict[str, Any]:
    reply = client.send("POST", "/users", body=user)
    assert reply.status == 201, reply.body
    body: dict[str, Any] = reply.body
    return body


# POST


def test_post_returns_201_with_location_etag_and_server_fields(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body=new_user)
    assert reply.status == 201
    item = reply.body
    assert {key: item[key] for key in new_user} == new_user
    assert item["version"] == 1
    assert item["createdAt"] == item["updatedAt"]
    assert item["createdAt"].endswith("Z")
    assert reply.headers["location"] == f"/prod/users/{item['userId']}"
    assert reply.headers["etag"] == '"1"'
    assert reply.headers["content-type"] == "application/json"
    assert _count("users") == 1


def test_post_ignores_server_managed_fields(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body={**new_user, "userId": "mine", "version": 7, "createdAt": "x"})
    assert reply.status == 201
    assert reply.body["userId"] != "mine"
    assert reply.body["version"] == 1


def test_post_keeps_decimal_numbers(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body={**new_user, "score": 12.5})
    assert reply.body["score"] == 12.5
    fetched = client.send("GET", f"/users/{reply.body['userId']}")
    assert fetched.body["score"] == 12.5


def test_post_with_wrong_content_type_is_415(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body=new_user, headers={"Content-Type": "text/plain"})
    assert reply.status == 415
    assert reply.body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_post_with_malformed_json_is_400(client: Client) -> None:
    reply = client.send("POST", "/users", raw_body='{"email": "a@b.co", ')
    assert reply.status == 400
    assert set(reply.body["error"]) == {"code", "message", "details"}
    assert reply.body["error"]["code"] == "MALFORMED_JSON"


def test_post_with_base64_json_body_is_accepted(client: Client, new_user: dict[str, Any]) -> None:
    import json

    reply = client.send("POST", "/users", raw_body=json.dumps(new_user), base64_body=True)
    assert reply.status == 201


def test_post_over_256_kb_is_413(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body={**new_user, "name": "x" * (256 * 1024)})
    assert reply.status == 413
    assert reply.body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert _count("users") == 0


def test_post_with_wrong_types_is_422_naming_each_field(client: Client) -> None:
    reply = client.send("POST", "/users", body={"email": "not-an-email", "name": 5, "age": 200})
    assert reply.status == 422
    error = reply.body["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert {detail["field"] for detail in error["details"]} == {"email", "name", "age"}


def test_post_without_required_field_is_422(client: Client) -> None:
    reply = client.send("POST", "/users", body={"email": "ada@example.com"})
    assert reply.status == 422
    assert reply.body["error"]["details"] == [{"field": "name", "message": "is required"}]


def test_post_with_unknown_field_is_422(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body={**new_user, "isAdmin": True})
    assert reply.status == 422
    assert reply.body["error"]["details"] == [{"field": "isAdmin", "message": "is not an allowed field"}]


def test_post_with_enum_violation_is_422(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body={**new_user, "role": "root"})
    assert reply.status == 422


def test_post_with_an_array_body_is_422(client: Client) -> None:
    reply = client.send("POST", "/users", raw_body="[1, 2]")
    assert reply.status == 422


def test_post_to_a_resource_without_create_is_404(client: Client) -> None:
    reply = client.send("POST", "/orders", body={"total": 3})
    assert reply.status == 404
    assert reply.body["error"]["code"] == "NOT_FOUND"


# Idempotency-Key


def test_post_retry_with_same_idempotency_key_returns_first_response_without_second_write(
    client: Client, new_user: dict[str, Any]
) -> None:
    headers = {"Idempotency-Key": "4f0a0b5e-retry"}
    first = client.send("POST", "/users", body=new_user, headers=headers)
    second = client.send("POST", "/users", body=new_user, headers=headers)
    assert first.status == second.status == 201
    assert second.body == first.body
    assert second.headers["location"] == first.headers["location"]
    assert _count("users") == 1


def test_post_with_reused_idempotency_key_and_other_body_is_422(client: Client, new_user: dict[str, Any]) -> None:
    headers = {"Idempotency-Key": "4f0a0b5e-other"}
    assert client.send("POST", "/users", body=new_user, headers=headers).status == 201
    reply = client.send("POST", "/users", body={**new_user, "name": "Grace"}, headers=headers)
    assert reply.status == 422
    assert reply.body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert _count("users") == 1


def test_different_idempotency_keys_create_different_items(client: Client, new_user: dict[str, Any]) -> None:
    client.send("POST", "/users", body=new_user, headers={"Idempotency-Key": "a"})
    client.send("POST", "/users", body=new_user, headers={"Idempotency-Key": "b"})
    assert _count("users") == 2


def test_idempotency_key_over_255_characters_is_400(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", body=new_user, headers={"Idempotency-Key": "k" * 256})
    assert reply.status == 400


def test_idempotency_key_in_progress_is_409(client: Client, new_user: dict[str, Any]) -> None:
    # A first request that is still running holds the key: write its in-progress record directly.
    _, write = client.read, client.write
    request = {
        "resource": "users",
        "key": "busy",
        "principal": "arn:aws:sts::111111111111:assumed-role/client/alice",
        "body": write.to_json(new_user, sort_keys=True),
        "location": "/prod/users",
    }
    store = write.DynamoDBPersistenceLayer(table_name="idempotency")
    store.configure(write.idempotency_config, key_prefix=write.IDEMPOTENCY_KEY_PREFIX)
    store.save_inprogress(data=request, remaining_time_in_millis=60_000)
    reply = client.send("POST", "/users", body=new_user, headers={"Idempotency-Key": "busy"})
    assert reply.status == 409
    assert _count("users") == 0


def test_idempotency_records_go_through_the_items_client(
    client: Client, new_user: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store with a boto3 session of its own would load DynamoDB's model a second time on a cold start.
    monkeypatch.setattr(client.write, "_idempotent_create", None)  # as in a fresh execution environment

    def no_session(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the idempotency store made a boto3 session of its own")

    monkeypatch.setattr(boto3.session, "Session", no_session)
    reply = client.send("POST", "/users", body=new_user, headers={"Idempotency-Key": "one-client"})
    assert reply.status == 201, reply.body
    assert _count("users") == 1


# GET


def test_get_returns_200_with_etag(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    reply = client.send("GET", f"/users/{created['userId']}")
    assert reply.status == 200
    assert reply.body == created
    assert reply.headers["etag"] == '"1"'


def test_get_absent_item_is_404(client: Client) -> None:
    reply = client.send("GET", "/users/does-not-exist")
    assert reply.status == 404
    assert reply.body["error"]["code"] == "NOT_FOUND"


def test_unknown_resource_is_404(client: Client) -> None:
    assert client.send("GET", "/invoices").status == 404
    assert client.send("GET", "/users/a/b").status == 404


# List


def test_list_pages_with_opaque_cursor(client: Client, new_user: dict[str, Any]) -> None:
    ids = {_create(client, {**new_user, "name": f"user {index}"})["userId"] for index in range(5)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "2", **({"next": cursor} if cursor else {})}
        reply = client.send("GET", "/users", query=query)
        assert reply.status == 200
        assert len(reply.body["items"]) <= 2
        seen += [item["userId"] for item in reply.body["items"]]
        pages += 1
        cursor = reply.body["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert pages >= 3


def test_list_default_limit_is_25(client: Client, new_user: dict[str, Any]) -> None:
    for index in range(26):
        _create(client, {**new_user, "name": f"user {index}"})
    reply = client.send("GET", "/users")
    assert len(reply.body["items"]) == 25
    assert reply.body["next"]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_list_with_limit_out_of_range_is_400(client: Client, limit: str) -> None:
    reply = client.send("GET", "/users", query={"limit": limit})
    assert reply.status == 400
    assert reply.body["error"]["details"][0]["field"] == "limit"


def test_list_with_tampered_cursor_is_400(client: Client, new_user: dict[str, Any]) -> None:
    for index in range(3):
        _create(client, {**new_user, "name": f"user {index}"})
    cursor = client.send("GET", "/users", query={"limit": "1"}).body["next"]
    payload, signature = cursor.split(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    for bad in (tampered, "garbage", cursor + "0", "." + signature):
        reply = client.send("GET", "/users", query={"next": bad})
        assert reply.status == 400, bad
        assert reply.body["error"]["code"] == "INVALID_CURSOR"


def test_list_with_cursor_of_another_resource_is_400(client: Client) -> None:
    dynamodb = boto3.client("dynamodb")
    for index in range(3):
        dynamodb.put_item(TableName="orders", Item={"id": {"S": f"o{index}"}, "version": {"N": "1"}})
    cursor = client.send("GET", "/orders", query={"limit": "1"}).body["next"]
    assert cursor
    reply = client.send("GET", "/users", query={"next": cursor})
    assert reply.status == 400
    assert reply.body["error"]["code"] == "INVALID_CURSOR"


# PUT


def test_put_with_current_etag_returns_200_and_next_version(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, {**new_user, "role": "member"})
    path = f"/users/{created['userId']}"
    reply = client.send("PUT", path, body={"email": "ada@example.org", "name": "Ada"}, headers={"If-Match": '"1"'})
    assert reply.status == 200
    assert reply.headers["etag"] == '"2"'
    assert reply.body["version"] == 2
    assert reply.body["email"] == "ada@example.org"
    assert reply.body["createdAt"] == created["createdAt"]
    # A replacement: optional fields the new body leaves out are gone.
    assert "role" not in reply.body
    assert "age" not in reply.body
    assert client.send("GET", path).body == reply.body


def test_put_accepts_the_item_it_read_back(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    reply = client.send(
        "PUT", f"/users/{created['userId']}", body={**created, "name": "Countess"}, headers={"If-Match": 'W/"1"'}
    )
    assert reply.status == 200
    assert reply.body["name"] == "Countess"


def test_put_without_if_match_is_428(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    reply = client.send("PUT", f"/users/{created['userId']}", body=new_user)
    assert reply.status == 428
    assert reply.body["error"]["code"] == "PRECONDITION_REQUIRED"


def test_put_with_stale_etag_is_412(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    path = f"/users/{created['userId']}"
    assert client.send("PUT", path, body=new_user, headers={"If-Match": '"1"'}).status == 200
    reply = client.send("PUT", path, body={**new_user, "name": "Lost update"}, headers={"If-Match": '"1"'})
    assert reply.status == 412
    assert reply.body["error"]["code"] == "PRECONDITION_FAILED"
    assert client.send("GET", path).body["name"] == new_user["name"]


def test_put_absent_item_is_404(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("PUT", "/users/nobody", body=new_user, headers={"If-Match": '"1"'})
    assert reply.status == 404
    assert _count("users") == 0


def test_put_with_invalid_body_is_422(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    reply = client.send("PUT", f"/users/{created['userId']}", body={"name": ""}, headers={"If-Match": '"1"'})
    assert reply.status == 422


def test_concurrent_puts_with_the_same_etag_exactly_one_succeeds(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    path = f"/users/{created['userId']}"
    # One handler copy per thread: each is a separate Lambda execution environment.
    writers = [load_handlers(f"crud_api_environment_{index}")[1] for index in range(8)]
    barrier = threading.Barrier(len(writers))
    statuses: list[int] = []

    def update(index: int) -> None:
        event = client.event("PUT", path, body={**new_user, "name": f"writer {index}"}, headers={"If-Match": '"1"'})
        barrier.wait()
        statuses.append(writers[index].handler(event, LambdaContext())["statusCode"])

    threads = [threading.Thread(target=update, args=(index,)) for index in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * (len(writers) - 1)
    assert client.send("GET", path).body["version"] == 2


# DELETE


def test_delete_returns_204_and_removes_the_item(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    reply = client.send("DELETE", f"/users/{created['userId']}")
    assert reply.status == 204
    assert reply.body is None
    assert client.send("GET", f"/users/{created['userId']}").status == 404


def test_delete_absent_item_is_404(client: Client) -> None:
    assert client.send("DELETE", "/users/nobody").status == 404


def test_delete_honours_if_match(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    path = f"/users/{created['userId']}"
    assert client.send("DELETE", path, headers={"If-Match": '"7"'}).status == 412
    assert client.send("DELETE", path, headers={"If-Match": '"1"'}).status == 204
    assert client.send("DELETE", path, headers={"If-Match": '"1"'}).status == 404


# CORS


def test_cors_header_only_for_allowed_origin(client: Client, new_user: dict[str, Any]) -> None:
    allowed = client.send("POST", "/users", body=new_user, headers={"Origin": "https://app.example.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    other = client.send("GET", "/users", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


# Inputs DynamoDB would reject are client errors, never 500


def test_number_dynamodb_cannot_store_is_422(client: Client, new_user: dict[str, Any]) -> None:
    reply = client.send("POST", "/users", raw_body='{"email": "a@b.co", "name": "n", "score": 1e400}')
    assert reply.status == 422
    reply = client.send("POST", "/users", body={**new_user, "score": 12345678901234567890123456789012345678901})
    assert reply.status == 422
    assert _count("users") == 0


def test_body_nested_deeper_than_dynamodb_allows_is_400(client: Client) -> None:
    reply = client.send("POST", "/users", raw_body="[" * 40 + "]" * 40)
    assert reply.status == 400
    reply = client.send("POST", "/users", raw_body="[" * 100_000 + "]" * 100_000)
    assert reply.status in {400, 413}


def test_id_longer_than_a_key_can_be_is_404(client: Client, new_user: dict[str, Any]) -> None:
    long_id = "x" * 3000
    assert client.send("GET", f"/users/{long_id}").status == 404
    assert client.send("DELETE", f"/users/{long_id}").status == 404
    assert client.send("PUT", f"/users/{long_id}", body=new_user, headers={"If-Match": '"1"'}).status == 404


def test_dynamodb_throttling_is_503_with_retry_after(
    client: Client, new_user: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    def throttled(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "GetItem")

    monkeypatch.setattr(client.read.dynamodb, "get_item", throttled)
    reply = client.send("GET", "/users/any")
    assert reply.status == 503
    assert reply.headers["retry-after"] == "1"
    assert reply.body["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_unexpected_error_is_a_json_500(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(client.read.dynamodb, "scan", broken)
    reply = client.send("GET", "/users")
    assert reply.status == 500
    assert reply.body["error"] == {"code": "INTERNAL_ERROR", "message": "an unexpected error occurred", "details": []}


# Items grouped by a partition attribute (the id is the table's sort key)


def _line(client: Client, order: str, sku: str = "A-1") -> dict[str, Any]:
    reply = client.send("POST", "/lines", body={"orderId": order, "sku": sku, "quantity": 1})
    assert reply.status == 201, reply.body
    assert reply.headers["location"] == f"/prod/lines/{order}/{reply.body['lineId']}"
    body: dict[str, Any] = reply.body
    return body


def test_grouped_items_are_addressed_by_partition_and_id(client: Client) -> None:
    line = _line(client, "order-1")
    path = f"/lines/order-1/{line['lineId']}"
    assert client.send("GET", path).body == line
    assert client.send("GET", f"/lines/order-2/{line['lineId']}").status == 404
    assert client.send("GET", f"/lines/{line['lineId']}").status == 404  # the partition is part of the address
    updated = client.send("PUT", path, body={"orderId": "order-1", "sku": "B-2"}, headers={"If-Match": '"1"'})
    assert updated.status == 200
    assert updated.body["sku"] == "B-2"
    assert updated.body["orderId"] == "order-1"
    assert client.send("DELETE", path, headers={"If-Match": '"2"'}).status == 204
    assert client.send("GET", path).status == 404


def test_grouped_item_cannot_move_to_another_partition(client: Client) -> None:
    line = _line(client, "order-1")
    reply = client.send(
        "PUT",
        f"/lines/order-1/{line['lineId']}",
        body={"orderId": "order-9", "sku": "A-1"},
        headers={"If-Match": '"1"'},
    )
    assert reply.status == 422
    assert reply.body["error"]["details"][0]["field"] == "orderId"


def test_list_of_one_partition_pages_with_a_cursor_bound_to_it(client: Client) -> None:
    mine = {_line(client, "order-1", f"S-{index}")["lineId"] for index in range(3)}
    _line(client, "order-2")
    seen: list[str] = []
    cursor = None
    while True:
        query = {"orderId": "order-1", "limit": "2", **({"next": cursor} if cursor else {})}
        reply = client.send("GET", "/lines", query=query)
        assert reply.status == 200
        seen += [item["lineId"] for item in reply.body["items"]]
        cursor = reply.body["next"]
        if cursor is None:
            break
        # A cursor of one partition is refused for another.
        assert client.send("GET", "/lines", query={"orderId": "order-2", "next": cursor}).status == 400
    assert sorted(seen) == sorted(mine)
    assert len(client.send("GET", "/lines").body["items"]) == 4  # no partition: every item


def test_if_match_star_matches_any_existing_version(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    path = f"/users/{created['userId']}"
    assert client.send("PUT", path, body=new_user, headers={"If-Match": "*"}).status == 200
    assert client.send("PUT", "/users/nobody", body=new_user, headers={"If-Match": "*"}).status == 404
    assert client.send("DELETE", path, headers={"If-Match": "*"}).status == 204


def test_if_match_with_a_list_of_tags_matches_any_of_them(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    reply = client.send("PUT", f"/users/{created['userId']}", body=new_user, headers={"If-Match": '"5", "1"'})
    assert reply.status == 200


def test_items_written_around_the_api_have_etag_zero_and_can_be_updated(
    client: Client, new_user: dict[str, Any]
) -> None:
    # A batch import wrote this item directly, without the API's server fields.
    boto3.client("dynamodb").put_item(
        TableName="users", Item={"userId": {"S": "imported"}, "email": {"S": "i@example.com"}, "name": {"S": "I"}}
    )
    fetched = client.send("GET", "/users/imported")
    assert fetched.status == 200
    assert fetched.headers["etag"] == '"0"'
    assert client.send("PUT", "/users/imported", body=new_user, headers={"If-Match": '"3"'}).status == 412
    updated = client.send("PUT", "/users/imported", body=new_user, headers={"If-Match": '"0"'})
    assert updated.status == 200
    assert updated.body["version"] == 1
    assert client.send("DELETE", "/users/imported", headers={"If-Match": '"0"'}).status == 412
    assert client.send("DELETE", "/users/imported", headers={"If-Match": '"1"'}).status == 204


def test_routes_behind_a_custom_domain_base_path(client: Client, new_user: dict[str, Any]) -> None:
    created = _create(client, new_user)
    event = client.event("GET", f"/users/{created['userId']}")
    event["path"] = f"/v1/users/{created['userId']}"  # base path mapping "v1" on a custom domain
    reply = client.read.handler(event, LambdaContext())
    assert reply["statusCode"] == 200


def test_unknown_fields_are_stored_when_allowed_and_kept_by_updates(client: Client) -> None:
    created = client.send("POST", "/notes", body={"text": "hi", "colour": "blue"})
    assert created.status == 201
    assert created.body["colour"] == "blue"
    path = f"/notes/{created.body['id']}"
    updated = client.send("PUT", path, body={}, headers={"If-Match": '"1"'})
    assert updated.status == 200
    assert "text" not in updated.body  # a schema property the body left out is removed
    assert updated.body["colour"] == "blue"  # a field outside the schema is kept
