"""The contract between the CrudApi constructs and their handlers: one definition of every shared name.

Plain Python with no import beyond the standard library: the constructs
(``serverless_patterns.crud_api``) import it at synthesis, the handlers (``crud_api.*`` in the
code asset) at run time. A name both sides must agree on (a configuration key, an environment
variable, a server-set field, a header, a query parameter, a limit) is written here once.

What reaches the handlers, and how:

- the code asset holds this package as :data:`PACKAGE` plus :data:`CONFIG_FILE`, a JSON document
  ``{"resources": {name: {...}}}`` (:data:`RESOURCES`) with one entry per resource, keyed by the
  ``*_KEY`` names below; it is written at synthesis, when every resource is attached;
- table names are known only at deploy: they come from :data:`TABLES_VARIABLE`, encoded by
  :func:`format_tables` and read back by :func:`parse_tables`;
- the write function finds the idempotency table in :data:`IDEMPOTENCY_TABLE_VARIABLE`.
"""

from __future__ import annotations

from collections.abc import Iterable

PACKAGE = "crud_api"
"""The handler package inside the code asset (the Lambda task root)."""
READ_HANDLER = f"{PACKAGE}.read.handler"
"""Entry point of the read function (``GET``)."""
WRITE_HANDLER = f"{PACKAGE}.write.handler"
"""Entry point of the write function (``POST``, ``PUT``, ``DELETE``)."""

# Configuration file, next to the handler modules in the asset.
CONFIG_FILE = "config.json"
CONFIG_PATH_VARIABLE = "CRUD_API_CONFIG"
"""Optional: another path to the configuration file (tests and local runs)."""
RESOURCES = "resources"
ID_ATTRIBUTE_KEY = "idAttribute"
PARTITION_ATTRIBUTE_KEY = "partitionAttribute"
SCHEMA_KEY = "schema"
VALIDATOR_KEY = "validator"
"""Source of the validator module compiled from the schema at synthesis."""
OPERATIONS_KEY = "operations"
CORS_ORIGINS_KEY = "corsOrigins"
MODEL_VALIDATOR_KEY = "modelValidator"
"""Behind an HTTP API only: source of the validator of the request model (the schema plus the
server fields), run before the handler's own checks, where a REST API's request validator runs."""

# The event: API Gateway sends payload format 1.0 from REST APIs and 2.0 from HTTP APIs (the
# construct sets 2.0 on its integrations); the handlers pick the Powertools resolver by this field.
PAYLOAD_VERSION_FIELD = "version"
HTTP_API_PAYLOAD_VERSION = "2.0"

# Environment variables.
TABLES_VARIABLE = "CRUD_TABLES"
"""Table names by resource, ``users=<table>;orders=<table>`` (see :func:`format_tables`)."""
IDEMPOTENCY_TABLE_VARIABLE = "CRUD_IDEMPOTENCY_TABLE"

# Operations, as the configuration lists them.
CREATE = "create"
GET = "get"
LIST = "list"
UPDATE = "update"
DELETE = "delete"
OPERATIONS = (CREATE, GET, LIST, UPDATE, DELETE)

# Fields the server sets on every item; clients may send them back, they are ignored.
CREATED_AT = "createdAt"
UPDATED_AT = "updatedAt"
VERSION = "version"
SERVER_FIELDS = (CREATED_AT, UPDATED_AT, VERSION)

# Headers (HTTP header names are case-insensitive; these are the spellings the API documents).
IF_MATCH = "If-Match"
IDEMPOTENCY_KEY = "Idempotency-Key"
ETAG = "ETag"
LOCATION = "Location"
EXPOSED_HEADERS = (ETAG, LOCATION)
"""Response headers a browser may read under CORS."""
MAX_IDEMPOTENCY_KEY_LENGTH = 255

# Listing: a page is {ITEMS_FIELD: [...], CURSOR_PARAMETER: cursor or null}; the client sends the cursor back.
LIMIT_PARAMETER = "limit"
CURSOR_PARAMETER = "next"
ITEMS_FIELD = "items"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100

# The idempotency table: Powertools idempotency's record key and TTL attribute.
IDEMPOTENCY_KEY_ATTRIBUTE = "id"
IDEMPOTENCY_EXPIRY_ATTRIBUTE = "expiration"

_NO_TABLES = "-"  # Lambda rejects an empty value


def format_tables(tables: Iterable[tuple[str, str]]) -> str:
    """The value of :data:`TABLES_VARIABLE` for (resource name, table name) pairs.

    Examples
    --------
    >>> format_tables([("users", "UsersTable"), ("orders", "OrdersTable")])
    'users=UsersTable;orders=OrdersTable'
    >>> format_tables([])
    '-'
    """
    return ";".join(f"{name}={table}" for name, table in tables) or _NO_TABLES


def parse_tables(value: str) -> dict[str, str]:
    """Table names by resource name, from the value of :data:`TABLES_VARIABLE`.

    Examples
    --------
    >>> parse_tables("users=UsersTable;orders=OrdersTable")
    {'users': 'UsersTable', 'orders': 'OrdersTable'}
    >>> parse_tables(format_tables([]))
    {}
    """
    entries = (entry.partition("=") for entry in value.split(";"))
    return {name: table for name, _, table in entries if name and table}


# Business metrics of the write function, emitted with Powertools Metrics in CloudWatch's embedded
# metric format (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
# in the namespace POWERTOOLS_METRICS_NAMESPACE, with Powertools' one dimension "service"
# (POWERTOOLS_SERVICE_NAME, the function's service name). Each is a Count of one per event; the
# resource name is a property of the log line (searchable in Logs Insights), not a dimension, so a
# new resource adds no custom metric.
SERVICE_DIMENSION = "service"
RESOURCE_PROPERTY = "resource"
PRECONDITION_FAILED_METRIC = "PreconditionFailed"
"""A ``PUT`` or ``DELETE`` whose ``If-Match`` names another version (412): a lost update prevented."""
IDEMPOTENT_REPLAY_METRIC = "IdempotentReplay"
"""A ``POST`` answered from the idempotency record of an earlier request with the same key."""
VALIDATION_REJECTED_METRIC = "ValidationRejected"
"""A request body that does not match the resource's schema (422)."""
BUSINESS_METRICS = (PRECONDITION_FAILED_METRIC, IDEMPOTENT_REPLAY_METRIC, VALIDATION_REJECTED_METRIC)
