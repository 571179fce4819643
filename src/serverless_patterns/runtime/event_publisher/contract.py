"""The contract between EventFanout (the construct) and ``event_publisher`` (the layer's runtime code).

Both sides import these names: the construct to lay out the layer and configure the functions it
attaches, the publisher to find what the layer ships. Plain Python, no aws_cdk: runtime code never
imports the construct side.
"""

from __future__ import annotations

#: Where the package sits in the layer: Lambda puts ``/opt/python`` on ``sys.path`` for Python
#: runtimes (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths).
LAYER_PACKAGE_PATH = "python/event_publisher"
#: The detail schemas by detail-type, as given to the construct (JSON, next to the package's modules).
SCHEMAS_FILE_NAME = "schemas.json"
#: The validators compiled from those schemas at synthesis, by detail-type (JSON of Python sources).
VALIDATORS_FILE_NAME = "validators.json"
#: The environment variable naming the bus of events that name none.
EVENT_BUS_NAME_ENV = "EVENT_BUS_NAME"

#: The publisher's business metric: entries EventBridge never accepted, after every retry. The
#: publisher prints its own embedded-metric-format document (one JSON line on standard output, which
#: Lambda sends to CloudWatch Logs, which extracts the metric:
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
#: so it needs neither Powertools nor a PutMetricData permission.
EVENTS_NOT_PUBLISHED_METRIC = "EventsNotPublished"
#: Its one dimension: the bus the entries were sent to, as the entry names it (the construct
#: configures functions with the bus name).
EVENT_BUS_DIMENSION = "EventBusName"
#: Its namespace: the function's ``POWERTOOLS_METRICS_NAMESPACE`` when set (ServerlessFunction sets
#: it), else :data:`DEFAULT_METRICS_NAMESPACE`.
METRICS_NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_METRICS_NAMESPACE = "ServerlessPatterns"
