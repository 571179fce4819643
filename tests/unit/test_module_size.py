"""Every module under src/ fits in a head: 500 lines at most (STYLE.md, "a module has one concern")."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
LIMIT = 500


def test_no_module_under_src_is_over_500_lines() -> None:
    too_long = {
        str(path.relative_to(SRC)): count
        for path in sorted(SRC.rglob("*.py"))
        if (count := len(path.read_text().splitlines())) > LIMIT
    }
    assert too_long == {}, f"split these by concern: {too_long}"
