"""Lint options from ``[tool.nbgate.lint]``: rule selection, limits, per-path ignores.

Selection works like ruff's: ``select`` (empty means every rule) and
``ignore`` hold codes or prefixes (``NBG2`` is the whole scheduling family,
``NBG20`` rules 200-209). When both match a rule the longer, more specific
entry wins; on a tie ``ignore`` wins. ``per_path_ignores`` maps globs
(relative to the project root) to more codes or prefixes to ignore; those
always win, whatever ``select`` says.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.config import defaults
from nbgate.errors import ConfigError
from nbgate.lint.registry import rules
from nbgate.project import matches
from nbgate.strip.transform import StripOptions


class LintOptions(NamedTuple):
    """Everything a lint run needs besides the notebook itself (defaults: ``config.OPTIONS`` only)."""

    enabled: frozenset[str]
    max_cells: int
    max_lines_per_cell: int
    max_notebook_bytes: int
    max_output_bytes: int
    secret_names: tuple[str, ...]
    secret_min_entropy: float
    keep_output_tag: str
    keep_outputs: bool
    keep_execution_counts: bool
    strip: StripOptions | None = (
        None  # all of strip's options (None: the defaults, but the three above)
    )

    @property
    def strip_options(self) -> StripOptions:
        """The strip options NBG101-103 mirror."""
        if self.strip is not None:
            return self.strip
        return StripOptions.default()._replace(
            keep_output_tag=self.keep_output_tag,
            keep_outputs=self.keep_outputs,
            keep_execution_counts=self.keep_execution_counts,
        )

    @classmethod
    def from_config(cls, values: Mapping[str, Any], enabled: frozenset[str]) -> LintOptions:
        """Build from ``Config.values`` (dotted keys; ``lint.*`` and ``strip.*``) with ``enabled`` rules."""
        return cls(
            enabled=enabled,
            max_cells=values["lint.max_cells"],
            max_lines_per_cell=values["lint.max_lines_per_cell"],
            max_notebook_bytes=values["lint.max_notebook_bytes"],
            max_output_bytes=values["lint.max_output_bytes"],
            secret_names=tuple(name.lower() for name in values["lint.secret_names"]),
            secret_min_entropy=values["lint.secret_min_entropy"],
            keep_output_tag=values["strip.keep_output_tag"],
            keep_outputs=values["strip.keep_outputs"],
            keep_execution_counts=values["strip.keep_execution_counts"],
            strip=StripOptions.from_config(
                {k[6:]: v for k, v in values.items() if k.startswith("strip.")}
            ),
        )

    @classmethod
    def default(cls) -> LintOptions:
        """Every rule enabled, the defaults of ``config.OPTIONS``.

        ``strip`` is left None so that replacing one of the three ``keep_*``
        fields also changes what NBG101-103 expect.
        """
        return cls.from_config(defaults(), frozenset(rules()))._replace(strip=None)


def normalize(entries: Iterable[str], key: str) -> list[str]:
    """Upper-case, split ``"NBG1,NBG2"`` items and check each names a rule or family."""
    known = rules()
    result = []
    for entry in entries:
        for part in entry.split(","):
            token = part.strip().upper()
            if not token:
                continue
            if token == "ALL":
                token = "NBG"
            if not token.startswith("NBG") or not any(code.startswith(token) for code in known):
                raise ConfigError(
                    f"{key}: {part.strip()!r} is not a rule code or prefix (e.g. NBG201, NBG2)"
                )
            result.append(token)
    return result


def _longest(code: str, prefixes: Iterable[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def select_codes(select: Iterable[str], ignore: Iterable[str]) -> frozenset[str]:
    """The enabled codes: matched by ``select`` (or all when empty) more specifically than by ``ignore``."""
    chosen = list(select) or ["NBG"]
    ignored = list(ignore)
    enabled = set()
    for code in rules():
        picked = _longest(code, chosen)
        if picked >= 0 and picked > _longest(code, ignored):
            enabled.add(code)
    return frozenset(enabled)


def _per_path(table: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    result = []
    for pattern, codes in table.items():
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(
                f"lint.per_path_ignores: {pattern!r} = {codes!r} is not a list of rule codes"
            )
        result.append((pattern, tuple(normalize(codes, f"lint.per_path_ignores[{pattern!r}]"))))
    return tuple(result)


class Settings(NamedTuple):
    """Resolved ``lint.*`` and ``strip.*`` config; ``for_path`` gives one notebook's options."""

    root: Path
    base: LintOptions
    ignore: tuple[str, ...]
    select: tuple[str, ...]
    per_path: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def from_config(cls, values: Mapping[str, Any], root: Path) -> Settings:
        """Build from ``Config.values`` (dotted keys); raises ``ConfigError`` for unknown codes."""
        select = tuple(normalize(values["lint.select"], "lint.select"))
        ignore = tuple(normalize(values["lint.ignore"], "lint.ignore"))
        for key in (
            "lint.max_cells",
            "lint.max_lines_per_cell",
            "lint.max_notebook_bytes",
            "lint.max_output_bytes",
        ):
            if values[key] < 0:
                raise ConfigError(f"{key} = {values[key]!r} must not be negative")
        base = LintOptions.from_config(values, select_codes(select, ignore))
        return cls(root, base, ignore, select, _per_path(values["lint.per_path_ignores"]))

    def for_path(self, path: str | os.PathLike[str]) -> LintOptions:
        """The options for one notebook, after its ``per_path_ignores``."""
        if not self.per_path:
            return self.base
        absolute = Path(os.path.abspath(path))
        try:
            relative = absolute.relative_to(self.root).as_posix()
        except ValueError:
            relative = Path(path).as_posix()
        extra = [
            code
            for pattern, codes in self.per_path
            if matches(relative, [pattern])
            for code in codes
        ]
        if not extra:
            return self.base
        # a per-path ignore always wins, even over a more specific ``select``
        enabled = frozenset(c for c in self.base.enabled if not any(c.startswith(p) for p in extra))
        return self.base._replace(enabled=enabled)
