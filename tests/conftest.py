"""Fixtures shared by every test: compliance checks, template snapshots and moto's server."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aws_cdk import App, CloudFormationValidatePlugin, Stack, Validations
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from serverless_patterns.testing import acknowledgments, assert_compliant, normalized_template
from tests import hypothesis_budget  # noqa: F401 - registers the deep profile before Hypothesis's plugin loads one
from tests.scheduling import longest_first, make_scheduler

# moto's server logs every request at INFO.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

_ACKNOWLEDGED: dict[str, str] = {}


@pytest.fixture
def compliant() -> Callable[[Stack], None]:
    """Assert a stack has zero cdk-nag AwsSolutions, cfn-lint and cfn-guard findings; tally acknowledgments."""

    def check(stack: Stack) -> None:
        assert_compliant(stack)
        for key, reason in acknowledgments(stack).items():
            _ACKNOWLEDGED[key.split(" ", 1)[1] + " | " + reason] = reason

    return check


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """A syrupy snapshot stored as JSON."""
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.fixture
def template_snapshot(snapshot_json: SnapshotAssertion) -> Callable[[Stack], None]:
    """Compare a stack's template, asset hashes normalised, with its stored snapshot."""

    def check(stack: Stack) -> None:
        assert normalized_template(stack) == snapshot_json

    return check


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    longest_first(items)  # see tests/scheduling.py


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return make_scheduler(config, log) if config.getoption("dist") == "loadfile" else None


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _ACKNOWLEDGED:
        terminalreporter.write_line(
            f"scanner acknowledgments (cdk-nag, Control Tower, checkov; distinct rule and reason): {len(_ACKNOWLEDGED)}"
        )
        for key in sorted(_ACKNOWLEDGED):
            terminalreporter.write_line(f"  {key}")


@pytest.fixture(scope="session")
def cdk_validation() -> CloudFormationValidatePlugin:
    """aws-cdk-lib's own template validation, on in a user's synth and off in this suite (tests/__init__.py).

    Registered explicitly (``Validations.of(app).add_plugins``), it runs whatever CDK_VALIDATION
    says and writes ``validation-report.json``. One instance serves a worker: making one compiles
    its WebAssembly engine (about 2 s of CPU).
    """
    return CloudFormationValidatePlugin()


@pytest.fixture(scope="session")
def order_system_app(tmp_path_factory: pytest.TempPathFactory, cdk_validation: CloudFormationValidatePlugin) -> App:
    """The order system example, synthesized once for the modules that read or deploy it (treat it as read-only).

    Its cloud assembly is ``app.outdir``; a test that changes a template copies the assembly first.
    The modules that use it run on one pytest-xdist worker (tests/scheduling.py), so it is built once.
    CDK's template validation runs on it (see ``cdk_validation``).
    """
    from examples.order_system.app import build_app

    app = build_app(str(tmp_path_factory.mktemp("order-system") / "cdk.out"))
    Validations.of(app).add_plugins(cdk_validation)
    app.synth()
    return app


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto in server mode on 127.0.0.1 with a random port; yields its endpoint URL.

    boto3 clients reach it through ``AWS_ENDPOINT_URL`` (set for the whole session), so code
    under test runs unmodified, as it would against AWS. DynamoDB item writes are atomic, as in
    AWS (moto's threaded server alone would let two conditional writes to one item both succeed).
    """
    from serverless_patterns.local import _moto

    _moto.install_atomic_writes(moto_server)
    server = _moto.MotoServer()  # moto's ThreadedMotoServer, stopped at once
    endpoint = server.endpoint_url
    port = endpoint.rsplit(":", 1)[1]
    saved = {key: os.environ.get(key) for key in _MOTO_ENV}
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "MOTO_PORT": port,
        }
    )
    try:
        yield endpoint
    finally:
        server.stop()
        _moto.uninstall_atomic_writes(moto_server)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_MOTO_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "MOTO_PORT",
)


@pytest.fixture
def moto(moto_server: str) -> Iterator[str]:
    """moto's server, emptied before the test; yields its endpoint URL."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    yield moto_server
