"""Fault: PostgreSQL becomes unreachable while the service is serving, then comes back.

A TCP proxy sits between a real uvicorn process and the machine's PostgreSQL (which others use and which
keeps running); cutting the proxy is the outage. During it every request gets a clear 503 with
Retry-After, /readyz says not ready, nothing is half-written; once restored the same process serves again.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text

from tests.servers import free_port, start_server, stop_server
from tests.storage_checks import half_written
from tests.tcp_proxy import TcpProxy

ARTICLE = {"title": "کتابخانه مرکزی شهر بازگشایی شد"}
TEXTS = ["گزارش خوبی بود، ممنون", "نویسنده این خبر احمقه", "کسی میدونه یارانه کی میاد؟"]


def wait_for(condition, seconds: float = 60) -> bool:  # type: ignore[no-untyped-def]
    """Poll until `condition()` holds (a wait, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_database_outage_is_503_with_retry_after_and_the_service_resumes_by_itself(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    direct = make_url(fresh_postgres_url)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    through_proxy = direct.set(port=proxy.port, query={"connect_timeout": "3"})
    env = {
        "MODERATION_DATABASE_URL": through_proxy.render_as_string(hide_password=False),
        "MODERATION_HASH_SALT": "a-long-enough-test-salt-value",
        "MODERATION_DATA_DIR": str(tmp_path),
        "MODERATION_RATE_LIMIT_BURST": "100000",
        "MODERATION_SITE_CACHE_SECONDS": "0",  # every request needs the database, even to authenticate
    }
    port = free_port()
    process, key = start_server(env, port)
    url, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}
    statuses: Counter[int] = Counter()
    answers: dict[str, httpx.Response] = {}
    lock = threading.Lock()
    numbers = itertools.count()
    stop = threading.Event()

    def send_comments() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                comment_id = f"o-{next(numbers)}"
                body = {"comment_id": comment_id, "text": TEXTS[len(comment_id) % 3], "article_id": "a1"}
                response = client.post(f"{url}/v1/moderate", json={**body, "article": ARTICLE}, headers=headers)
                with lock:
                    statuses[response.status_code] += 1
                    answers[comment_id] = response

    senders = [threading.Thread(target=send_comments) for _ in range(3)]
    try:
        for sender in senders:
            sender.start()
        assert wait_for(lambda: statuses[200] >= 20), statuses

        proxy.cut()
        assert wait_for(lambda: statuses[503] >= 20), statuses
        ready = httpx.get(f"{url}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unreachable")
        with lock:
            failed = [r for r in answers.values() if r.status_code != 200]
        assert failed and {r.status_code for r in failed} == {503}, {r.status_code for r in failed}
        for response in failed:
            assert response.json()["error"]["code"] == "database_unavailable"
            assert int(response.headers["Retry-After"]) > 0
        assert httpx.get(f"{url}/healthz").status_code == 200  # alive, only not ready

        proxy.restore()
        served_before = statuses[200]
        assert wait_for(lambda: statuses[200] >= served_before + 20), statuses
        assert process.poll() is None, "resumed without a restart"
        assert httpx.get(f"{url}/readyz", timeout=30).status_code == 200
    finally:
        stop.set()
        for sender in senders:
            sender.join(timeout=60)

    try:
        database = create_engine(fresh_postgres_url)
        with database.connect() as connection:
            assert half_written(connection) == {}
            stored = {row[0]: row[1] for row in connection.execute(text("SELECT comment_id, state FROM comments"))}
        database.dispose()
        for comment_id, response in answers.items():
            if response.status_code == 200:
                assert stored[comment_id] == response.json()["state"], f"acknowledged {comment_id} lost"
        # A comment whose answer was a 503 is absent or complete (committed just before the cut); the
        # client's retry of the same request is then a fresh decision or the stored one, never a duplicate.
        with httpx.Client(timeout=30) as client:
            for comment_id, response in answers.items():
                if response.status_code == 503:
                    body = {"comment_id": comment_id, "text": TEXTS[len(comment_id) % 3], "article_id": "a1"}
                    retried = client.post(f"{url}/v1/moderate", json=body, headers=headers)
                    assert retried.status_code == 200, retried.text
                    assert retried.json()["revision"] == 1
                    assert retried.json()["replayed"] is (comment_id in stored)
    finally:
        stop_server(process)
        proxy.close()
