"""The resource model CrudApi and HttpCrudApi share: the rules of a resource's options and its table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from serverless_patterns._internal import defaults
from serverless_patterns._internal.tables import table as defined_table
from serverless_patterns._internal.types import typed_options
from serverless_patterns._internal.validation import Rules
from serverless_patterns.crud_api.schema import schema_problems

RESOURCE_NAME = r"[a-z][a-z0-9-]{0,62}"
ATTRIBUTE_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
ORIGIN = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?"


def check_resource(
    rules: Rules,
    *,
    resource_name: str,
    served: Sequence[str],
    api_path: str,
    schema: Mapping[str, Any],
    id_attribute: str,
    partition_attribute: str | None,
    operation_names: Sequence[str],
) -> None:
    """Add the broken rules of a resource's name, schema, keys and operations to ``rules``.

    ``served`` are the names the API already serves (``api_path`` names it in the message).

    Examples
    --------
    >>> rules = Rules()
    >>> check_resource(rules, resource_name="Users", served=[], api_path="Api", schema={"type": "object"},
    ...     id_attribute="id", partition_attribute=None, operation_names=["get"])
    >>> rules.problems
    ["resource_name must be lower-case letters, digits and - (users), got 'Users'"]
    """
    rules.matches("resource_name", resource_name, RESOURCE_NAME, "lower-case letters, digits and - (users)")
    rules.check(resource_name not in served, f"resource_name {resource_name!r} is already served by {api_path}")
    rules.matches("id_attribute", id_attribute, ATTRIBUTE_NAME, "letters, digits and _ (a path parameter)")
    rules.problems.extend(schema_problems(schema, id_attribute))
    if partition_attribute is not None and isinstance(schema, Mapping):
        properties = schema.get("properties")
        property_schema = properties.get(partition_attribute) if isinstance(properties, Mapping) else None
        rules.check(
            isinstance(property_schema, Mapping)
            and property_schema.get("type") == "string"
            and partition_attribute in (schema.get("required") or []),
            f"partition_attribute must name a required string property of the schema, got {partition_attribute!r}",
        )
    rules.check(bool(operation_names), "operations must list at least one operation, got none")
    rules.unique("operations", operation_names)


def check_origins(rules: Rules, origins: Sequence[str]) -> None:
    """Add the broken rules of CORS origins: ``https://host[:port]`` each, or ``*`` alone."""
    for origin in origins:
        rules.check(
            origin == "*" or re.fullmatch(ORIGIN, origin) is not None,
            f"cors_origins must be origins like https://app.example.com (no path), got {origin!r}",
        )
    rules.check(
        "*" not in origins or len(origins) == 1,
        f"cors_origins '*' cannot be combined with origins, got {list(origins)}",
    )


@dataclass(frozen=True)
class TableOptions:
    """A resource's table options: an existing ``table``, or the options of a new one, never both."""

    table: dynamodb.ITable | None
    id_attribute: str
    partition_attribute: str | None
    time_to_live_attribute: str | None
    encryption_key: kms.IKey | None
    removal_policy: RemovalPolicy | None
    deletion_protection: bool | None

    def check(self, rules: Rules) -> None:
        """Add the broken rules of these options to ``rules``."""
        table = self.table
        rules.exclusive(table=table, time_to_live_attribute=self.time_to_live_attribute)
        rules.exclusive(table=table, encryption_key=self.encryption_key)
        rules.exclusive(table=table, removal_policy=self.removal_policy)
        rules.exclusive(table=table, deletion_protection=self.deletion_protection)
        if self.time_to_live_attribute is not None:
            rules.matches(
                "time_to_live_attribute", self.time_to_live_attribute, ATTRIBUTE_NAME, "letters, digits and _"
            )
        if table is not None:
            _check_table_keys(rules, table, self.id_attribute, self.partition_attribute)

    def define(self, scope: Construct) -> dynamodb.ITable:
        """The existing table, or a new one (child ``"Table"`` of ``scope``) keyed as the handlers read and write."""
        if self.table is not None:
            return self.table
        removal_policy = self.removal_policy or defaults.REMOVAL_POLICY
        deletion_protection = self.deletion_protection
        if deletion_protection is None:
            deletion_protection = removal_policy == RemovalPolicy.RETAIN
        return defined_table(
            scope,
            "Table",
            partition_key=self.partition_attribute or self.id_attribute,
            sort_key=None if self.partition_attribute is None else self.id_attribute,
            time_to_live_attribute=self.time_to_live_attribute,
            encryption_key=self.encryption_key,
            removal_policy=removal_policy,
            deletion_protection=deletion_protection,
        )


