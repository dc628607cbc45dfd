"""Reference text generated from the code: configuration and lint rules.

The docs site (``mkdocs build``, through ``tools/docs_hooks.py``) prints
these, so the reference pages can never disagree with the options table or
the rule registry. The options table itself is ``nbgate.config_show``'s
(``nbgate config --reference``), so that command never loads the lint
rules. Command-line usage comes from the parsers themselves
(``nbgate.cli.reference``), since nothing outside the CLI may import it.
"""

from __future__ import annotations

from nbgate.config_show import config_markdown, inline_code, table_cell
from nbgate.lint.registry import rules


def rules_markdown() -> str:
    """Every lint rule: code, name, severity, family, what it finds and an example, as a Markdown table."""
    lines = ["| code | name | severity | family | finds | example |", "|---|---|---|---|---|---|"]
    for rule in rules().values():
        example = inline_code(table_cell(rule.example)) if rule.example else ""
        lines.append(
            f"| `{rule.code}` | {rule.name} | {rule.severity} | {rule.family} | {table_cell(rule.summary)} "
            f"| {example} |"
        )
    return "\n".join(lines)


#: The generated pages by marker name (the command-line page is ``nbgate.cli.reference``).
GENERATORS = {"config": config_markdown, "lint-rules": rules_markdown}
