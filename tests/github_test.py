"""``nbgate.github``: hostile values never become workflow commands, outputs, markup or oversized summaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nbgate import github
from nbgate.ci.checks import Outcome
from nbgate.ci.report import report
from nbgate.cli.main import main
from nbgate.diff.model import ADDED, MODIFIED, FileDiff, diff_notebooks
from nbgate.gate import FAIL, PASS, StageResult
from testing import notebooks as nbs
from testing.git import Repo
from testing.github import parse_outputs

HOSTILE = [
    "a\nb.ipynb",
    "x | y.ipynb",
    "<img src=x onerror=alert(1)>.ipynb",
    "# head.ipynb",
    "[l](javascript:x).ipynb",
    "`tick`.ipynb",
    "$x$.ipynb",
    "- item.ipynb",
    "line\r\n::error::forged.ipynb",
    "@org/team.ipynb",
    "evil\u202egnp.ipynb",
    "bad\udcffbyte.ipynb",
]


def _rendered(markdown: str) -> str:
    """What a viewer sees: numeric references decoded (the only markup ``md_text`` leaves)."""
    return re.sub(r"&#(\d+);", lambda m: chr(int(m[1])), markdown)


@pytest.mark.parametrize("name", HOSTILE)
def test_md_text_is_inert_markup_that_shows_the_text(name: str) -> None:
    text = github.md_text(name)
    assert "\n" not in text and "\r" not in text
    assert not re.search(
        r"[<>|`\[\]#$@*_~&]", re.sub(r"&#\d+;", "", text)
    )  # no tag, cell, code, link, heading, math, mention, emphasis
    assert not text.startswith(("-", "+", "="))
    assert not re.search("[\u202e\udcff]", text)
    assert _rendered(text) == name.replace("\r", "\\r").replace("\n", "\\n").replace(
        "\u202e", "\\u202e"
    ).replace("\udcff", "\\udcff")
    assert github.md_code(name) == f"<code>{text}</code>"


def test_md_text_cuts_long_text() -> None:
    text = github.md_text("x" * 10_000, 100)
    assert len(text) == 100 and text.endswith(github.CUT)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"message": "m", "file": "a\nb,c:d%.ipynb", "line": 3, "title": "t,1"},
            "::error file=a%0Ab%2Cc%3Ad%25.ipynb,line=3,title=t%2C1::m",
        ),
        ({"message": "x\r\n::error::forged"}, "::error::x%0D%0A::error::forged"),
        ({"message": "m", "line": 4}, "::error::m"),  # a line without a file means nothing
    ],
)
def test_annotation_escapes_every_part(kwargs: dict[str, object], expected: str) -> None:
    assert github.annotation("error", **kwargs) == expected  # type: ignore[arg-type]


def test_annotation_lines_are_bounded() -> None:
    line = github.annotation(
        "warning", "secret-free message " * 150_000, file="f" * 10_000, title="t" * 10_000
    )
    assert len(line) < github.MESSAGE_LIMIT + 2 * github.PROPERTY_LIMIT + 100
    assert "\n" not in line and github.CUT in line
    with pytest.raises(ValueError):
        github.annotation("debug", "x")


def test_outputs_use_a_fresh_delimiter_per_value(tmp_path: Path) -> None:
    path = tmp_path / "out"
    github.write_outputs(path, {"a": "1", "b": "x\nNBGATE_EOF\nfailed=false", "c": ""})
    text = path.read_text()
    delimiters = re.findall(r"^\w+<<(.+)$", text, re.MULTILINE)
    assert len(set(delimiters)) == 3 and all(d.startswith("ghadelimiter_") for d in delimiters)
    assert parse_outputs(text) == {"a": "1", "b": "x\nNBGATE_EOF\nfailed=false", "c": ""}


def test_write_outputs_appends_one_block_per_value(tmp_path: Path) -> None:
    path = tmp_path / "out"
    github.write_outputs(path, {"a": "1", "b": "x\ny"})
    github.write_outputs(path, {"c": "3"})
    assert parse_outputs(path.read_text()) == {"a": "1", "b": "x\ny", "c": "3"}


def test_outputs_refuse_what_could_forge_an_output(tmp_path: Path) -> None:
    path = tmp_path / "out"
    with pytest.raises(ValueError, match="delimiter"):
        github.output_block("a", "x\nD\nfailed=false", delimiter="D")
    for name in ("a\nb", "a=b", "a<<b", ""):
        with pytest.raises(ValueError, match="not a plain identifier"):
            github.write_outputs(path, {"ok": "1", name: "x"})
    with pytest.raises(ValueError, match="over the"):
        github.write_outputs(path, {"ok": "1", "big": "x" * (github.OUTPUT_LIMIT + 1)})
    assert not path.exists()  # nothing written when any value is refused


def test_json_list_keeps_whole_items_within_the_limit() -> None:
    names = [f"notebooks/n{k:05}.ipynb" for k in range(5_000)]
    value, cut = github.json_list(names)
    assert cut and github.size(value) <= github.OUTPUT_LIMIT
    kept = json.loads(value)
    assert kept == names[: len(kept)] and len(kept) > 1_000
    assert github.json_list(names[:3]) == (json.dumps(names[:3]), False)


def _nb(*sources: str) -> dict[str, object]:
    return nbs.make([nbs.code(s) for s in sources])


def test_report_stays_under_the_byte_limit_with_cjk_diffs_huge_messages_and_many_notebooks() -> (
    None
):
    cjk = (
        "数据分析" * 220_000
    )  # 880,000 characters, 2.6 MB: under a character limit, over the byte limit
    files = [FileDiff("cjk.ipynb", MODIFIED, diff_notebooks(_nb("x = 1"), _nb(f"s = '{cjk}'")))]
    files += [
        FileDiff(f"nb/<b>{k}</b>|.ipynb", ADDED, diff_notebooks(nbs.make([]), _nb(f"y = {k}")))
        for k in range(5_000)
    ]
    lint = StageResult(
        "lint", FAIL, "2 finding(s)", ("nb/a.ipynb: NBG204 " + "x" * 3_000_000, "second\nline # x")
    )
    text = report(
        [Outcome(StageResult("strip", PASS, "ok"), 0.1), Outcome(lint, 1.0)],
        files,
        "main <b>",
        [f.path for f in files],
        failed=True,
    )
    assert github.size(text) < github.SUMMARY_LIMIT < 1024 * 1024
    assert "<b>" not in text and "|.ipynb" not in text
    assert "x" * (github.TEXT_LIMIT + 1) not in text and github.CUT in text
    assert "- second" in text and "line # x" not in text  # a detail shows its first line only
    assert "… and 4701 more notebook(s): see diff.html" in text
    assert "left out to keep this summary under GitHub's size limit" in text
    assert "数据分析" * 1000 not in text


@pytest.fixture
def hostile_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = Repo(tmp_path / "repo")
    (repo.path / "pyproject.toml").write_text(
        "[tool.nbgate]\n[tool.nbgate.sync]\nenabled = false\n"
    )
    nbs.write(repo.path / "base.ipynb", _nb("x = 1"))
    repo.commit_all("base")
    repo.git("checkout", "-q", "-b", "feature")
    monkeypatch.chdir(repo.path)
    return repo


def test_ci_with_hostile_names_and_config_writes_only_its_own_outputs(
    hostile_repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = hostile_repo
    (repo.path / "pyproject.toml").write_text(
        '[tool.nbgate]\nstate_dir = ".nbgate\\nNBGATE_EOF\\nfailed=false\\n::error::forged"\n'
        "[tool.nbgate.sync]\nenabled = false\n"
    )
    for name in HOSTILE[:4]:  # committed outputs: strip and lint fail and name the file
        nbs.write(
            repo.path / "nb" / name, nbs.make([nbs.code("print(1)", outputs=[nbs.stream("1\n")])])
        )
    nbs.write(repo.path / "nb" / "cjk.ipynb", _nb(f"s = '{'数据分析' * 220_000}'"))
    repo.commit_all("hostile")
    folder = tmp_path / "github"
    folder.mkdir()
    summary, outputs = folder / "summary.md", folder / "output.txt"
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["ci", "--base", "main", "--no-smoke"]) == 1
    values = parse_outputs(outputs.read_text())
    assert sorted(values) == ["changed", "changed-count", "failed", "report", "report-dir"]
    assert values["failed"] == "true" and values["changed-count"] == "5"
    assert "NBGATE_EOF\nfailed=false" in values["report-dir"]
    assert sorted(json.loads(values["changed"])) == sorted(
        ["nb/cjk.ipynb", *(f"nb/{n}" for n in HOSTILE[:4])]
    )
    text = summary.read_text(encoding="utf-8")
    assert github.size(text) < github.SUMMARY_LIMIT
    assert "<img" not in text and "\n# head" not in text and "x | y" not in text
    assert "a\\n" in text or "a&#92;n" in text
    log = capsys.readouterr()
    for line in (log.out + log.err).splitlines():  # the runner reads these as workflow commands
        assert not line.startswith("::") or line.startswith(
            (
                "::error file=nb/",
                "::warning file=nb/",
                "::error title=nbgate ",
                "::warning title=nbgate ",
            )
        ), line
    assert "failed=false" not in (log.out + log.err).replace("\\nfailed=false", "")
