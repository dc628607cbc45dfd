"""Notebook parameters: the ``parameters`` cell, its defaults, and the one rule that types a value.

Every entry point that hands a value to a notebook goes through here:
``pytest --nbgate-param``, notebook metadata ``nbgate.test_parameters``,
config ``smoke.parameters``, ``nbgate promote --param`` and ``nbgate run
--param``. The same text therefore means the same value everywhere.

The rule: a value is typed by the parameter's default in the ``parameters``
cell.

* ``bool`` default: ``true``/``True``/``false``/``False``;
* ``int``: an integer; ``float``: an integer or a float (stored as float);
* ``str``: the text itself, as written;
* ``list`` / ``dict``: JSON or a Python literal of that type (a tuple is a list);
* ``None`` or a default that is not a literal (``x = compute()``), or a
  notebook in another language: JSON, else a Python literal, else the text;
  ``null``/``None`` and ``true``/``false`` are accepted there too.

A value that cannot take its default's type is a ``ParameterTypeError``
(a usage error, exit 2) naming the parameter, the default's type and the
value. Values that arrive already typed (TOML, notebook JSON, a registry
file) are checked the same way; text given for a non-string default is
parsed by the rule above.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from nbgate.errors import UsageError
from nbgate.notebook import Notebook, language, tags

PARAMETERS_TAG = "parameters"

#: Longest value echoed in an error message.
_ECHO = 80


class ParameterTypeError(UsageError):
    """A parameter value that cannot take the type of its default."""


class _Unknown:
    """A default that is not a literal (``x = compute()``) or of another language: any type is accepted."""

    def __repr__(self) -> str:
        return "<not a literal>"


UNKNOWN: Any = _Unknown()

_BOOLS = {"true": True, "True": True, "false": False, "False": False}
_NULLS = {"null", "None"}


# ---------------------------------------------------------------------- the parameters cell


def parameters_cell(nb: Notebook) -> tuple[int, dict[str, Any]] | None:
    """The first code cell tagged ``parameters`` and its 0-based index, or None."""
    for index, cell in enumerate(nb.get("cells", [])):
        if (
            isinstance(cell, dict)
            and cell.get("cell_type") == "code"
            and PARAMETERS_TAG in tags(cell)
        ):
            return index, cell
    return None


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def declared(nb: Notebook) -> dict[str, Any] | None:
    """``{name: default}`` for what the parameters cell assigns, in order; None without that cell.

    Python cells are read with ``ast`` (cheap, no kernel); a default that is
    not a literal is ``UNKNOWN``. A Python cell that ``ast`` cannot parse
    (magics) or another language falls back to papermill's translator
    inspection, which is what papermill itself uses; its defaults are typed
    when they are literals.
    """
    found = parameters_cell(nb)
    if found is None:
        return None
    source = _source(found[1])
    if language(nb) == "python":
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            pass
        else:
            return _assigned(tree)
    return _papermill_inspect(nb, found[1])


def names(nb: Notebook) -> list[str] | None:
    """The names the parameters cell defines, in order; None without that cell."""
    found = declared(nb)
    return None if found is None else list(found)


def _assigned(tree: ast.Module) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in tree.body:
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            simple = isinstance(target, ast.Name)
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id not in found:
                    found[leaf.id] = _literal(value) if simple and value is not None else UNKNOWN
    return found


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN


def _papermill_inspect(nb: Notebook, cell: dict[str, Any]) -> dict[str, Any]:
    from nbformat import from_dict  # heavy: only for non-Python or magic-laden cells
    from papermill.translators import papermill_translators

    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    name = kernelspec.get("name", "") if isinstance(kernelspec, dict) else ""
    try:
        translator = papermill_translators.find_translator(name, language(nb))
        found = translator.inspect(from_dict(cell))  # type: ignore[no-untyped-call]
    except (NotImplementedError, ValueError, KeyError):
        return {}
    python = language(nb) == "python"
    result: dict[str, Any] = {}
    for parameter in found:
        default = UNKNOWN
        if python:
            try:
                default = ast.literal_eval(str(parameter.default))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                default = UNKNOWN
        result[parameter.name] = default
    return result


# ---------------------------------------------------------------------- NAME=VALUE


def split_assignment(item: str, option: str = "--param") -> tuple[str, str]:
    """``NAME=VALUE`` into ``(NAME, VALUE text)``; the value is typed later, by its default."""
    name, sep, text = item.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(
            f"{option} {_echo(item)}: expected NAME=VALUE with NAME a Python identifier"
        )
    return name, text


def split_assignments(items: Iterable[str] | None, option: str = "--param") -> dict[str, str]:
    """Several ``NAME=VALUE`` items into ``{NAME: text}`` (later items win)."""
    return dict(split_assignment(item, option) for item in items or ())


# ---------------------------------------------------------------------- the value rule


def type_name(value: Any) -> str:
    """The rule's name for the type of ``value`` (``bool``, ``int``, ... ``None``)."""
    if value is UNKNOWN:
        return "any"
    return {
        bool: "bool",
        int: "int",
        float: "float",
        str: "str",
        list: "list",
        tuple: "list",
        dict: "dict",
        type(None): "None",
    }.get(type(value), type(value).__name__)


