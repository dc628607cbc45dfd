"""``nbgate init``: set a repository up for nbgate.

Owns the files init writes and how it writes them: ``project`` runs the
steps in order and prints one table, ``pyproject`` adds ``[tool.nbgate]``
(and the export and translated nbstripout settings), ``precommit`` the hooks,
``workflow`` the GitHub workflow and CODEOWNERS, ``files`` the ``Step``
record, the careful writers, ``.gitignore`` and the registry folder. The
nbstripout translation itself lives in ``nbgate.strip.migrate``.
"""

from __future__ import annotations
