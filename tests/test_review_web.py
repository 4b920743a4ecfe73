"""The moderators' pages and JSON API in process, on a real SQLite file: login and its rate limit,
session cookie flags, CSRF on every change, roles and sites, inert comment text, security headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from moderation.engine import ModerationEngine
from moderation.people import create_user, set_disabled
from tests.test_api import make_client

ACCUSATION = "شهردار این شهر رشوه گرفته و اختلاس کرده"
HOSTILE = ACCUSATION + ' <script>alert(1)</script> <img src=x onerror="alert(2)">'
PASSWORD = "a-long-password-1"


@pytest.fixture()
def world(tmp_path: Path, engine: ModerationEngine):  # type: ignore[no-untyped-def]
    with make_client(tmp_path, engine) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        keys = {}
        for name in ("news-a", "news-b"):
            from moderation.sites import create_site

            with runtime.sessions.begin() as session:
                _, key, _ = create_site(session, name)
            keys[name] = {"Authorization": f"Bearer {key}"}
        create_user(runtime.sessions, "ali", PASSWORD, "moderator", ["news-a"])
        create_user(runtime.sessions, "reza", PASSWORD, "moderator", ["news-b"])
        create_user(runtime.sessions, "nima", PASSWORD, "data", [])
        create_user(runtime.sessions, "root", PASSWORD, "admin", [])
        for n, text_ in enumerate([HOSTILE, ACCUSATION + " ۲"]):
            body = {
                "comment_id": f"c{n}",
                "text": text_,
                "article_id": "a1",
                "article": {"title": "بودجه شهرداری <b>تصویب</b> شد", "lead": "", "body": ""},
            }
            assert client.post("/v1/moderate", headers=keys["news-a"], json=body).json()["state"] == "pending_review"
        body = {
            "comment_id": "b0",
            "text": ACCUSATION + " ۳",
            "article_id": "z",
            "article": {"title": "بودجه شهرداری تصویب شد"},
        }
        assert client.post("/v1/moderate", headers=keys["news-b"], json=body).json()["state"] == "pending_review"
        yield client, runtime, keys


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/moderator/login")
    return client.post(
        "/moderator/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_pages_need_a_login_and_the_cookie_is_locked_down(world) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = world
    assert client.get("/moderator/", follow_redirects=False).headers["location"] == "/moderator/login"
    assert client.get("/moderator/api/counts").status_code == 401
    page = client.get("/moderator/login")
    assert '<html lang="fa" dir="rtl">' in page.text and "ورود ناظران" in page.text
    response = login(client, "ali")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "moderation_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/moderator" in cookie and "Secure" not in cookie  # plain http in tests; https sets Secure
    queue = client.get("/moderator/")
    assert queue.status_code == 200
    assert queue.headers["content-security-policy"].startswith("default-src 'self'")
    assert queue.headers["x-frame-options"] == "DENY"


def test_comment_text_and_article_titles_render_as_text(world) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = world
    login(client, "ali")
    html = client.get("/moderator/").text
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "&lt;b&gt;تصویب&lt;/b&gt;" in html
    assert '<mark class="flag flag-accusation" title="اتهام به اشخاص">رشوه</mark>' in html


def test_wrong_passwords_are_refused_and_then_rate_limited(world) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = world
    for _ in range(5):
        response = login(client, "ali", "wrong-password!")
        assert response.status_code == 401 and "نادرست" in response.text
    assert login(client, "ali").status_code == 429  # even the right password, for a while
    assert login(client, "nobody", "whatever-long").status_code == 401
    assert login(client, "reza").status_code == 303  # the limit is per username


def test_every_change_needs_the_csrf_token(world) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = world
    login(client, "ali")
    item = client.get("/moderator/api/queue").json()["items"][0]["id"]
    # A form posted without the token (as another site's page would) is refused.
    response = client.post(f"/moderator/items/{item}/decision", data={"verdict": "approve"})
    assert response.status_code == 403
    assert client.post(f"/moderator/api/items/{item}/decision", json={"verdict": "approve"}).status_code == 403
    bad = client.post(
        f"/moderator/api/items/{item}/decision", json={"verdict": "approve"}, headers={"X-CSRF-Token": "nope"}
    )
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "csrf_failed"
    page = client.get("/moderator/").text
    token = csrf_of(page)
    done = client.post(
        f"/moderator/items/{item}/decision",
        data={"verdict": "reject", "reason_code": "accusation", "csrf_token": token, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/moderator/"  # no open redirect
    again = client.post(
        f"/moderator/api/items/{item}/decision", json={"verdict": "approve"}, headers={"X-CSRF-Token": token}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_roles_and_sites_are_enforced(world) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = world
    login(client, "reza")
    mine = client.get("/moderator/api/queue").json()
    assert [i["comment_id"] for i in mine["items"]] == ["b0"]
    login(client, "ali")
    token = csrf_of(client.get("/moderator/").text)
    theirs = mine["items"][0]["id"]
    assert client.get(f"/moderator/items/{theirs}").status_code == 404  # not even visible
    response = client.post(
        f"/moderator/api/items/{theirs}/decision", json={"verdict": "reject"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 404
    login(client, "nima")  # data staff: dashboard yes, decisions no
    token = csrf_of(client.get("/moderator/dashboard").text)
    assert "داشبورد" in client.get("/moderator/dashboard").text
    item = client.get("/moderator/api/queue").json()["items"][0]["id"]
    response = client.post(
        f"/moderator/api/items/{item}/decision", json={"verdict": "approve"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 403
    reopen = client.post(f"/moderator/api/items/{item}/reopen", headers={"X-CSRF-Token": token})
    assert reopen.status_code == 403


def test_a_decision_reaches_the_comment_api_and_bulk_and_reopen_work(world) -> None:  # type: ignore[no-untyped-def]
    client, _, keys = world
    login(client, "ali")
    page = client.get("/moderator/")
    token = csrf_of(page.text)
    ids = [i["id"] for i in client.get("/moderator/api/queue").json()["items"]]
    assert len(ids) == 2
    result = client.post(
        "/moderator/decisions",
        data={"item_ids": [str(i) for i in ids], "verdict": "reject", "reason_code": "accusation", "csrf_token": token},
        follow_redirects=False,
    )
    assert result.status_code == 303
    assert client.get("/moderator/api/counts").json()["total"] == 0
    stored = client.get("/v1/comments/c0", headers=keys["news-a"]).json()
    assert stored["state"] == "rejected" and stored["history"][-1]["actor"] == "ali"
    item_page = client.get(f"/moderator/items/{ids[0]}").text
    assert "تصمیم ناظر" in item_page and "۱۴۰" in item_page  # the history, with a Jalali year
    login(client, "root")
    token = csrf_of(client.get("/moderator/").text)
    reopened = client.post(f"/moderator/api/items/{ids[0]}/reopen", headers={"X-CSRF-Token": token})
    assert reopened.status_code == 200
    assert client.get("/v1/comments/c0", headers=keys["news-a"]).json()["state"] == "pending_review"


def test_logging_out_or_disabling_ends_the_session(world) -> None:  # type: ignore[no-untyped-def]
    client, runtime, _ = world
    login(client, "ali")
    token = csrf_of(client.get("/moderator/").text)
    client.post("/moderator/logout", data={"csrf_token": token})
    assert client.get("/moderator/api/counts").status_code == 401
    login(client, "ali")
    assert client.get("/moderator/api/counts").status_code == 200
    set_disabled(runtime.sessions, "ali")
    assert client.get("/moderator/api/counts").status_code == 401
    assert login(client, "ali").status_code == 401


def test_passwords_are_argon2id_and_session_tokens_are_stored_only_as_hashes(world) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    from sqlalchemy import select

    from moderation.storage.tables import User, UserSession

    client, runtime, _ = world
    response = login(client, "ali")
    token = response.cookies.get("moderation_session") or client.cookies.get("moderation_session")
    assert token
    with runtime.sessions() as session:
        stored_hash = session.scalar(select(User.password_hash).where(User.username == "ali"))
        keys = list(session.scalars(select(UserSession.token_hash)))
    assert stored_hash.startswith("$argon2id$") and PASSWORD not in stored_hash
    assert hashlib.sha256(token.encode()).hexdigest() in keys and token not in keys


def test_the_queue_names_other_languages_in_persian(world) -> None:  # type: ignore[no-untyped-def]
    client, runtime, keys = world
    from moderation.sites import set_policy

    with runtime.sessions.begin() as session:  # this site reviews other languages instead of rejecting them
        set_policy(session, "news-a", {"language": {"other_language_action": "review"}})
    runtime.site_cache.clear()
    body = {"comment_id": "ru1", "text": "Спасибо за статью, очень интересно", "article_id": "a1"}
    answer = client.post("/v1/moderate", headers=keys["news-a"], json=body).json()
    assert answer["state"] == "pending_review" and answer["decision"]["language"]["code"] == "ru"
    login(client, "ali")
    assert "روسی" in client.get("/moderator/").text
