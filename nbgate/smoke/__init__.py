"""Smoke-running notebooks: parameters, a kernel pool, the papermill runner, output
checks and the evidence ledger.

The pieces are split so the cheap ones (``params``, ``ledger``, ``checks``,
``report``) import nothing heavy; ``pool`` imports jupyter_client and
``runner`` papermill (through ``nbgate.execution.engine``, the execution
layer it shares with production runs), and only when a notebook is executed.
"""

from __future__ import annotations
