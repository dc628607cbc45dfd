"""nbgate.config: defaults < pyproject < NBGATE_* env < flags; wrong types named; unknown keys warned."""

from __future__ import annotations

import ast
import copy
import dataclasses
import importlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from nbgate import config
from nbgate.cli.main import main
from nbgate.errors import ConfigError


def _project(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(f"[project]\nname = 'p'\n\n{body}\n", encoding="utf-8")
    return path


def test_defaults_without_a_pyproject(tmp_path: Path) -> None:
    cfg = config.load(tmp_path, env={})
    assert cfg.pyproject is None and cfg.root == tmp_path.resolve()
    assert cfg.values == {option.name: option.default for option in config.OPTIONS}
    assert set(cfg.sources.values()) == {"default"}
    assert cfg.state_dir == tmp_path.resolve() / ".nbgate"


def test_option_defaults_have_their_declared_type() -> None:
    for option in config.OPTIONS:
        assert config.coerce(option.name, option.default, "defaults") == option.default


@pytest.mark.parametrize(
    ("file", "env", "overrides", "expected", "source"),
    [
        ("", {}, {}, False, "default"),
        ("[tool.nbgate.strip]\nkeep_outputs = true", {}, {}, True, "pyproject"),
        (
            "[tool.nbgate.strip]\nkeep_outputs = true",
            {"NBGATE_STRIP_KEEP_OUTPUTS": "false"},
            {},
            False,
            "NBGATE_STRIP_KEEP_OUTPUTS",
        ),
        ("", {"NBGATE_STRIP_KEEP_OUTPUTS": "yes"}, {}, True, "NBGATE_STRIP_KEEP_OUTPUTS"),
        (
            "[tool.nbgate.strip]\nkeep_outputs = true",
            {"NBGATE_STRIP_KEEP_OUTPUTS": "1"},
            {"strip.keep_outputs": False},
            False,
            "command line",
        ),
        (
            "[tool.nbgate.strip]\nkeep_outputs = true",
            {},
            {"strip.keep_outputs": None},
            True,
            "pyproject",
        ),
    ],
    ids=[
        "default",
        "file",
        "env-beats-file",
        "env-beats-default",
        "flag-beats-env-and-file",
        "unset-flag",
    ],
)
def test_precedence(
    tmp_path: Path,
    file: str,
    env: dict[str, str],
    overrides: dict[str, Any],
    expected: bool,
    source: str,
) -> None:
    path = _project(tmp_path, file)
    cfg = config.load(tmp_path, env=env, overrides=overrides)
    assert cfg["strip.keep_outputs"] is expected
    assert cfg.sources["strip.keep_outputs"] == (
        str(path.resolve()) if source == "pyproject" else source
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("include", "a/*.ipynb, b/**/*.ipynb", ["a/*.ipynb", "b/**/*.ipynb"]),
        ("include", '["x.ipynb"]', ["x.ipynb"]),
        ("smoke.timeout", "30", 30.0),
        ("lint.max_cells", "12", 12),
        ("smoke.parameters", '{"n": 1}', {"n": 1}),
        ("sync.format", "md:myst", "md:myst"),
        ("strip.keep_execution_counts", "off", False),
    ],
)
def test_environment_values_are_parsed_by_type(
    tmp_path: Path, name: str, text: str, expected: Any
) -> None:
    variable = "NBGATE_" + name.replace(".", "_").upper()
    cfg = config.load(tmp_path, env={variable: text})
    assert cfg[name] == expected and type(cfg[name]) is type(expected)


