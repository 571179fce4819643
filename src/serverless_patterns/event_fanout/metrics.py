"""The metrics of an EventFanout: its routes' dead-letter queues and the events its publisher gave up on.

A mixin of :class:`~serverless_patterns.event_fanout.construct.EventFanout`.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs

from serverless_patterns._internal.types import typed_options
from serverless_patterns.runtime.event_publisher import contract as publisher_contract


class FanoutMetrics:
    """``metric_*`` and ``business_metrics`` of EventFanout (a mixin: EventFanout sets what they read)."""

    event_bus: events.IEventBus
    _publisher_namespaces: list[str]

    def _route_dead_letter_queue(self, route_name: str) -> sqs.Queue:
        raise NotImplementedError  # EventFanout defines it

    @typed_options
    def metric_dead_letter_messages(
        self, route_name: str, *, period: Duration | None = None, statistic: str = "Maximum"
    ) -> cloudwatch.Metric:
        """``ApproximateNumberOfMessagesVisible`` of the route's DLQ: events that were lost to their targets.

        Alarm on ``>= 1``: each message is an event a target never processed.

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> from serverless_patterns import EventFanout, FanoutRoute
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> fanout.metric_dead_letter_messages("HighValue").metric_name
        'ApproximateNumberOfMessagesVisible'
        """
        return self._route_dead_letter_queue(route_name).metric_approximate_number_of_messages_visible(
            period=period or Duration.minutes(1), statistic=statistic
        )

    @typed_options
    def metric_oldest_dead_letter_age(self, route_name: str, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``ApproximateAgeOfOldestMessage`` of the route's DLQ (act before the retention drops it).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> from serverless_patterns import EventFanout, FanoutRoute
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> fanout.metric_oldest_dead_letter_age("HighValue").metric_name
        'ApproximateAgeOfOldestMessage'
        """
        return self._route_dead_letter_queue(route_name).metric_approximate_age_of_oldest_message(
            period=period or Duration.minutes(1), statistic="Maximum"
        )

    @typed_options
    def metric_events_not_published(self, *, period: Duration | None = None) -> list[cloudwatch.Metric]:
        """``EventsNotPublished``: entries for this bus the publisher gave up on after its retries (sums).

        The publisher layer prints it in CloudWatch's embedded metric format, dimension
        ``EventBusName``, in the namespace of each function it is attached to: one metric per
        namespace (``ServerlessPatterns`` when nothing is attached yet).

        Examples
        --------
        >>> from aws_cdk import App, Stack, aws_events as events, aws_sqs as sqs
        >>> from serverless_patterns import EventFanout, FanoutRoute
        >>> stack = Stack(App(), "Docs")
        >>> pattern = events.EventPattern(source=["order.service"])
        >>> route = FanoutRoute(name="HighValue", event_pattern=pattern, targets=[sqs.Queue(stack, "Review")])
        >>> fanout = EventFanout(stack, "Orders", routes=[route])
        >>> [metric.metric_name for metric in fanout.metric_events_not_published()]
        ['EventsNotPublished']
        """
        return [
            cloudwatch.Metric(
                namespace=namespace,
                metric_name=publisher_contract.EVENTS_NOT_PUBLISHED_METRIC,
                dimensions_map={publisher_contract.EVENT_BUS_DIMENSION: self.event_bus.event_bus_name},
                period=period,
                statistic="Sum",
                label=publisher_contract.EVENTS_NOT_PUBLISHED_METRIC,
            )
            for namespace in self._publisher_namespaces or [publisher_contract.DEFAULT_METRICS_NAMESPACE]
        ]

    @typed_options
    def business_metrics(self, period: Duration | None = None) -> list[cloudwatch.IMetric]:
        """The business metrics of the bus, for dashboards: :meth:`metric_events_not_published`."""
        return list(self.metric_events_not_published(period=period))
