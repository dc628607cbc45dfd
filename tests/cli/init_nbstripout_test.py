"""``nbgate init`` on a repository already using nbstripout: the translated ``[tool.nbgate.strip]``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from nbgate.cli.main import main
from nbgate.config import OPTIONS, load
from nbgate.strip.migrate import Found, toml_table, translate
from testing import notebooks as nbs

DEFAULTS = {option.name: option.default for option in OPTIONS}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    monkeypatch.chdir(root)
    return root


PRECOMMIT = """repos:
  - repo: https://github.com/kynan/nbstripout
    rev: 0.7.1
    hooks:
      - id: nbstripout
        args: [--keep-output, --drop-empty-cells, --keep-count, "--max-size=1000", --keep-id,
               --extra-keys, "metadata.kernelspec cell.metadata.collapsed", --no-such-flag]
"""


def test_precommit_hook_is_translated(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".pre-commit-config.yaml").write_text(PRECOMMIT)
    assert main(["init"]) == 0
    captured = capsys.readouterr()
    config = load(project)
    assert config.warnings == ()
    assert config["strip.keep_outputs"] is True and config["strip.keep_execution_counts"] is True
    assert config["strip.drop_empty_cells"] is True and config["strip.max_output_size"] == 1001
    assert "kernelspec" not in config["strip.keep_notebook_metadata"]
    assert config["strip.keep_cell_metadata"] == DEFAULTS["strip.keep_cell_metadata"]
    assert "--keep-output -> keep_outputs = true" in captured.out
    assert "--keep-id: nbgate never changes cell ids" in captured.out
    assert "cannot translate --no-such-flag" in captured.err
    assert "added [tool.nbgate.strip] translated from nbstripout" in captured.out
    first = (project / "pyproject.toml").read_bytes()
    assert main(["init"]) == 0  # a second run adds nothing
    assert (project / "pyproject.toml").read_bytes() == first


def test_git_filter_is_translated_and_the_result_strips_like_it(project: Path) -> None:
    (project / ".gitattributes").write_text("*.ipynb filter=nbstripout\n*.zpln filter=nbstripout\n")
    clean = f'"{sys.executable}" -m nbstripout --drop-tagged-cells "scratch tmp" --strip-init-cells'
    subprocess.run(["git", "config", "filter.nbstripout.clean", clean], cwd=project, check=True)
    assert main(["init"]) == 0
    config = load(project)
    assert (
        config["strip.drop_tagged_cells"] == ["scratch", "tmp"]
        and config["strip.init_cells"] is True
    )
    nb = nbs.make(
        [
            nbs.code("a", tags=["scratch"]),
            nbs.code(
                "b", outputs=[nbs.stream("x\n")], execution_count=1, metadata={"init_cell": True}
            ),
        ]
    )
    nbs.write(project / "n.ipynb", nb)
    assert main(["strip", "n.ipynb"]) == 0
    written = json.loads((project / "n.ipynb").read_text())
    assert [c["source"] for c in written["cells"]] == [["b"]] and written["cells"][0][
        "outputs"
    ] == []


def test_no_nbstripout_no_strip_table(project: Path) -> None:
    assert main(["init"]) == 0
    assert "[tool.nbgate.strip]" not in (project / "pyproject.toml").read_text()


def test_an_existing_strip_table_is_kept(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".pre-commit-config.yaml").write_text(PRECOMMIT)
    (project / "pyproject.toml").write_text("[tool.nbgate.strip]\nkeep_outputs = false\n")
    assert main(["init"]) == 0
    assert "already has [tool.nbgate.strip]" in capsys.readouterr().out
    assert load(project)["strip.keep_outputs"] is False


def test_hostile_arguments_stay_data() -> None:
    translation = translate(
        ["--drop-tagged-cells", 'a"] \n[tool.x]\nb = "', "--max-size", "1e9", "$(rm -rf /)"]
    )
    assert translation.settings == {"drop_tagged_cells": ['a"]', "[tool.x]", "b", "=", '"']}
    assert translation.untranslated == ("--max-size 1e9", "$(rm -rf /)")
    table = tomllib.loads(toml_table(Found("x\n[tool.y]", ()), translation))
    assert table == {
        "tool": {"nbgate": {"strip": translation.settings}}
    }  # values stay values in the TOML
