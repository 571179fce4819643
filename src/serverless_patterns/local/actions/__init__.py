"""The IAM actions and resources AWS authorizes for one HTTP request, read from the request alone.

The local cloud puts IAM in front of moto's server: each request that handler code sends with boto3
(``AWS_ENDPOINT_URL`` pointing at moto) is mapped here to what AWS would check, ``dynamodb:PutItem`` on
``arn:aws:dynamodb:us-east-1:123456789012:table/Orders``, and the caller evaluates policies against that.

- The service comes from the SigV4 credential scope (``Credential=AKID/20250101/us-east-1/dynamodb/aws4_request``)
  of the ``Authorization`` header or of a presigned URL's ``X-Amz-Credential``.
- The operation comes from the request's shape as botocore's service model describes it: the ``X-Amz-Target``
  header (JSON protocols), the ``Action`` field (query protocols), the path (Smithy RPC v2 CBOR), or method and path
  matched against each operation's ``requestUri`` template (REST protocols), the most specific match winning.
- The IAM action is ``<prefix>:<Operation>`` except where AWS documents another (``_ACTION_NAMES``); each service's
  rule reads the resources from the request's parameters.

When no rule knows the resource the request still maps, to ``<prefix>:<Operation>`` on ``"*"`` with
``resource_known`` false: only a policy that allows the action on every resource allows it.

Examples
--------
>>> request = parse_request(
...     "POST", "/", "", {"X-Amz-Target": "AmazonSQS.SendMessageBatch"},
...     b'{"QueueUrl": "http://127.0.0.1:5000/123456789012/orders", "Entries": []}',
... )
>>> request.authorizations[0].action, request.authorizations[0].resource
('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:orders')
"""

from __future__ import annotations

# The private tables are re-exported: the tests check them against botocore's models as actions.<name>.
from serverless_patterns.local.actions.parsing import _TARGET_PREFIXES, parse_request  # noqa: F401
from serverless_patterns.local.actions.requests import ActionOnResource, AwsRequest, NameLookup
from serverless_patterns.local.actions.service_models import _SIGNING_NAMES  # noqa: F401
from serverless_patterns.local.actions.tables import _ACTION_NAMES  # noqa: F401

__all__ = ["ActionOnResource", "AwsRequest", "NameLookup", "parse_request"]
