"""nbformat's JSON schema through fastjsonschema, compiled once and cached.

``nbformat.validate`` costs an ``import nbformat`` (about 1.3 s, mostly
jsonschema's format extras) before it checks anything. This module reads the
schema files nbformat ships (found with ``importlib.util.find_spec``, which
does not import the package), compiles them with fastjsonschema, the same
validator nbformat uses by default, and keeps the compiled code:

* in memory, one validator per nbformat minor version;
* on disk, as a marshalled code object under ``$XDG_CACHE_HOME/nbgate``
  (``~/.cache/nbgate``), keyed by the schema's bytes, fastjsonschema's
  version and the Python bytecode magic, so the next process skips the
  compile step. A cache that cannot be read or written is simply skipped,
  and none is used with the ``lint-schema-cache`` fast path off
  (``nbgate.fastpaths``).

Each cell is validated against the schema's ``cell`` definition on its own
(the schema's ``cells`` is ``items: {$ref: cell}``, so this is equivalent to
validating the whole notebook), which lets one run report every bad cell.
Cells and outputs are checked against the definition for their type rather
than the schema's ``oneOf`` (same verdict, faster, and a message that says
what is wrong instead of "must be valid exactly by one definition").
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from nbgate import fastpaths

_OUTPUT_TYPES = ("execute_result", "display_data", "stream", "error")
_PLACEHOLDER_ID = "nbgate-placeholder-id"

Validate = Callable[..., Any]


class Problem(NamedTuple):
    """One schema violation: 1-based cell number (None for the notebook) and message."""

    cell: int | None
    message: str


class _Compiled(NamedTuple):
    functions: dict[str, Validate]
    error: type[Exception]
    label: str


_compiled: dict[int, _Compiled | None] = {}


def _schema_dir() -> Path | None:
    spec = importlib.util.find_spec("nbformat")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "v4"


def _schema_for(minor: int) -> tuple[bytes, bool] | None:
    """The schema file's bytes for ``minor`` and whether it must be relaxed (a future minor)."""
    folder = _schema_dir()
    if folder is None:
        return None
    exact = folder / f"nbformat.v4.{minor}.schema.json"
    if exact.is_file():
        return exact.read_bytes(), False
    latest = folder / "nbformat.v4.schema.json"
    known = sorted(int(p.name.split(".")[2]) for p in folder.glob("nbformat.v4.[0-9]*.schema.json"))
    if latest.is_file() and known and minor > known[-1]:
        return latest.read_bytes(), True
    return None


