"""Moderating and keeping comments for sites: idempotent, revisioned, stored before the reply.

Knows the engine and the database; knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.clock import aware, now
from moderation.comments.group_commit import GroupCommit
from moderation.engine import REJECT, REVIEW, ArticleText, CommentInput, ModerationEngine
from moderation.engine import Decision as EngineDecision
from moderation.engine.decision import MESSAGES_FA
from moderation.policy import Policy
from moderation.sites import SiteInfo
from moderation.storage.migrate import writer_lock
from moderation.storage.tables import Article, Comment, Decision, Event, OutboxMessage, ReviewItem, Revision

log = logging.getLogger(__name__)

STATE_OF_VERDICT = {"approve": "approved", "reject": "rejected", "review": "pending_review"}
REJECTED_MESSAGE_FA = "نظر شما پس از بررسی ناظر منتشر نشد."
PRIORITY_WEIGHT = {"insult": 1.0, "accusation": 0.9, "spam": 0.6, "off_topic": 0.3}


class NotFound(LookupError):
    """The named comment or article does not exist for this site."""


class Conflict(ValueError):
    """The request contradicts what is stored (e.g. a decision on a comment not under review)."""


@dataclass(frozen=True)
class Author:
    author_id: str | None = None
    name: str | None = None
    email: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class ModerationRequest:
    comment_id: str
    text: str
    article_id: str
    article: ArticleText | None = None  # inline; else the registered article is used
    parent_id: str | None = None
    author: Author = field(default_factory=Author)


@dataclass(frozen=True, slots=True)
class _Write:
    """A decision waiting to be stored; `existing` is the comment as read before scoring (None: new)."""

    site: SiteInfo
    request: ModerationRequest
    text_hash: str
    decision: EngineDecision
    existing: Any


class _Raced(Exception):
    """Another request stored a revision of this comment between our read and our write: read again."""


class ArticleCache:
    """The article texts this process knows are stored, for `seconds`: a comment that carries its article
    inline (most do, every time) then skips reading the article back to compare. Another process's
    change to an article is seen within `seconds`. Updated only after a commit."""

    def __init__(self, seconds: float = 10.0) -> None:
        self.seconds = seconds
        self._entries: dict[tuple[int, str], tuple[float, ArticleText]] = {}

    def is_stored(self, site_id: int, article_id: str, article: ArticleText) -> bool:
        entry = self._entries.get((site_id, article_id))
        return entry is not None and entry[1] == article and entry[0] > time.monotonic()

    def remember(self, written: dict[tuple[int, str], ArticleText]) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        expires = time.monotonic() + self.seconds
        self._entries.update((key, (expires, article)) for key, article in written.items())


@dataclass(frozen=True)
class StoredDecision:
    comment_id: str
    revision: int
    state: str
    decision: dict[str, Any]
    decided_at: datetime
    replayed: bool


@dataclass(frozen=True)
class ArticleView:
    article_id: str
    title: str
    lead: str
    body: str
    updated_at: datetime


class CommentService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        engine: ModerationEngine,
        hash_salt: bytes,
        base_policy: Policy | None = None,
    ) -> None:
        self.sessions = sessions
        self.database: Engine = sessions.kw["bind"]
        # The hot path's reads need no transaction: without one, PostgreSQL is spared a BEGIN and a
        # ROLLBACK round trip per request (SQLite starts none for a SELECT anyway).
        sqlite = self.database.dialect.name == "sqlite"
        self._reads = self.database if sqlite else self.database.execution_options(isolation_level="AUTOCOMMIT")
        self.engine = engine
        self._salt = hash_salt
        self._base_policy = base_policy or engine.policy
        self._policies: dict[tuple[int, str], Policy] = {}
        # One writer thread per process commits the decisions of all concurrent requests together.
        self._articles = ArticleCache()
        self._writer = GroupCommit(
            self.database, self._write, lock=lambda: writer_lock(self.database), after_commit=self._articles.remember
        )

    # -- moderation ----------------------------------------------------------

    def moderate(self, site: SiteInfo, request: ModerationRequest) -> StoredDecision:
        """Score and store a comment (or return the stored decision for the same text)."""
        for attempt in range(3):
            try:
                return self._moderate_once(site, request)
            except (IntegrityError, _Raced):
                # Another request stored the same comment at the same moment: read what it stored.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _moderate_once(self, site: SiteInfo, request: ModerationRequest) -> StoredDecision:
        # The hot path uses SQLAlchemy Core statements: a few cheap round trips, no ORM bookkeeping.
        text_hash = hashlib.sha256(request.text.encode("utf-8", "surrogatepass")).hexdigest()
        with self._reads.connect() as session:
            existing = _comment_row(session, site.id, request.comment_id)
            if existing is not None:
                latest = _latest_revision_row(session, existing.id)
                if latest.text_sha256 == text_hash:
                    return _stored(session, request.comment_id, existing.state, latest, replayed=True)
            article = request.article
            if article is None:
                registered = session.execute(_SELECT_ARTICLE, {"site": site.id, "article": request.article_id}).first()
                article = ArticleText(registered.title, registered.lead, registered.body) if registered else None
            parent_text = None
            if request.parent_id:
                parent = _comment_row(session, site.id, request.parent_id)
                if parent is not None:
                    parent_text = session.scalar(_SELECT_LATEST_TEXT, {"comment": parent.id})

        decision = self.engine.moderate(CommentInput(request.text, article, parent_text), self._policy(site))
        # Stored (committed) before this returns; the commit is shared with concurrent requests.
        return self._writer.write(_Write(site, request, text_hash, decision, existing))

    def _write(self, session: Connection, job: _Write, articles: dict[Any, Any]) -> StoredDecision:
        """Store one decision inside the writer's open transaction (`articles`: those this transaction wrote).

        The comment is written as it was read before scoring, without reading it again: a new comment is
        inserted (the unique key refuses a concurrent twin: IntegrityError, and `moderate` reads again), a
        revision updates the comment only at the revision it read; if another request revised it in
        between, it is read again here.
        """
        site, request, text_hash, decision = job.site, job.request, job.text_hash, job.decision
        state = STATE_OF_VERDICT[decision.verdict]
        moment = now()
        article, key = request.article, (site.id, request.article_id)
        if article is not None and articles.get(key) != article and not self._articles.is_stored(*key, article):
            _upsert_article_row(session, site.id, request.article_id, article, moment)
            articles[key] = article
        comment = job.existing
        if comment is None:
            comment_pk = session.execute(
                _INSERT_COMMENT,
                dict(
                    site_id=site.id,
                    comment_id=request.comment_id,
                    article_id=request.article_id,
                    parent_id=request.parent_id,
                    author_id=request.author.author_id,
                    author_name=request.author.name,
                    email_hash=self._hash(request.author.email),
                    ip_hash=self._hash(request.author.ip),
                    revision=1,
                    state=state,
                    state_source="auto",
                    created_at=moment,
                    updated_at=moment,
                ),
            ).scalar_one()
            number, previous_state, kind = 1, None, "moderated"
        else:
            comment_pk, read, previous_state, kind = comment.id, comment.revision, comment.state, "revised"
            for _ in range(5):
                updated = session.execute(
                    _UPDATE_COMMENT,
                    dict(pk=comment_pk, read_revision=read, new_revision=read + 1, new_state=state, moment=moment),
                )
                if updated.rowcount == 1:
                    break
                # Revised by another request since our read: go on from what is stored now.
                current = _comment_row(session, site.id, request.comment_id)
                latest = _latest_revision_row(session, current.id)
                if latest.text_sha256 == text_hash:  # that request stored this very text: answer with its decision
                    return _stored(session, request.comment_id, current.state, latest, replayed=True)
                read, previous_state = current.revision, current.state
            else:
                raise _Raced(request.comment_id)
            number = read + 1
            session.execute(_SUPERSEDE_REVIEW_ITEMS, {"pk": comment_pk})
        revision_pk = session.execute(
            _INSERT_REVISION,
            dict(comment_pk=comment_pk, number=number, text=request.text, text_sha256=text_hash, created_at=moment),
        ).scalar_one()
        values = _decision_values(revision_pk, decision, "engine", None, moment)
        decision_pk = session.execute(_INSERT_DECISION, values).scalar_one()
        if decision.verdict == REVIEW:
            session.execute(
                _INSERT_REVIEW_ITEM,
                dict(
                    site_id=site.id,
                    comment_pk=comment_pk,
                    decision_pk=decision_pk,
                    state="pending",
                    priority=_priority(decision),
                    article_id=request.article_id,
                    reason_codes=_reason_codes(decision),
                    language=decision.language.code,
                    created_at=moment,
                ),
            )
        session.execute(
            _INSERT_EVENT,
            dict(
                comment_pk=comment_pk,
                kind=kind,
                from_state=previous_state,
                to_state=state,
                actor="engine",
                detail={"revision": number, "verdict": decision.verdict, "model": decision.versions.get("model")},
                created_at=moment,
            ),
        )
        fresh = {**_decision_dict(values), "stage_ms": decision.stage_ms}
        return StoredDecision(request.comment_id, number, state, fresh, moment, replayed=False)

    def evaluate(self, site: SiteInfo, comment: CommentInput) -> EngineDecision:
        """Decide under the site's policy without storing anything (for callers that forbid storing)."""
        return self.engine.moderate(comment, self._policy(site))

    def _policy(self, site: SiteInfo) -> Policy:
        key = (site.id, repr(sorted(site.policy.items())) if site.policy else "")
        policy = self._policies.get(key)
        if policy is None:
            policy = self._policies[key] = site.effective_policy(self._base_policy)
        return policy

    def hash_personal(self, value: str | None) -> str | None:
        """Salted HMAC of a personal value (e-mail, IP): comparable, never reversible."""
        return self._hash(value)

    def _hash(self, value: str | None) -> str | None:
        if not value:
            return None
        return hmac.new(self._salt, value.strip().lower().encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    # -- moderator decisions (the review queue builds on this) -----------------

    def record_moderator_decision(
        self, site_id: int, comment_id: str, verdict: str, actor: str, note: str = "", reason_code: str = ""
    ) -> dict[str, Any]:
        """A human approves or rejects a comment under review; the site is told by webhook."""
        moment = now()
        with self.sessions.begin() as session:
            comment = _comment(session, site_id, comment_id)
            if comment is None:
                raise NotFound(f"no comment '{comment_id}'")
            for item in session.scalars(
                select(ReviewItem).where(
                    ReviewItem.comment_pk == comment.id, ReviewItem.state.in_(("pending", "claimed"))
                )
            ):
                item.state, item.decided_at, item.decided_by = "decided", moment, actor
            return apply_human_decision(session, comment, verdict, actor, moment, note=note, reason_code=reason_code)

    # -- articles --------------------------------------------------------------

    def put_article(self, site: SiteInfo, article_id: str, article: ArticleText) -> ArticleView:
        with self.sessions.begin() as session:
            view = _article_view(_upsert_article(session, site.id, article_id, article, now()))
        self._articles.remember({(site.id, article_id): article})
        return view

    def get_article(self, site: SiteInfo, article_id: str) -> ArticleView:
        with self.sessions() as session:
            row = _article(session, site.id, article_id)
            if row is None:
                raise NotFound(f"no article '{article_id}'")
            return _article_view(row)

    # -- reading comments ------------------------------------------------------

    def get_comment(self, site: SiteInfo, comment_id: str) -> dict[str, Any]:
        """Current state with the full history: revisions, decisions, events."""
        with self.sessions() as session:
            comment = _comment(session, site.id, comment_id)
            if comment is None:
                raise NotFound(f"no comment '{comment_id}'")
            revisions = list(
                session.scalars(select(Revision).where(Revision.comment_pk == comment.id).order_by(Revision.number))
            )
            decisions = {
                r.id: [
                    _decision_dict(d)
                    for d in session.scalars(select(Decision).where(Decision.revision_pk == r.id).order_by(Decision.id))
                ]
                for r in revisions
            }
            events = session.scalars(select(Event).where(Event.comment_pk == comment.id).order_by(Event.id))
            latest = decisions[revisions[-1].id][-1]
            return {
                **_comment_summary(comment),
                "decision": latest,
                "revisions": [
                    {"revision": r.number, "created_at": aware(r.created_at), "decisions": decisions[r.id]}
                    for r in revisions
                ],
                "history": [event_dict(e) for e in events],
            }

    def changed_since(self, site: SiteInfo, since: datetime, limit: int) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.scalars(
                select(Comment)
                .where(Comment.site_id == site.id, Comment.updated_at > since)
                .order_by(Comment.updated_at, Comment.id)
                .limit(limit)
            )
            return [_comment_summary(c) for c in rows]

    def queue_size(self) -> int:
        with self.sessions() as session:
            return int(
                session.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.state == "pending")) or 0
            )


