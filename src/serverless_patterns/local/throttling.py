"""Stage and method throttling of a REST API: API Gateway's token buckets.

"API Gateway throttles requests to your API using the token bucket algorithm, where a token counts
for a request": a bucket holds up to the burst limit and refills at the rate limit (requests per
second); a request that finds it empty is refused ``429 THROTTLED``
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
A stage's ``MethodSettings`` set them: ``ResourcePath`` ``/*`` with ``HttpMethod`` ``*`` for every
method of the stage, or one method (``/~1items/GET`` style paths, ``/`` escaped as ``~1``), which
wins over the stage-wide entry
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-stage-methodsetting.html).
Account-level limits (10,000 requests per second) and usage plans are not applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TokenBucket:
    """Up to ``burst`` tokens, refilled at ``rate`` per second; each request takes one.

    Examples
    --------
    >>> bucket = TokenBucket(rate=0.001, burst=1)
    >>> bucket.take(), bucket.take()
    (True, False)
    """

    rate: float
    burst: float
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self) -> bool:
        """Take a token if there is one; ``False`` means the request is throttled."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


@dataclass
class StageThrottling:
    """The token buckets of one stage: stage-wide and per method, from its ``MethodSettings``.

    Examples
    --------
    >>> settings = [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 0.001, "ThrottlingBurstLimit": 1}]
    >>> throttling = StageThrottling.from_method_settings(settings)
    >>> throttling.allows("/items", "GET"), throttling.allows("/items", "GET")
    (True, False)
    """

    buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)

    @classmethod
    def from_method_settings(cls, settings: Sequence[Mapping[str, Any]]) -> StageThrottling:
        """Read ``AWS::ApiGateway::Stage`` ``MethodSettings`` (or a Deployment's ``StageDescription``)."""
        buckets: dict[tuple[str, str], TokenBucket] = {}
        for setting in settings:
            rate, burst = setting.get("ThrottlingRateLimit"), setting.get("ThrottlingBurstLimit")
            if not isinstance(rate, (int, float)) or not isinstance(burst, (int, float)):
                continue
            path = str(setting.get("ResourcePath", "/*"))
            if path != "/*":  # "/~1items~1{id}" is /items/{id}: a leading "/", then the path with "/" as "~1"
                path = path[1:].replace("~1", "/")
            method = str(setting.get("HttpMethod", "*")).upper()
            buckets[(path, method)] = TokenBucket(rate=float(rate), burst=float(burst))
        return cls(buckets)

    def allows(self, resource_path: str, http_method: str) -> bool:
        """Whether a request to a method (its resource's path template) gets a token."""
        bucket = self.buckets.get((resource_path, http_method.upper())) or self.buckets.get(("/*", "*"))
        return bucket is None or bucket.take()
