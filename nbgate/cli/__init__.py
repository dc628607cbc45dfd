"""The command line: a thin shell that nothing imports.

``main`` builds the parser, dispatches and maps errors to exit codes. Each
other module is one subcommand: a ``register(subparsers)`` that declares its
arguments and maps the parsed namespace onto one feature function (in the
feature's package) with typed keyword parameters that returns an exit code.
"""

from __future__ import annotations
