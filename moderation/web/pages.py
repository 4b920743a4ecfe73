"""The moderators' Persian pages (server-rendered, right-to-left): login, queue, item, dashboard.

Thin: every rule lives in the review service; this turns forms into calls and results into HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from moderation.api.deps import RuntimeDep
from moderation.people import Person, end_session, login_allowed, record_login, start_session, verify_password
from moderation.review import Filters, IllegalTransition, ItemNotFound, NotAllowed
from moderation.review.model import SORTS
from moderation.sites import list_sites
from moderation.web.auth import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    PageError,
    PageSession,
    address_hash,
    check_form_csrf,
    cookie_secure,
    login_csrf_ok,
    new_login_csrf,
    set_session_cookie,
)
from moderation.web.render import FILTERS, GLOBALS, segments

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html
templates.env.filters.update(FILTERS)
templates.env.globals.update(GLOBALS)
templates.env.globals["segments"] = segments

router = APIRouter(prefix="/moderator", include_in_schema=False)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def filters_from(
    site: int | None, article: str | None, reason: str | None, language: str | None, age: int | None, sort: str
) -> Filters:
    if sort not in SORTS:
        sort = "oldest"
    return Filters(
        site_id=site,
        article_id=(article or "").strip()[:200] or None,
        reason=(reason or "").strip()[:40] or None,
        language=(language or "").strip()[:20] or None,
        min_age_minutes=age if age and age > 0 else None,
        sort=sort,
        limit=100,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, runtime: RuntimeDep) -> Response:
    token = new_login_csrf()
    response = render(request, "login.html", csrf_token=token, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, runtime),
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not login_csrf_ok(request, csrf_token):
        raise PageError(403, "فرم ورود منقضی شده است؛ صفحه را دوباره باز کنید.")
    address = address_hash(request, runtime)
    if not login_allowed(runtime.sessions, username, address):
        return render(
            request,
            "login.html",
            status=429,
            csrf_token=csrf_token,
            error="تلاش‌های ناموفق زیاد بود؛ پانزده دقیقه دیگر دوباره امتحان کنید.",
        )
    person = verify_password(runtime.sessions, username, password)
    record_login(runtime.sessions, username, address, person is not None)
    if person is None:
        return render(
            request, "login.html", status=401, csrf_token=csrf_token, error="نام کاربری یا گذرواژه نادرست است."
        )
    token, _ = start_session(runtime.sessions, person)
    response = RedirectResponse("/moderator/" if person.role != "data" else "/moderator/dashboard", status_code=303)
    set_session_cookie(response, request, runtime, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
def logout(
    request: Request, runtime: RuntimeDep, active: PageSession, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_form_csrf(active, csrf_token)
    end_session(runtime.sessions, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/moderator/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/", response_class=HTMLResponse)
def queue_page(
    request: Request,
    runtime: RuntimeDep,
    active: PageSession,
    site: Annotated[int | None, Query()] = None,
    article: Annotated[str | None, Query(max_length=200)] = None,
    reason: Annotated[str | None, Query(max_length=40)] = None,
    language: Annotated[str | None, Query(max_length=20)] = None,
    age: Annotated[int | None, Query(ge=0, le=100_000)] = None,
    sort: Annotated[str, Query(max_length=20)] = "oldest",
) -> Response:
    person = active.person
    filters = filters_from(site, article, reason, language, age, sort)
    review = runtime.review
    if person.role in ("moderator", "admin"):
        # Opening the queue takes a batch for this moderator, so two people never work the same comment.
        review.claim(person, filters, count=runtime.settings.review_claim_size)
    items = review.queue(person, filters)
    counts = review.counts(person, filters)
    query = urlencode({k: v for k, v in request.query_params.items()})
    return render(
        request,
        "queue.html",
        person=person,
        csrf_token=active.csrf_token,
        items=items,
        counts=counts,
        filters=filters,
        sites=_site_names(runtime, person),
        here=f"/moderator/?{query}" if query else "/moderator/",
    )


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, runtime: RuntimeDep, active: PageSession, item_id: int) -> Response:
    try:
        context = runtime.review.item_context(active.person, item_id)
    except ItemNotFound:
        raise PageError(404, "این مورد پیدا نشد.") from None
    return render(
        request,
        "item.html",
        person=active.person,
        csrf_token=active.csrf_token,
        here=f"/moderator/items/{item_id}",
        **context,
    )


@router.post("/items/{item_id}/decision")
def decide(
    runtime: RuntimeDep,
    active: PageSession,
    item_id: int,
    verdict: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    reason_code: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/moderator/",
) -> Response:
    check_form_csrf(active, csrf_token)
    _page_call(lambda: runtime.review.decide(active.person, item_id, verdict, reason_code, note))
    return RedirectResponse(_local(next), status_code=303)


@router.post("/decisions")
def decide_many(
    runtime: RuntimeDep,
    active: PageSession,
    verdict: Annotated[str, Form(max_length=10)],
    item_ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    reason_code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/moderator/",
) -> Response:
    check_form_csrf(active, csrf_token)
    _page_call(lambda: runtime.review.decide_many(active.person, item_ids, verdict, reason_code))
    return RedirectResponse(_local(next), status_code=303)


@router.post("/items/{item_id}/release")
def release(
    runtime: RuntimeDep, active: PageSession, item_id: int, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    check_form_csrf(active, csrf_token)
    _page_call(lambda: runtime.review.release(active.person, item_id))
    return RedirectResponse("/moderator/", status_code=303)


@router.post("/items/{item_id}/reopen")
def reopen(
    runtime: RuntimeDep, active: PageSession, item_id: int, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    check_form_csrf(active, csrf_token)
    _page_call(lambda: runtime.review.reopen(active.person, item_id))
    return RedirectResponse(f"/moderator/items/{item_id}", status_code=303)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, runtime: RuntimeDep, active: PageSession) -> Response:
    board = runtime.review.dashboard(active.person)
    peak = max([sum(d[v] for v in ("approve", "reject", "review")) for d in board.per_day] or [1])
    return render(
        request,
        "dashboard.html",
        person=active.person,
        csrf_token=active.csrf_token,
        board=board,
        peak=peak,
        versions=runtime.engine.versions,
    )


def _page_call(action: Any) -> Any:
    try:
        return action()
    except ItemNotFound:
        raise PageError(404, "این مورد پیدا نشد.") from None
    except NotAllowed:
        raise PageError(403, "این کار در اختیار نقش شما نیست.") from None
    except IllegalTransition:
        raise PageError(409, "این مورد در این میان تغییر کرده یا در دست ناظر دیگری است.") from None
    except ValueError as error:
        raise PageError(400, f"درخواست نادرست: {error}") from None


def _local(target: str) -> str:
    """Only redirect within the moderators' pages (no open redirect)."""
    return (
        target if target.startswith("/moderator/") and "//" not in target[1:] and "\\" not in target else "/moderator/"
    )


def _site_names(runtime: RuntimeDep, person: Person) -> dict[int, str]:
    with runtime.sessions() as session:
        sites = sorted(list_sites(session), key=lambda site: site.name)
    return {site.id: site.name for site in sites if person.can_see(site.id)}
