"""The code asset a synthesized CrudApi ships (handlers plus generated config.json) serves requests."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import aws_cdk as cdk
import boto3
import pytest

from serverless_patterns.crud_api import CrudApi, CrudRestApi, Operation

from .conftest import Client, LambdaContext


@pytest.fixture(scope="module")
def asset_folder() -> Path:
    stack = cdk.Stack(cdk.App(), "Asset", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    api = CrudRestApi(stack, "Api")
    schema = {"type": "object", "required": ["title"], "properties": {"title": {"type": "string", "maxLength": 20}}}
    CrudApi(stack, "Books", api=api, resource_name="books", id_attribute="isbn", schema=schema)
    CrudApi(stack, "Notes", api=api, resource_name="notes", schema=schema, operations=[Operation.GET])
    cdk.assertions.Template.from_stack(stack)  # synthesis writes the asset
    asset = api.node.find_child("Code")
    return Path(cdk.Stage.of(api).outdir) / asset.asset_path  # type: ignore[attr-defined]


def _load(folder: Path, package_name: str) -> tuple[ModuleType, ModuleType]:
    package = folder / "crud_api"
    spec = importlib.util.spec_from_file_location(
        package_name, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = module
    spec.loader.exec_module(module)
    return importlib.import_module(f"{package_name}.read"), importlib.import_module(f"{package_name}.write")


def test_asset_holds_handlers_and_configuration_only(asset_folder: Path) -> None:
    files = sorted(path.relative_to(asset_folder).as_posix() for path in asset_folder.rglob("*") if path.is_file())
    assert files == [
        "crud_api/__init__.py",
        "crud_api/common.py",
        "crud_api/config.json",
        "crud_api/contract.py",
        "crud_api/gateway.py",
        "crud_api/read.py",
        "crud_api/validator.py",
        "crud_api/write.py",
    ]
    for path in asset_folder.rglob("*.py"):
        text = path.read_text()
        assert "import aws_cdk" not in text and "from aws_cdk" not in text, path


def test_synthesized_asset_serves_the_configured_resources(
    asset_folder: Path, moto: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRUD_API_CONFIG", raising=False)  # the config.json inside the asset
    monkeypatch.setenv("CRUD_TABLES", "books=books-table;notes=notes-table")
    monkeypatch.setenv("CRUD_IDEMPOTENCY_TABLE", "idempotency")
    boto3.client("dynamodb").create_table(
        TableName="books-table",
        KeySchema=[{"AttributeName": "isbn", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "isbn", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client = Client(*_load(asset_folder, "crud_api_from_asset"))
    created = client.send("POST", "/books", body={"title": "Dune"})
    assert created.status == 201
    assert client.send("GET", f"/books/{created.body['isbn']}").body["title"] == "Dune"
    # The generated model's limits hold in the handler too.
    assert client.send("POST", "/books", body={"title": "x" * 21}).status == 422
    # notes exposes only GET: the write function has no route for it.
    assert client.send("POST", "/notes", body={"title": "n"}).status == 404
    assert client.write.handler(client.event("DELETE", "/notes/1"), LambdaContext())["statusCode"] == 404
    assert (
        json.loads((asset_folder / "crud_api" / "config.json").read_text())["resources"]["books"]["idAttribute"]
        == "isbn"
    )
