"""What "this exact notebook" means: the source hash used by tests and promotion.

``source_sha256`` covers the kernel language and, per cell, its type, its
source (line endings normalised to ``\\n``, trailing whitespace at the end of
the cell removed) and its sorted tags. Outputs, execution counts, ids, other
metadata, papermill's injected-parameters cell and papermill's error cells
are left out, so a notebook, its stripped copy, its papermill output and its
jupytext twin share one identity.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nbgate import jsonsafe
from nbgate.notebook import Notebook, language, tags
from nbgate.notebook import text as notebook_text

#: Cells papermill adds to an output notebook; they are not the notebook's content.
PAPERMILL_TAGS = frozenset(("injected-parameters", "papermill-error-cell-tag"))
_VERSION = "nbgate-source-v1"


def normalise_source(source: str) -> str:
    """Line endings to ``\\n`` and no trailing whitespace at the end of the cell."""
    return source.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def content_cells(nb: Notebook) -> list[dict[str, Any]]:
    """The cells that make up the notebook's content (papermill's additions left out)."""
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
    return jsonsafe.dumps_bytes([_VERSION, language(nb), cells])  # a lone surrogate escaped, not a crash


def source_sha256(nb: Notebook) -> str:
    """The notebook's identity as 64 hex digits."""
    return hashlib.sha256(canonical(nb)).hexdigest()
