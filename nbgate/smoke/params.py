"""Test parameters: where they come from, how they merge, and which a notebook accepts.

Precedence, lowest first: ``[tool.nbgate.smoke] parameters`` < notebook
metadata ``nbgate.test_parameters`` < ``--nbgate-param k=v`` (< a fixture's
explicit ``parameters=``). Config-wide parameters are offered to every
notebook and taken by those whose ``parameters`` cell defines them; the
others (metadata, command line, fixture) are explicit, so one the cell does
not define is an error that lists the parameters it does define.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from nbgate import parameters
from nbgate.errors import ExecutionError
from nbgate.notebook import Notebook


class ParameterError(ExecutionError):
    """A notebook was given a parameter its ``parameters`` cell does not define, or of the wrong type."""


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
    found = parameters.declared(nb)
    metadata = notebook_parameters(nb)
    explicit_params = {**metadata, **cli_parameters, **(explicit or {})}
    accepted = found or {}
    unknown = [name for name in explicit_params if name not in accepted]
    if unknown:
        raise ParameterError(parameters.undefined_message(unknown, found, where))
    merged = {k: v for k, v in config_parameters.items() if k in accepted}
    merged.update(explicit_params)
    try:
        typed = parameters.typed(merged, found)
    except parameters.ParameterTypeError as exc:
        raise ParameterError(f"{where}: {exc}") from None
    return Resolved(typed, None if found is None else list(found))