def apply_human_decision(
    session: Session,
    comment: Comment,
    verdict: str,
    actor: str,
    moment: datetime,
    *,
    note: str = "",
    reason_code: str = "",
    proposed_by: str | None = None,
) -> dict[str, Any]:
    """Write a moderator's decision on a comment under review: decision row, new state, audit event, webhook.

    The caller owns the transaction and the review item; this is the one place a human verdict is stored.
    """
    if verdict not in ("approve", "reject"):
        raise Conflict("a moderator decides approve or reject")
    if comment.state != "pending_review":
        raise Conflict(f"comment '{comment.comment_id}' is {comment.state}, not under review")
    revision = _latest_revision(session, comment.id)
    previous = comment.state
    comment.state, comment.state_source, comment.updated_at = STATE_OF_VERDICT[verdict], "moderator", moment
    notes = [f"reason:{reason_code}"] if reason_code else []
    session.add(
        Decision(
            revision_pk=revision.id,
            source="moderator",
            verdict=verdict,
            # The reader-facing message follows the moderator's reason; the code itself is kept in notes.
            message=MESSAGES_FA.get(reason_code, REJECTED_MESSAGE_FA) if verdict == "reject" else "",
            reasons=[],
            scores={},
            language={},
            versions={},
            notes=notes + ([note] if note else []),
            degraded=[],
            actor=actor,
            elapsed_ms=0.0,
            created_at=moment,
        )
    )
    session.add(
        Event(
            comment_pk=comment.id,
            kind="decided",
            from_state=previous,
            to_state=comment.state,
            actor=actor,
            detail={"note": note, "reason_code": reason_code, "revision": revision.number, "proposed_by": proposed_by},
            created_at=moment,
        )
    )
    payload = {
        "event": "comment.decided",
        "comment_id": comment.comment_id,
        "article_id": comment.article_id,
        "revision": revision.number,
        "state": comment.state,
        "verdict": verdict,
        "reason_code": reason_code or None,
        "message": MESSAGES_FA.get(reason_code, REJECTED_MESSAGE_FA) if verdict == "reject" else "",
        "decided_by": "moderator",
        "decided_at": moment.isoformat(),
    }
    announce(session, comment, payload, moment)
    return payload


