"""Test parameters: where they come from, how they merge, and which a notebook accepts.

Precedence, lowest first: ``[tool.nbgate.smoke] parameters`` < notebook
metadata ``nbgate.test_parameters`` < ``--nbgate-param k=v`` (< a fixture's
explicit ``parameters=``). Config-wide parameters are offered to every
notebook and taken by those whose ``parameters`` cell defines them; the
others (metadata, command line, fixture) are explicit, so one the cell does
not define is an error that lists the parameters it does define.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from nbgate.errors import ExecutionError, UsageError
from nbgate.notebook import Notebook, language, tags

PARAMETERS_TAG = "parameters"


class ParameterError(ExecutionError):
    """A notebook was given a parameter its ``parameters`` cell does not define."""


def parse_assignment(item: str) -> tuple[str, Any]:
    """``k=v`` into ``(k, value)``; the value is a Python literal, else the raw string.

    ``n=3`` gives ``3``, ``flag=True`` gives ``True``, ``names=['a']`` a list,
    ``day=2024-01-01`` (not a literal) the string ``"2024-01-01"``.
    """
    name, sep, text = item.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(f"--nbgate-param {item!r}: expected NAME=VALUE with NAME a Python identifier")
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = text
    return name, value


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """Several ``k=v`` items (later ones win)."""
    return dict(parse_assignment(item) for item in items)


def parameters_cell(nb: Notebook) -> tuple[int, dict[str, Any]] | None:
    """The first cell tagged ``parameters`` and its 0-based index, or None."""
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code" and PARAMETERS_TAG in tags(cell):
            return index, cell
    return None


def defined_parameters(nb: Notebook) -> list[str] | None:
    """Names the ``parameters`` cell assigns, in order; None without such a cell.

    Python cells are read with ``ast`` (cheap, no kernel); a cell ast cannot
    parse (magics) or another language falls back to papermill's translator
    inspection, which is what papermill itself uses.
    """
    found = parameters_cell(nb)
    if found is None:
        return None
    source = str(found[1].get("source", ""))
    if language(nb) == "python":
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):  # ValueError: a lone surrogate or NUL character
            pass
        else:
            return _assigned_names(tree)
    return _papermill_inspect(nb, found[1])


def _assigned_names(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and leaf.id not in names:
                    names.append(leaf.id)
    return names


def _papermill_inspect(nb: Notebook, cell: dict[str, Any]) -> list[str]:
    from nbformat import from_dict  # heavy: only for non-Python or magic-laden cells
    from papermill.translators import papermill_translators

    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    translator = papermill_translators.find_translator(kernelspec.get("name", ""), language(nb))
    try:
        node = from_dict(cell)  # type: ignore[no-untyped-call]
        return [p.name for p in translator.inspect(node)]
    except NotImplementedError:
        return []


def notebook_parameters(nb: Notebook) -> dict[str, Any]:
    """``metadata.nbgate.test_parameters`` (empty when absent)."""
    value = nb.get("metadata", {}).get("nbgate", {})
    params = value.get("test_parameters", {}) if isinstance(value, dict) else {}
    return dict(params) if isinstance(params, dict) else {}


class Resolved(NamedTuple):
    """The parameters a notebook runs with, and the names its parameters cell defines."""

    parameters: dict[str, Any]
    defined: list[str] | None


def resolve(
    nb: Notebook,
    *,
    config_parameters: Mapping[str, Any],
    cli_parameters: Mapping[str, Any],
    explicit: Mapping[str, Any] | None = None,
    where: str = "<notebook>",
) -> Resolved:
    """Merge the parameters for ``nb`` and check them against its parameters cell.

    Raises ``ParameterError`` naming the undefined parameters and listing the
    ones the notebook defines.
    """
    defined = defined_parameters(nb)
    metadata = notebook_parameters(nb)
    explicit_params = {**metadata, **cli_parameters, **(explicit or {})}
    accepted = set(defined or ())
    merged = {k: v for k, v in config_parameters.items() if k in accepted}
    merged.update(explicit_params)
    unknown = [name for name in explicit_params if name not in accepted]
    if unknown:
        if defined is None:
            raise ParameterError(
                f"{where}: parameter(s) {', '.join(unknown)} given, but the notebook has no cell tagged "
                f"'{PARAMETERS_TAG}'"
            )
        listing = ", ".join(defined) if defined else "none"
        raise ParameterError(
            f"{where}: parameter(s) {', '.join(unknown)} not defined in the '{PARAMETERS_TAG}' cell "
            f"(it defines: {listing})"
        )
    return Resolved(merged, defined)
