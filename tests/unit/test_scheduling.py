"""The scheduling tables name modules that exist (a renamed module would silently drop out of them)."""

from __future__ import annotations

from pathlib import Path

from tests.scheduling import LONGEST_FIRST, SAME_WORKER

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_named_exists_once() -> None:
    assert [path for path in LONGEST_FIRST if not (ROOT / path).is_file()] == []
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)


def test_modules_that_share_a_worker_exist_and_come_first_together() -> None:
    assert [path for path in SAME_WORKER if not (ROOT / path).is_file()] == []
    # Listed next to each other, so that the unit they make goes out where its first module would.
    positions = sorted(LONGEST_FIRST.index(path) for path in SAME_WORKER)
    assert positions == list(range(positions[0], positions[0] + len(positions)))
