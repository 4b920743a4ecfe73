"""Hostile and malformed requests, on SQLite and PostgreSQL: each one is a clear 4xx with the one error shape,
or is stored and returned verbatim as JSON data (never interpreted). Never a 500.

Cases already in test_api.py (invalid UTF-8, text/plain, 3 MB body, 5,000 nested arrays, a batch of 101,
`../../etc/passwd` and 201-character ids in the body) are not repeated here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from moderation.engine import ModerationEngine
from moderation.sites import create_site
from moderation.storage.tables import Comment
from tests.apps import app_client

JSON = {"Content-Type": "application/json"}


@pytest.fixture()
def client(database_url: str, tmp_path: Path, engine: ModerationEngine) -> Iterator[TestClient]:
    with app_client(engine, tmp_path, database_url, raise_server_exceptions=False, rate_limit_burst=100_000) as test:
        yield test


@pytest.fixture()
def site(client: TestClient) -> dict[str, str]:
    with client.app.state.runtime.sessions.begin() as session:  # type: ignore[attr-defined]
        _, key, _ = create_site(session, "hostile")
    return {"Authorization": f"Bearer {key}"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"} and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]  # type: ignore[no-any-return]


def comment(**fields: Any) -> dict[str, Any]:
    return {"comment_id": "h1", "text": "گزارش خوبی بود", "article_id": "a1", **fields}


def stored_comments(client: TestClient) -> int:
    with client.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count()).select_from(Comment)) or 0)


# Every text field a request can carry, as (where, request body builder).
TEXT_FIELDS = {
    "text": lambda value: comment(text=value),
    "article.title": lambda value: comment(article={"title": value}),
    "article.lead": lambda value: comment(article={"title": "خبر", "lead": value}),
    "article.body": lambda value: comment(article={"title": "خبر", "body": value}),
    "author.author_id": lambda value: comment(author={"author_id": value}),
    "author.name": lambda value: comment(author={"name": value}),
    "author.email": lambda value: comment(author={"email": value}),
    "author.ip": lambda value: comment(author={"ip": value}),
}


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_nul_and_lone_surrogates_are_refused_in_every_text_field(
    client: TestClient, site: dict[str, str], field: str
) -> None:
    # PostgreSQL cannot store NUL: before the schema said so, this was a 500 there.
    body = json.dumps(TEXT_FIELDS[field]("سلام\u0000دنیا"))
    error = assert_error(client.post("/v1/moderate", headers={**site, **JSON}, content=body), 422, "invalid_request")
    assert field in error["message"] and "NUL" in error["message"]
    lone = json.dumps(TEXT_FIELDS[field]("x\ud800y"))  # json.dumps writes the escape \ud800
    error = assert_error(client.post("/v1/moderate", headers={**site, **JSON}, content=lone), 422, "invalid_request")
    assert field in error["message"]
    assert stored_comments(client) == 0


def test_nul_in_an_article_or_the_policy_is_refused(client: TestClient, site: dict[str, str]) -> None:
    assert_error(client.put("/v1/articles/a1", headers=site, json={"title": "a\u0000"}), 422, "invalid_request")
    assert_error(client.put("/v1/site/policy", headers=site, json={"deny_terms": ["\u0000"]}), 422, "invalid_request")
    assert client.get("/v1/site/policy", headers=site).json()["overrides"] == {}


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "", "json"],
)
def test_wrong_content_types_are_415(client: TestClient, site: dict[str, str], content_type: str) -> None:
    body = json.dumps(comment()).encode()
    headers = {**site, "Content-Type": content_type} if content_type else site
    assert_error(client.post("/v1/moderate", headers=headers, content=body), 415, "unsupported_media_type")


def test_a_10_mb_body_is_413_with_or_without_content_length(client: TestClient, site: dict[str, str]) -> None:
    big = json.dumps(comment(text="س" * 5_000_000)).encode()  # 10 MB of UTF-8
    assert len(big) > 10_000_000
    assert_error(client.post("/v1/moderate", headers={**site, **JSON}, content=big), 413, "body_too_large")

    def chunks() -> Iterator[bytes]:  # streamed: no Content-Length to trust
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    assert_error(client.post("/v1/moderate", headers={**site, **JSON}, content=chunks()), 413, "body_too_large")
    assert stored_comments(client) == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' * 200_000 + b"1" + b"}" * 200_000,  # deeper than Python's recursion limit
        b"[" * 1_000_000 + b"]" * 1_000_000,
        b'{"comment_id": "c", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b', "article_id": "a"}',
    ],
)
def test_deeply_nested_json_is_a_clear_4xx(client: TestClient, site: dict[str, str], body: bytes) -> None:
    response = client.post("/v1/moderate", headers={**site, **JSON}, content=body)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


def test_a_batch_of_10000_items_is_refused_whole(client: TestClient, site: dict[str, str]) -> None:
    items = [comment(comment_id=f"b{i}", text=f"نظر شماره {i}") for i in range(10_000)]
    response = client.post("/v1/moderate/batch", headers=site, json={"comments": items})
    error = assert_error(response, 422, "invalid_request")
    assert "comments" in error["message"] and "100" in error["message"]
    assert stored_comments(client) == 0


SQL = "'; DROP TABLE comments; -- \" OR 1=1; SELECT * FROM sites WHERE ''='"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)><a href="javascript:alert(2)">&amp;</a>'


@pytest.mark.parametrize("payload", [SQL, HTML], ids=["sql", "html"])
def test_sql_and_html_in_every_text_field_are_stored_and_returned_verbatim(
    client: TestClient, site: dict[str, str], payload: str
) -> None:
    article = {"title": payload, "lead": payload, "body": payload}
    author = {"author_id": payload[:200], "name": payload[:200], "email": payload, "ip": payload[:64]}
    answer = client.post("/v1/moderate", headers=site, json=comment(text=payload, article=article, author=author))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert client.get("/v1/articles/a1", headers=site).json() | {"updated_at": None} == {
        "article_id": "a1",
        **article,
        "updated_at": None,
    }
    assert client.put("/v1/articles/a2", headers=site, json=article).json()["body"] == payload
    assert client.get("/v1/comments/h1", headers=site).status_code == 200
    with client.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        assert session.execute(text("SELECT text FROM comment_revisions")).scalar_one() == payload
        author_name = session.execute(text("SELECT author_name FROM comments")).scalar_one()
        assert author_name == payload[:200]
        assert session.execute(text("SELECT count(*) FROM sites")).scalar_one() == 1  # nothing was executed
    # The policy's word lists too: kept as data.
    policy = client.put("/v1/site/policy", headers=site, json={"deny_terms": [payload[:100]]})
    assert policy.status_code == 200 and policy.json()["overrides"]["deny_terms"] == [payload[:100]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/comments/..%2F..%2Fetc%2Fpasswd",
        "/v1/comments/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/v1/comments/..%5C..%5Cwindows%5Cwin.ini",
        "/v1/articles/%2Fetc%2Fpasswd",
        "/v1/articles/..%00",
        "/v1/comments/" + "x" * 10_000,
        "/v1/articles/" + "%41" * 5_000 + "%2F",
    ],
)
def test_path_traversal_and_very_long_ids_in_paths_are_4xx(client: TestClient, site: dict[str, str], path: str) -> None:
    response = client.get(path, headers=site)
    assert response.status_code in (404, 422)
    assert_error(response, response.status_code)
    assert "root:" not in response.text
    put = client.put(path.replace("/comments/", "/articles/"), headers=site, json={"title": "x"})
    assert put.status_code in (404, 405, 422)
    assert_error(put, put.status_code)


def test_very_long_ids_and_query_values_are_422(client: TestClient, site: dict[str, str]) -> None:
    long_id = "a" * 100_000
    for body in (comment(comment_id=long_id), comment(article_id=long_id), comment(parent_id=long_id)):
        assert_error(client.post("/v1/moderate", headers=site, json=body), 422, "invalid_request")
    assert_error(
        client.get("/v1/comments", headers=site, params={"changed_since": "2026" * 10_000}), 422, "invalid_request"
    )
    assert_error(client.get("/v1/comments", headers=site, params={"changed_since": "now", "limit": "9" * 400}), 422)
    assert stored_comments(client) == 0
