"""The schedule registry: revision model, file store, promotion, verification, state changes.

``model`` and ``store`` are the stable API other parts (``nbgate run``,
``nbgate export``, ``nbgate serve``) build on; ``promotion`` (with the
checks in ``conditions``) assesses and writes a promotion and ``promote``
is the conversation around it; ``schedules`` lists, shows and changes schedules; ``verify`` checks the
registry, ``report`` prints that check (``nbgate registry verify`` and its
pre-commit hook) and ``stage`` is the gate's ``registry`` stage; ``retest``
re-tests revisions from git. Submodules import nothing heavy at module level.
"""

from __future__ import annotations
