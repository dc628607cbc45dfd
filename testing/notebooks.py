"""Build notebooks for tests without touching nbformat's random ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgate import notebook

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def code(
    source: str,
    *,
    tags: list[str] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    execution_count: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A code cell dict."""
    md = dict(metadata or {})
    if tags:
        md["tags"] = list(tags)
    return {
        "cell_type": "code",
        "execution_count": execution_count,
        "metadata": md,
        "outputs": list(outputs or []),
        "source": source,
    }


def markdown(source: str, *, tags: list[str] | None = None) -> dict[str, Any]:
    """A markdown cell dict."""
    return {
        "cell_type": "markdown",
        "metadata": {"tags": list(tags)} if tags else {},
        "source": source,
    }


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    """A stream output."""
    return {"output_type": "stream", "name": name, "text": text}


def result(text: str, count: int) -> dict[str, Any]:
    """An execute_result output with text/plain."""
    return {
        "output_type": "execute_result",
        "execution_count": count,
        "metadata": {},
        "data": {"text/plain": text},
    }


def make(
    cells: list[dict[str, Any]],
    *,
    minor: int = 5,
    metadata: dict[str, Any] | None = None,
    ids: bool = True,
) -> dict[str, Any]:
    """A v4 notebook dict; cells get ids ``cell-0``, ``cell-1``... for 4.5+ unless ``ids=False``."""
    cells = [dict(c) for c in cells]
    if minor >= 5 and ids:
        for i, cell in enumerate(cells):
            cell.setdefault("id", f"cell-{i}")
    md = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    md.update(metadata or {})
    return {"cells": cells, "metadata": md, "nbformat": 4, "nbformat_minor": minor}


def write(path: Path, nb: dict[str, Any]) -> Path:
    """Write ``nb`` in nbformat's layout and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(notebook.dumps(nb))
    return path
