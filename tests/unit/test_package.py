"""The package's public surface: every name in __all__ resolves, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import serverless_patterns


@pytest.mark.parametrize("name", serverless_patterns.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(serverless_patterns, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = serverless_patterns.Nope  # type: ignore[attr-defined]


def test_import_does_not_load_aws_cdk() -> None:
    code = "import sys, serverless_patterns, serverless_patterns.cli; print('aws_cdk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
