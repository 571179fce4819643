"""The docs home page lists every public construct, each with a link to its page."""

from __future__ import annotations

import re
from pathlib import Path

from constructs import Construct

import serverless_patterns

ROOT = Path(__file__).resolve().parents[2]


def _public_constructs() -> list[str]:
    names = []
    for name in serverless_patterns.__all__:
        value = getattr(serverless_patterns, name)
        if isinstance(value, type) and issubclass(value, Construct):
            names.append(name)
    return names


def test_public_constructs_are_found() -> None:
    # Guards the discovery itself: a broken getattr or issubclass would make the next test vacuous.
    assert {"ServerlessFunction", "CrudApi", "LambdaAlarms", "ApiGatewayCloudWatchRole"} <= set(_public_constructs())


def test_home_page_links_every_public_construct() -> None:
    home = (ROOT / "docs" / "index.md").read_text()
    linked = dict(re.findall(r"^\| \[(\w+)\]\(([^)]+)\) \|", home, flags=re.MULTILINE))
    missing = [name for name in _public_constructs() if name not in linked]
    assert not missing, f"docs/index.md lacks a line and link for {missing}"
    for name, target in linked.items():
        assert (ROOT / "docs" / target.split("#")[0]).is_file(), f"{name} links to a missing page {target}"
