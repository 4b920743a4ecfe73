"""The logs of real moderation requests hold no comment text, author name, e-mail or reader IP.

A real uvicorn process logs everything at INFO, the level production runs at, including every SQL
statement SQLAlchemy sends (the engine hides their parameters), requests that fail validation, a body
that is too large, and a database that refuses a write.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import ROOT, free_port

SECRETS = {
    "text": "متن‌خصوصی‌خواننده احمق",
    "article": "تیتر‌خبر‌محرمانه",
    "name": "Shirin-Private-Name",
    "email": "shirin.private@example.org",
    "ip": "203.0.113.77",
}

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": ["out"]},
    "loggers": {
        "uvicorn": {"level": "INFO"},
        "uvicorn.access": {"level": "INFO"},
        "sqlalchemy.engine": {"level": "INFO"},  # every statement, to show that values stay out
    },
}


def test_request_logs_hold_no_comment_text_or_personal_data(tmp_path: Path) -> None:
    config = tmp_path / "logging.json"
    config.write_text(json.dumps(LOG_CONFIG), encoding="utf-8")
    log_path = tmp_path / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MODERATION_DATA_DIR": str(tmp_path), "MODERATION_WEBHOOK_INTERVAL_SECONDS": "3600"}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service:app", "--port", str(port), "--log-config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "Uvicorn running on" not in log_path.read_text():  # listening
            assert process.poll() is None, log_path.read_text()[-2000:]
            time.sleep(0.1)
        key = next(line.split(": ")[-1] for line in log_path.read_text().splitlines() if "API key" in line)
        headers = {"Authorization": f"Bearer {key}"}
        author = {"name": SECRETS["name"], "email": SECRETS["email"], "ip": SECRETS["ip"]}
        body = {
            "comment_id": "private-1",
            "text": SECRETS["text"],
            "article_id": "a1",
            "article": {"title": SECRETS["article"]},
            "author": author,
        }
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            assert client.post("/v1/moderate", json=body).status_code == 200
            assert client.post("/v1/moderate", json=body).json()["replayed"] is True
            edited = {**body, "text": SECRETS["text"] + " دوباره"}
            assert client.post("/v1/moderate", json=edited).status_code == 200
            assert client.post(
                "/v1/moderate/batch", json={"comments": [{**body, "comment_id": "private-2"}]}
            ).is_success
            assert client.get("/v1/comments/private-1").status_code == 200
            assert client.post("/v1/moderate", json={**body, "colour": SECRETS["text"]}).status_code == 422
            assert client.post("/v1/moderate", json={**body, "author": {**author, "ip": "x" * 70}}).status_code == 422
            too_big = client.post("/v1/moderate", json={**body, "text": SECRETS["text"] * 2_000})
            assert too_big.status_code == 413
            nul = client.post("/v1/moderate", json={**body, "text": SECRETS["text"] + "\u0000"})
            assert nul.status_code == 422
    finally:
        process.terminate()
        process.wait(timeout=30)
    logged = log_path.read_text(encoding="utf-8")
    assert "POST /v1/moderate" in logged and "INSERT INTO comment_revisions" in logged, "the logs were captured"
    for what, secret in SECRETS.items():
        assert secret not in logged, f"the {what} is in the log"
    assert SECRETS["text"].split()[0] not in logged
