"""Production parameters: read the notebook's parameters cell, type ``--param`` values, check them.

A production parameter must be one the ``parameters`` cell defines, and of
the type of its default there: papermill only warns about an unknown
parameter and passes any type, so a typo or ``"10"`` for ``10`` would only
show up in production.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from typing import Any

from nbgate.errors import UsageError
from nbgate.notebook import Notebook, language, tags

PARAMETERS_TAG = "parameters"


class Unknown:
    """A default that is not a literal (``x = compute()``): any type is accepted."""

    def __repr__(self) -> str:
        return "<not a literal>"


UNKNOWN = Unknown()


def parameters_source(nb: Notebook) -> str | None:
    """The source of the first code cell tagged ``parameters``, or None."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and PARAMETERS_TAG in tags(cell):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else str(source)
    return None


def defaults(nb: Notebook) -> dict[str, Any] | None:
    """``{name: default}`` from the parameters cell; None when there is no such cell.

    Only Python is read (with ``ast``, no kernel). A default that is not a
    literal, or a cell of another language, gives ``UNKNOWN`` defaults.
    """
    source = parameters_source(nb)
    if source is None:
        return None
    if language(nb) != "python":
        from nbgate.smoke.params import (
            defined_parameters,  # papermill's inspection for other languages
        )

        return dict.fromkeys(defined_parameters(nb) or [], UNKNOWN)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: a lone surrogate or NUL character
        return {}
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _literal(value)
    return found


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def parse_items(items: Sequence[str] | None) -> dict[str, str]:
    """``--param k=v`` items into ``{k: raw text}`` (later items win)."""
    result: dict[str, str] = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"--param {item!r}: expected NAME=VALUE with a Python identifier as NAME")
        result[name] = text
    return result


def typed_value(text: str, default: Any) -> Any:
    """A ``--param`` value typed by its default: text for a string default, else JSON or a Python literal.

    ``limit=10`` is ``10`` when the default is a number and ``"10"`` when it
    is a string; ``names=["a"]`` is a list; text that parses as nothing is
    kept as text (and then fails the type check against a non-string default).
    """
    if isinstance(default, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text
    return list(value) if isinstance(value, tuple) else value


def _type_name(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float", str: "str", list: "list", tuple: "list", dict: "dict",
            type(None): "None"}.get(type(value), type(value).__name__)


def type_problem(name: str, value: Any, default: Any) -> str | None:
    """Why ``value`` cannot replace ``default``, or None. ``UNKNOWN`` and ``None`` defaults accept anything."""
    if default is UNKNOWN or default is None:
        return None
    if isinstance(default, bool) or isinstance(value, bool):
        same = isinstance(default, bool) and isinstance(value, bool)
    elif isinstance(default, float):
        same = isinstance(value, (int, float))
    elif isinstance(default, int):
        same = isinstance(value, int)
    elif isinstance(default, (list, tuple)):
        same = isinstance(value, list)
    else:
        same = isinstance(value, type(default))
    if same:
        return None
    return (f"parameter {name!r} is {_type_name(value)} ({value!r}) but its default in the parameters cell "
            f"is {_type_name(default)} ({default!r})")


def check(values: Mapping[str, Any], found: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Check production parameters against the cell's defaults: ``(typed values, problems)``.

    ``values`` may hold raw ``--param`` text (``str``) or already typed
    values from an earlier revision; ints given for float defaults become floats.
    """
    problems: list[str] = []
    typed: dict[str, Any] = {}
    if values and found is None:
        given = ", ".join(sorted(values))
        missing = f"the notebook has no cell tagged 'parameters', so it takes no parameters ({given} given)"
        return dict(values), [missing]
    for name, raw in values.items():
        if name not in (found or {}):
            defined = ", ".join(sorted(found or {})) or "none"
            problems.append(f"parameter {name!r} is not defined in the parameters cell (it defines: {defined})")
            typed[name] = raw
            continue
        default = (found or {})[name]
        value = raw
        problem = type_problem(name, value, default)
        if problem is None and isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if problem:
            problems.append(problem)
        typed[name] = value
    return typed, problems


def json_safe(value: Any) -> bool:
    """Whether ``value`` survives a registry file (JSON-like: no sets, bytes, complex...)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_safe(v) for k, v in value.items())
    return False
