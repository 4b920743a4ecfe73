"""Sites: API keys (only hashes stored, compared in constant time), policies, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.clock import now
from moderation.policy import Policy, default_policy
from moderation.storage.tables import Site

KEY_PREFIX_LENGTH = 12


class SiteError(ValueError):
    """A site operation that cannot be done; one sentence says why."""


@dataclass(frozen=True)
class SiteInfo:
    id: int
    name: str
    key_prefix: str
    policy: dict[str, Any]
    webhook_url: str | None
    disabled: bool

    @classmethod
    def of(cls, site: Site) -> SiteInfo:
        return cls(site.id, site.name, site.key_prefix, dict(site.policy or {}), site.webhook_url, site.disabled)

    def effective_policy(self, base: Policy | None = None) -> Policy:
        return (base or default_policy()).with_overrides(self.policy) if self.policy else base or default_policy()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return "mk_" + secrets.token_urlsafe(32)


def create_site(session: Session, name: str, webhook_url: str | None = None) -> tuple[SiteInfo, str, str]:
    """A new site; returns it with its API key and webhook secret (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise SiteError("a site name is 1 to 100 characters")
    if session.scalar(select(Site).where(Site.name == name)) is not None:
        raise SiteError(f"a site named '{name}' exists already")
    key, secret = new_key(), secrets.token_urlsafe(32)
    site = Site(
        name=name,
        key_prefix=key[:KEY_PREFIX_LENGTH],
        key_hash=hash_key(key),
        policy={},
        webhook_url=webhook_url,
        webhook_secret=secret,
        disabled=False,
        created_at=now(),
    )
    session.add(site)
    session.flush()
    return SiteInfo.of(site), key, secret


def authenticate(session: Session, key: str | None) -> SiteInfo | None:
    """The site whose key this is, or None; hashes are compared in constant time."""
    if not key or len(key) > 200:
        return None
    given = hash_key(key)
    found = None
    for site in session.scalars(select(Site).where(Site.key_prefix == key[:KEY_PREFIX_LENGTH])):
        if hmac.compare_digest(site.key_hash, given) and not site.disabled:
            found = site
    return SiteInfo.of(found) if found else None


def get_site(session: Session, name: str) -> Site:
    site = session.scalar(select(Site).where(Site.name == name))
    if site is None:
        raise SiteError(f"no site named '{name}'")
    return site


def rotate_key(session: Session, name: str) -> str:
    site = get_site(session, name)
    key = new_key()
    site.key_prefix, site.key_hash = key[:KEY_PREFIX_LENGTH], hash_key(key)
    return key


def set_policy(session: Session, name_or_id: str | int, overrides: dict[str, Any]) -> SiteInfo:
    """Replace a site's policy overrides after validating them against the default policy."""
    from moderation.policy import PolicyError

    site = session.get(Site, name_or_id) if isinstance(name_or_id, int) else get_site(session, name_or_id)
    if site is None:
        raise SiteError("no such site")
    try:
        default_policy().with_overrides(overrides)
    except PolicyError as error:
        raise SiteError(f"invalid policy: {error}") from None
    site.policy = overrides
    session.flush()
    return SiteInfo.of(site)


def list_sites(session: Session) -> list[SiteInfo]:
    return [SiteInfo.of(s) for s in session.scalars(select(Site).order_by(Site.id))]
