"""Production: run a promoted notebook exactly, keep its output, index every run.

``spec`` is what a run needs from a registry revision, ``content`` finds the
promoted bytes (git at the recorded commit, or the identical working-tree
file), ``outputs`` renders output URIs and creates them exclusively,
``execute`` drives papermill, ``index`` is the run index (SQLite or
PostgreSQL, with its spool), ``heartbeat`` keeps a running row alive and
``runner`` ties them together for ``nbgate run``.
"""
