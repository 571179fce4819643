"""The order in which the test command hands modules to its two pytest-xdist workers: the longest first.

``python3 tasks.py test`` runs ``-n 2 --dist loadfile --no-loadscope-reorder``: each module goes
whole to one worker, so its module-scoped fixtures (a synthesized app, a local cloud deployment)
are built once, and modules go out in collection order to whichever worker is free. A long module
collected last would run alone at the end while the other worker idles (pytest-xdist's own
reordering puts the modules with the most tests first, which sent the getting-started walk, two
tests and half a minute, last). So the modules below, the longest, are collected first,
longest first, and the many short ones fill the gaps: the workers finish within seconds of each other.

Modules that share a session fixture (the synthesized order system example) go to one worker
together, as one unit (``SAME_WORKER``), so the fixture is built once.

The figures are CPU seconds of each module on a quiet 2-core machine; re-rank when a module's time moves.
"""

from __future__ import annotations

from typing import Any

import pytest

ORDER_SYSTEM_MODULES = (
    "tests/examples/test_order_system.py",
    "tests/examples/test_order_system_observed.py",
    "tests/examples/test_scenario.py",
    "tests/local/test_enforcement_mutations.py",
    "tests/local/test_order_system_e2e.py",
)
SAME_WORKER = dict.fromkeys(ORDER_SYSTEM_MODULES, "the order system example (session fixture order_system_app)")

LONGEST_FIRST = (
    # 37 s together: the example's compliance, checkov and HTTP API variant, its scripted day on the local
    # cloud, seven mutated deployments, its end-to-end flows.
    *ORDER_SYSTEM_MODULES,
    "tests/unit/test_getting_started.py",  # 23 s: a newcomer's walk, nine processes
    "tests/constructs/test_lambda_alarms_spread.py",  # 10 s: a thousand functions
    "tests/saga/test_saga_behaviour.py",  # 7 s, and waits on retries
    "tests/release/test_release.py",  # 6 s: build, twine, an installed wheel, publib
    "tests/constructs/test_lambda_alarms.py",  # 6 s
    "tests/constructs/test_crud_api.py",  # 5 s
    "tests/local/test_cli.py",  # 5 s, and waits on `local up`
    "tests/unit/test_docs.py",  # 4 s: mkdocs build --strict
    "tests/runtime/crud_api/test_crud_handlers.py",  # 4 s
    "tests/local/test_actions.py",  # 4 s
    "tests/runtime/crud_api/test_crud_fuzz.py",  # 4 s
    "tests/local/test_pytest_plugin.py",  # 4 s
    "tests/unit/test_json_schema.py",  # 3 s
    "tests/local/test_api_auth.py",  # 3 s
)


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's ``loadfile`` scheduling, with the modules of ``SAME_WORKER`` as one unit of work."""
    from xdist.scheduler import LoadFileScheduling

    class _Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return SAME_WORKER.get(module, module)

    return _Scheduling(config, log)


def longest_first(items: list[pytest.Item]) -> None:
    """Move the items of the modules in ``LONGEST_FIRST`` to the front, in that order; keep every other order."""
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
