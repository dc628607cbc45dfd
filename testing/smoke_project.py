"""Build small notebook projects for the smoke runner and plugin tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from testing.notebooks import code, make, write


def pyproject(
    smoke: dict[str, Any] | None = None, *, pytest_ini: str = "", include: str = "**/*.ipynb"
) -> str:
    """A pyproject.toml with ``[tool.nbgate]`` (and optional pytest ini lines)."""
    lines = [
        "[tool.pytest.ini_options]",
        'addopts = "-p no:nbmake -p no:nbval -p no:cacheprovider -p no:hypothesispytest"',
        pytest_ini,
        "",
        "[tool.nbgate]",
        f"include = [{json.dumps(include)}]",
        "",
        "[tool.nbgate.smoke]",
    ]
    for key, value in (smoke or {}).items():
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def project(
    root: Path,
    notebooks: dict[str, dict[str, Any]],
    smoke: dict[str, Any] | None = None,
    *,
    pytest_ini: str = "",
    include: str = "**/*.ipynb",
) -> Path:
    """Write ``pyproject.toml`` and the notebooks (name -> notebook dict) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject(smoke, pytest_ini=pytest_ini, include=include))
    for name, nb in notebooks.items():
        write(root / name, nb)
    return root


def params_nb(params: str, *body: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A notebook with a ``parameters`` cell and one code cell per ``body`` string."""
    return make(
        [code(params, tags=["parameters"]), *(code(source) for source in body)], metadata=metadata
    )


def evidence(root: Path) -> list[dict[str, Any]]:
    """Every evidence record under ``root/.nbgate/evidence``."""
    folder = root / ".nbgate" / "evidence"
    return (
        [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
        if folder.exists()
        else []
    )


TWIN = """\
# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
n = 1

# %%
print(n * 2)
"""
