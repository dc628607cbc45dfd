"""Render findings as text, JSON, GitHub workflow commands or SARIF 2.1.0. Pure functions.

Text and JSON speak in cells and source lines (``cell 3``, ``line 2``).
GitHub annotations and SARIF regions need a line of the ``.ipynb`` file, so
they use ``Reported.file_line`` (see ``nbgate.lint.locate``) and repeat the
cell and source line in the message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from nbgate import github
from nbgate.lint.registry import ERROR, Finding, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


class Reported(NamedTuple):
    """A finding with where it is: the path shown to users, the root-relative URI, the file line."""

    path: str
    uri: str
    finding: Finding
    file_line: int = 1


def where(finding: Finding) -> str:
    """``cell 3, line 2`` / ``cell 3`` / ``""``."""
    parts = []
    if finding.cell is not None:
        parts.append(f"cell {finding.cell}")
        if finding.line is not None:
            parts.append(f"line {finding.line}")
    return ", ".join(parts)


def text_line(item: Reported, code: str | None = None) -> str:
    """``path:cell N:line L: NBG201 message`` (parts that do not apply left out)."""
    finding = item.finding
    location = [item.path]
    if finding.cell is not None:
        location.append(f"cell {finding.cell}")
        if finding.line is not None:
            location.append(f"line {finding.line}")
    return f"{':'.join(location)}: {code or finding.code} {finding.message}"


def to_json(items: Iterable[Reported], rules: dict[str, Rule]) -> str:
    """A JSON list of finding objects."""
    data = [
        {
            "path": item.path,
            "code": item.finding.code,
            "name": rules[item.finding.code].name if item.finding.code in rules else "",
            "severity": item.finding.severity,
            "message": item.finding.message,
            "cell": item.finding.cell,
            "line": item.finding.line,
        }
        for item in items
    ]
    return _dumps(data)


def _dumps(data: Any) -> str:
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except (
        TypeError,
        orjson.JSONEncodeError,
    ):  # a lone surrogate in a message: escape it as json does
        return json.dumps(data, indent=2)


def to_github(items: Iterable[Reported], rules: dict[str, Rule]) -> str:
    """GitHub Actions workflow commands, one ``::error``/``::warning`` per finding."""
    lines = []
    for item in items:
        finding = item.finding
        command = "error" if finding.severity == ERROR else "warning"
        rule = rules.get(finding.code)
        title = f"{finding.code} {rule.name}" if rule else finding.code
        location = where(finding)
        message = f"{finding.message} ({location})" if location else finding.message
        lines.append(
            github.annotation(command, message, file=item.path, line=item.file_line, title=title)
        )
    return "\n".join(lines)


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary.split(". ")[0].rstrip(".") + "."},
        "fullDescription": {"text": rule.summary},
        "help": {
            "text": f"{rule.summary} Example: {rule.example}",
            "markdown": f"{rule.summary}\n\nExample: {rule.example}",
        },
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["notebook", rule.family]},
    }


def to_sarif(
    items: Sequence[Reported], rules: dict[str, Rule], *, version: str, root_uri: str | None
) -> str:
    """A SARIF 2.1.0 log with one run, every rule's metadata and one result per finding."""
    index = {code: i for i, code in enumerate(rules)}
    results = []
    for item in items:
        finding = item.finding
        location = where(finding)
        artifact: dict[str, Any] = {"uri": item.uri}
        if root_uri:
            artifact["uriBaseId"] = "%SRCROOT%"
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": "error" if finding.severity == ERROR else "warning",
            "message": {"text": f"{finding.message} ({location})" if location else finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": {"startLine": item.file_line},
                    }
                }
            ],
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        if finding.cell is not None:
            result["properties"] = {
                "cell": finding.cell,
                **({"cellLine": finding.line} if finding.line else {}),
            }
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "nbgate",
                "version": version,
                "informationUri": "https://pypi.org/project/nbgate/",
                "rules": [_rule_descriptor(rule) for rule in rules.values()],
            }
        },
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    if root_uri:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root_uri}}
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return _dumps(log)
