"""What "this exact notebook" means: the source hash used by tests and promotion.

``source_sha256`` covers the kernel language, the kernelspec name (the
environment it was tested in) and, per cell, its type, its source (line
endings normalised to ``\\n``, trailing whitespace at the end of the cell
removed) and its sorted tags. Outputs, execution counts, ids and other
metadata are left out, so a notebook, its stripped copy, its papermill output
and its jupytext twin share one identity.

Every cell of a source notebook counts, whatever its tags: a cell tagged
``injected-parameters`` in a source notebook runs in production like any
other. Only in an executed output notebook, recognised by papermill's own
notebook metadata (``metadata.papermill``), are the cells papermill added
(its injected parameters and its error cells) left out.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nbgate import jsonsafe
from nbgate.notebook import Notebook, language, tags
from nbgate.notebook import text as notebook_text

#: Cells papermill adds to an output notebook; they are not the notebook's content.
PAPERMILL_TAGS = frozenset(("injected-parameters", "papermill-error-cell-tag"))
_VERSION = "nbgate-source-v2"


def normalise_source(source: str) -> str:
    """Line endings to ``\\n`` and no trailing whitespace at the end of the cell."""
    return source.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def is_papermill_output(nb: Notebook) -> bool:
    """Whether ``nb`` is a notebook papermill executed (its notebook metadata says so)."""
    metadata = nb.get("metadata")
    return isinstance(metadata, dict) and isinstance(metadata.get("papermill"), dict)


def kernel_name(nb: Notebook) -> str:
    """The kernelspec name the notebook asks for ('' when it names none)."""
    metadata = nb.get("metadata")
    spec = metadata.get("kernelspec") if isinstance(metadata, dict) else None
    name = spec.get("name") if isinstance(spec, dict) else None
    return name if isinstance(name, str) else ""


def content_cells(nb: Notebook) -> list[dict[str, Any]]:
    """The cells that make up the notebook's content (papermill's additions left out of its outputs only)."""
    cells: list[dict[str, Any]] = nb.get("cells", [])
    if not is_papermill_output(nb):
        return list(cells)
    return [cell for cell in cells if not PAPERMILL_TAGS.intersection(tags(cell))]


def executed_cells(nb: Notebook) -> list[dict[str, Any]]:
    """The cells of a notebook nbgate or papermill just executed, without the cells papermill added.

    Only for a notebook known to come out of an execution (the smoke runner's
    own output); a file on disk is judged by ``content_cells``.
    """
    return [cell for cell in nb.get("cells", []) if not PAPERMILL_TAGS.intersection(tags(cell))]


def canonical(nb: Notebook) -> bytes:
    """The canonical encoding ``source_sha256`` hashes (stable across versions)."""
    cells = [
        [
            cell.get("cell_type", ""),
            normalise_source(notebook_text(cell.get("source", ""))),
            sorted(set(tags(cell))),
        ]
        for cell in content_cells(nb)
    ]
    return jsonsafe.dumps_bytes(
        [_VERSION, language(nb), kernel_name(nb), cells]
    )  # a lone surrogate escaped


def source_sha256(nb: Notebook) -> str:
    """The notebook's identity as 64 hex digits."""
    return hashlib.sha256(canonical(nb)).hexdigest()
