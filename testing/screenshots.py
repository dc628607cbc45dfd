"""Take the README's screenshots of ``nbgate serve``: ``python -m testing.screenshots [FOLDER]``.

Builds the browser tests' demo project (real runs) in a temporary folder,
serves it, and saves the schedules page and the failed run's page (its
notebook frame scrolled to the failing cell) as PNGs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from testing.web import make_demo, serving

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main(folder: Path) -> None:
    """Write ``serve-schedules.png`` and ``serve-failed-run.png`` into ``folder``."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        demo = make_demo(Path(temp) / "demo-analytics")
        with serving(demo.project.root) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=ARGS
            )
            page = browser.new_page(viewport={"width": 1100, "height": 360})
            page.goto(url)
            page.screenshot(path=str(folder / "serve-schedules.png"))
            page.set_viewport_size({"width": 1100, "height": 900})
            page.set_default_timeout(180_000)  # the first notebook waits for nbconvert's import
            page.goto(url + f"schedules/job/runs/{demo.failed}/")
            page.frame_locator("iframe.notebook").locator(".celltag_nbgate-failed").wait_for()
            page.locator("#failed-cell-link").click()
            page.wait_for_timeout(1000)
            page.screenshot(path=str(folder / "serve-failed-run.png"), full_page=True)
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
