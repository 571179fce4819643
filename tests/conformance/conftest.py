"""The conformance suite: each test is one AWS behaviour the library relies on, run on the local cloud.

A test is declared with :func:`behaviour`, which names the service, the behaviour, the AWS page it
follows and how well the local cloud supports it:

- ``support="yes"``: the local cloud behaves as the page says; the test passes.
- ``support="partial"``: the test passes, but the local cloud differs in a way the reason states.
- ``support="no"``: a known gap; the test is ``xfail(strict=True)`` with the gap as its reason, so a
  fixed gap fails loudly until it is re-marked ``"yes"``.

``python -m tests.conformance.table`` writes the table of every behaviour into ``docs/local.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import pytest

from serverless_patterns.local.pytest_plugin import local_app, local_cdk_out, local_cloud

__all__ = ["Behaviour", "behaviour", "local_app", "local_cdk_out", "local_cloud"]

Support = Literal["yes", "partial", "no"]
SUPPORT_LEVELS: tuple[Support, ...] = ("yes", "partial", "no")
AWS_DOCS = ("https://docs.aws.amazon.com/", "https://repost.aws/")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Behaviour:
    """One AWS behaviour: where AWS documents it and whether the local cloud has it."""

    service: str
    name: str
    url: str
    support: Support
    reason: str
    test: str


def behaviour(service: str, name: str, *, support: Support = "yes", reason: str = "") -> Callable[[F], F]:
    """Mark a test as the check of one AWS behaviour (see the module docstring).

    The test's docstring cites the AWS page the behaviour follows (its first URL).

    Examples
    --------
    >>> @behaviour("SQS", "a deleted message is not received again")
    ... def test_sqs_deleted_message_is_not_received_again():
    ...     "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html"
    """
    if support not in SUPPORT_LEVELS:
        raise ValueError(f"support must be one of {SUPPORT_LEVELS}, got {support!r}")
    if (support == "yes") == bool(reason):
        raise ValueError(f"{name!r}: a reason is required for partial and no support, and only for them")

    def mark(test: F) -> F:
        cited = re.search(r"https://\S+", test.__doc__ or "")
        if cited is None or not cited.group().startswith(AWS_DOCS):
            raise ValueError(f"{test.__name__}: its docstring must cite an AWS documentation page")
        url = cited.group()
        test = pytest.mark.behaviour(service=service, name=name, url=url, support=support, reason=reason)(test)
        if support == "no":
            test = pytest.mark.xfail(strict=True, reason=f"local cloud gap: {reason}")(test)
        return test

    return mark


def behaviours_of(module: Any) -> list[Behaviour]:
    """Every behaviour a test module declares, in definition order."""
    found = []
    for name, test in vars(module).items():
        if not name.startswith("test_") or not callable(test):
            continue
        for mark in getattr(test, "pytestmark", []):
            if mark.name == "behaviour":
                found.append(Behaviour(test=f"{module.__name__.rsplit('.', 1)[-1]}::{name}", **mark.kwargs))
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "behaviour(service, name, url, support, reason): one AWS behaviour")
