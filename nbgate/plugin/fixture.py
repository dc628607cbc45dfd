"""The ``nbgate_notebook`` fixture's work: a testbook client on an executed notebook.

testbook (nbclient underneath) runs the notebook in a fresh kernel, in the
notebook's folder, after papermill injected the test parameters, and then
lets a test reach into the kernel: ``tb.ref("fn")(1, 2)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from nbgate import lazyimport, notebook
from nbgate.config import Config
from nbgate.notebook import language
from nbgate.smoke.params import resolve
from nbgate.smoke.session import DEFAULT_KERNEL, relative


def locate(config: Config, path: str | Path, base: Path) -> Path:
    """An absolute path as is; a relative one from the project root, else from ``base``."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    for folder in (config.root, base):
        if (folder / candidate).exists():
            return folder / candidate
    return config.root / candidate


def open_notebook(
    config: Config,
    path: str | Path,
    *,
    parameters: Mapping[str, Any] | None,
    cli_parameters: Mapping[str, Any],
    stack: ExitStack,
    base: Path,
) -> Any:
    """Execute the notebook under testbook and return its client (closed by ``stack``)."""
    lazyimport.install()
    import nbformat
    from papermill.parameterize import parameterize_notebook
    from testbook import testbook

    target = locate(config, path, base)
    nb = notebook.read(target).nb
    smoke = config.section("smoke")
    resolved = resolve(
        nb,
        config_parameters=smoke["parameters"],
        cli_parameters=cli_parameters,
        explicit=parameters,
        where=relative(target, config.root),
    )
    kernelspec = nb.get("metadata", {}).get("kernelspec", {})
    kernel = smoke["kernel"] or kernelspec.get("name") or DEFAULT_KERNEL
    node = nbformat.from_dict(nb)  # type: ignore[no-untyped-call]
    if resolved.parameters:
        node.metadata.setdefault("papermill", {})
        for cell in node.cells:  # papermill reads cell.metadata.tags as an attribute
            cell.metadata.setdefault("tags", [])
        node = parameterize_notebook(
            node, resolved.parameters, kernel_name=kernel, language=language(nb)
        )
    client = testbook(
        node,
        execute=True,
        timeout=int(smoke["cell_timeout"]) or None,
        kernel_name=kernel,
        resources={"metadata": {"path": str(target.resolve().parent)}},
        startup_timeout=int(smoke["startup_timeout"]) or 60,
        shutdown_kernel="immediate",
    )
    return stack.enter_context(client)
