"""``[tool.nbgate]`` configuration: one declared table of options.

Precedence, lowest first, in this order in ``load``:

1. the defaults in ``OPTIONS``;
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from nbgate.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class Option(NamedTuple):
    """One configuration key: dotted name, type, default and help text."""

    name: str
    type: type
    default: Any
    help: str


_NB_KEEP = ["kernelspec", "language_info.name", "jupytext", "nbgate", "title", "authors"]
_CELL_KEEP = ["tags", "nbgate", "jupytext", "slideshow", "editable", "deletable"]

#: Every option nbgate knows. The README's config table is generated from this.
OPTIONS: tuple[Option, ...] = (
    # which notebooks
    Option(
        "include",
        list,
        ["**/*.ipynb"],
        "Glob patterns (relative to the project root) of covered notebooks.",
    ),
    Option(
        "exclude",
        list,
        ["**/_build"],
        "Glob patterns left out (.ipynb_checkpoints, .nbgate, .git, virtualenvs "
        "always are; the default leaves out jupyter-book/Sphinx _build copies).",
    ),
    Option(
        "state_dir",
        str,
        ".nbgate",
        "Where runs, evidence and the run index live (relative to the root).",
    ),
    # strip
    Option(
        "strip.keep_cell_metadata",
        list,
        _CELL_KEEP,
        "Cell metadata keys strip keeps (dotted for nested keys).",
    ),
    Option(
        "strip.keep_notebook_metadata",
        list,
        _NB_KEEP,
        "Notebook metadata keys strip keeps (dotted for nested).",
    ),
    Option(
        "strip.keep_output_tag",
        str,
        "keep-output",
        "Cells with this tag keep their outputs and counts.",
    ),
    Option(
        "strip.keep_outputs",
        bool,
        False,
        "Keep every cell's outputs (strip only counts and metadata).",
    ),
    Option("strip.keep_execution_counts", bool, False, "Keep execution counts."),
    Option(
        "strip.nbstripout_markers",
        bool,
        True,
        "Also honour nbstripout's markers: the tag `keep_output`, "
        "cell metadata `keep_output: true` (that cell) and notebook metadata `keep_output: true` (every cell).",
    ),
    Option(
        "strip.init_cells",
        bool,
        False,
        "Strip cells with metadata `init_cell: true` too (by default they keep "
        "their outputs and counts, like nbstripout without --strip-init-cells).",
    ),
    Option(
        "strip.drop_empty_cells", bool, False, "Remove cells whose source is empty or whitespace."
    ),
    Option("strip.drop_tagged_cells", list, [], "Remove cells carrying any of these tags."),
    Option(
        "strip.max_output_size",
        int,
        0,
        "Keep outputs smaller than this many bytes (as JSON) in cells "
        "that are stripped; 0 strips every output.",
    ),
    # sync
    Option("sync.format", str, "py:percent", "Jupytext format of the text twin."),
    Option(
        "sync.folder", str, "", "Folder of the twins, relative to each notebook ('' = beside it)."
    ),
    Option("sync.enabled", bool, True, "Whether notebooks are paired with text twins at all."),
    # lint
    Option("lint.select", list, [], "Rule codes or prefixes to enable (empty = all)."),
    Option("lint.ignore", list, [], "Rule codes or prefixes to disable."),
    Option(
        "lint.per_path_ignores",
        dict,
        {},
        "Glob -> list of rule codes ignored for matching notebooks.",
    ),
    Option("lint.max_cells", int, 200, "NBG401: most cells a notebook may have."),
    Option("lint.max_lines_per_cell", int, 100, "NBG402: most source lines in one cell."),
    Option("lint.max_notebook_bytes", int, 5_000_000, "NBG403: largest notebook file, in bytes."),
    Option("lint.max_output_bytes", int, 1_000_000, "NBG104: largest single output, in bytes."),
    Option(
        "lint.secret_names",
        list,
        ["token", "secret", "password", "passwd", "api_key", "apikey", "private_key"],
        "NBG305: names whose high-entropy string values count as secrets.",
    ),
    Option(
        "lint.secret_min_entropy",
        float,
        3.5,
        "NBG305: least Shannon entropy (bits per character) of a secret value.",
    ),
    # smoke (pytest plugin)
    Option("smoke.parameters", dict, {}, "Test parameters for every notebook (lowest precedence)."),
    Option("smoke.timeout", float, 600.0, "Whole-notebook timeout in seconds."),
    Option("smoke.cell_timeout", float, 120.0, "Per-cell timeout in seconds."),
    Option("smoke.startup_timeout", float, 60.0, "Seconds a kernel may take to become ready."),
    Option(
        "smoke.kernel", str, "", "Kernel name for every notebook ('' = the notebook's kernelspec)."
    ),
    Option("smoke.pool_size", int, 2, "Kernels started ahead of time (start-ups in flight)."),
    Option(
        "smoke.kernel_start",
        str,
        "fork",
        "'fork': ipykernel kernels are forked from a template process that "
        "imported ipykernel once (Linux; else spawned); 'spawn': every kernel starts from scratch.",
    ),
    Option(
        "smoke.sanitizers",
        dict,
        {},
        "Regex -> replacement applied to outputs of nbgate-check-output cells.",
    ),
    Option(
        "smoke.check_images", bool, False, "Compare image outputs of nbgate-check-output cells too."
    ),
    Option(
        "smoke.check_outputs",
        str,
        "tagged",
        "Which cells' outputs are compared: 'tagged' (nbgate-check-output, "
        "nbval-check-output, # NBVAL_CHECK_OUTPUT) or 'all' executed code cells not marked to ignore (nbval).",
    ),
    Option(
        "smoke.sanitize_file",
        str,
        "",
        "An nbval sanitize file ([section] regex:/replace:), relative to the "
        "root, applied after smoke.sanitizers ('' = none).",
    ),
    # registry, run, export
    Option(
        "registry.path", str, "registry", "The schedule registry folder (relative to the root)."
    ),
    Option(
        "run.output",
        str,
        ".nbgate/runs/{name}/{date}/{rev}-{run_id}.ipynb",
        "Default output URI template.",
    ),
    Option("run.timezone", str, "UTC", "Default timezone of new schedules."),
    Option(
        "run.startup_timeout",
        float,
        60.0,
        "Seconds a production run's kernel may take to become ready.",
    ),
    Option(
        "run.index",
        str,
        "sqlite:///.nbgate/runs.db",
        "Run index database URL: sqlite:///PATH (relative to "
        "the root) or postgresql://...; also from NBGATE_RUN_INDEX_URL. Printed with its password masked.",
    ),
    Option(
        "run.index_timeout",
        float,
        10.0,
        "Seconds to wait for the run index (SQLite lock, PostgreSQL "
        "connect) before a run's record goes to the local spool.",
    ),
    Option("run.heartbeat", float, 30.0, "Seconds between heartbeats of a running run."),
    Option("run.lost_after", int, 3, "Missed heartbeats after which a running run shows as lost."),
    Option(
        "export.image", str, "python:3.11-slim", "Container image of exported Kubernetes CronJobs."
    ),
    Option(
        "export.command",
        str,
        "nbgate",
        "The nbgate command exported jobs call (e.g. an absolute path).",
    ),
    Option(
        "export.index_secret",
        str,
        "",
        "Kubernetes Secret holding the run index URL: CronJobs get "
        "NBGATE_RUN_INDEX_URL from it (secretKeyRef; '' = none).",
    ),
    Option(
        "export.index_secret_key", str, "url", "Key of the run index URL in export.index_secret."
    ),
    Option(
        "export.index_variable",
        str,
        "",
        "Airflow Variable holding the run index URL: DAGs pass it as "
        "NBGATE_RUN_INDEX_URL ('' = the worker's own environment).",
    ),
    Option(
        "export.workdir",
        str,
        "",
        "Folder exported jobs run in ('' = the project root for airflow/cron, "
        "the image's working directory for k8s).",
    ),
)

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


@dataclass(frozen=True)
class Config:
    """Resolved configuration: option values plus where they came from."""

    root: Path
    pyproject: Path | None
    values: dict[str, Any]
    warnings: tuple[str, ...]
    sources: dict[str, str] = field(default_factory=dict)

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
