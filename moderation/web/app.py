"""Wiring the moderators' pages into the FastAPI app: routes, static files, error pages, headers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from moderation.web import api, pages
from moderation.web.auth import LoginRequired, PageError

# Comment text is user input: besides escaping, the browser runs no inline script and loads nothing foreign.
PAGE_PREFIX = "/moderator"
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def install_web(app: FastAPI) -> None:
    app.include_router(pages.router)
    app.include_router(api.router)
    app.mount("/moderator/static", StaticFiles(directory=pages.HERE / "static"), name="moderator-static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        return RedirectResponse("/moderator/login", status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, error: PageError) -> HTMLResponse:
        return pages.render(request, "error.html", status=error.status, message=error.message)
