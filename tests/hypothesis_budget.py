"""How many examples each property test draws: an everyday budget, and a deep one on demand.

The everyday budget keeps ``python3 tasks.py test`` quick and still draws several times
Hypothesis's own default of 100 examples for most properties; the ``deep`` profile draws the
full budgets::

    python3 tasks.py test --hypothesis-profile=deep
    HYPOTHESIS_PROFILE=deep python3 tasks.py test      # the same, for a CI job's environment

Unless a test turns the example database off (``database=None``), a failing example is kept in
``.hypothesis/`` and replayed first on the next run, whatever the budget.
"""

from __future__ import annotations

import os

from hypothesis import settings

DEEP = "deep"

settings.register_profile(DEEP)
if os.environ.get("HYPOTHESIS_PROFILE"):
    # ``--hypothesis-profile`` given on the command line is loaded later, by Hypothesis's plugin, and wins.
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def examples(everyday: int, *, deep: int) -> int:
    """``max_examples`` for a property test: ``everyday`` by default, ``deep`` under the deep profile.

    Examples
    --------
    >>> examples(100, deep=300) in (100, 300)
    True
    """
    # Hypothesis derives profiles from the loaded one for --hypothesis-verbosity and --hypothesis-explain
    # ("deep-with-verbose-verbosity"): those are deep too.
    return deep if settings.get_current_profile_name().split("-with-")[0] == DEEP else everyday
