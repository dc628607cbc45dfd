"""Options records with the defaults of ``config.OPTIONS`` (the only place defaults are declared)."""

from __future__ import annotations

from typing import Any

from nbgate import config
from nbgate.lint.options import LintOptions
from nbgate.production.export import ExportOptions
from nbgate.strip.transform import StripOptions


def strip_options(**changes: Any) -> StripOptions:
    """``StripOptions`` of a project without configuration, with ``changes`` applied."""
    return StripOptions.from_config(config.defaults("strip"))._replace(**changes)


def lint_options(**changes: Any) -> LintOptions:
    """``LintOptions`` of a project without configuration (every rule enabled), with ``changes`` applied."""
    return LintOptions.default()._replace(**changes)


def export_options(**changes: Any) -> ExportOptions:
    """``ExportOptions`` of a project without configuration, with ``changes`` applied."""
    return ExportOptions.default()._replace(**changes)
