"""The longest-first module order names modules that exist (a renamed module would silently drop out of it)."""

from __future__ import annotations

from pathlib import Path

from tests.scheduling import LONGEST_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_named_exists_once() -> None:
    assert [path for path in LONGEST_FIRST if not (ROOT / path).is_file()] == []
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