def announce(session: Session, comment: Comment, payload: dict[str, Any], moment: datetime) -> None:
    """Queue a webhook to the comment's site, in the caller's transaction (so it is sent iff the change commits)."""
    session.add(
        OutboxMessage(
            site_id=comment.site_id,
            comment_pk=comment.id,
            event=payload["event"],
            payload=payload,
            attempts=0,
            next_attempt_at=moment,
            created_at=moment,
        )
    )


def event_dict(event: Event) -> dict[str, Any]:
    """One entry of a comment's audit trail as the API and the pages show it."""
    return {
        "at": aware(event.created_at),
        "kind": event.kind,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor,
        "detail": event.detail,
    }


COMMENTS = cast(Table, Comment.__table__)
REVISIONS = cast(Table, Revision.__table__)
DECISIONS = cast(Table, Decision.__table__)
REVIEW_ITEMS = cast(Table, ReviewItem.__table__)
EVENTS = cast(Table, Event.__table__)


ARTICLES = cast(Table, Article.__table__)

# Statements of the hot path, built once (building and keying a statement costs more than running it).
_SELECT_COMMENT = select(COMMENTS.c.id, COMMENTS.c.state, COMMENTS.c.revision).where(
    COMMENTS.c.site_id == bindparam("site"), COMMENTS.c.comment_id == bindparam("comment")
)
_SELECT_LATEST_REVISION = (
    select(REVISIONS.c.id, REVISIONS.c.number, REVISIONS.c.text_sha256)
    .where(REVISIONS.c.comment_pk == bindparam("comment"))
    .order_by(REVISIONS.c.number.desc())
    .limit(1)
)
_SELECT_LATEST_TEXT = (
    select(REVISIONS.c.text)
    .where(REVISIONS.c.comment_pk == bindparam("comment"))
    .order_by(REVISIONS.c.number.desc())
    .limit(1)
)
_SELECT_LATEST_DECISION = (
    select(DECISIONS).where(DECISIONS.c.revision_pk == bindparam("revision")).order_by(DECISIONS.c.id.desc()).limit(1)
)
_SELECT_ARTICLE = select(ARTICLES.c.id, ARTICLES.c.title, ARTICLES.c.lead, ARTICLES.c.body).where(
    ARTICLES.c.site_id == bindparam("site"), ARTICLES.c.article_id == bindparam("article")
)
_INSERT_COMMENT = insert(COMMENTS).returning(COMMENTS.c.id)
_INSERT_REVISION = insert(REVISIONS).returning(REVISIONS.c.id)
_INSERT_DECISION = insert(DECISIONS).returning(DECISIONS.c.id)
_INSERT_REVIEW_ITEM = insert(REVIEW_ITEMS)
_INSERT_EVENT = insert(EVENTS)
_UPDATE_COMMENT = (
    update(COMMENTS)
    .where(COMMENTS.c.id == bindparam("pk"), COMMENTS.c.revision == bindparam("read_revision"))
    .values(
        revision=bindparam("new_revision"),
        state=bindparam("new_state"),
        state_source="auto",
        updated_at=bindparam("moment"),
    )
)
_SUPERSEDE_REVIEW_ITEMS = (
    update(REVIEW_ITEMS)
    .where(REVIEW_ITEMS.c.comment_pk == bindparam("pk"), REVIEW_ITEMS.c.state.in_(("pending", "claimed")))
    .values(state="superseded")
)


