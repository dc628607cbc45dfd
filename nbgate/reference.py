"""Reference text generated from the code: configuration and lint rules.

The docs site (``mkdocs build``, through ``tools/docs_hooks.py``) and
``nbgate config --reference`` print these, so the reference pages can never
disagree with the options table or the rule registry. Command-line usage
comes from the parsers themselves (``nbgate.cli.reference``), since nothing
outside the CLI may import it.
"""

from __future__ import annotations

import json

from nbgate.config import OPTIONS
from nbgate.lint.registry import rules


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
    lines = ["| code | name | severity | family | finds | example |", "|---|---|---|---|---|---|"]
    for rule in rules().values():
        example = _code(_cell(rule.example)) if rule.example else ""
        lines.append(f"| `{rule.code}` | {rule.name} | {rule.severity} | {rule.family} | {_cell(rule.summary)} "
                     f"| {example} |")
    return "\n".join(lines)


#: The generated pages by marker name (the command-line page is ``nbgate.cli.reference``).
GENERATORS = {"config": config_markdown, "lint-rules": rules_markdown}
