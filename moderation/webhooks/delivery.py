"""Webhook delivery from the durable outbox: signed, retried with backoff, logged.

Signature header: `X-Moderation-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
The receiver recomputes it and refuses timestamps older than a few minutes (no replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation.clock import now
from moderation.storage.tables import Delivery, OutboxMessage, Site

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Moderation-Signature"
MAX_BACKOFF_SECONDS = 3600


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, tolerance_seconds: int = 300, at: float | None = None) -> bool:
    """What a receiver does: recompute the HMAC, compare in constant time, refuse stale timestamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((at or time.time()) - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff_seconds(attempts: int) -> float:
    """2, 4, 8 … seconds, capped at an hour."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 32)))


class WebhookDispatcher:
    """Delivers due outbox messages; `run_once` is what the background thread and the tests call."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        timeout_seconds: float = 5.0,
        clock: Callable[[], datetime] = now,
    ) -> None:
        """`clock` decides what is due and when to retry (injectable: tests live through hours of backoff
        in a moment); the signature's timestamp is always the real time, as the receiver checks it."""
        self.sessions = sessions
        self.timeout = timeout_seconds
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, limit: int = 50) -> int:
        """Attempt every due message once, oldest first, one at a time per comment; return how many were sent."""
        moment = self.clock()
        with self.sessions() as session:
            due = list(
                session.execute(
                    select(OutboxMessage.id, OutboxMessage.comment_pk)
                    .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= moment)
                    .order_by(OutboxMessage.id)
                    .limit(limit)
                )
            )
            # keep order per comment: only the oldest undelivered message of each comment is due
            oldest: dict[int, int] = {}
            comments = {comment_pk for _, comment_pk in due}
            if comments:
                for message_id, comment_pk in session.execute(
                    select(OutboxMessage.id, OutboxMessage.comment_pk)
                    .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.comment_pk.in_(comments))
                    .order_by(OutboxMessage.id)
                ):
                    oldest.setdefault(comment_pk, message_id)
        sent = 0
        for message_id, comment_pk in due:
            if oldest.get(comment_pk) == message_id and self._deliver(message_id):
                sent += 1
        return sent

    def _deliver(self, message_id: int) -> bool:
        with self.sessions.begin() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.delivered_at is not None:
                return False
            site = session.get(Site, message.site_id)
            if site is None or not site.webhook_url or not site.webhook_secret:
                # nowhere to send it: the site polls GET /v1/comments instead
                message.next_attempt_at = self.clock() + timedelta(seconds=MAX_BACKOFF_SECONDS)
                message.last_error = "site has no webhook URL"
                return False
            url, secret, payload = site.webhook_url, site.webhook_secret, message.payload
            body = json.dumps({**payload, "delivery_id": message.id}, ensure_ascii=False, sort_keys=True).encode(
                "utf-8"
            )
        started = time.perf_counter()
        status, error = None, None
        try:
            response = httpx.post(
                url,
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, int(time.time()), body)},
                timeout=self.timeout,
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        elapsed = (time.perf_counter() - started) * 1000
        with self.sessions.begin() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.attempts += 1
            session.add(
                Delivery(
                    outbox_pk=message_id,
                    attempted_at=self.clock(),
                    status_code=status,
                    error=error,
                    duration_ms=elapsed,
                )
            )
            if error is None:
                message.delivered_at, message.last_error = self.clock(), None
                return True
            message.last_error = error
            message.next_attempt_at = self.clock() + timedelta(seconds=backoff_seconds(message.attempts))
            log.warning("webhook delivery %s failed (attempt %s): %s", message_id, message.attempts, error)
            return False

    def start(self, interval_seconds: float = 1.0) -> None:
        """Deliver in a background thread until `stop` (request threads never wait on a receiver)."""

        def loop() -> None:
            while not self._stop.wait(interval_seconds):
                try:
                    self.run_once()
                except Exception:  # the loop must survive a database hiccup
                    log.exception("webhook dispatcher pass failed")

        self._thread = threading.Thread(target=loop, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
