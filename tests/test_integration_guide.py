"""docs/integration.md runs as written: every curl, Python and PHP example is executed against a real
uvicorn server, and the webhook receivers get a real, signed delivery of a moderator's decision.

Each executable block is preceded by a directive comment:
`<!-- guide-test: run; expect=A|B -->` runs it (bash, python or php) and requires A and B in its output;
`<!-- guide-test: webhook-receiver -->` serves it as the site's webhook (php -S, or python with PORT).
PHP is Debian's php-cli, installed by scripts/ensure-php (`make test`): without it these tests fail.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from moderation.comments import CommentService
from moderation.engine import ModerationEngine
from moderation.storage import build_engine
from moderation.webhooks import SIGNATURE_HEADER, sign
from tests.servers import ROOT, free_port, start_server, stop_server

GUIDE = ROOT / "docs" / "integration.md"
EXECUTABLE = ("sh", "python", "php")
# An optional directive comment, then a fenced block: its language and its code.
BLOCK = re.compile(
    r"(?:<!--\s*guide-test:\s*(?P<directive>[^>]*?)\s*-->\s*\n)?^ *```(?P<lang>[a-z]*)[^\n]*\n(?P<code>.*?)^ *```",
    re.S | re.M,
)


@dataclass(frozen=True)
class Example:
    lang: str
    code: str
    kind: str  # run or webhook-receiver
    expect: tuple[str, ...]
    line: int


def examples() -> list[Example]:
    text = GUIDE.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        lang, directive = match["lang"], match["directive"]
        line = text.count("\n", 0, match.start("code"))
        if lang not in EXECUTABLE:
            assert directive is None, f"line {line}: a directive on a {lang or 'plain'} block that is not run"
            continue
        assert directive, f"line {line}: a {lang} example without a guide-test directive would not be tested"
        kind, _, rest = directive.partition(";")
        expect = tuple(part for part in rest.strip().removeprefix("expect=").split("|") if part)
        assert kind.strip() in ("run", "webhook-receiver"), f"line {line}: unknown directive {directive!r}"
        assert kind.strip() != "run" or expect, f"line {line}: a run example needs expect=…"
        found.append(Example(lang, match["code"], kind.strip(), expect, line))
    return found


def test_the_guide_has_examples_in_every_language_and_all_are_tested() -> None:
    found = examples()
    assert {e.lang for e in found if e.kind == "run"} == set(EXECUTABLE)
    assert {e.lang for e in found if e.kind == "webhook-receiver"} == {"php", "python"}


def test_php_is_installed() -> None:
    # Not a skip: CI must have php-cli (scripts/ensure-php installs it), or the PHP examples go untested.
    assert shutil.which("php"), "php is missing: run scripts/ensure-php (make test does)"


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "moderation.cli", *args], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _line(output: str, label: str) -> str:
    return next(line.split(": ", 1)[1].strip() for line in output.splitlines() if line.startswith(label))


class Receiver:
    """A webhook receiver example, served on a free port; its output goes to a file we read."""

    def __init__(self, example: Example, folder: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = folder / f"receiver-{self.port}.log"
        script = folder / ("webhook.php" if example.lang == "php" else "webhook.py")
        script.write_text(example.code, encoding="utf-8")
        command = (
            ["php", "-S", f"127.0.0.1:{self.port}", str(script)]
            if example.lang == "php"
            else [sys.executable, str(script)]
        )
        self._out = self.log.open("w")
        self.process = subprocess.Popen(
            command, env={**env, "PORT": str(self.port)}, stdout=self._out, stderr=subprocess.STDOUT, cwd=folder
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"receiver did not start: {self.log.read_text()}")

    def wait_for(self, text: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.log.read_text(encoding="utf-8", errors="replace"):
                return
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not in the receiver's output: {self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._out.close()


def _run(example: Example, folder: Path, env: dict[str, str]) -> str:
    script = folder / f"example-{example.line}.{ {'sh': 'sh', 'python': 'py', 'php': 'php'}[example.lang] }"
    script.write_text(example.code, encoding="utf-8")
    command = {"sh": ["bash", "-eo", "pipefail"], "python": [sys.executable], "php": ["php"]}[example.lang]
    result = subprocess.run([*command, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=folder)
    assert result.returncode == 0, f"line {example.line}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A site made with the CLI as the guide says, linked to Coral, and a server on it."""
    data = tmp_path / "data"
    base_env = {
        **os.environ,
        "MODERATION_DATA_DIR": str(data),
        "MODERATION_WEBHOOK_INTERVAL_SECONDS": "0.2",
        "MODERATION_CREATE_DEMO_SITE": "false",
    }
    added = _cli(base_env, "sites", "add", "news.example", "--webhook-url", "http://127.0.0.1:9/unset")
    coral_secret = "ems_" + secrets.token_hex(24)
    _cli(base_env, "sites", "link-coral", "coral-tenant-1", "coral-site-1", "news.example", "--secret", coral_secret)
    port = free_port()
    process, _ = start_server(base_env, port)
    env = {
        **base_env,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "API_KEY": _line(added, "api key"),
        "WEBHOOK_SECRET": _line(added, "webhook secret"),
        "CORAL_SECRET": coral_secret,
    }
    try:
        yield env, tmp_path
    finally:
        stop_server(process)


