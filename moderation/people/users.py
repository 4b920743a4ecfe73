"""Moderator accounts: roles, sites, argon2 password hashes. Knows the database, not HTTP."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from moderation.clock import now
from moderation.storage.tables import Site, User, UserSite

ROLES = ("moderator", "admin", "data")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist: a wrong username costs as much as a wrong password.

    Made on first use: hashing costs ~0.2 s, which start-up should not pay.
    """
    return _hasher.hash("not a password")


class UserError(ValueError):
    """A user command that cannot be carried out (unknown user or site, bad role, weak password)."""


@dataclass(frozen=True)
class Person:
    """Who is acting, and what they may touch."""

    id: int
    username: str
    role: str
    site_ids: tuple[int, ...]  # for moderators; admins and data staff see every site
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_work(self, site_id: int) -> bool:
        """May decide this site's queue items."""
        return self.role == "admin" or (self.role == "moderator" and site_id in self.site_ids)

    def can_see(self, site_id: int) -> bool:
        return self.role in ("admin", "data") or site_id in self.site_ids


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise UserError("a password needs at least 10 characters")
    return _hasher.hash(password)


def create_user(
    sessions: sessionmaker[Session], username: str, password: str, role: str, site_names: list[str]
) -> Person:
    username = username.strip()
    if not username or len(username) > 100:
        raise UserError("a username has 1 to 100 characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    with sessions.begin() as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise UserError(f"user '{username}' exists already")
        user = User(
            username=username, password_hash=hash_password(password), role=role, disabled=False, created_at=now()
        )
        session.add(user)
        session.flush()
        _set_sites(session, user.id, site_names)
        return _person(session, user)


def list_users(sessions: sessionmaker[Session]) -> list[Person]:
    with sessions() as session:
        return [_person(session, u) for u in session.scalars(select(User).order_by(User.username))]


def set_role(sessions: sessionmaker[Session], username: str, role: str, site_names: list[str] | None = None) -> Person:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    with sessions.begin() as session:
        user = _user(session, username)
        user.role = role
        if site_names is not None:
            _set_sites(session, user.id, site_names)
        return _person(session, user)


def set_disabled(sessions: sessionmaker[Session], username: str, disabled: bool = True) -> Person:
    from moderation.storage.tables import UserSession

    with sessions.begin() as session:
        user = _user(session, username)
        user.disabled = disabled
        if disabled:  # a disabled account is logged out everywhere at once
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        return _person(session, user)


def set_password(sessions: sessionmaker[Session], username: str, password: str) -> None:
    with sessions.begin() as session:
        _user(session, username).password_hash = hash_password(password)


def verify_password(sessions: sessionmaker[Session], username: str, password: str) -> Person | None:
    """The person if the password is right and the account enabled; None otherwise (same cost either way)."""
    with sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        try:
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or user.disabled:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = now()
        return _person(session, user)


def person_by_id(session: Session, user_id: int) -> Person | None:
    user = session.get(User, user_id)
    return None if user is None else _person(session, user)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"no user '{username}'")
    return user


def _set_sites(session: Session, user_id: int, site_names: list[str]) -> None:
    session.execute(delete(UserSite).where(UserSite.user_id == user_id))
    for name in site_names:
        site = session.scalar(select(Site).where(Site.name == name))
        if site is None:
            raise UserError(f"no site '{name}'")
        session.add(UserSite(user_id=user_id, site_id=site.id))


def _person(session: Session, user: User) -> Person:
    site_ids = tuple(sorted(session.scalars(select(UserSite.site_id).where(UserSite.user_id == user.id))))
    return Person(user.id, user.username, user.role, site_ids, user.disabled)
