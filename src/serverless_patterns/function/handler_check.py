"""Check at synth that ``entry`` is a folder whose handler module defines the handler function.

Lambda reports a wrong handler only when the function is first invoked, after a deployment
(``Runtime.ImportModuleError`` or ``Runtime.HandlerNotFound``). The check reads the module's
source with :mod:`ast` and never imports it: handler code may need packages, environment
variables or AWS clients that synth does not have.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serverless_patterns._internal.validation import Rules


_HANDLER = r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*"


def check_entry(rules: Rules, entry: str, handler: str) -> None:
    """Record the rules ``entry`` and ``handler`` break: a missing folder, module file or function.

    Examples
    --------
    >>> from serverless_patterns._internal.validation import Rules
    >>> rules = Rules()
    >>> check_entry(rules, "no/such/folder", "index.handler")
    >>> rules.problems
    ["entry must be an existing folder, got 'no/such/folder'"]
    """
    if not Path(entry).is_dir():
        rules.check(False, f"entry must be an existing folder, got {entry!r}")
    elif re.fullmatch(_HANDLER, handler) is not None:  # a malformed handler is a rule of its own
        check_handler(rules, entry, handler)


def check_handler(rules: Rules, entry: str, handler: str) -> None:
    """Record a rule broken when ``handler``'s module file is missing or does not bind the function.

    ``"a.b.handler"`` needs ``entry/a/b.py`` (or ``entry/a/b/__init__.py``) binding ``handler`` at
    the top level: a ``def``, an ``async def``, a class, an assignment or an import.

    Examples
    --------
    >>> from serverless_patterns._internal.validation import Rules
    >>> rules = Rules()
    >>> check_handler(rules, "examples/order_system/handlers", "orders.payment.charge")
    >>> check_handler(rules, "examples/order_system/handlers", "orders.payment.refund_all")
    >>> rules.problems
    ["handler function 'refund_all' is not defined in examples/order_system/handlers/orders/payment.py"]
    """
    module, _, function = handler.rpartition(".")
    root = Path(entry)
    base = root.joinpath(*module.split("."))
    candidates = [base.with_name(base.name + ".py"), base / "__init__.py"]
    source = next((path for path in candidates if path.is_file()), None)
    if source is None:
        if any(base.parent.glob(f"{base.name}.*.so")) or base.with_name(base.name + ".so").is_file():
            return  # a compiled extension module: nothing to read
        rules.check(
            False,
            f"handler module file {candidates[0].as_posix()} (or {candidates[1].as_posix()}) does not exist, "
            f"so Lambda cannot import {module!r} to call {function!r}",
        )
        return
    try:
        tree = ast.parse(source.read_bytes(), filename=str(source))
    except (SyntaxError, ValueError) as error:
        rules.check(False, f"handler module file {source.as_posix()} is not valid Python: {error}")
        return
    names = _top_level_names(tree.body)
    rules.check(
        function in names or "*" in names,
        f"handler function {function!r} is not defined in {source.as_posix()}",
    )


def _top_level_names(statements: list[ast.stmt]) -> set[str]:
    """Names the statements bind in the module namespace, looking into if/try/with/for blocks."""
    names: set[str] = set()
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                names |= _target_names(target)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            if not isinstance(statement, ast.AnnAssign) or statement.value is not None:
                names |= _target_names(statement.target)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            if isinstance(statement, (ast.For, ast.AsyncFor)):
                names |= _target_names(statement.target)
            names |= _top_level_names(statement.body) | _top_level_names(statement.orelse)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            names |= _top_level_names(statement.body)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                names |= _top_level_names(block)
            for except_handler in statement.handlers:
                names |= _top_level_names(except_handler.body)
    return names


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return {name for element in target.elts for name in _target_names(element)}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()