def _comment_row(session: Session | Connection, site_id: int, comment_id: str) -> Any:
    return session.execute(_SELECT_COMMENT, {"site": site_id, "comment": comment_id}).first()


def _latest_revision_row(session: Session | Connection, comment_pk: int) -> Any:
    return session.execute(_SELECT_LATEST_REVISION, {"comment": comment_pk}).one()


def _upsert_article_row(
    connection: Connection, site_id: int, article_id: str, article: ArticleText, moment: datetime
) -> None:
    row = connection.execute(_SELECT_ARTICLE, {"site": site_id, "article": article_id}).first()
    if row is None:
        connection.execute(
            insert(ARTICLES).values(
                site_id=site_id,
                article_id=article_id,
                title=article.title,
                lead=article.lead,
                body=article.body,
                updated_at=moment,
            )
        )
    elif (row.title, row.lead, row.body) != (article.title, article.lead, article.body):
        connection.execute(
            update(ARTICLES)
            .where(ARTICLES.c.id == row.id)
            .values(title=article.title, lead=article.lead, body=article.body, updated_at=moment)
        )


def _stored(
    session: Session | Connection, comment_id: str, state: str, revision: Any, replayed: bool
) -> StoredDecision:
    row = session.execute(_SELECT_LATEST_DECISION, {"revision": revision.id}).one()
    return StoredDecision(
        comment_id, revision.number, state, _decision_dict(row._mapping), aware(row.created_at), replayed
    )


