"""nbgate diff: notebook diffs for review (model, nbdime driver, rendering, changed files)."""

from __future__ import annotations
