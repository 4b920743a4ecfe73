"""Real HTTP through uvicorn, as `make run` starts it: SQLite by default, PostgreSQL by one setting."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers import ROOT, free_port, start_server, stop_server


@contextmanager
def server(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Start uvicorn on a free port; yield its URL and the demo key it printed."""
    port = free_port()
    process, key = start_server(env, port)
    try:
        yield f"http://127.0.0.1:{port}", key
    finally:
        stop_server(process)


def _exercise(url: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{url}/readyz").json()["status"] == "ready"
    body = {"comment_id": "e2e-1", "text": "تو یه ا ح م ق هستی", "article_id": "a1", "article": {"title": "خبر ورزشی"}}
    response = httpx.post(f"{url}/v1/moderate", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["verdict"] == "reject"
    again = httpx.post(f"{url}/v1/moderate", json=body, headers=headers, timeout=30).json()
    assert again["replayed"] is True
    assert httpx.get(f"{url}/v1/comments/e2e-1", headers=headers).json()["state"] == "rejected"
    assert httpx.get(f"{url}/docs").status_code == 200
    assert "/v1/moderate" in httpx.get(f"{url}/openapi.json").json()["paths"]


def test_embedded_default_sqlite(tmp_path: Path) -> None:
    with server({"MODERATION_DATA_DIR": str(tmp_path)}) as (url, key):
        assert key.startswith("mk_"), "the demo site's key is printed once on first start"
        _exercise(url, key)
    with sqlite3.connect(tmp_path / "moderation.db") as db:
        assert db.execute("SELECT state FROM comments WHERE comment_id = 'e2e-1'").fetchone() == ("rejected",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with server({"MODERATION_DATA_DIR": str(tmp_path)}) as (_, key_again):
        assert key_again == "", "the key is not printed again"


def test_postgresql_by_one_setting(fresh_postgres_url: str, tmp_path: Path) -> None:
    env = {
        "MODERATION_DATABASE_URL": fresh_postgres_url,
        "MODERATION_HASH_SALT": "a-long-enough-test-salt-value",
        "MODERATION_DATA_DIR": str(tmp_path),
    }
    with server(env) as (url, key):
        _exercise(url, key)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MODERATION_MODELS_DIR": "/nonexistent/models"}, "no model 'production'"),
        (
            {"MODERATION_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/never_created_by_tests"},
            "MODERATION_HASH_SALT must be set",
        ),
        ({"MODERATION_HASH_SALT": "changeme"}, "MODERATION_HASH_SALT must be at least 16 characters"),
    ],
)
def test_refuses_to_start_with_a_clear_line(tmp_path: Path, env: dict[str, str], message: str) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "service:app", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "MODERATION_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "refusing to start" in line]
    assert lines and message in lines[0], result.stderr[-2000:]