def _comment(session: Session, site_id: int, comment_id: str) -> Comment | None:
    return session.scalar(select(Comment).where(Comment.site_id == site_id, Comment.comment_id == comment_id))


def _latest_revision(session: Session, comment_pk: int) -> Revision:
    revision = session.scalar(
        select(Revision).where(Revision.comment_pk == comment_pk).order_by(Revision.number.desc()).limit(1)
    )
    assert revision is not None
    return revision


def _article(session: Session, site_id: int, article_id: str) -> Article | None:
    return session.scalar(select(Article).where(Article.site_id == site_id, Article.article_id == article_id))


def _upsert_article(session: Session, site_id: int, article_id: str, article: ArticleText, moment: datetime) -> Article:
    row = _article(session, site_id, article_id)
    if row is None:
        row = Article(site_id=site_id, article_id=article_id, updated_at=moment)
        session.add(row)
    if (row.title, row.lead, row.body) != (article.title, article.lead, article.body):
        row.title, row.lead, row.body, row.updated_at = article.title, article.lead, article.body, moment
    session.flush()
    return row


def _article_view(row: Article) -> ArticleView:
    return ArticleView(row.article_id, row.title, row.lead, row.body, aware(row.updated_at))


def _reason_codes(decision: EngineDecision) -> str:
    """ " insult spam ": space-delimited on both sides so a filter is one LIKE '% code %'."""
    codes = sorted({reason.code for reason in decision.reasons})
    return f" {' '.join(codes)} " if codes else ""


