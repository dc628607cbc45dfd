"""Defer ``rfc3987_syntax``: nbformat-based libraries without its 1 s import.

nbformat imports jsonschema, whose format checker does ``from rfc3987_syntax
import is_valid_syntax`` when that package is installed (it is, with
Jupyter). ``rfc3987_syntax`` builds a lark grammar at import time: 0.9 to
1.7 s, more than a whole smoke run of a small notebook or a whole diff.

:func:`install` puts a stand-in module in ``sys.modules`` before jsonschema
is imported. Its ``is_valid_syntax`` and any other public attribute import the real
package on first use (which then replaces the stand-in in ``sys.modules``)
and hand over to it. Nothing changes except when the grammar is built:
jsonschema's ``iri`` and ``iri-reference`` formats still check, and any
later import of ``rfc3987_syntax`` sees the real package's public attributes
(after the first use, the real module itself).

Installed by nbgate's own command line and by ``pytest --nbgate``; never by
merely having the pytest plugin installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

from nbgate import fastpaths

SLOW = "rfc3987_syntax"


class _StandIn(ModuleType):
    """``rfc3987_syntax`` until something uses it."""

    def real(self) -> ModuleType:
        if sys.modules.get(SLOW) is self:
            del sys.modules[SLOW]
        return importlib.import_module(SLOW)

    def is_valid_syntax(self, *args: Any, **kwargs: Any) -> Any:
        return self.real().is_valid_syntax(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            # the import system probes __path__ and friends on `from rfc3987_syntax import ...`
            raise AttributeError(name)
        return getattr(self.real(), name)


def install() -> None:
    """Put the stand-in in place if jsonschema has not imported the real package yet.

    Does nothing with the ``lazy-iri-grammar`` fast path off (``nbgate.fastpaths``):
    jsonschema then imports the real package, grammar and all.
    """
    if (
        SLOW in sys.modules
        or "jsonschema" in sys.modules
        or not fastpaths.enabled("lazy-iri-grammar")
    ):
        return
    try:
        found = importlib.util.find_spec(SLOW) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        sys.modules[SLOW] = _StandIn(
            SLOW, "nbgate's stand-in: imports the real rfc3987_syntax on first use"
        )


def import_module(name: str) -> ModuleType:
    """``importlib.import_module(name)`` with the stand-in installed first."""
    install()
    return importlib.import_module(name)
