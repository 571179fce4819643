"""Every docstring's Examples section runs: the examples stay real, runnable code (STYLE.md)."""

from __future__ import annotations

import doctest
import importlib
import os
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = SRC.parent
MODULES = sorted(
    ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for path in (SRC / "serverless_patterns").rglob("*.py")
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name folders relative to the repository, as a user's app does
    monkeypatch.setenv("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {module_name}"


def test_the_public_constructs_have_examples() -> None:
    finder = doctest.DocTestFinder()
    for name in ("ServerlessFunction", "QueueProcessor", "CrudApi", "EventFanout", "SagaWorkflow", "LambdaAlarms"):
        import serverless_patterns

        construct = getattr(serverless_patterns, name)
        assert any(test.examples for test in finder.find(construct, name)), f"{name} has no runnable example"
