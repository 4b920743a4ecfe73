"""Latency of the drop-in integrations through a real uvicorn process on SQLite, measured by the client.

Run: .venv/bin/python -m benchmarks.integrations
Coral waits 800 ms by default for its external phase; each request here is a new comment, signed as
Coral signs it, moderated and stored before the reply. Sequential requests on one keep-alive connection.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.http import uvicorn

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 300
COMMENTS = (
    "گزارش خوبی بود، ممنون از خبرنگار",
    "نویسنده این خبر واقعا ا.ح.م.ق است",
    "کسی میدونه یارانه کی واریز میشه؟",
    "این تصمیم شهرداری برای کتابخانه درست بود و امیدوارم ادامه پیدا کند",
    "برای خرید ارزان به کانال ما بپیوندید",
)


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "max_ms": round(ordered[-1], 2),
        "requests": len(ordered),
    }


def _timed(client: httpx.Client, path: str, arguments: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = client.post(path, **arguments)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    return elapsed


def main() -> dict[str, Any]:
    secret = "ems_" + "5e" * 24
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "MODERATION_DATA_DIR": folder, "MODERATION_CREATE_DEMO_SITE": "false"}
        cli = [sys.executable, "-m", "moderation.cli"]
        added = subprocess.run([*cli, "sites", "add", "bench"], env=env, capture_output=True, text=True, check=True)
        key = next(line.split(": ", 1)[1] for line in added.stdout.splitlines() if line.startswith("api key"))
        link = [*cli, "sites", "link-coral", "tenant", "site", "bench", "--secret", secret]
        subprocess.run(link, env=env, check=True, capture_output=True)
        with uvicorn("service:app", env) as (url, _startup, _process), httpx.Client(base_url=url, timeout=5) as client:
            coral: list[float] = []
            moderate: list[float] = []  # the plain API on the same server: what the protocol adds
            perspective: list[float] = []
            # Interleaved, so that the machine's other load falls on the three alike.
            for number in range(REQUESTS):
                text = f"{COMMENTS[number % len(COMMENTS)]} {number}"
                payload = {
                    "tenant": {"id": "tenant", "domain": "news.example"},
                    "action": "NEW",
                    "comment": {"body": text, "parentID": None},
                    "author": {"id": f"reader-{number}", "role": "COMMENTER"},
                    "story": {"id": "story-1", "url": "https://news.example/story-1"},
                    "site": {"id": "site"},
                }
                body = json.dumps(payload, indent=2, ensure_ascii=False).encode()
                signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
                headers = {"Content-Type": "application/json", "X-Coral-Signature": signature}
                coral.append(_timed(client, "/integrations/coral/phase", {"content": body, "headers": headers}))
                plain = {"comment_id": f"plain-{number}", "article_id": "story-1", "text": text}
                auth = {"Authorization": f"Bearer {key}"}
                moderate.append(_timed(client, "/v1/moderate", {"json": plain, "headers": auth}))
                analyze = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True}
                perspective.append(_timed(client, f"/v1alpha1/comments:analyze?key={key}", {"json": analyze}))
    report = {
        "coral_phase_new_comment_stored": _summary(coral[20:]),  # the first requests warm caches
        "v1_moderate_new_comment_stored": _summary(moderate[20:]),
        "perspective_analyze_do_not_store": _summary(perspective[20:]),
        "coral_default_timeout_ms": 800,
    }
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
