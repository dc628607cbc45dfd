"""Render an output notebook to HTML with nbconvert, failing cell marked.

The notebook is untrusted (its outputs hold whatever HTML and JavaScript the
code printed). The template (``templates/nbconvert/nbgate_output``) is
nbconvert's lab page without any script or remote asset; the page is then
served under a Content-Security-Policy with ``sandbox`` and no script
source, inside an ``<iframe sandbox="">``. The HTML itself is not trusted
to be inert: the browser's sandbox is what keeps it out of the app's origin.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, NamedTuple

TEMPLATES = Path(__file__).with_name("templates") / "nbconvert"
FAILED_TAG = "nbgate-failed"
FAILED_ID = "nbgate-failed-cell"
#: Fragment of the failing cell in the rendered page.
FAILED_ANCHOR = f"cell-id={FAILED_ID}"


class Rendered(NamedTuple):
    """A rendered output notebook and the 0-based index of its failing cell (if any)."""

    html: str
    failed_cell: int | None


def failing_cell(nb: Any) -> int | None:
    """Index of the first code cell with an error output (the one that stopped the run)."""
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code" and any(
            o.get("output_type") == "error" for o in cell.get("outputs", [])
        ):
            return index
    return None


class Renderer:
    """An nbconvert HTML exporter built once, with a small cache of rendered pages."""

    def __init__(self, cache_size: int = 32) -> None:
        self._lock = threading.Lock()
        self._exporter: Any = None
        self._cache: OrderedDict[str, Rendered] = OrderedDict()
        self._size = cache_size

    def warm(self) -> None:
        """Import nbconvert and build the exporter now (seconds), not on the first notebook viewed."""
        with self._lock:
            self._get_exporter()

    def _get_exporter(self) -> Any:
        if self._exporter is None:
            from nbconvert import HTMLExporter

            self._exporter = HTMLExporter(
                template_name="nbgate_output",
                extra_template_basedirs=[str(TEMPLATES)],
                exclude_anchor_links=True,
            )  # type: ignore[no-untyped-call]
        return self._exporter

    def render(self, text: str) -> Rendered:
        """``text`` (an .ipynb) as one HTML page; ``ValueError`` when it is not a notebook."""
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            rendered = self._render(text)
            self._cache[key] = rendered
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return rendered

    def _render(self, text: str) -> Rendered:
        import nbformat

        try:
            nb = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
        except Exception as exc:  # noqa: BLE001 - JSON errors, schema errors, bad versions
            raise ValueError(f"not a readable notebook: {exc}") from None
        failed = failing_cell(nb)
        label: str | None = None
        if failed is not None:
            cell = nb.cells[failed]
            cell.id = FAILED_ID
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), FAILED_TAG]
            count = cell.get("execution_count")
            label = f"In [{count}]" if count else f"cell {failed + 1}"
        try:
            body, _ = self._get_exporter().from_notebook_node(
                nb, resources={"nbgate_failed": label}
            )
        except Exception as exc:  # noqa: BLE001 - nbconvert raises many kinds on odd content
            raise ValueError(f"nbconvert cannot render it: {exc}") from None
        return Rendered(str(body), failed)
