"""``nbgate serve`` in a real browser: Playwright driving Debian's Chromium over real runs."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from testing.web import PLANTED_HTML, Demo

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if (
        not CHROMIUM.exists()
    ):  # a fresh machine: install Debian's Chromium rather than skip (idempotent script)
        subprocess.run(
            [str(Path(__file__).resolve().parents[2] / ".ci" / "install-chromium")],
            check=True,
            timeout=900,
        )
    assert CHROMIUM.exists(), "Chromium is missing even after .ci/install-chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(
        120_000
    )  # the first notebook waits for nbconvert to import (seconds, more under load)
    requested: list[str] = []
    opened.on("request", lambda request: requested.append(request.url))
    opened.requested = requested
    yield opened
    context.close()
    outside = [
        url
        for url in requested
        if not url.startswith(server) and not url.startswith("data:") and url != "about:blank"
    ]
    assert not outside, f"the pages loaded something from elsewhere: {outside}"


def _shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_click_through_schedules_schedule_diff_run_and_notebook(
    page: Any, server: str, demo: Demo, artifacts: Path
) -> None:
    response = page.goto(server)
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "Schedules"
    job = page.locator("table.schedules tr", has=page.locator("a", has_text="job"))
    assert "active" in job.inner_text()
    assert "at 06:00, every day" in job.inner_text()
    assert "failed" in job.inner_text()  # the newest run of job
    assert "50% (1/2)" in job.inner_text()
    assert len(re.findall(r"\d{4}-\d{2}-\d{2} 06:00 UTC", job.inner_text())) == 3
    _shot(page, artifacts, "1-schedules")

    page.get_by_role("link", name="job", exact=True).click()
    page.wait_for_url(re.compile(r"/schedules/job/"))
    revisions = page.locator("table.revisions tr")
    assert revisions.count() == 3  # header and two revisions
    assert "Jane Doe" in revisions.nth(1).inner_text()
    assert page.locator("svg.chart rect.bar.failed").count() == 1
    assert page.locator("svg.chart rect.bar.succeeded").count() == 1
    _shot(page, artifacts, "2-schedule")

    page.get_by_role("link", name="diff 1 → 2").click()
    page.wait_for_url(re.compile(r"/schedules/job/rev/2/"))
    diff = page.frame_locator("iframe.diff")
    added = diff.locator("span.add")
    added.first.wait_for()
    assert any('print("rows checked")' in text for text in added.all_inner_texts())
    _shot(page, artifacts, "3-revision-diff")

    page.go_back()
    page.locator("table.runs tr", has=page.locator(".badge.failed")).locator("a").first.click()
    page.wait_for_url(re.compile(rf"/schedules/job/runs/{demo.failed}/"))
    assert "AssertionError: limit 1 is too small" in page.locator("#error-summary").inner_text()
    params = page.locator("table.params").inner_text()
    assert "limit" in params and "run_date" in params and '"2024-03-02"' in params
    frame = page.frame_locator("iframe.notebook")
    frame.locator("#nbgate-banner").wait_for()
    assert "failing cell" in frame.locator("#nbgate-banner").inner_text()
    page.locator("#failed-cell-link").click()
    page.wait_for_function("() => document.querySelector('iframe.notebook') !== null")
    failing = frame.locator(".celltag_nbgate-failed")
    assert "AssertionError" in failing.inner_text()
    notebook = page.frame(name="notebook")
    assert notebook.url.endswith("notebook.html#cell-id=nbgate-failed-cell")
    _shot(page, artifacts, "4-run-failed")

    with page.expect_download() as info:
        page.locator("#download").click()
    downloaded = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert downloaded["metadata"]["nbgate"]["run"]["date"] == "2024-03-02"

    page.goto(server + f"schedules/job/runs/{demo.failed}/notebook.html")
    assert page.locator(".celltag_nbgate-failed").count() == 1
    _shot(page, artifacts, "5-output-notebook")


def test_runs_page_filters_and_charts(page: Any, server: str, artifacts: Path) -> None:
    page.goto(server + "runs/")
    assert page.locator("table.runs tr").count() == 4
    assert page.locator("svg.chart").count() == 2
    page.select_option("select[name=status]", "failed")
    page.locator("form.filters button").click()
    page.wait_for_url(re.compile(r"status=failed"))
    assert page.locator("table.runs tr").count() == 2
    _shot(page, artifacts, "6-runs")
    page.goto(server + "runs/?from=2024-03-02&to=2024-03-31")
    rows = page.locator("table.runs tr")
    assert rows.count() == 2 and "2024-03-02" in rows.nth(1).inner_text()


def test_planted_output_never_executes(
    page: Any, browser: Any, server: str, demo: Demo, artifacts: Path
) -> None:
    # the flag works: the same HTML in an ordinary page does set it
    control = browser.new_page()
    control.set_content(PLANTED_HTML)
    control.wait_for_function("() => window.nbgatePwned !== undefined")
    control.close()

    page.goto(server + f"schedules/planted/runs/{demo.planted}/")
    frame = page.frame_locator("iframe.notebook")
    assert frame.locator("#planted").inner_text() == "planted output"
    frame.locator("#planted-link").click()
    page.wait_for_timeout(500)
    assert page.evaluate("window.nbgatePwned") is None
    assert page.frame(name="notebook").evaluate("window.nbgatePwned") is None
    _shot(page, artifacts, "7-planted")

    response = page.goto(server + f"schedules/planted/runs/{demo.planted}/notebook.html")
    assert response.headers["content-security-policy"].startswith("sandbox;")
    page.locator("#planted-link").click()
    page.wait_for_timeout(500)
    assert page.evaluate("window.nbgatePwned") is None


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/schedules/../../pyproject.toml",
        "/assets/../../../etc/passwd",
        "/schedules/job/runs/1/../../../../../pyproject.toml",
        "/schedules/..%2F..%2Fpyproject.toml/",
        "/assets/..%2fapp.py",
        "/schedules/job/rev/0/",
        "/schedules/job/runs/999/notebook.html",
    ],
)
def test_traversal_and_unknown_addresses_get_404(server: str, path: str) -> None:
    where = urlsplit(server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("GET", path)  # sent as is: no client-side ``..`` folding
    response = connection.getresponse()
    body = response.read()
    assert response.status == 404, body
    assert "default-src 'none'" in (response.getheader("Content-Security-Policy") or "")
    assert b"[tool.nbgate]" not in body and b"root:" not in body


def test_a_dotdot_url_in_the_browser_gets_404(page: Any, server: str) -> None:
    response = page.goto(server + "schedules/%2E%2E%2F%2E%2E%2Fpyproject.toml/")
    assert response.status == 404