def _echo(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _ECHO else text[: _ECHO - 3] + "..."


def _error(name: str, value: Any, default: Any) -> ParameterTypeError:
    return ParameterTypeError(
        f"parameter {name!r}: {_echo(value)} is not a valid {type_name(default)} "
        f"(its default in the parameters cell is {_echo(default)})"
    )


def _loose(text: str) -> Any:
    """Text for an untyped default: JSON, else a Python literal, else the text itself."""
    stripped = text.strip()
    if stripped in _BOOLS:
        return _BOOLS[stripped]
    if stripped in _NULLS:
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return text
    return _plain(value)


def _plain(value: Any) -> Any:
    """Tuples become lists, recursively, so every entry point hands over the same JSON-like value."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_INT = re.compile(r"[+-]?\d[\d_]*\Z")


def _from_text(name: str, text: str, default: Any) -> Any:
    stripped = text.strip()
    if isinstance(default, bool):
        if stripped in _BOOLS:
            return _BOOLS[stripped]
        raise _error(name, text, default)
    if isinstance(default, int):
        if _INT.match(stripped):
            return int(stripped)
        raise _error(name, text, default)
    if isinstance(default, float):
        try:
            return float(stripped)
        except ValueError:
            raise _error(name, text, default) from None
    value = _loose(text)
    if value is text or problem(
        name, value, default
    ):  # nothing parsed, or not of the default's type
        raise _error(name, text, default)
    return check(name, value, default)


def coerce(name: str, value: Any, default: Any) -> Any:
    """``value`` (text or already typed) as the type of ``default``, or ``ParameterTypeError``."""
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        return check(name, value, default)
    if default is UNKNOWN or default is None:
        return _loose(value) if isinstance(value, str) else _plain(value)
    if isinstance(value, str):
        return _from_text(name, value, default)
    return check(name, value, default)


def check(name: str, value: Any, default: Any) -> Any:
    """An already typed ``value`` checked against ``default`` (an int is taken for a float, as a float)."""
    value = _plain(value)
    if default is UNKNOWN or default is None:
        return value
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(default, bool) and isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int)
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, list)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise _error(name, value, default)
    return value


def problem(name: str, value: Any, default: Any) -> str | None:
    """Why an already typed ``value`` cannot replace ``default`` (for checks that report), or None."""
    try:
        check(name, value, default)
    except ParameterTypeError as exc:
        return str(exc)
    return None


def problems(values: Mapping[str, Any], found: Mapping[str, Any] | None) -> list[str]:
    """Why already typed ``values`` cannot be a notebook's parameters: undefined names and wrong types."""
    if found is None:
        given = ", ".join(sorted(values))
        return (
            [
                f"the notebook has no cell tagged '{PARAMETERS_TAG}', so it takes no parameters ({given} given)"
            ]
            if values
            else []
        )
    result: list[str] = []
    for name, value in values.items():
        if name not in found:
            defined = ", ".join(sorted(found)) or "none"
            result.append(
                f"parameter {name!r} is not defined in the parameters cell (it defines: {defined})"
            )
        else:
            reason = problem(name, value, found[name])
            if reason:
                result.append(reason)
    return result


def typed(values: Mapping[str, Any], found: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every value typed by its default in ``found``; names not in ``found`` are typed loosely."""
    defaults = found or {}
    return {
        name: coerce(name, value, defaults.get(name, UNKNOWN)) for name, value in values.items()
    }


def undefined_message(unknown: Iterable[str], found: Mapping[str, Any] | None, where: str) -> str:
    """``where: parameter(s) a, b ... (it defines: ...)`` for names the parameters cell does not define."""
    listed = ", ".join(unknown)
    if found is None:
        return f"{where}: parameter(s) {listed} given, but the notebook has no cell tagged '{PARAMETERS_TAG}'"
    defined = ", ".join(found) or "none"
    return f"{where}: parameter(s) {listed} not defined in the '{PARAMETERS_TAG}' cell (it defines: {defined})"


def json_safe(value: Any) -> bool:
    """Whether ``value`` survives a registry file (JSON-like: no sets, bytes, complex...)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_safe(v) for k, v in value.items())
    return False