@pytest.mark.parametrize(
    ("body", "key", "shown"),
    [
        ("[tool.nbgate.strip]\nkeep_outputs = 'yes'", "strip.keep_outputs", "'yes'"),
        ("[tool.nbgate]\ninclude = 'notebooks'", "include", "'notebooks'"),
        ("[tool.nbgate]\ninclude = ['a', 3]", "include", "['a', 3]"),
        ("[tool.nbgate.lint]\nmax_cells = 1.5", "lint.max_cells", "1.5"),
        ("[tool.nbgate.lint]\nmax_cells = true", "lint.max_cells", "True"),
        ("[tool.nbgate.smoke]\ntimeout = 'long'", "smoke.timeout", "'long'"),
        ("[tool.nbgate.smoke]\nparameters = [1]", "smoke.parameters", "[1]"),
    ],
)
def test_wrong_type_in_file_names_key_and_value(
    tmp_path: Path, body: str, key: str, shown: str
) -> None:
    _project(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path, env={})
    assert f"{key} = {shown} is not a" in str(info.value)


def test_integer_is_accepted_for_a_number(tmp_path: Path) -> None:
    _project(tmp_path, "[tool.nbgate.smoke]\ntimeout = 30")
    value = config.load(tmp_path, env={})["smoke.timeout"]
    assert value == 30.0 and isinstance(value, float)


@pytest.mark.parametrize(
    ("variable", "text", "fragment"),
    [
        ("NBGATE_STRIP_KEEP_OUTPUTS", "maybe", "strip.keep_outputs = 'maybe' is not a boolean"),
        ("NBGATE_LINT_MAX_CELLS", "many", "lint.max_cells = 'many' is not a integer"),
        ("NBGATE_SMOKE_PARAMETERS", "{oops", "smoke.parameters = '{oops' is not valid JSON"),
        ("NBGATE_SMOKE_PARAMETERS", "[1]", "smoke.parameters = [1] is not a table"),
    ],
)
def test_wrong_environment_value_names_variable_key_and_value(
    tmp_path: Path, variable: str, text: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path, env={variable: text})
    assert variable in str(info.value) and fragment in str(info.value)


def test_unknown_keys_warn(tmp_path: Path) -> None:
    _project(
        tmp_path,
        "[tool.nbgate]\nincluded = ['x']\npytest = {}\n\n[tool.nbgate.strip]\nkeep_everything = true",
    )
    cfg = config.load(tmp_path, env={})
    assert len(cfg.warnings) == 2
    assert "unknown option 'included' ignored" in cfg.warnings[0]
    assert "unknown option 'strip.keep_everything' ignored" in cfg.warnings[1]


def test_walks_up_to_the_nearest_pyproject(tmp_path: Path) -> None:
    _project(tmp_path, "[tool.nbgate]\nstate_dir = 'outer'")
    inner = _project(tmp_path / "sub", "[tool.nbgate]\nstate_dir = 'inner'")
    deep = tmp_path / "sub" / "a" / "b"
    deep.mkdir(parents=True)
    cfg = config.load(deep, env={})
    assert cfg.pyproject == inner.resolve()
    assert cfg.root == inner.parent.resolve()
    assert cfg["state_dir"] == "inner"
    assert config.load(tmp_path / "sub" / "..", env={})["state_dir"] == "outer"