def test_every_example_of_the_guide_works(world: tuple[dict[str, str], Path], engine: ModerationEngine) -> None:
    assert shutil.which("php"), "php is missing: run scripts/ensure-php (make test does)"
    env, folder = world
    receivers: list[Receiver] = []
    try:
        for example in examples():
            if example.kind == "webhook-receiver":
                receivers.append(Receiver(example, folder, env))
                continue
            output = _run(example, folder, env)
            for expected in example.expect:
                assert expected in output, f"line {example.line}: {expected!r} not in {output!r}"
        _deliver_decisions_to(receivers, env, folder, engine)
    finally:
        for receiver in receivers:
            receiver.stop()


def _deliver_decisions_to(
    receivers: list[Receiver], env: dict[str, str], folder: Path, engine: ModerationEngine
) -> None:
    """A moderator decides held comments; each receiver gets one real delivery and refuses forgeries."""
    database = folder / "data" / "moderation.db"
    headers = {"Authorization": f"Bearer {env['API_KEY']}"}
    sessions = sessionmaker(build_engine(f"sqlite:///{database}"), expire_on_commit=False)
    service = CommentService(sessions, engine, b"unused-for-decisions")
    with sqlite3.connect(database) as db:
        site_id = db.execute("SELECT id FROM sites WHERE name = 'news.example'").fetchone()[0]
    held = ["c-1003"]  # held by the PHP example of section 3
    for number in range(len(receivers) - 1):
        body = {"comment_id": f"c-20{number}", "article_id": "news-77", "text": "کسی میدونه یارانه کی واریز میشه؟"}
        answer = httpx.post(f"{env['BASE_URL']}/v1/moderate", json=body, headers=headers, timeout=30).json()
        assert answer["state"] == "pending_review", answer
        held.append(body["comment_id"])
    for receiver, comment_id in zip(receivers, held, strict=True):
        with sqlite3.connect(database) as db:
            db.execute("UPDATE sites SET webhook_url = ? WHERE id = ?", (receiver.url, site_id))
        service.record_moderator_decision(site_id, comment_id, "approve", "moderator:guide-test")
        receiver.wait_for(f"comment {comment_id} is now approved")
        # the receiver's verification is real: a wrong secret and a stale timestamp are refused
        payload = b'{"comment_id": "forged", "state": "approved"}'
        forged = sign("not-the-secret", int(time.time()), payload)
        stale = sign(env["WEBHOOK_SECRET"], int(time.time()) - 3600, payload)
        good = sign(env["WEBHOOK_SECRET"], int(time.time()), payload)
        for header, status in ((forged, 401), (stale, 401), ("", 401), (good, 204)):
            response = httpx.post(receiver.url, content=payload, headers={SIGNATURE_HEADER: header}, timeout=10)
            assert response.status_code == status, (receiver.url, header, response.text)
    with sqlite3.connect(database) as db:
        statuses = [row[0] for row in db.execute("SELECT status_code FROM webhook_deliveries ORDER BY id")]
    assert statuses == [204] * len(receivers)
    sessions.kw["bind"].dispose()
