"""Scheduled rules fire on the local cloud: rate and cron schedules, faster time, firing on demand.

EventBridge sends a scheduled rule's targets a *Scheduled Event* on the schedule
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs

from serverless_patterns.local.cloud import LocalCloud
from serverless_patterns.local.pytest_plugin import LocalApp
from serverless_patterns.local.schedules import Cron, ScheduleError, parse_schedule

UTC = timezone.utc


def test_rate_schedules_follow_eventbridges_units() -> None:
    assert parse_schedule("rate(1 minute)").seconds == 60  # type: ignore[union-attr]
    assert parse_schedule("rate(2 hours)").seconds == 7200  # type: ignore[union-attr]
    for wrong in ("rate(1 minutes)", "rate(2 hour)", "rate(0 days)", "rate(five minutes)"):
        with pytest.raises(ScheduleError):
            parse_schedule(wrong)


def test_cron_has_six_fields_and_one_question_mark() -> None:
    with pytest.raises(ScheduleError, match="six fields"):
        parse_schedule("cron(0 12 * * ?)")
    with pytest.raises(ScheduleError, match="one of day-of-month and day-of-week"):
        parse_schedule("cron(0 12 * * * *)")
    with pytest.raises(ScheduleError, match="not run by the local scheduler"):
        parse_schedule("cron(0 12 L * ? *)")


def test_cron_next_firing_with_ranges_steps_and_names() -> None:
    # Weekdays at 09:00 and 09:30 UTC; day-of-week 1 is Sunday in EventBridge.
    cron = parse_schedule("cron(0/30 9 ? * MON-FRI *)")
    assert isinstance(cron, Cron)
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert cron.next_after(friday_evening, friday_evening) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    monday_nine = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert cron.next_after(monday_nine, monday_nine) == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    yearly = parse_schedule("cron(15 10 1 JAN ? *)")
    assert isinstance(yearly, Cron)
    assert yearly.next_after(friday_evening, friday_evening) == datetime(2027, 1, 1, 10, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    outdir = str(tmp_path_factory.mktemp("schedules") / "cdk.out")
    cdk_app = App(outdir=outdir)
    stack = Stack(cdk_app, "Schedules")
    every_minute = sqs.Queue(stack, "EveryMinute", enforce_ssl=True)
    yearly = sqs.Queue(stack, "Yearly", enforce_ssl=True)
    events.Rule(stack, "Ticker", schedule=events.Schedule.rate(Duration.minutes(1))).add_target(
        targets.SqsQueue(every_minute)
    )
    events.Rule(stack, "NewYear", schedule=events.Schedule.expression("cron(0 0 1 1 ? *)")).add_target(
        targets.SqsQueue(yearly)
    )
    cdk_app.synth()
    # 240 times faster: rate(1 minute) fires every quarter of a second.
    with LocalCloud(schedule_speedup=240) as cloud:
        deployment = cloud.deploy(outdir, replace=True)
        yield LocalApp(cloud, deployment)
        cloud.destroy(deployment)


def test_a_rate_rule_fires_its_target_on_schedule_with_the_scheduled_event(app: LocalApp) -> None:
    [message, *_] = app.receive_all("EveryMinute", wait_seconds=10)
    event = json.loads(message["Body"])
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert any("(rate(1 minute)) fired by the local scheduler" in note for note in app.deployment.stacks[0].notes)


def test_a_rule_fires_at_once_when_triggered(app: LocalApp) -> None:
    assert app.receive_all("Yearly") == []  # the next New Year is weeks away, even 240 times faster
    assert app.trigger_schedule("NewYear") == 1
    app.wait_until_idle()
    [message] = app.receive_all("Yearly", wait_seconds=5)
    assert json.loads(message["Body"])["detail-type"] == "Scheduled Event"
