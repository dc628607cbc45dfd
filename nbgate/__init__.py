"""nbgate: a quality gate between a git repository of notebooks and production."""

from __future__ import annotations

__version__ = "0.1.0"
