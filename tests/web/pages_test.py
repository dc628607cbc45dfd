"""The pages in process, ``--static``, the start-up message, S3 outputs and a broken registry."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from nbgate.cli.main import main
from nbgate.production.index import FAILED, SUCCEEDED, open_index
from nbgate.production.index.model import stamp
from nbgate.web.data import Data
from nbgate.web.pagekit import NotFound
from nbgate.web.pages import Pages
from testing.production import add_revision, make_project, promote
from testing.s3 import S3Server
from testing.web import Demo, free_port


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.frames: list[dict[str, str | None]] = []
        self.csp = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for key in ("href", "src"):
            if found.get(key):
                self.links.append(str(found[key]))
        if tag == "iframe":
            self.frames.append(found)
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.csp = "default-src 'none'" in (found.get("content") or "")


def test_static_export_writes_every_page_with_working_relative_links(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(demo.project.root)
    site = tmp_path / "site"
    assert main(["serve", "--static", str(site)]) == 0
    first = capsys.readouterr().out
    assert re.search(r"wrote (\d+) of \1 files .*\(3 output notebooks rendered\)", first), first
    pages = sorted(site.rglob("*.html"))
    names = {p.relative_to(site).as_posix() for p in pages}
    assert {
        "index.html",
        "runs/index.html",
        "schedules/job/index.html",
        "schedules/job/rev/2/index.html",
        "schedules/job/rev/2/diff.html",
        f"schedules/job/runs/{demo.failed}/index.html",
        f"schedules/job/runs/{demo.failed}/notebook.html",
    } <= names
    assert (site / f"schedules/job/runs/{demo.failed}/output.ipynb").is_file()
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.csp, f"{page}: no Content-Security-Policy"
        for frame in parser.frames:
            assert frame.get("sandbox") == "", f"{page}: iframe without an empty sandbox"
        if page.name in ("notebook.html", "diff.html"):
            continue  # documents, not app pages: an output notebook links wherever its author liked
        for link in parser.links:
            target = link.split("#")[0]
            if not target or link.startswith("data:"):
                continue
            assert "://" not in target, f"{page}: links outside: {link}"
            assert (page.parent / target).resolve().is_file(), f"{page}: broken link {link}"
    planted = (site / f"schedules/planted/runs/{demo.planted}/index.html").read_text()
    assert (
        "<script" not in planted and "planted output" not in planted
    )  # only inside the sandboxed frame

    assert main(["serve", "--static", str(site)]) == 0
    again = capsys.readouterr().out
    assert "0 output notebooks rendered" in again and re.search(r"wrote [0-9] of", again), again

    from nbgate.web import static

    monkeypatch.setattr(static, "PARALLEL_FROM", 1)  # forked workers write the same files
    forked = tmp_path / "forked"
    assert main(["serve", "--static", str(forked)]) == 0
    capsys.readouterr()
    mine = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    theirs = {p.relative_to(forked): p.read_bytes() for p in forked.rglob("*") if p.is_file()}
    assert mine.keys() == theirs.keys()
    # the schedules page and a schedule's page show the next run times, which may move on in between
    timely = {Path("index.html"), *(Path("schedules", n, "index.html") for n in ("job", "planted"))}
    differs = [k for k in mine if mine[k] != theirs[k] and k not in timely]
    assert not differs, differs


def test_pages_name_only_what_the_registry_and_index_hold(demo: Demo) -> None:
    pages = Pages(Data(demo.project.config()))
    assert "job" in pages.schedule("job")
    for call in (
        lambda: pages.schedule("../job"),
        lambda: pages.schedule("Job"),
        lambda: pages.schedule("none"),
        lambda: pages.revision("job", 3),
        lambda: pages.revision("job", 0),
        lambda: pages.run("job", demo.planted),  # a run of another schedule
        lambda: pages.notebook("job", 999),
        lambda: pages.diff("planted", 2),
    ):
        with pytest.raises(NotFound):
            call()
    failed = pages.run("job", demo.failed)
    assert "AssertionError: limit 1 is too small" in failed and 'sandbox=""' in failed
    assert "In [5]" in failed  # papermill numbers the injected parameters cell too


def test_filters_and_a_broken_schedule(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    promote(project, "alpha", owners=("a@example.com",))
    promote(project, "beta", owners=("b@example.com",), schedule="15 * * * *")
    add_revision(project.config(), "beta", action="pause")
    promote(project, "gamma")
    broken = tmp_path / "registry" / "gamma" / "0001.yaml"
    broken.write_bytes(broken.read_bytes() + b"\nextra: [")
    pages = Pages(Data(project.config()))
    everything = pages.schedules()
    assert "3 of 3 schedules" in everything and "at minute 15 of every hour" in everything
    assert "1 of 3 schedules" in pages.schedules(state="paused")
    assert 'href="schedules/beta/index.html"' in pages.schedules(state="paused")
    assert 'href="schedules/alpha/index.html"' in pages.schedules(owner="a@example.com")
    assert "1 of 3" in pages.schedules(q="ALP".lower())
    assert "broken" in pages.schedules(state="broken")
    assert "does not load" in pages.schedule("gamma") and "not valid YAML" in pages.schedule(
        "gamma"
    )
    assert "none (paused)" in pages.schedule("beta")


def test_pages_show_runs_from_either_index_backend(index_url: str, tmp_path: Path) -> None:
    """A real ``nbgate run`` into a SQLite file or a PostgreSQL server; the pages read it through the index API."""
    from nbgate.production.run import run

    project = make_project(tmp_path / "project")
    promote(project, "job")
    promote(project, "other")
    config = project.config(**{"run.index": index_url})
    assert run(config=config, name="job", date="2024-05-01", params=["limit=1"]) == 1
    index = open_index(config)
    [real] = index.list(name="job")
    moment = datetime.now(timezone.utc)
    for days, outcome in (
        (3, SUCCEEDED),
        (31, SUCCEEDED),
        (40, FAILED),
    ):  # only the first is in the 30 days
        started = stamp(moment - timedelta(days=days))
        index.start(
            key=f"k{days}",
            name="job",
            rev=1,
            date=started[:10],
            run_id=f"old{days}",
            attempt=1,
            output=f"/gone/{days}.ipynb",
            source="s",
            source_sha256="0" * 64,
            parameters={},
            started=started,
        )
        index.finish(f"k{days}", status=outcome, duration=2.0, ended=started)
    index.start(
        key="stuck",
        name="other",
        rev=1,
        date="2024-05-01",
        run_id="stuck",
        attempt=1,
        output="/o/stuck",
        source="s",
        source_sha256="0" * 64,
        parameters={},
        started=stamp(moment - timedelta(hours=2)),
        host="another-host",
    )  # its heartbeat stopped two hours ago: lost
    data = Data(config)
    pages = Pages(data)
    stats = data.stats()
    assert stats["job"].last == real and (stats["job"].succeeded, stats["job"].finished) == (1, 2)
    assert (
        stats["other"].last is not None
        and stats["other"].last.shown == "lost"
        and stats["other"].rate is None
    )
    listing = pages.schedules()
    assert "50% (1/2)" in listing and f'href="schedules/job/runs/{real.id}/index.html"' in listing
    page = pages.run("job", real.id)
    assert "AssertionError: limit 1 is too small" in page and 'sandbox=""' in page
    assert "limit 1 is too small" in pages.notebook("job", real.id)
    with pytest.raises(NotFound):
        pages.run("other", real.id)  # a row of another schedule
    with pytest.raises(NotFound):
        pages.run("job", real.id + 1000)
    lost = pages.runs(state="lost")
    assert "stuck" in lost and "old3" not in lost
    assert "old40" in pages.runs(schedule="job") and "stuck" not in pages.runs(schedule="job")


def test_an_unreachable_index_is_a_503_naming_it_without_the_password(tmp_path: Path) -> None:
    import asyncio

    from nbgate.web.app import create_app

    project = make_project(tmp_path)
    promote(project, "job")
    url = f"postgresql://nbgate:hunter2@/runs?host={tmp_path / 'no-server-here'}"
    app = create_app(Pages(Data(project.config(**{"run.index": url, "run.index_timeout": 1.0}))))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    for path in (
        "/",
        "/runs/",
        "/schedules/job/",
        "/schedules/job/runs/1/",
        "/schedules/job/runs/1/output.ipynb",
    ):
        sent.clear()
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [],
            "root_path": "",
            "scheme": "http",
            "server": ("127.0.0.1", 1),
            "client": None,
        }
        asyncio.run(app(scope, receive, send))
        body = b"".join(
            m.get("body", b"") for m in sent if m["type"] == "http.response.body"
        ).decode()
        assert sent[0]["status"] == 503, (path, body)
        assert body.startswith("503: ") and "cannot connect to the run index" in body, body
        assert "hunter2" not in body and "postgresql://nbgate:***@/runs" in body, body


def test_serve_says_it_binds_to_loopback_only(tmp_path: Path) -> None:
    make_project(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nbgate", "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(30)
    assert f"at http://127.0.0.1:{port}/" in line and "only this machine can connect" in line


def test_a_run_with_its_output_on_s3(s3: S3Server, tmp_path: Path) -> None:
    from nbgate.production.run import run

    project = make_project(tmp_path)
    promote(project, "job", output="s3://runs/{name}/{date}/{run_id}.ipynb")
    assert run(config=project.config(), name="job", date="2024-05-01", params=["limit=1"]) == 1
    pages = Pages(Data(project.config()))
    record = pages.data.runs(name="job")[0]
    assert record.output is not None and record.output.startswith("s3://runs/job/2024-05-01/")
    page = pages.run("job", record.id)
    assert "download .ipynb" in page and "show the failing cell" in page
    assert "limit 1 is too small" in pages.notebook("job", record.id)
    s3.client().delete_object(Bucket="runs", Key=record.output[len("s3://runs/") :])
    assert "is not there any more" in Pages(Data(project.config())).run("job", record.id)
