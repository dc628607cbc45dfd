"""nbgate diff: notebook diffs for review.

``view`` (what a diff compares), ``align`` (driving nbdime), ``model`` (the
diff records and their reading of nbdime's output), ``render`` (terminal,
markdown, json, html), ``changes`` (which notebooks git says differ),
``files`` (their diffs) and ``command`` (``nbgate diff``).
"""

from __future__ import annotations
