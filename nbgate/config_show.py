"""``nbgate config``: show the configuration in effect and where each value comes from.

Next to ``nbgate.config`` (which loads it) rather than inside it. With
``--reference`` it prints the options table that the docs site's
configuration page is generated from (``nbgate.reference``).
"""

from __future__ import annotations

import json

from nbgate import output
from nbgate.config import OPTIONS, SECRET_URLS, Config, mask_url
from nbgate.errors import OK


def table_cell(text: str) -> str:
    """``text`` inside a Markdown table cell: pipes escaped, on one line."""
    return text.replace("|", "\\|").replace("\n", " ")


def inline_code(text: str) -> str:
    """Inline code that may itself hold backticks."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def config_markdown() -> str:
    """Every option of ``[tool.nbgate]``: key, type, default and meaning, as a Markdown table."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for option in OPTIONS:
        default = inline_code(table_cell(json.dumps(option.default)))
        lines.append(
            f"| `{option.name}` | {option.type.__name__} | {default} | {table_cell(option.help)} |"
        )
    return "\n".join(lines)


def _shown(name: str, value: object) -> object:
    """``value`` as printed: URLs that may hold a password are masked."""
    return mask_url(value) if name in SECRET_URLS and isinstance(value, str) else value


def show_config(*, config: Config, fmt: str = "table", reference: bool = False) -> int:
    """Print every option's value and source (or, with ``reference``, the options table)."""
    if reference:
        output.result(config_markdown())
        return OK
    if fmt == "json":
        payload = {
            "root": str(config.root),
            "pyproject": str(config.pyproject) if config.pyproject else None,
            "options": {
                name: {"value": _shown(name, value), "source": config.sources.get(name, "default")}
                for name, value in config.values.items()
            },
        }
        output.result(json.dumps(payload, indent=2, sort_keys=True))
        return OK
    output.echo(f"root: {config.root}")
    output.echo(f"pyproject: {config.pyproject or '(none found)'}")
    rows = [
        [name, json.dumps(_shown(name, value)), config.sources.get(name, "default")]
        for name, value in config.values.items()
    ]
    output.result(output.table(["option", "value", "source"], rows))
    return OK
