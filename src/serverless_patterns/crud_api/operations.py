"""The operations a CrudApi resource can expose, their HTTP methods and the table actions each needs."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Literal

from serverless_patterns.runtime.crud_api import contract


class Operation(str, Enum):
    """An operation a CrudApi resource can expose."""

    CREATE = contract.CREATE
    """``POST /{resource}``"""
    GET = contract.GET
    """``GET /{resource}/{id}``"""
    LIST = contract.LIST
    """``GET /{resource}``"""
    UPDATE = contract.UPDATE
    """``PUT /{resource}/{id}``"""
    DELETE = contract.DELETE
    """``DELETE /{resource}/{id}``"""


# A type checker needs the literal values; a unit test holds them equal to contract.OPERATIONS.
OperationName = Literal["create", "get", "list", "update", "delete"]
"""An operation given by its value (``"get"``), as the ``Operation`` members are."""

ALL_OPERATIONS = (Operation.CREATE, Operation.GET, Operation.LIST, Operation.UPDATE, Operation.DELETE)
READ_ACTIONS = {Operation.GET: "dynamodb:GetItem", Operation.LIST: "dynamodb:Scan"}
WRITE_ACTIONS = {
    Operation.CREATE: "dynamodb:PutItem",
    Operation.UPDATE: "dynamodb:UpdateItem",
    Operation.DELETE: "dynamodb:DeleteItem",
}
HTTP_METHODS = {
    Operation.LIST: "GET",
    Operation.CREATE: "POST",
    Operation.GET: "GET",
    Operation.UPDATE: "PUT",
    Operation.DELETE: "DELETE",
}


def table_actions(operations: Sequence[str], *, grouped: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The read function's and the write function's table actions for ``operations``, sorted.

    ``grouped`` (a ``partition_attribute``) adds ``dynamodb:Query`` to listing: it lists one group.

    Examples
    --------
    >>> table_actions(["get", "list", "create"], grouped=True)
    (('dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'), ('dynamodb:PutItem',))
    """
    kinds = [Operation(operation) for operation in operations]
    reads = {READ_ACTIONS[kind] for kind in kinds if kind in READ_ACTIONS}
    if grouped and Operation.LIST in kinds:
        reads.add("dynamodb:Query")
    writes = {WRITE_ACTIONS[kind] for kind in kinds if kind in WRITE_ACTIONS}
    return tuple(sorted(reads)), tuple(sorted(writes))
