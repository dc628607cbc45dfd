"""One module per subcommand.

Each module has a plain function with typed keyword parameters that returns
an exit code, and a ``register(subparsers)`` that declares its arguments and
maps the parsed namespace onto that function (``main`` does the dispatch).
"""

from __future__ import annotations
