"""The library's single validation error type."""

from __future__ import annotations

from collections.abc import Sequence


class ValidationError(ValueError):
    """An invalid construct option, raised at synth time.

    Carries the path of the construct that rejected its options and every broken rule, so one
    run of ``cdk synth`` shows all the problems at once.

    Parameters
    ----------
    construct_path
        The construct's ``node.path``, for example ``"MyStack/Orders"``.
    problems
        One lower-case message per broken rule, each naming the value received and what is allowed.

    Examples
    --------
    >>> error = ValidationError("Stack/Fn", ["memory_mib must be between 128 and 10240, got 64"])
    >>> str(error)
    'Stack/Fn: memory_mib must be between 128 and 10240, got 64'
    """

    def __init__(self, construct_path: str, problems: Sequence[str]) -> None:
        self.construct_path = construct_path
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{construct_path}: {problem}" for problem in self.problems))
