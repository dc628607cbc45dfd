"""The schedule registry: revision model, file store, promotion, verification, exporters.

Submodules import nothing heavy at module level; ``model`` and ``store`` are
the stable API other parts (``nbgate run``, ``nbgate export``) build on.
"""

from __future__ import annotations
