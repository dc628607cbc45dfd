"""The ASGI application of ``nbgate serve`` (Starlette).

Routes are a closed list: every address names a schedule, a revision or a
run by what the registry and the run index call them (a validated schedule
name, a revision number, an index row id), plus the one style sheet that
ships in the package. No part of a URL is ever joined to a file path, so
``../`` and friends can only miss the routes and get 404. Every response,
errors included, carries a Content-Security-Policy; output notebooks and
diffs get a stricter one with ``sandbox``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nbgate.production.index import RunIndexError
from nbgate.web.pagekit import ASSET_NAMES, ASSETS, DOCUMENT_CSP, PAGE_CSP, NotFound
from nbgate.web.pages import Pages

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

Endpoint = Callable[[Request], Any]


def _not_found(detail: str = "not found") -> Response:
    return PlainTextResponse(f"404: {detail}\n", status_code=404)


def _unavailable(exc: RunIndexError) -> Response:
    return PlainTextResponse(f"503: {exc}\n", status_code=503, headers={"Retry-After": "30"})


def _page(render: Callable[[Request], str]) -> Endpoint:
    def endpoint(request: Request) -> Response:
        try:
            return HTMLResponse(render(request))
        except NotFound:
            return _not_found()
        except RunIndexError as exc:  # e.g. the PostgreSQL server is down: say so, no traceback
            return _unavailable(exc)

    return endpoint


def _document(render: Callable[[Request], str]) -> Endpoint:
    def endpoint(request: Request) -> Response:
        try:
            return HTMLResponse(render(request), headers={"Content-Security-Policy": DOCUMENT_CSP})
        except NotFound:
            return _not_found()
        except RunIndexError as exc:  # e.g. the PostgreSQL server is down: say so, no traceback
            return _unavailable(exc)

    return endpoint


def _slash(request: Request) -> Response:
    # relative links need the folder form of each page address
    return RedirectResponse(request.url.path + "/", status_code=308)


def create_app(pages: Pages) -> Starlette:
    """The application serving ``pages``."""
    assets = {name: (ASSETS / name).read_bytes() for name in ASSET_NAMES}

    def asset(request: Request) -> Response:
        data = assets.get(request.path_params["name"])
        if data is None:
            return _not_found()
        return Response(data, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    def q(request: Request, key: str) -> str:
        return str(request.query_params.get(key, ""))[:200]

    def download(request: Request) -> Response:
        name, run_id = request.path_params["name"], request.path_params["run"]
        try:
            text = pages.output_text(name, run_id)
        except NotFound:
            return _not_found()
        except RunIndexError as exc:
            return _unavailable(exc)
        return Response(
            text.encode("utf-8"),
            media_type="application/x-ipynb+json",
            headers={
                "Content-Disposition": f'attachment; filename="{name}-{run_id}.ipynb"',
                "Content-Security-Policy": DOCUMENT_CSP,
            },
        )

    schedules = _page(
        lambda r: pages.schedules(state=q(r, "state"), owner=q(r, "owner"), q=q(r, "q"))
    )
    runs = _page(
        lambda r: pages.runs(
            schedule=q(r, "schedule"), state=q(r, "status"), since=q(r, "from"), until=q(r, "to")
        )
    )
    schedule = _page(lambda r: pages.schedule(r.path_params["name"]))
    revision = _page(lambda r: pages.revision(r.path_params["name"], r.path_params["rev"]))
    run = _page(lambda r: pages.run(r.path_params["name"], r.path_params["run"]))
    routes = [
        Route("/", schedules),
        Route("/index.html", schedules),
        Route("/assets/{name}", asset),
        Route("/runs", _slash),
        Route("/runs/", runs),
        Route("/runs/index.html", runs),
        Route("/schedules/{name}", _slash),
        Route("/schedules/{name}/", schedule),
        Route("/schedules/{name}/index.html", schedule),
        Route("/schedules/{name}/rev/{rev:int}", _slash),
        Route("/schedules/{name}/rev/{rev:int}/", revision),
        Route("/schedules/{name}/rev/{rev:int}/index.html", revision),
        Route(
            "/schedules/{name}/rev/{rev:int}/diff.html",
            _document(lambda r: pages.diff(r.path_params["name"], r.path_params["rev"])),
        ),
        Route("/schedules/{name}/runs/{run:int}", _slash),
        Route("/schedules/{name}/runs/{run:int}/", run),
        Route("/schedules/{name}/runs/{run:int}/index.html", run),
        Route(
            "/schedules/{name}/runs/{run:int}/notebook.html",
            _document(lambda r: pages.notebook(r.path_params["name"], r.path_params["run"])),
        ),
        Route("/schedules/{name}/runs/{run:int}/output.ipynb", download),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])


class SecurityHeaders:
    """ASGI middleware: refuse anything but GET/HEAD, and set the policy headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await PlainTextResponse("405: read-only\n", status_code=405)(
                scope, receive, self._wrap(send)
            )
            return
        await self.app(scope, receive, self._wrap(send))

    @staticmethod
    def _wrap(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = PAGE_CSP + "; frame-ancestors 'self'"
                for key, value in _HEADERS.items():
                    if key.lower() not in headers:
                        headers[key] = value
            await send(message)

        return wrapped
