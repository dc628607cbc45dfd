"""``[tool.nbgate]`` configuration: one declared table of options.

Precedence, lowest first, in this order in ``load``:

1. the defaults in ``OPTIONS`` (declared in ``nbgate.options_table``);
2. ``[tool.nbgate]`` (and its sub-tables) in the nearest ``pyproject.toml``,
   found by walking up from the working directory;
3. ``NBGATE_<KEY>`` environment variables (dots become ``_``, upper case:
   ``smoke.timeout`` is ``NBGATE_SMOKE_TIMEOUT``);
4. command-line flags (each command's own flags and the global ``--set``).

A value of the wrong type is a ``ConfigError`` naming the key and the value;
an unknown key is a warning, not an error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbgate.errors import ConfigError
from nbgate.options_table import OPTIONS as OPTIONS  # noqa: PLC0414 - the table's public name stays config.OPTIONS
from nbgate.options_table import Option as Option  # noqa: PLC0414 - and config.Option

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


_BY_NAME = {option.name: option for option in OPTIONS}
#: Extra environment names of options (besides ``NBGATE_<KEY>``); they win over the plain name.
ENV_ALIASES = {"run.index": "NBGATE_RUN_INDEX_URL"}
#: Options holding a URL whose password is never printed.
SECRET_URLS = frozenset({"run.index"})
_PASSWORD = re.compile(r"(://[^/@\s:]*:)([^@\s]*)(@)")
_PASSWORD_PARAM = re.compile(r"(?i)(password=)([^&\s]*)")


def mask_url(url: str) -> str:
    """``url`` with its password (``user:PASSWORD@`` or ``password=``) replaced by ``***``."""
    return _PASSWORD_PARAM.sub(r"\1***", _PASSWORD.sub(r"\1***\3", url))


_SECTIONS = {name.split(".", 1)[0] for name in _BY_NAME if "." in name}


def defaults(prefix: str = "") -> dict[str, Any]:
    """The defaults in ``OPTIONS`` (fresh copies), keyed by dotted name.

    With ``prefix``, only the options under ``prefix.``, keyed without it
    (the shape of ``Config.section``): the one place a feature's options
    record gets its defaults from when no configuration was loaded.
    """
    values = {option.name: _copy(option.default) for option in OPTIONS}
    if not prefix:
        return values
    cut = len(prefix) + 1
    return {name[cut:]: value for name, value in values.items() if name.startswith(prefix + ".")}


class Config:
    """Resolved configuration: option values plus where they came from (read-only).

    A frozen record written out by hand rather than a ``dataclass``: every
    command loads a config, and ``dataclasses`` imports ``inspect`` (about
    7 ms of every start-up). It behaves as the frozen dataclass did.
    """

    root: Path
    pyproject: Path | None
    values: dict[str, Any]
    warnings: tuple[str, ...]
    sources: dict[str, str]

    def __init__(
        self,
        root: Path,
        pyproject: Path | None,
        values: dict[str, Any],
        warnings: tuple[str, ...],
        sources: dict[str, str] | None = None,
    ) -> None:
        for name, value in (
            ("root", root),
            ("pyproject", pyproject),
            ("values", values),
            ("warnings", warnings),
            ("sources", {} if sources is None else sources),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: Config is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: Config is read-only")

    def _fields(self) -> tuple[Any, ...]:
        return (self.root, self.pyproject, self.values, self.warnings, self.sources)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:  # raises TypeError (the dicts), as the frozen dataclass's did
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Config(root={self.root!r}, pyproject={self.pyproject!r}, values={self.values!r}, "
            f"warnings={self.warnings!r}, sources={self.sources!r})"
        )

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def section(self, prefix: str) -> dict[str, Any]:
        """All options under ``prefix.`` with the prefix removed."""
        cut = len(prefix) + 1
        return {k[cut:]: v for k, v in self.values.items() if k.startswith(prefix + ".")}

    @property
    def state_dir(self) -> Path:
        """The absolute ``.nbgate`` folder."""
        return self.root / str(self.values["state_dir"])


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _type_name(kind: type) -> str:
    return {
        list: "list of strings",
        dict: "table",
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
    }[kind]


def coerce(name: str, value: Any, source: str) -> Any:
    """Check ``value`` against the declared type of ``name``; convert where lossless."""
    kind = _BY_NAME[name].type
    bad = ConfigError(f"{source}: {name} = {value!r} is not a {_type_name(kind)}")
    if kind is bool:
        if not isinstance(value, bool):
            raise bad
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise bad
    elif kind is list:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad
        value = list(value)
    elif kind is dict:
        if not isinstance(value, dict):
            raise bad
        value = dict(value)
    return value


def parse_text(name: str, text: str, source: str) -> Any:
    """Parse an option from text (environment variable or ``--set``)."""
    if name not in _BY_NAME:
        raise ConfigError(f"{source}: unknown option {name!r}")
    kind = _BY_NAME[name].type
    if kind is str:
        return text
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{source}: {name} = {text!r} is not a boolean (true/false)")
    if kind is list and not text.lstrip().startswith("["):
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind in (int, float):
        try:
            return coerce(name, int(text) if kind is int else float(text), source)
        except ValueError:
            raise ConfigError(f"{source}: {name} = {text!r} is not a {_type_name(kind)}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(f"{source}: {name} = {text!r} is not valid JSON") from None
    return coerce(name, value, source)


def _flatten(table: Mapping[str, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """``[tool.nbgate]`` with sub-tables into dotted keys, checking each value."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if key in _SECTIONS and isinstance(value, dict):
            for sub, sub_value in value.items():
                dotted = f"{key}.{sub}"
                if dotted in _BY_NAME:
                    flat[dotted] = coerce(dotted, sub_value, source)
                else:
                    warnings.append(f"{source}: unknown option {dotted!r} ignored")
        elif key in _BY_NAME:
            flat[key] = coerce(key, value, source)
        elif key == "pytest":
            continue  # read by the pytest plugin's ini handling
        else:
            warnings.append(f"{source}: unknown option {key!r} ignored")
    return flat


