"""Scheduled EventBridge rules on the local cloud: ``rate(...)`` and ``cron(...)`` fire their targets.

moto keeps a rule's ``ScheduleExpression`` but never fires it. The scheduler here reads each
deployed scheduled rule and, when it is due, hands EventBridge's *Scheduled Event* to the rule's
targets through the same delivery as event rules (retries, target DLQs, IAM enforcement):
``{"source": "aws.events", "detail-type": "Scheduled Event", "resources": [<rule ARN>], "detail": {}}``
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).

Time can run faster (``speedup``: a ``rate(1 hour)`` rule with ``speedup=3600`` fires every
second) and a rule can be fired at once (:meth:`Scheduler.trigger`). ``cron`` supports numbers,
names, ``*``, ``?``, ranges, lists and ``/`` steps in UTC; ``L``, ``W`` and ``#`` are reported as
unsupported at deploy and such a rule fires only when triggered.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    name: index + 1
    for index, name in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
}
# EventBridge's day-of-week runs 1-7 from Sunday (SUN-SAT).
_DAYS = {name: index + 1 for index, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}


class ScheduleError(ValueError):
    """A schedule expression EventBridge would refuse, or one the local scheduler cannot run."""


@dataclass(frozen=True)
class Rate:
    """A ``rate(N unit)`` schedule.

    Examples
    --------
    >>> parse_schedule("rate(5 minutes)").seconds
    300
    """

    seconds: int

    def next_after(self, moment: datetime, started: datetime) -> datetime:
        """The first firing after ``moment``, counting from when the rule was created."""
        elapsed = (moment - started).total_seconds()
        periods = int(elapsed // self.seconds) + 1
        return started + timedelta(seconds=periods * self.seconds)


@dataclass(frozen=True)
class Cron:
    """A ``cron(minutes hours day-of-month month day-of-week year)`` schedule, in UTC.

    Examples
    --------
    >>> cron = parse_schedule("cron(0 12 * * ? *)")
    >>> cron.next_after(datetime(2026, 1, 1, 13, tzinfo=timezone.utc), datetime(2026, 1, 1, tzinfo=timezone.utc))
    datetime.datetime(2026, 1, 2, 12, 0, tzinfo=datetime.timezone.utc)
    """

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int]
    weekdays: frozenset[int] | None
    years: frozenset[int] | None

    def matches(self, moment: datetime) -> bool:
        """Whether the schedule fires at this minute."""
        weekday = (moment.isoweekday() % 7) + 1  # Sunday is 1
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and (self.days is None or moment.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
            and (self.years is None or moment.year in self.years)
        )

    def next_after(self, moment: datetime, started: datetime) -> datetime | None:
        """The first firing after ``moment`` within the next five years, or ``None``."""
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = candidate + timedelta(days=366 * 5)
        while candidate < limit:
            if candidate.month not in self.months or (self.years is not None and candidate.year not in self.years):
                candidate = (candidate.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if self.matches(candidate):
                return candidate
            if candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0) + timedelta(hours=1)
            else:
                candidate += timedelta(minutes=1)
        return None


Schedule = Rate | Cron


def parse_schedule(expression: str) -> Schedule:
    """Read a ``ScheduleExpression``; raise :class:`ScheduleError` for what EventBridge or the scheduler refuses.

    Examples
    --------
    >>> parse_schedule("rate(1 hour)")
    Rate(seconds=3600)
    >>> try:
    ...     parse_schedule("rate(0 minutes)")
    ... except ScheduleError as error:
    ...     print(error)
    rate(0 minutes): the value must be a positive whole number
    """
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value <= 0:
            raise ScheduleError(f"{text}: the value must be a positive whole number")
        if (value == 1) != (not unit.endswith("s")):
            # EventBridge: "rate(1 minute)" but "rate(5 minutes)" (eb-scheduled-rule-pattern.html).
            raise ScheduleError(f"{text}: use the singular unit for 1 and the plural for more")
        return Rate(value * _UNITS[unit.rstrip("s")])
    cron = _CRON.match(text)
    if not cron:
        raise ScheduleError(f"{text}: not a rate(...) or cron(...) expression")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ScheduleError(f"{text}: cron takes six fields (minutes hours day-of-month month day-of-week year)")
    minutes, hours, days, months, weekdays, years = fields
    if (days == "?") == (weekdays == "?"):
        raise ScheduleError(f"{text}: one of day-of-month and day-of-week must be '?', not both")
    return Cron(
        minutes=_field(minutes, 0, 59, {}, text),
        hours=_field(hours, 0, 23, {}, text),
        days=None if days == "?" else _field(days, 1, 31, {}, text),
        months=_field(months, 1, 12, _MONTHS, text),
        weekdays=None if weekdays == "?" else _field(weekdays, 1, 7, _DAYS, text),
        years=None if years in {"*", "?"} else _field(years, 1970, 2199, {}, text),
    )


def _field(text: str, low: int, high: int, names: dict[str, int], expression: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        if any(marker in part for marker in ("L", "W", "#")) and not any(name in part for name in names):
            raise ScheduleError(f"{expression}: '{part}' (L, W, #) is not run by the local scheduler")
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in {"*", "?"}:
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _value(first, names, expression), _value(last, names, expression)
        else:
            start = _value(base, names, expression)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or step <= 0:
            raise ScheduleError(f"{expression}: '{part}' is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int], expression: str) -> int:
    if text in names:
        return names[text]
    try:
        return int(text)
    except ValueError:
        raise ScheduleError(f"{expression}: '{text}' is not a number or a name") from None


@dataclass
class ScheduledRule:
    """A deployed scheduled rule: its ARN, schedule and targets (as ``PutTargets`` takes them)."""

    arn: str
    name: str
    path: str
    expression: str
    schedule: Schedule | None
    targets: list[dict[str, Any]]
    enabled: bool = True
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    fired: int = 0


class Scheduler:
    """Fires deployed scheduled rules on their schedule (optionally faster) and on demand.

    Parameters
    ----------
    deliver
        ``deliver(rule_arn, target, event)``: hands an event to one target (EventBridge's delivery).
    account, region
        For the event's ``account`` and ``region``.
    speedup
        How much faster than real time schedules run. Default: 1.

    Examples
    --------
    >>> fired = []
    >>> scheduler = Scheduler(lambda rule, target, event: fired.append(event["detail-type"]))
    >>> scheduler.add(ScheduledRule("arn:aws:events:us-east-1:1:rule/r", "r", "", "rate(1 hour)",
    ...               parse_schedule("rate(1 hour)"), [{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q"}]))
    >>> scheduler.trigger("r")
    1
    >>> fired
    ['Scheduled Event']
    """

    def __init__(
        self,
        deliver: Callable[[str, dict[str, Any], dict[str, Any]], None],
        *,
        account: str = "123456789012",
        region: str = "us-east-1",
        speedup: float = 1.0,
    ) -> None:
        if speedup <= 0:
            raise ValueError(f"speedup must be positive, got {speedup}")
        self._deliver = deliver
        self.account = account
        self.region = region
        self.speedup = speedup
        self.rules: dict[str, ScheduledRule] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._epoch_real = time.time()
        self._epoch_clock = datetime.now(timezone.utc)

    def now(self) -> datetime:
        """The scheduler's clock: real time, run ``speedup`` times faster since the scheduler started."""
        elapsed = (time.time() - self._epoch_real) * self.speedup
        return self._epoch_clock + timedelta(seconds=elapsed)

    def add(self, rule: ScheduledRule) -> None:
        """Schedule a rule (its period starts now)."""
        rule.started = self.now()
        with self._lock:
            self.rules[rule.arn] = rule

    def remove_stack(self, stack_name: str) -> None:
        """Forget the rules of a deleted stack."""
        with self._lock:
            for arn in [arn for arn, rule in self.rules.items() if rule.path.split("/", 1)[0] == stack_name]:
                self.rules.pop(arn)

    def find(self, identifier: str) -> ScheduledRule:
        """The rule ``identifier`` names: ARN, name, or construct path (with or without the stack)."""
        with self._lock:
            rules = list(self.rules.values())
        for rule in rules:
            short = rule.path.removesuffix("/Resource")
            if identifier in {rule.arn, rule.name, rule.path, short, short.split("/", 1)[-1]}:
                return rule
        from serverless_patterns.local.errors import LocalCloudError

        known = ", ".join(sorted(rule.path.removesuffix("/Resource") or rule.name for rule in rules)) or "none"
        raise LocalCloudError(f"no scheduled rule matches {identifier!r} (scheduled: {known})")

    def trigger(self, identifier: str) -> int:
        """Fire a scheduled rule now, whatever its schedule; return how many targets it was handed to."""
        rule = self.find(identifier)
        return self._fire(rule, self.now())

    def _fire(self, rule: ScheduledRule, moment: datetime) -> int:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.account,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [rule.arn],
            "detail": {},
        }
        rule.fired += 1
        for target in rule.targets:
            self._deliver(rule.arn, target, event)
        return len(rule.targets)

    def start(self) -> None:
        """Start firing due rules in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="local-schedules", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop firing."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        due: dict[str, datetime | None] = {}
        while not self._stop.wait(0.05):
            now = self.now()
            with self._lock:
                rules = list(self.rules.values())
            for rule in rules:
                if rule.schedule is None or not rule.enabled:
                    continue
                if rule.arn not in due:
                    due[rule.arn] = rule.schedule.next_after(rule.started, rule.started)
                moment = due[rule.arn]
                if moment is not None and now >= moment:
                    self._fire(rule, moment)
                    due[rule.arn] = rule.schedule.next_after(moment, rule.started)
