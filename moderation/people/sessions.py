"""Browser sessions and login throttling, stored in the database so any process can check them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.clock import aware, now
from moderation.people.users import Person, person_by_id
from moderation.storage.tables import LoginAttempt, UserSession

SESSION_LIFETIME = timedelta(hours=12)
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass(frozen=True)
class ActiveSession:
    person: Person
    csrf_token: str
    expires_at: datetime

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf_token, presented or "")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(sessions: sessionmaker[Session], person: Person) -> tuple[str, ActiveSession]:
    """A new random token for the cookie; only its sha256 is stored."""
    token = secrets.token_urlsafe(32)
    moment = now()
    active = ActiveSession(person, secrets.token_urlsafe(32), moment + SESSION_LIFETIME)
    with sessions.begin() as session:
        session.execute(delete(UserSession).where(UserSession.expires_at < moment))
        session.add(
            UserSession(
                token_hash=_digest(token),
                user_id=person.id,
                csrf_token=active.csrf_token,
                created_at=moment,
                expires_at=active.expires_at,
            )
        )
    return token, active


def find_session(sessions: sessionmaker[Session], token: str | None) -> ActiveSession | None:
    if not token or len(token) > 200:
        return None
    with sessions() as session:
        row = session.get(UserSession, _digest(token))
        if row is None or aware(row.expires_at) < now():
            return None
        person = person_by_id(session, row.user_id)
        if person is None or person.disabled:
            return None
        return ActiveSession(person, row.csrf_token, aware(row.expires_at))


def end_session(sessions: sessionmaker[Session], token: str | None) -> None:
    if token:
        with sessions.begin() as session:
            session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def login_allowed(sessions: sessionmaker[Session], username: str, address_hash: str | None) -> bool:
    """Slow down guessing: a few failures per username, more per address, within a window."""
    since = now() - LOGIN_WINDOW
    with sessions() as session:
        by_name = session.scalar(
            select(func.count()).where(
                LoginAttempt.username == username.strip()[:100],
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at >= since,
            )
        )
        by_address = 0
        if address_hash:
            by_address = (
                session.scalar(
                    select(func.count()).where(
                        LoginAttempt.ip_hash == address_hash,
                        LoginAttempt.succeeded.is_(False),
                        LoginAttempt.attempted_at >= since,
                    )
                )
                or 0
            )
    return (by_name or 0) < MAX_FAILURES_PER_USERNAME and by_address < MAX_FAILURES_PER_ADDRESS


def record_login(sessions: sessionmaker[Session], username: str, address_hash: str | None, succeeded: bool) -> None:
    with sessions.begin() as session:
        session.add(
            LoginAttempt(username=username.strip()[:100], ip_hash=address_hash, succeeded=succeeded, attempted_at=now())
        )