def load(
    start: Path | None = None,
    *,
    pyproject: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Resolve the configuration: defaults < file < environment < ``overrides``.

    ``overrides`` are command-line values, already typed, keyed by dotted name
    (``None`` values are ignored so unset flags do not override anything).
    """
    start = (start or Path.cwd()).resolve()
    env = os.environ if env is None else env
    warnings: list[str] = []
    values = defaults()
    sources = {option.name: "default" for option in OPTIONS}

    path = pyproject.resolve() if pyproject else find_pyproject(start)
    if path is not None:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        table = document.get("tool", {}).get("nbgate", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.nbgate] must be a table")
        from_file = _flatten(table, f"{path.name} [tool.nbgate]", warnings)
        values.update(from_file)
        sources.update(dict.fromkeys(from_file, str(path)))
        root = path.parent
    else:
        root = start

    for option in OPTIONS:
        variable = "NBGATE_" + option.name.replace(".", "_").upper()
        if variable in env:
            values[option.name] = parse_text(option.name, env[variable], variable)
            sources[option.name] = variable
        alias = ENV_ALIASES.get(option.name)
        if alias is not None and alias in env:
            values[option.name] = parse_text(option.name, env[alias], alias)
            sources[option.name] = alias

    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in _BY_NAME:
            raise ConfigError(f"command line: unknown option {name!r}")
        values[name] = coerce(name, value, "command line")
        sources[name] = "command line"
    return Config(root, path, values, tuple(warnings), sources)


def parse_assignments(items: list[str] | None) -> dict[str, Any]:
    """``--set key=value`` items into typed overrides."""
    result: dict[str, Any] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        result[name.strip()] = parse_text(name.strip(), text, f"--set {name.strip()}")
    return result


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value
