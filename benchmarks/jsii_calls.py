"""Count jsii round trips (Python to the Node.js kernel and back) and say where they come from.

Every request the Python side sends to the jsii kernel (create, get, set, invoke, the static
ones, and the completion of a callback the kernel made into Python) is one message on the
kernel's stdin and one answer on its stdout: one round trip. They are counted where every one
passes, ``jsii._kernel.providers.process._NodeProcess.send``, and attributed to the innermost
frame of this project's code (``src/``, ``examples/``, ``benchmarks/``) that caused them.

    with RoundTrips() as trips:
        OrderSystemStack(app, "OrderSystem")
    trips.total, trips.by_place.most_common(10)
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

from jsii._kernel.providers import process

ROOT = Path(__file__).resolve().parent.parent
_OURS = tuple(str(ROOT / part) for part in ("src", "examples", "benchmarks"))
_THIS = str(Path(__file__).resolve())


class RoundTrips:
    """A context manager counting the jsii round trips made inside it, by kind and by place in our code."""

    def __init__(self) -> None:
        self.total = 0
        self.by_kind: Counter[str] = Counter()
        self.by_place: Counter[str] = Counter()
        self._original: Any = None

    def __enter__(self) -> RoundTrips:
        original = process._NodeProcess.send
        self._original = original
        counter = self

        def send(node: Any, request: Any, response_type: Any) -> Any:
            counter.total += 1
            counter.by_kind[type(request).__name__.removesuffix("Request")] += 1
            counter.by_place[_place()] += 1
            return original(node, request, response_type)

        process._NodeProcess.send = send  # type: ignore[method-assign,assignment]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        process._NodeProcess.send = self._original  # type: ignore[method-assign]


def _place() -> str:
    """``path:line function`` of the innermost frame of this project's code on the stack."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(_OURS) and filename != _THIS:
            return f"{Path(filename).relative_to(ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "(outside the project)"
