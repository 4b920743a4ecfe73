"""Faults: the server is killed with SIGKILL in the middle of a stream of comments.

Every comment that got a 2xx is in the database with its decision after a restart;
resubmitting the ones that got no answer is idempotent. SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, start_server, stop_server

TEXTS = ["گزارش خوبی بود، ممنون", "نویسنده این خبر احمقه", "کسی میدونه یارانه کی میاد؟", "این تصمیم اشتباه است"]


def _body(number: int) -> dict[str, object]:
    return {
        "comment_id": f"k-{number}",
        "text": TEXTS[number % len(TEXTS)],
        "article_id": "a1",
        "article": {"title": "خبر"},
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_mid_stream_loses_no_acknowledged_comment(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {"MODERATION_DATA_DIR": str(tmp_path), "MODERATION_RATE_LIMIT_BURST": "100000"}
    if backend == "postgresql":
        env |= {
            "MODERATION_DATABASE_URL": request.getfixturevalue("fresh_postgres_url"),
            "MODERATION_HASH_SALT": "a-long-enough-test-salt-value",
        }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process, key = start_server(env, port)
    headers = {"Authorization": f"Bearer {key}"}
    acknowledged: dict[int, dict[str, object]] = {}
    unanswered: list[int] = []
    lock = threading.Lock()
    counter = iter(range(10_000))
    stop = threading.Event()

    def sender() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                with lock:
                    number = next(counter)
                try:
                    response = client.post(f"{url}/v1/moderate", json=_body(number), headers=headers)
                    if 200 <= response.status_code < 300:
                        with lock:
                            acknowledged[number] = response.json()
                    else:
                        unanswered.append(number)
                except httpx.HTTPError:
                    with lock:
                        unanswered.append(number)
                    return  # the server is gone: this client stops and retries later

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop_server(process, kill=True)  # SIGKILL mid-stream: requests are in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 40

    process, _ = start_server(env, port)
    try:
        with httpx.Client(timeout=30) as client:
            for number, answer in acknowledged.items():
                stored = client.get(f"{url}/v1/comments/k-{number}", headers=headers)
                assert stored.status_code == 200, f"acknowledged comment k-{number} lost"
                assert stored.json()["decision"]["verdict"] == answer["decision"]["verdict"]  # type: ignore[index]
                assert len(stored.json()["revisions"]) == 1
            for number in unanswered:
                retried = client.post(f"{url}/v1/moderate", json=_body(number), headers=headers)
                assert retried.status_code == 200
                again = client.post(f"{url}/v1/moderate", json=_body(number), headers=headers)
                assert again.status_code == 200, again.text
                assert again.json()["replayed"] is True and again.json()["revision"] == retried.json()["revision"]
            first = next(iter(acknowledged))
            assert client.post(f"{url}/v1/moderate", json=_body(first), headers=headers).json()["replayed"] is True
    finally:
        stop_server(process)
