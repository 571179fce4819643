"""The local cloud's error type."""

from __future__ import annotations


class LocalCloudError(RuntimeError):
    """The local cloud cannot do what was asked: no assembly, a template it cannot deploy, an unknown name.

    The message is one line naming the problem; the command prints it and exits with code 2.

    Examples
    --------
    >>> str(LocalCloudError("no function named Nope"))
    'no function named Nope'
    """
