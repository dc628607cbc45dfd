"""Reference text generated from the code: configuration, lint rules, command-line usage.

The docs site (``mkdocs build``, through ``tools/docs_hooks.py``) and
``nbgate config --reference`` print these, so the reference pages can never
disagree with the options table, the rule registry or the parsers.
"""

from __future__ import annotations

import argparse
import json
import re

from nbgate.config import OPTIONS


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """Inline code that may itself hold backticks."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def config_markdown() -> str:
    """Every option of ``[tool.nbgate]``: key, type, default and meaning, as a Markdown table."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for option in OPTIONS:
        default = _code(_cell(json.dumps(option.default)))
        lines.append(f"| `{option.name}` | {option.type.__name__} | {default} | {_cell(option.help)} |")
    return "\n".join(lines)


def rules_markdown() -> str:
    """Every lint rule: code, name, severity, family, what it finds and an example, as a Markdown table."""
    from nbgate.lint.registry import rules

    lines = ["| code | name | severity | family | finds | example |", "|---|---|---|---|---|---|"]
    for rule in rules().values():
        example = _code(_cell(rule.example)) if rule.example else ""
        lines.append(f"| `{rule.code}` | {rule.name} | {rule.severity} | {rule.family} | {_cell(rule.summary)} "
                     f"| {example} |")
    return "\n".join(lines)


def cli_markdown() -> str:
    """``nbgate --help`` and every command's ``--help``, one section per command."""
    from nbgate.cli.main import COMMANDS, build_parser

    parser = build_parser()
    parts = ["## `nbgate`", "", "```text", _help(parser.format_help()), "```"]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        sub = subparsers.choices[name]
        parts += ["", f"## `nbgate {name}`", "", "```text", _help(sub.format_help()), "```"]
    return "\n".join(parts)


def _help(text: str) -> str:
    # argparse wraps to the terminal's width: normalise so the page does not depend on where it was built
    return re.sub(r"[ \t]+\n", "\n", text).rstrip()


GENERATORS = {"config": config_markdown, "lint-rules": rules_markdown, "cli": cli_markdown}