def test_a_pyproject_without_tool_nbgate_gives_defaults_and_its_root(tmp_path: Path) -> None:
    path = _project(tmp_path, "[tool.other]\nx = 1")
    cfg = config.load(tmp_path / ".", env={})
    assert cfg.pyproject == path.resolve() and cfg.root == tmp_path.resolve()
    assert cfg["include"] == ["**/*.ipynb"] and not cfg.warnings


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("[tool.nbgate\n", "invalid TOML"),
        ("[tool]\nnbgate = 3", "[tool.nbgate] must be a table"),
    ],
)
def test_broken_pyproject(tmp_path: Path, body: str, fragment: str) -> None:
    _project(tmp_path, body)
    with pytest.raises(ConfigError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        config.load(tmp_path, env={})


def test_parse_assignments() -> None:
    assert config.parse_assignments(["smoke.timeout=5", "include=a.ipynb,b.ipynb"]) == {
        "smoke.timeout": 5.0,
        "include": ["a.ipynb", "b.ipynb"],
    }
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        config.parse_assignments(["smoke.timeout"])
    with pytest.raises(ConfigError, match="unknown option 'nope'"):
        config.parse_assignments(["nope=1"])


def test_section_strips_the_prefix(tmp_path: Path) -> None:
    section = config.load(tmp_path, env={}).section("strip")
    assert section["keep_output_tag"] == "keep-output" and "strip.keep_output_tag" not in section


# ------------------------------------------------------- through the CLI (main)


def _shown(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["--color", "never", *argv, "config", "--format", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)["options"] if code == 0 else {}, captured.err


def test_cli_precedence_file_env_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(
        tmp_path,
        "[tool.nbgate.smoke]\ntimeout = 10\ncell_timeout = 11\n[tool.nbgate.lint]\nmax_cells = 5",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGATE_SMOKE_TIMEOUT", "20")
    monkeypatch.setenv("NBGATE_SMOKE_CELL_TIMEOUT", "21")
    code, options, _ = _shown(capsys, "--set", "smoke.timeout=30")
    assert code == 0
    assert options["smoke.timeout"] == {"value": 30.0, "source": "command line"}
    assert options["smoke.cell_timeout"] == {"value": 21.0, "source": "NBGATE_SMOKE_CELL_TIMEOUT"}
    assert options["lint.max_cells"]["value"] == 5
    assert options["smoke.pool_size"] == {"value": 2, "source": "default"}


def test_cli_flag_beats_set_free_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, "[tool.nbgate.strip]\nkeep_outputs = false")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGATE_STRIP_KEEP_OUTPUTS", "false")
    nb = tmp_path / "a.ipynb"
    from testing import notebooks as nbs

    nbs.write(nb, nbs.make([nbs.code("1", outputs=[nbs.result("1", 1)], execution_count=1)]))
    assert main(["strip", "--keep-outputs", "--check", str(nb)]) == 1  # only the count is dirty
    out = capsys.readouterr().out
    assert "execution counts" in out and "outputs in" not in out


@pytest.mark.parametrize(
    ("setup", "argv", "fragment"),
    [
        (
            "[tool.nbgate.strip]\nkeep_outputs = 'yes'",
            [],
            "strip.keep_outputs = 'yes' is not a boolean",
        ),
        (
            "",
            ["--set", "strip.keep_outputs=perhaps"],
            "strip.keep_outputs = 'perhaps' is not a boolean",
        ),
        ("", ["--set", "no.such=1"], "unknown option 'no.such'"),
        ("", ["--set", "smoke.timeout"], "expected KEY=VALUE"),
    ],
)
def test_cli_config_errors_exit_2_naming_key_and_value(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    argv: list[str],
    fragment: str,
) -> None:
    _project(tmp_path, setup)
    monkeypatch.chdir(tmp_path)
    code, _, err = _shown(capsys, *argv)
    assert code == 2
    assert fragment in err and err.startswith("error:")


def test_cli_env_error_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGATE_LINT_MAX_CELLS", "lots")
    code, _, err = _shown(capsys)
    assert code == 2 and "NBGATE_LINT_MAX_CELLS: lint.max_cells = 'lots'" in err


def test_cli_unknown_key_warns_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, "[tool.nbgate]\ncolour = 'red'")
    monkeypatch.chdir(tmp_path)
    code, options, err = _shown(capsys)
    assert code == 0 and options
    assert "warning: pyproject.toml [tool.nbgate]: unknown option 'colour' ignored" in err


def test_cli_explicit_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _project(tmp_path / "elsewhere", "[tool.nbgate]\nstate_dir = 'there'")
    monkeypatch.chdir(tmp_path)
    code, options, _ = _shown(capsys, "--config", str(other))
    assert code == 0 and options["state_dir"]["value"] == "there"


# ---------------------------------------------------------------- one source of truth for defaults

#: Every options record built from the config, and the sections of ``config.OPTIONS`` it reads.
OPTIONS_RECORDS = {
    "nbgate.strip.transform:StripOptions": ("strip",),
    "nbgate.lint.options:LintOptions": ("lint", "strip"),
    "nbgate.production.export:ExportOptions": ("export", ""),
}
#: Options records with no configuration behind them (command-line flags only).
FLAG_ONLY_RECORDS = {"nbgate.diff.view:DiffOptions"}


def _record(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _declared_defaults(record: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(record):
        return {
            f.name: f.default
            for f in dataclasses.fields(record)
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        }
    return dict(record._field_defaults)


def test_every_options_record_is_listed_here() -> None:
    """A new ``*Options`` record must be added above, so the next test checks it."""
    found = set()
    package = Path(config.__file__).parent
    for path in package.rglob("*.py"):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(
            ".__init__"
        )
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Options"):
                found.add(f"{module}:{node.name}")
    assert found == set(OPTIONS_RECORDS) | FLAG_ONLY_RECORDS


@pytest.mark.parametrize("target", sorted(OPTIONS_RECORDS))
def test_no_options_record_declares_a_default_of_the_config(target: str) -> None:
    record = _record(target)
    sections = OPTIONS_RECORDS[target]
    in_config = {
        option.name.rpartition(".")[2]
        for option in config.OPTIONS
        if option.name.rpartition(".")[0] in sections
    }
    assert in_config & set(record._fields), target  # the record does read these sections
    second_copies = {
        name: value for name, value in _declared_defaults(record).items() if name in in_config
    }
    assert second_copies == {}, (
        f"{target} declares defaults that config.OPTIONS declares: {second_copies}"
    )


@pytest.mark.parametrize("target", sorted(OPTIONS_RECORDS))
def test_an_options_record_of_an_unconfigured_project_has_the_config_defaults(
    target: str, tmp_path: Path
) -> None:
    record = _record(target)
    unconfigured = config.load(tmp_path, env={})
    values = {
        **unconfigured.values,
        **{
            name.rpartition(".")[2]: value
            for name, value in unconfigured.values.items()
            if name.rpartition(".")[0] in OPTIONS_RECORDS[target]
        },
    }
    built = record.default()
    for field in record._fields:
        if field in values and field != "strip":
            expected = values[field]
            assert getattr(built, field) == (
                tuple(expected) if isinstance(expected, list) else expected
            ), field


def test_defaults_by_section_are_fresh_copies() -> None:
    strip = config.defaults("strip")
    assert set(strip) == {
        name[len("strip.") :]
        for name in (o.name for o in config.OPTIONS)
        if name.startswith("strip.")
    }
    strip["keep_cell_metadata"].append("mutated")
    assert "mutated" not in config.defaults("strip")["keep_cell_metadata"]
    assert config.defaults() == {option.name: option.default for option in config.OPTIONS}


def test_a_config_is_a_read_only_record(tmp_path: Path) -> None:
    """``Config`` is written by hand (no ``dataclasses`` at start-up) and acts as the frozen dataclass did."""
    loaded = config.load(tmp_path, env={})
    again = config.load(tmp_path, env={})
    assert loaded == again and loaded is not again
    assert pickle.loads(pickle.dumps(loaded)) == loaded == copy.deepcopy(loaded)
    assert loaded != config.load(tmp_path, env={"NBGATE_STATE_DIR": "elsewhere"})
    assert loaded != (loaded.root, loaded.pyproject, loaded.values, loaded.warnings, loaded.sources)
    with pytest.raises(AttributeError, match="read-only"):
        loaded.root = tmp_path / "other"
    with pytest.raises(AttributeError, match="read-only"):
        del loaded.values
    with pytest.raises(TypeError):  # the values are dicts, as with the dataclass's field hash
        hash(loaded)
    bare = config.Config(tmp_path, None, {"state_dir": ".nbgate"}, ())
    assert bare.sources == {} and bare.state_dir == tmp_path / ".nbgate"
    assert repr(bare) == (
        f"Config(root={tmp_path!r}, pyproject=None, values={{'state_dir': '.nbgate'}}, "
        "warnings=(), sources={})"
    )
