"""The ``serverless-patterns`` command: one subcommand group per feature (today: ``local``).

A feature adds itself with a ``register(subparsers)`` function that defines its subparser and
sets ``handler`` (a callable taking the parsed arguments and returning an exit code) as default.

Examples
--------
>>> build_parser().parse_args(["local", "send", "Jobs", "hello"]).queue
'Jobs'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

_GROUPS: list[tuple[str, str]] = [
    ("local", "serverless_patterns.local.command"),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand group registered.

    Examples
    --------
    >>> build_parser().prog
    'serverless-patterns'
    """
    parser = argparse.ArgumentParser(prog="serverless-patterns", description="serverless-patterns tools")
    subparsers = parser.add_subparsers(dest="group", required=True, metavar="<command>")
    import importlib

    for _, module_name in _GROUPS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code (2 for bad input, with a one-line message).

    Examples
    --------
    >>> main(["local", "invoke", "Orders", "--state", "/no/such/state.json"])  # prints the error to stderr
    2
    """
    parser = build_parser()
    arguments = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = arguments.handler
    try:
        return handler(arguments)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # every failure becomes one line and exit code 2
        if type(error).__name__ not in {"LocalCloudError", "ValidationError"}:
            message = f"{type(error).__name__}: {error}"
        else:
            message = str(error)
        first_line = message.splitlines()[0] if message else type(error).__name__
        print(f"serverless-patterns: error: {first_line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