def check_api_options(rules: Rules, api: Construct | None, options: Mapping[str, Any]) -> None:
    """With a shared ``api``, every API option must be left out (``None``): the API has its own."""
    if api is None:
        return
    for name, value in options.items():
        rules.check(value is None, f"{name} belongs to the shared api {api.node.path}: give it there")


def new_api_options(
    options: Mapping[str, Any], *, removal_policy: RemovalPolicy | None, encryption_key: kms.IKey | None
) -> dict[str, Any]:
    """The options given for a new API (``None`` means its default), with the resource's removal policy and key."""
    given = {name: value for name, value in options.items() if value is not None}
    if removal_policy is not None:
        given["removal_policy"] = removal_policy
    if encryption_key is not None:
        given["encryption_key"] = encryption_key
    return given


class _Gateway(Protocol):
    def arn_for_execute_api(
        self, method: str | None = None, path: str | None = None, stage: str | None = None
    ) -> str: ...


class CrudResource:
    """What a CrudApi and an HttpCrudApi resource offer beyond their gateway: OpenAPI, invoke and table grants.

    A mixin of both constructs; each sets ``api``, ``table``, ``resource_name`` and ``_gateway`` (its
    ``RestApi`` or ``HttpApi``) in ``__init__``.
    """

    api: Any
    table: dynamodb.ITable
    resource_name: str
    _gateway: _Gateway

    @typed_options
    def openapi(self, title: str | None = None) -> dict[str, Any]:
        """The OpenAPI 3 document of the whole API this resource belongs to.

        Examples
        --------
        >>> from aws_cdk import App, Stack
        >>> from serverless_patterns import CrudApi
        >>> users = CrudApi(Stack(App(), "Docs"), "Users", resource_name="users", schema={"type": "object"})
        >>> sorted(users.openapi()["paths"])
        ['/users', '/users/{id}']
        """
        document: dict[str, Any] = self.api.openapi(title)
        return document

    @typed_options
    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``execute-api:Invoke`` on every method (route) of this resource (IAM authorization).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_iam as iam
        >>> from serverless_patterns import HttpCrudApi
        >>> stack = Stack(App(), "Docs")
        >>> users = HttpCrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
        >>> grant = users.grant_invoke(iam.Role(stack, "Client", assumed_by=iam.AccountRootPrincipal()))
        """
        stage = self.api.stage.stage_name
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["execute-api:Invoke"],
            resource_arns=[
                self._gateway.arn_for_execute_api("*", f"/{self.resource_name}", stage),
                self._gateway.arn_for_execute_api("*", f"/{self.resource_name}/*", stage),
            ],
        )

    @typed_options
    def grant_read_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant the table's read actions (``dynamodb:GetItem``, ``Query``, ``Scan``, ``BatchGetItem`` ...).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_iam as iam
        >>> from serverless_patterns import CrudApi
        >>> stack = Stack(App(), "Docs")
        >>> users = CrudApi(stack, "Users", resource_name="users", schema={"type": "object"})
        >>> grant = users.grant_read_data(iam.Role(stack, "Report", assumed_by=iam.AccountRootPrincipal()))
        """
        return self.table.grant_read_data(grantee)


def _check_table_keys(rules: Rules, table: dynamodb.ITable, id_attribute: str, partition_attribute: str | None) -> None:
    """Require a table defined in the app to have the key the handlers read and write.

    An imported table (``Table.from_table_name``) has no key schema at synth and is not checked.
    """
    cfn = table.node.default_child
    if not isinstance(cfn, (dynamodb.CfnTable, dynamodb.CfnGlobalTable)):
        return
    # TableV2 renders its attribute definitions lazily: resolve both lists to plain data.
    stack = Stack.of(cfn)
    key_schema, definitions = stack.resolve(cfn.key_schema), stack.resolve(cfn.attribute_definitions)
    if not isinstance(key_schema, list) or not isinstance(definitions, list):
        return
    types = {entry.get("attributeName"): entry.get("attributeType") for entry in definitions}
    got = [(str(key.get("attributeName")), str(types.get(key.get("attributeName"), "?"))) for key in key_schema]
    wanted = [(partition_attribute or id_attribute, "S"), *([(id_attribute, "S")] if partition_attribute else [])]
    rules.check(
        got == wanted,
        f"table must have {_key_description(wanted)} (the handlers write string keys), got {_key_description(got)}",
    )


def _key_description(keys: list[tuple[str, str]]) -> str:
    labels = ("partition key", "sort key")
    return " and ".join(f"{label} {name!r} of type {kind}" for label, (name, kind) in zip(labels, keys, strict=False))
