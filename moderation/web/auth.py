"""Who is at the browser: the session cookie, CSRF checks and role guards for the moderators' pages."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from moderation.api.deps import Runtime, RuntimeDep
from moderation.api.errors import ApiError
from moderation.people import ActiveSession, find_session

SESSION_COOKIE = "moderation_session"
LOGIN_CSRF_COOKIE = "moderation_login_csrf"
COOKIE_PATH = "/moderator"


class LoginRequired(Exception):
    """A page needs a logged-in person; the handler sends the browser to the login page."""


class PageError(Exception):
    """An error a person sees as a Persian page (API routes use ApiError's JSON instead)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _session(request: Request, runtime: Runtime) -> ActiveSession | None:
    cached = getattr(request.state, "moderator_session", None)
    if cached is not None:
        return cached
    found = find_session(runtime.sessions, request.cookies.get(SESSION_COOKIE))
    request.state.moderator_session = found
    return found


def page_session(request: Request, runtime: RuntimeDep) -> ActiveSession:
    found = _session(request, runtime)
    if found is None:
        raise LoginRequired
    return found


def api_session(request: Request, runtime: RuntimeDep) -> ActiveSession:
    found = _session(request, runtime)
    if found is None:
        raise ApiError(401, "unauthorized", "log in at /moderator/login first")
    if request.method not in ("GET", "HEAD") and not found.csrf_ok(request.headers.get("x-csrf-token")):
        raise ApiError(403, "csrf_failed", "the X-CSRF-Token header is missing or wrong")
    return found


PageSession = Annotated[ActiveSession, Depends(page_session)]
ApiSession = Annotated[ActiveSession, Depends(api_session)]


def check_form_csrf(active: ActiveSession, presented: str | None) -> None:
    if not active.csrf_ok(presented):
        raise PageError(403, "فرم منقضی یا نامعتبر است؛ صفحه را دوباره باز کنید.")


def cookie_secure(request: Request, runtime: Runtime) -> bool:
    setting = runtime.settings.session_cookie_secure
    if setting is not None:
        return setting
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded == "https"


def set_session_cookie(response: Response, request: Request, runtime: Runtime, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=12 * 3600,
        path=COOKIE_PATH,
        httponly=True,  # scripts cannot read it
        samesite="strict",  # other sites' pages cannot send it
        secure=cookie_secure(request, runtime),
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def login_csrf_ok(request: Request, presented: str | None) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    return bool(expected) and hmac.compare_digest(expected, presented or "")


def address_hash(request: Request, runtime: Runtime) -> str | None:
    return runtime.service.hash_personal(request.client.host if request.client else None)
