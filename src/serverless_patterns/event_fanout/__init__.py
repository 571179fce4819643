"""EventFanout: an EventBridge bus with filtered routes to many targets, per-route DLQs, archive and replay."""

from serverless_patterns.event_fanout.construct import EventFanout
from serverless_patterns.event_fanout.routes import FanoutRoute, FanoutTarget

__all__ = ["EventFanout", "FanoutRoute", "FanoutTarget"]
