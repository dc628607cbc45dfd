"""nbgate sync: notebooks and their jupytext twins.

``pairing`` (paths, conversion, "same inputs", merging), ``percent`` and
``percent_rules`` (the fast py:percent reader), ``state`` (what nbgate last
wrote), ``model`` (pairs and reports), ``pairs`` (which pairs a run covers),
``twins`` (reading and writing the text side), ``decide`` (which side won,
from git), ``engine`` (syncing pairs), ``command`` (``nbgate sync``) and
``stage`` (the gate's sync stage).
"""

from __future__ import annotations
