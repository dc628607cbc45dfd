"""``nbgate serve``: a read-only web view of the schedule registry, its runs and their output notebooks."""

from __future__ import annotations