def _priority(decision: EngineDecision) -> float:
    """Likely harm × uncertainty: a high harm score near its threshold comes first."""
    best = 0.0
    for reason in decision.reasons:
        weight = PRIORITY_WEIGHT.get(reason.code, 0.5)
        uncertainty = 1.0 - abs(reason.score - reason.threshold) if reason.action != REJECT else 0.5
        best = max(best, weight * reason.score * max(0.1, uncertainty))
    return round(best, 4)


def _decision_values(
    revision_pk: int, decision: EngineDecision, source: str, actor: str | None, moment: datetime
) -> dict[str, Any]:
    data = decision.to_dict()
    return {
        "revision_pk": revision_pk,
        "source": source,
        "verdict": decision.verdict,
        "message": decision.message,
        "reasons": data["reasons"],
        "scores": data["scores"],
        "language": data["language"],
        "versions": data["versions"],
        "notes": list(decision.notes),
        "degraded": list(decision.degraded),
        "actor": actor,
        "elapsed_ms": decision.elapsed_ms,
        "created_at": moment,
    }


_DECISION_FIELDS = ("source", "verdict", "message", "reasons", "scores", "language", "versions", "notes", "degraded")


def _decision_dict(row: Any) -> dict[str, Any]:
    """A stored decision as the API shows it; `row` is a mapping or a `Decision`."""
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
    return {
        **{name: get(name) for name in _DECISION_FIELDS},
        "actor": get("actor"),
        "elapsed_ms": get("elapsed_ms"),
        "decided_at": aware(cast(datetime, get("created_at"))),
    }


def _comment_summary(comment: Comment) -> dict[str, Any]:
    return {
        "comment_id": comment.comment_id,
        "article_id": comment.article_id,
        "parent_id": comment.parent_id,
        "state": comment.state,
        "state_source": comment.state_source,
        "revision": comment.revision,
        "created_at": aware(comment.created_at),
        "updated_at": aware(comment.updated_at),
    }
