from __future__ import annotations

from pathlib import Path

import pytest

from nbgate.errors import ConfigError
from nbgate.production.index import OutputTaken
from nbgate.production.outputs import Output, remote_exists, render, scheme
from testing.s3 import S3Server

VALUES = {"name": "daily-sales", "date": "2024-01-31", "rev": 7, "run_id": "r1"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            ".nbgate/runs/{name}/{date}/{rev}-{run_id}.ipynb",
            ".nbgate/runs/daily-sales/2024-01-31/7-r1.ipynb",
        ),
        (
            "s3://bucket/{name}/{date}/{rev:04d}-{run_id}.ipynb",
            "s3://bucket/daily-sales/2024-01-31/0007-r1.ipynb",
        ),
        ("out/{name}.ipynb", "out/daily-sales.ipynb"),
        ("out/{{literal}}-{run_id}.ipynb", "out/{literal}-r1.ipynb"),
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template, **VALUES) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("out/{user}.ipynb", r"placeholder '\{user\}' is not allowed"),
        ("out/{name.__class__}.ipynb", r"placeholder '\{name.__class__\}' is not allowed"),
        ("out/{run_id[0]}.ipynb", r"is not allowed"),
        ("out/{rev:>99999999}.ipynb", r"is not allowed"),
        ("out/{name!r}.ipynb", r"is not allowed"),
        ("out/{name", "output template"),
        ("out/{name:d}", "output template"),
        ("", "renders to nothing"),
    ],
)
def test_render_rejects(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render(template, **VALUES)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://b/k.ipynb", "s3"),
        ("gs://b/k", "gs"),
        ("abs://acct.blob.core.windows.net/c/k", "abs"),
        ("file:///tmp/x.ipynb", None),
        ("runs/x.ipynb", None),
        ("/abs/x.ipynb", None),
        ("C:/x.ipynb", None),
    ],
)
def test_scheme(uri: str, expected: str | None) -> None:
    assert scheme(uri) == expected


def test_local_output_is_created_exclusively(tmp_path: Path) -> None:
    out = Output(tmp_path, "runs/{x}/a.ipynb".replace("{x}", "deep/er"))
    assert out.uri == str(tmp_path / "runs/deep/er/a.ipynb")
    out.reserve("placeholder")
    out.write("final")  # the run's own output: written over its placeholder
    assert Path(out.uri).read_text() == "final"
    with pytest.raises(OutputTaken, match="never overwritten"):
        Output(tmp_path, "runs/deep/er/a.ipynb").reserve("other")
    assert Path(out.uri).read_text() == "final"
    absolute = Output(tmp_path, f"file://{tmp_path}/b.ipynb")
    assert absolute.path == tmp_path / "b.ipynb"


def test_s3_output_is_never_overwritten(s3: S3Server) -> None:
    uri = "s3://runs/job/2024-01-01/1-r1.ipynb"
    assert not remote_exists(uri)
    out = Output(Path("/unused"), uri)
    assert out.path is None and out.uri == uri
    out.reserve('{"placeholder": true}')
    assert remote_exists(uri)
    out.write('{"final": true}')
    with pytest.raises(OutputTaken, match="already exists"):
        Output(Path("/unused"), uri).reserve("{}")
    body = s3.client().get_object(Bucket="runs", Key="job/2024-01-01/1-r1.ipynb")["Body"].read()
    assert body == b'{"final": true}'
