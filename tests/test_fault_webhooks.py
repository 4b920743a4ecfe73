"""Fault: the site's webhook receiver is down, then slow, for many minutes, then up again.

A real HTTP receiver on a fixed port is stopped (connection refused), restarted slow (it answers after the
dispatcher's timeout) and finally healthy. The dispatcher lives through the minutes on a controllable
clock, so the test takes seconds. Nothing is lost, retries back off, the order per comment holds, and a
delivery in progress never holds up a moderation request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from moderation.engine import ModerationEngine
from moderation.sites import create_site
from moderation.storage.tables import Delivery, OutboxMessage
from moderation.webhooks import SIGNATURE_HEADER, WebhookDispatcher, verify
from moderation.webhooks.delivery import backoff_seconds
from tests.apps import app_client
from tests.servers import free_port

ARTICLE = {"title": "کتابخانه مرکزی شهر بازگشایی شد", "lead": "کتابخانه با ۴۰ هزار جلد کتاب افتتاح شد."}
OFF_TOPIC = ["کسی میدونه یارانه کی واریز میشه؟", "کسی میدونه یارانه این ماه کی واریز میشه؟"]


class Receiver(BaseHTTPRequestHandler):
    """Records every arrival; answers 200 at once, or (slow) only after `slow_seconds`."""

    arrivals: ClassVar[list[dict[str, Any]]] = []
    slow_seconds: ClassVar[float] = 0.0
    hold: ClassVar[threading.Event | None] = None  # when set by a test: wait for it before answering
    entered: ClassVar[threading.Event] = threading.Event()
    secret: ClassVar[str] = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        assert verify(Receiver.secret, self.headers[SIGNATURE_HEADER], body)
        Receiver.arrivals.append(json.loads(body))
        Receiver.entered.set()
        if Receiver.hold is not None:
            Receiver.hold.wait(30)
        elif Receiver.slow_seconds:
            threading.Event().wait(Receiver.slow_seconds)
        try:
            self.send_response(200)
            self.end_headers()
        except OSError:  # the dispatcher gave up waiting
            pass

    def log_message(self, *args: object) -> None:
        pass


class ReceiverProcess:
    """The receiver on one port, which can go down and come back up."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Receiver)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Clock:
    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture()
def setup(
    tmp_path: Path, engine: ModerationEngine
) -> Iterator[tuple[TestClient, dict[str, str], int, ReceiverProcess]]:
    receiver = ReceiverProcess()
    with app_client(engine, tmp_path) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with runtime.sessions.begin() as session:
            site, key, secret = create_site(session, "hooked", f"http://127.0.0.1:{receiver.port}/hook")
        Receiver.arrivals, Receiver.secret, Receiver.slow_seconds, Receiver.hold = [], secret, 0.0, None
        Receiver.entered.clear()
        try:
            yield client, {"Authorization": f"Bearer {key}"}, site.id, receiver
        finally:
            if Receiver.hold is not None:
                Receiver.hold.set()
            receiver.down()


def decide_twice(client: TestClient, headers: dict[str, str], site_id: int, comment_ids: list[str]) -> None:
    """Each comment: reviewed and rejected, edited, reviewed again and approved: two webhooks, in order."""
    service = client.app.state.runtime.service  # type: ignore[attr-defined]
    for comment_id in comment_ids:
        for revision, (text, verdict) in enumerate(zip(OFF_TOPIC, ("reject", "approve"), strict=True), start=1):
            body = {"comment_id": comment_id, "text": text, "article_id": "a1", "article": ARTICLE}
            answer = client.post("/v1/moderate", headers=headers, json=body).json()
            assert answer["state"] == "pending_review" and answer["revision"] == revision
            service.record_moderator_decision(site_id, comment_id, verdict, "moderator-1")


def test_receiver_down_then_slow_for_minutes_loses_nothing_and_keeps_order(setup) -> None:  # type: ignore[no-untyped-def]
    client, headers, site_id, receiver = setup
    runtime = client.app.state.runtime
    comments = [f"w{i}" for i in range(4)]
    decide_twice(client, headers, site_id, comments)
    clock = Clock()
    dispatcher = WebhookDispatcher(runtime.sessions, timeout_seconds=0.5, clock=clock)

    # Down for ten minutes (connection refused): attempts back off, nothing is given up.
    for _ in range(20):
        assert dispatcher.run_once() == 0
        clock.advance(30)
    # Slow for ten more minutes: every answer comes after the dispatcher's timeout.
    Receiver.slow_seconds = 2.0
    receiver.up()
    for _ in range(20):
        assert dispatcher.run_once() == 0
        clock.advance(30)
    assert Receiver.arrivals, "the slow receiver was reached"
    assert all(a["revision"] == 1 for a in Receiver.arrivals), "a second message went before the first was delivered"
    # Up again: everything arrives within the longest backoff.
    Receiver.slow_seconds = 0.0
    for _ in range(40):
        dispatcher.run_once()
        clock.advance(120)

    with runtime.sessions() as session:
        messages = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert len(messages) == 2 * len(comments)
        assert all(m.delivered_at is not None for m in messages), "nothing lost"
        for message in messages:
            attempts = list(
                session.scalars(select(Delivery).where(Delivery.outbox_pk == message.id).order_by(Delivery.id))
            )
            times = [a.attempted_at for a in attempts]
            for number, (earlier, later) in enumerate(pairwise(times), start=1):
                # the n-th failure waits at least 2^n seconds before the next attempt
                assert (later - earlier).total_seconds() >= backoff_seconds(number)
        first_message = messages[0]
        assert first_message.attempts > 5, "it was retried through the outage"
    # Order per comment: every arrival of revision 1 comes before any arrival of revision 2; each
    # (comment, revision) arrived at least once (duplicates from timed-out attempts carry the same
    # delivery_id, for the receiver to drop).
    for comment_id in comments:
        revisions = [a["revision"] for a in Receiver.arrivals if a["comment_id"] == comment_id]
        assert revisions == sorted(revisions) and set(revisions) == {1, 2}, (comment_id, revisions)
    delivered = {(a["comment_id"], a["revision"]): a["delivery_id"] for a in Receiver.arrivals}
    assert len(delivered) == 2 * len(comments)
    assert [(a["state"]) for a in Receiver.arrivals if a["comment_id"] == "w0"][-1] == "approved"


def test_a_delivery_in_progress_never_holds_up_a_request(setup) -> None:  # type: ignore[no-untyped-def]
    client, headers, site_id, receiver = setup
    runtime = client.app.state.runtime
    decide_twice(client, headers, site_id, ["h1"])
    receiver.up()
    Receiver.hold = threading.Event()  # the receiver keeps the delivery open until the test lets it go
    dispatcher = WebhookDispatcher(runtime.sessions, timeout_seconds=30)
    delivering = threading.Thread(target=dispatcher.run_once)
    delivering.start()
    try:
        assert Receiver.entered.wait(30), "the delivery started"
        body = {"comment_id": "during", "text": "گزارش خوبی بود", "article_id": "a1", "article": ARTICLE}
        answer = client.post("/v1/moderate", headers=headers, json=body)
        assert answer.status_code == 200 and answer.json()["state"] == "approved"
        assert client.get("/v1/comments/h1", headers=headers).json()["state"] == "approved"
        assert client.get("/readyz").status_code == 200
        assert delivering.is_alive() and not Receiver.hold.is_set(), "the delivery was still in progress"
    finally:
        Receiver.hold.set()
        delivering.join(timeout=30)
    with runtime.sessions() as session:
        assert session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first().delivered_at is not None
