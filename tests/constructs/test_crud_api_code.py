"""How a CrudRestApi's functions get their code and configuration: CrudApiCode, CRUD_TABLES and the escape hatch."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from examples.snippets.crud_api import ship_own_code
from serverless_patterns.crud_api import CrudApi, CrudApiCode, CrudRestApi, Operation
from serverless_patterns.crud_api.operations import OperationName
from serverless_patterns.function import ServerlessFunction
from serverless_patterns.runtime.crud_api import contract

SCHEMA: dict[str, Any] = {"type": "object", "properties": {"title": {"type": "string"}}}


def _api(*, asset_metadata: bool = False) -> tuple[cdk.Stack, CrudRestApi]:
    app = cdk.App(context={"aws:cdk:enable-asset-metadata": asset_metadata})
    stack = cdk.Stack(app, "Code", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    return stack, CrudRestApi(stack, "Api")


def _cfn(function: lambda_.Function) -> lambda_.CfnFunction:
    cfn = function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    return cfn


def _functions(template: Template) -> dict[str, Any]:
    functions = dict(template.find_resources("AWS::Lambda::Function"))
    return {
        "read": next(f for logical_id, f in functions.items() if "ReadFunction" in logical_id),
        "write": next(f for logical_id, f in functions.items() if "WriteFunction" in logical_id),
    }


def test_functions_get_the_crud_api_code_at_construction() -> None:
    stack, api = _api()
    assert isinstance(api.code, CrudApiCode)
    assert api.code.asset is None
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    functions = _functions(Template.from_stack(stack))
    assert api.code.asset is not None
    key = f"{api.code.asset.asset_hash}.zip"
    for function in functions.values():
        assert function["Properties"]["Code"]["S3Key"] == key
        assert "ZipFile" not in function["Properties"]["Code"]
    assert api.node.find_child("Code") is api.code.asset


def test_tables_are_bound_at_construction_not_added_at_synthesis(monkeypatch: pytest.MonkeyPatch) -> None:
    stack, api = _api()
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    api.add_resource("Notes", resource_name="notes", schema=SCHEMA, operations=[Operation.CREATE])

    def add_environment(*args: object, **kwargs: object) -> None:
        raise AssertionError("add_environment called at synthesis")

    monkeypatch.setattr(ServerlessFunction, "add_environment", add_environment)
    functions = _functions(Template.from_stack(stack))
    read = json.dumps(functions["read"]["Properties"]["Environment"]["Variables"][contract.TABLES_VARIABLE])
    write = json.dumps(functions["write"]["Properties"]["Environment"]["Variables"][contract.TABLES_VARIABLE])
    assert "books=" in read and "notes=" not in read
    assert "books=" in write and ";notes=" in write


def test_escape_hatch_on_the_code_wins() -> None:
    stack, api = _api(asset_metadata=True)
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    _cfn(api.read_function).code = lambda_.CfnFunction.CodeProperty(s3_bucket="my-bucket", s3_key="read.zip")
    _cfn(api.write_function).add_property_override("Code", {"S3Bucket": "my-bucket", "S3Key": "write.zip"})
    template = Template.from_stack(stack)
    functions = _functions(template)
    assert functions["read"]["Properties"]["Code"] == {"S3Bucket": "my-bucket", "S3Key": "read.zip"}
    assert functions["write"]["Properties"]["Code"] == {"S3Bucket": "my-bucket", "S3Key": "write.zip"}
    # SAM and local tools would take the asset for the code: the replaced code gets no asset metadata.
    assert "aws:asset:property" not in functions["read"].get("Metadata", {})


def test_documented_override_ships_other_code() -> None:
    stack, api = _api()
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    ship_own_code(api)
    functions = _functions(Template.from_stack(stack))
    assert functions["read"]["Properties"]["Code"] == {"S3Bucket": "my-artifacts", "S3Key": "crud-read.zip"}
    assert functions["write"]["Properties"]["Code"] == {"S3Bucket": "my-artifacts", "S3Key": "crud-write.zip"}


def test_functions_carry_asset_metadata_for_local_tools() -> None:
    stack, api = _api(asset_metadata=True)
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    functions = _functions(Template.from_stack(stack))
    assert api.code.asset is not None
    for function in functions.values():
        assert function["Metadata"]["aws:asset:property"] == "Code"
        assert function["Metadata"]["aws:asset:path"] == api.code.asset.asset_path


def test_fails_when_a_resource_is_attached_after_synthesis() -> None:
    stack, api = _api()
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    Template.from_stack(stack)
    with pytest.raises(RuntimeError, match=r"Code/Api: cannot attach 'notes', the code asset .* is already staged"):
        api.add_resource("Notes", resource_name="notes", schema=SCHEMA)


def test_resolving_the_code_before_synthesis_stages_it_and_fixes_the_resources() -> None:
    stack, api = _api()
    api.add_resource("Books", resource_name="books", schema=SCHEMA)
    code = stack.resolve(_cfn(api.read_function).code)
    assert api.code.asset is not None
    assert code["s3Key"] == f"{api.code.asset.asset_hash}.zip"
    with pytest.raises(RuntimeError, match="already staged"):
        CrudApi(stack, "Notes", api=api, resource_name="notes", schema=SCHEMA)
    # Synthesis uses the asset staged then, once.
    assert _functions(Template.from_stack(stack))["read"]["Properties"]["Code"]["S3Key"] == code["s3Key"]


def test_asset_holds_the_handler_package_and_configuration() -> None:
    stack, api = _api()
    api.add_resource("Books", resource_name="books", id_attribute="isbn", schema=SCHEMA, cors_origins=["*"])
    Template.from_stack(stack)
    assert api.code.asset is not None
    stage = cdk.Stage.of(api)
    assert stage is not None
    package = Path(stage.outdir) / api.code.asset.asset_path / contract.PACKAGE
    assert sorted(path.name for path in package.iterdir()) == [
        "__init__.py",
        "common.py",
        "config.json",
        "contract.py",
        "gateway.py",
        "read.py",
        "validator.py",
        "write.py",
    ]
    books = json.loads((package / contract.CONFIG_FILE).read_text())[contract.RESOURCES]["books"]
    assert books[contract.ID_ATTRIBUTE_KEY] == "isbn"
    assert books[contract.CORS_ORIGINS_KEY] == ["*"]
    assert set(books) == {
        contract.ID_ATTRIBUTE_KEY,
        contract.PARTITION_ATTRIBUTE_KEY,
        contract.SCHEMA_KEY,
        contract.VALIDATOR_KEY,
        contract.OPERATIONS_KEY,
        contract.CORS_ORIGINS_KEY,
    }


def test_operation_names_are_the_contract_operations() -> None:
    assert typing.get_args(OperationName) == contract.OPERATIONS
    assert tuple(operation.value for operation in Operation) == contract.OPERATIONS


def test_contract_module_is_plain_python() -> None:
    source = Path(contract.__file__).read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from __future__ import annotations", "from collections.abc import Iterable"]