def _relax(schema: Any) -> Any:
    """What nbformat does for a notebook from a newer minor: allow unknown keys, cells and outputs."""
    if isinstance(schema, dict):
        return {k: True if k == "additionalProperties" else _relax(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_relax(v) for v in schema]
    return schema


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nbgate"


def _cache_file(raw: bytes, relax: bool, version: str) -> Path | None:
    """Where the compiled code for this schema is kept; None with the ``lint-schema-cache`` fast path off."""
    if not fastpaths.enabled("lint-schema-cache"):
        return None  # what nbformat does: compile the schema in every process
    key = hashlib.sha256(
        raw + f"|{relax}|{version}|".encode() + importlib.util.MAGIC_NUMBER
    ).hexdigest()[:24]
    return _cache_dir() / f"schema-{key}.marshal"


def _compile(raw: bytes, relax: bool) -> _Compiled:
    import fastjsonschema  # lazily: only lint needs it

    cached = _cache_file(raw, relax, fastjsonschema.VERSION)
    schema = json.loads(raw)
    label = str(schema.get("description", "nbformat schema")).replace(" JSON schema.", "")
    code = None
    try:
        code = marshal.loads(cached.read_bytes()) if cached else None
    except (OSError, ValueError, EOFError, TypeError):
        pass
    if code is None:
        if relax:
            schema = _relax(copy.deepcopy(schema))
            definitions = schema["definitions"]
            definitions["cell"]["oneOf"].append({"$ref": "#/definitions/unrecognized_cell"})
            definitions["output"]["oneOf"].append({"$ref": "#/definitions/unrecognized_output"})
        code = compile(fastjsonschema.compile_to_code(schema), "<nbformat schema>", "exec")
        if cached:
            _store(cached, marshal.dumps(code))
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    _dispatch_outputs(namespace)
    functions = {k: v for k, v in namespace.items() if k.startswith("validate")}
    return _Compiled(functions, fastjsonschema.JsonSchemaValueException, label)


def _store(path: Path, data: bytes) -> None:
    """Write the cache file atomically; a cache we cannot write is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass


def validator(minor: int) -> _Compiled | None:
    """The compiled validator for nbformat 4.``minor`` (None when no schema exists for it)."""
    if minor not in _compiled:
        found = _schema_for(minor)
        _compiled[minor] = _compile(*found) if found else None
    return _compiled[minor]


def _message(exc: Exception) -> str:
    text = str(getattr(exc, "message", exc))
    return text[:300] + ("..." if len(text) > 300 else "")


def _dispatch_outputs(namespace: dict[str, Any]) -> None:
    """Validate each output against the definition for its ``output_type`` instead of ``oneOf``.

    Every output definition pins ``output_type`` to one value, so at most one
    branch of the schema's ``oneOf`` can match: checking that branch alone
    gives the same verdict, about twice as fast, with a message that says
    what is wrong. The generated code looks the function up by name at call
    time, so replacing it in the namespace reroutes the code cell checks.
    Unknown output types still go through the original ``oneOf``.
    """
    generic = namespace["validate___definitions_output"]
    by_type = {kind: namespace[f"validate___definitions_{kind}"] for kind in _OUTPUT_TYPES}

    def validate_output(
        data: Any, custom_formats: Any = None, name_prefix: str | None = None
    ) -> Any:
        kind = data.get("output_type") if isinstance(data, dict) else None
        specific = by_type.get(kind) if isinstance(kind, str) else None
        return (specific or generic)(data, custom_formats or {}, name_prefix)

    namespace["validate___definitions_output"] = validate_output


def validate(nb: dict[str, Any]) -> list[Problem]:
    """Every schema violation in ``nb``: the notebook's own keys, then each cell.

    A 4.5+ cell missing its ``id`` is checked as if it had one: that problem
    is NBG003's, not the schema rule's.
    """
    minor = nb.get("nbformat_minor")
    if not isinstance(minor, int) or minor < 0:
        return [Problem(None, f"nbformat_minor {minor!r} is not a non-negative integer")]
    compiled = validator(minor)
    if compiled is None:
        return [Problem(None, f"no nbformat schema for nbformat 4.{minor!r}")]
    problems = []
    try:
        compiled.functions["validate"]({**nb, "cells": []}, name_prefix="notebook")
    except compiled.error as exc:
        problems.append(Problem(None, f"{_message(exc)} ({compiled.label})"))
    functions = compiled.functions
    generic = functions["validate___definitions_cell"]
    needs_id = minor >= 5
    cells = nb.get("cells")
    for number, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        check = generic
        if isinstance(cell, dict):
            if needs_id and "id" not in cell:
                cell = {**cell, "id": _PLACEHOLDER_ID}
            # like outputs (see _dispatch_outputs): one cell definition per cell_type
            check = functions.get(f"validate___definitions_{cell.get('cell_type')}_cell", generic)
        try:
            check(cell, name_prefix="cell")
        except compiled.error as exc:
            problems.append(Problem(number, f"{_message(exc)} ({compiled.label})"))
    return problems


def fast_validator_available() -> bool:
    """Whether nbformat's schema files and fastjsonschema are installed."""
    return _schema_dir() is not None and importlib.util.find_spec("fastjsonschema") is not None
