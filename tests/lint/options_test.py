"""Configuration: select/ignore with prefixes, per-path ignores, per-rule limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbgate import config as config_module
from nbgate.errors import ConfigError
from nbgate.lint import rules
from nbgate.lint.options import Settings, normalize, select_codes

ALL = set(rules())


def family(prefix: str) -> set[str]:
    return {c for c in ALL if c.startswith(prefix)}


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        ([], [], ALL),
        (["NBG"], [], ALL),
        (["NBG2"], [], family("NBG2")),
        (["NBG2", "NBG301"], [], family("NBG2") | {"NBG301"}),
        ([], ["NBG3"], ALL - family("NBG3")),
        ([], ["NBG3", "NBG1"], ALL - family("NBG3") - family("NBG1")),
        (["NBG2"], ["NBG20"], set()),
        (["NBG2"], ["NBG201"], family("NBG2") - {"NBG201"}),
        (["NBG201"], ["NBG2"], {"NBG201"}),  # the more specific entry wins
        (["NBG201"], ["NBG201"], set()),  # a tie goes to ignore
        (["NBG1", "NBG105"], ["NBG10"], {"NBG105"}),
    ],
)
def test_select_ignore(select: list[str], ignore: list[str], expected: set[str]) -> None:
    assert select_codes(select, ignore) == expected


@pytest.mark.parametrize(
    ("entries", "normalized"),
    [
        (["nbg201"], ["NBG201"]),
        (["NBG201,NBG3", " NBG4 "], ["NBG201", "NBG3", "NBG4"]),
        (["ALL"], ["NBG"]),
        (["", " , "], []),
    ],
)
def test_normalize(entries: list[str], normalized: list[str]) -> None:
    assert normalize(entries, "lint.select") == normalized


@pytest.mark.parametrize("entry", ["NBG999", "NBG9", "E501", "201"])
def test_unknown_codes_are_config_errors(entry: str) -> None:
    with pytest.raises(ConfigError, match=f"lint.ignore: '{entry}' is not a rule code"):
        normalize([entry], "lint.ignore")


def load(tmp_path: Path, toml: str, **overrides: Any) -> Settings:
    (tmp_path / "pyproject.toml").write_text(toml)
    config = config_module.load(tmp_path, env={}, overrides=overrides)
    return Settings.from_config(config.values, config.root)


def test_from_pyproject_with_per_path_ignores_and_limits(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
[tool.nbgate.lint]
select = ["NBG1", "NBG2", "NBG4"]
ignore = ["NBG105"]
max_cells = 10
max_lines_per_cell = 20
max_notebook_bytes = 3000
max_output_bytes = 400
secret_names = ["Token", "auth"]
secret_min_entropy = 4.0

[tool.nbgate.lint.per_path_ignores]
"scratch/**" = ["NBG2", "NBG401"]
"reports/*.ipynb" = ["NBG101"]
"one.ipynb" = "NBG402"

[tool.nbgate.strip]
keep_outputs = true
""",
    )
    base = settings.base
    assert base.enabled == (family("NBG1") | family("NBG2") | family("NBG4")) - {"NBG105"}
    assert (
        base.max_cells,
        base.max_lines_per_cell,
        base.max_notebook_bytes,
        base.max_output_bytes,
    ) == (10, 20, 3000, 400)
    assert base.secret_names == ("token", "auth") and base.secret_min_entropy == 4.0
    assert base.keep_outputs is True

    scratch = settings.for_path(tmp_path / "scratch" / "deep" / "a.ipynb")
    assert scratch.enabled == base.enabled - family("NBG2") - {"NBG401"}
    assert scratch.max_cells == 10
    assert settings.for_path(tmp_path / "reports" / "q1.ipynb").enabled == base.enabled - {"NBG101"}
    assert settings.for_path(tmp_path / "reports" / "sub" / "q1.ipynb").enabled == base.enabled
    assert settings.for_path(tmp_path / "one.ipynb").enabled == base.enabled - {"NBG402"}
    assert settings.for_path(tmp_path / "other.ipynb") is not None
    assert settings.for_path(tmp_path / "other.ipynb").enabled == base.enabled


def test_per_path_ignore_beats_a_more_specific_select(tmp_path: Path) -> None:
    settings = load(
        tmp_path, '[tool.nbgate.lint]\nselect = ["NBG201"]\nper_path_ignores = {"x/*" = ["NBG2"]}\n'
    )
    assert settings.for_path(tmp_path / "x" / "a.ipynb").enabled == frozenset()
    assert settings.for_path(tmp_path / "y.ipynb").enabled == {"NBG201"}


def test_relative_paths_resolve_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load(tmp_path, '[tool.nbgate.lint.per_path_ignores]\n"sub/*.ipynb" = ["NBG3"]\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert settings.for_path("a.ipynb").enabled == ALL - family("NBG3")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[tool.nbgate.lint]\nselect = ["NBG7"]', "lint.select: 'NBG7'"),
        ('[tool.nbgate.lint]\nper_path_ignores = {"a" = [1]}', "per_path_ignores: 'a'"),
        ('[tool.nbgate.lint]\nper_path_ignores = {"a" = ["X1"]}', "per_path_ignores['a']: 'X1'"),
        ("[tool.nbgate.lint]\nmax_cells = -1", "lint.max_cells = -1"),
        ('[tool.nbgate.lint]\nmax_cells = "many"', "lint.max_cells = 'many' is not a integer"),
    ],
)
def test_bad_config(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, toml)
    assert message in str(info.value)


def test_command_line_overrides_replace_config(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        '[tool.nbgate.lint]\nselect = ["NBG1"]\nignore = ["NBG101"]\n',
        **{"lint.select": ["NBG2"], "lint.ignore": ["NBG201"]},
    )
    assert settings.base.enabled == family("NBG2") - {"NBG201"}
