"""The conformance table in docs/local.md is what the tests' markers say, and every test declares one behaviour."""

from __future__ import annotations

import importlib
from pathlib import Path

from tests.conformance import table


def test_docs_table_matches_the_behaviours() -> None:
    documented = table.current(table.DOC.read_text())
    assert documented == table.render(table.collect()), (
        f"docs/local.md's conformance table is out of date: regenerate it with `{table.COMMAND}`"
    )


def test_every_conformance_test_declares_one_behaviour() -> None:
    undeclared = []
    for path in sorted(Path(table.__file__).parent.glob("test_*.py")):
        if path.stem == "test_table":
            continue
        module = importlib.import_module(f"tests.conformance.{path.stem}")
        for name, test in vars(module).items():
            if name.startswith("test_") and callable(test):
                marks = [mark for mark in getattr(test, "pytestmark", []) if mark.name == "behaviour"]
                if len(marks) != 1:
                    undeclared.append(f"{path.stem}::{name}")
    assert undeclared == [], "declare each with @behaviour(...)"


def test_the_suite_checks_at_least_60_behaviours_each_with_a_distinct_name() -> None:
    behaviours = table.collect()
    assert len(behaviours) >= 60
    names = [(item.service, item.name) for item in behaviours]
    assert len(names) == len(set(names))
