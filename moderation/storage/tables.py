"""Database tables (SQLAlchemy 2). Alembic migrations in `migrations/` create exactly these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 200  # a site's own ids (comment, article): long enough, bounded


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16), index=True)  # first characters of the key, to find its hash
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the key; the key itself is never stored
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # overrides of the default policy
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("site_id", "article_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    article_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    title: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "comment_id"),
        Index("ix_comments_site_updated", "site_id", "updated_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    article_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    parent_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    author_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), nullable=True)
    author_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # salted; the address is not stored
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20))  # approved, rejected, pending_review
    state_source: Mapped[str] = mapped_column(String(20))  # auto, moderator
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Revision(Base):
    __tablename__ = "comment_revisions"
    __table_args__ = (UniqueConstraint("comment_pk", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_pk: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """Everything the engine said, so any decision can be replayed and explained."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_pk: Mapped[int] = mapped_column(ForeignKey("comment_revisions.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # engine, moderator
    verdict: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[list[Any]] = mapped_column(JSON)
    degraded: Mapped[list[Any]] = mapped_column(JSON)
    actor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewItem(Base):
    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_site_state", "site_id", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_pk: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    decision_pk: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    state: Mapped[str] = mapped_column(String(20))  # pending, claimed, decided, superseded
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    # Copied from the comment and decision so the queue filters without parsing JSON.
    article_id: Mapped[str] = mapped_column(String(ID_LENGTH), default="")
    reason_codes: Mapped[str] = mapped_column(String(400), default="")  # " insult spam ": space-delimited
    language: Mapped[str] = mapped_column(String(20), default="")
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Event(Base):
    """The audit trail: every automatic and human action on a comment."""

    __tablename__ = "comment_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_pk: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # moderated, revised, replayed, decided
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Base):
    """A webhook to deliver; written in the same transaction as the change it announces."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    comment_pk: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """The delivery log: one row per attempt."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_pk: Mapped[int] = mapped_column(ForeignKey("webhook_outbox.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class User(Base):
    """A person who works the queue (moderator), manages sites and people (admin) or the models (data)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[str] = mapped_column(String(20))  # moderator, admin, data
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UserSite(Base):
    """Which sites' queues a moderator works."""

    __tablename__ = "user_sites"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)


class UserSession(Base):
    """A logged-in browser; the cookie holds a token whose sha256 is the key here."""

    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Failed and successful logins, counted to slow down password guessing across processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "attempted_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FeedbackExample(Base):
    """A label that did not come from our own queue (e.g. a Perspective client's suggested score)."""

    __tablename__ = "feedback_examples"
    __table_args__ = (Index("ix_feedback_examples_site_created", "site_id", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    source: Mapped[str] = mapped_column(String(40))  # e.g. perspective_suggestscore
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(20))  # approve, reject
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # attributes, scores, community id, token
    article_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoralLink(Base):
    """A Coral Talk tenant's site mapped to one of our sites, with the external phase's signing secrets.

    The secrets are kept in the clear because verifying Coral's HMAC needs them (as `webhook_secret`);
    `previous_secret` stays valid while Coral signs with both during a rotation.
    """

    __tablename__ = "coral_links"
    __table_args__ = (UniqueConstraint("tenant_id", "coral_site_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    coral_site_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    signing_secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
