"""Fault: the embedded SQLite database cannot be written: the disk is full, or the file is read-only.

A full disk is simulated with `PRAGMA max_page_count` (we run as root: file permissions would not stop
writes); a read-only file is opened the way SQLite opens one it may not write (`mode=ro`). Each write
is then a clear 503 naming the cause, reads still work, nothing is half-written, `PRAGMA
integrity_check` is ok, and writes succeed again once there is room.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from moderation.engine import ModerationEngine
from moderation.sites import create_site
from tests.apps import app_client
from tests.storage_checks import half_written

ARTICLE = {"title": "کتابخانه مرکزی شهر بازگشایی شد"}
LONG = "گزارش خوبی بود و کتابخانه تازه واقعا جای خوبی برای مطالعه است. " * 60  # a few kB: needs new pages


def make_client(tmp_path: Path, engine: ModerationEngine, **overrides: object) -> TestClient:
    return app_client(engine, tmp_path, rate_limit_burst=10**6, **overrides)


def post(client: TestClient, headers: dict[str, str], comment_id: str, text: str = LONG):  # type: ignore[no-untyped-def]
    body = {"comment_id": comment_id, "text": text, "article_id": "a1", "article": ARTICLE}
    return client.post("/v1/moderate", headers=headers, json=body)


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture()
def served(tmp_path: Path, engine: ModerationEngine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with make_client(tmp_path, engine) as client:
        with client.app.state.runtime.sessions.begin() as session:  # type: ignore[attr-defined]
            _, key, _ = create_site(session, "embedded")
        yield client, {"Authorization": f"Bearer {key}"}


def test_a_full_disk_is_a_clear_503_and_corrupts_nothing(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, headers = served
    database = client.app.state.runtime.database
    for number in range(5):
        assert post(client, headers, f"before-{number}").status_code == 200
    with database.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()

    def no_room(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    event.listen(database, "connect", no_room)
    database.dispose()  # every new connection has no room to grow
    try:
        answers = [post(client, headers, f"full-{number}") for number in range(40)]
        refused = [a for a in answers if a.status_code != 200]
        assert refused, "the disk filled up"
        for answer in refused:
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["code"] == "storage_full" and answer.headers["Retry-After"]
        assert client.get("/v1/comments/before-0", headers=headers).status_code == 200, "reads still work"
        assert client.get("/readyz").status_code == 200
    finally:
        event.remove(database, "connect", no_room)
        database.dispose()

    with database.connect() as connection:
        assert half_written(connection) == {}
    assert integrity(tmp_path / "moderation.db") == "ok"
    # Room again: the refused comments are taken now, and nothing of their first try is in the way.
    for number, answer in enumerate(answers):
        if answer.status_code != 200:
            again = post(client, headers, f"full-{number}")
            assert again.status_code == 200 and again.json()["replayed"] is False and again.json()["revision"] == 1


def test_a_read_only_database_file_is_a_clear_503(tmp_path: Path, engine: ModerationEngine) -> None:
    with make_client(tmp_path, engine) as writable:
        with writable.app.state.runtime.sessions.begin() as session:  # type: ignore[attr-defined]
            _, key, _ = create_site(session, "embedded")
        headers = {"Authorization": f"Bearer {key}"}
        kept = post(writable, headers, "kept")
        assert kept.status_code == 200
    path = tmp_path / "moderation.db"
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    with make_client(tmp_path, engine, database_url=read_only, auto_migrate=False) as client:
        refused = post(client, headers, "new-one")
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "database_read_only" and refused.headers["Retry-After"]
        article = client.put("/v1/articles/a2", headers=headers, json=ARTICLE)
        assert article.status_code == 503 and article.json()["error"]["code"] == "database_read_only"
        assert client.get("/v1/comments/kept", headers=headers).json()["state"] == kept.json()["state"]
        assert client.get("/v1/comments/new-one", headers=headers).status_code == 404
    assert integrity(path) == "ok"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM comments").fetchone() == (1,)
