"""Where review items live: the interface the service needs, and its SQL implementation.

The service's rules are tested against an in-memory fake (tests/fakes.py); this SQL repository is
tested on a real SQLite file and a real PostgreSQL server, including concurrent claimers.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from moderation.clock import aware
from moderation.comments.service import announce, apply_human_decision, event_dict
from moderation.review.model import Dashboard, QueueCounts, QueueItem, QueueQuery
from moderation.review.transitions import CLAIMED, DECIDED, PENDING, IllegalTransition
from moderation.storage.tables import Article, Comment, Decision, Event, ReviewItem, Revision, Site


class ReviewRepository(Protocol):
    def site_ids(self) -> tuple[int, ...]: ...
    def expire_leases(self, moment: datetime) -> int: ...
    def open_items(self, query: QueueQuery, moment: datetime) -> list[QueueItem]: ...
    def counts(self, query: QueueQuery) -> QueueCounts: ...
    def get(self, item_id: int) -> QueueItem | None: ...
    def claim(self, query: QueueQuery, moderator: str, moment: datetime, until: datetime) -> list[int]: ...
    def release(self, item_id: int, moderator: str, moment: datetime) -> bool: ...
    def decide(
        self, item_id: int, moderator: str, verdict: str, reason_code: str, note: str, moment: datetime
    ) -> dict[str, Any]: ...
    def reopen(self, item_id: int, actor: str, moment: datetime) -> bool: ...
    def history(self, comment_pk: int) -> list[dict[str, Any]]: ...
    def author_history(self, site_id: int, author_id: str | None) -> dict[str, int]: ...
    def article(self, site_id: int, article_id: str) -> dict[str, str] | None: ...
    def dashboard(self, site_ids: tuple[int, ...], since: datetime) -> Dashboard: ...


def _available(moment: datetime) -> Any:
    """Free to take: waiting, or claimed by someone whose lease ran out."""
    return or_(
        ReviewItem.state == PENDING,
        and_(ReviewItem.state == CLAIMED, ReviewItem.lease_until < moment),
    )


def _filtered(statement: Any, query: QueueQuery, moment: datetime | None = None) -> Any:
    statement = statement.where(ReviewItem.site_id.in_(query.site_ids))
    if query.article_id:
        statement = statement.where(ReviewItem.article_id == query.article_id)
    if query.reason:
        statement = statement.where(ReviewItem.reason_codes.contains(f" {query.reason} ", autoescape=True))
    if query.language:
        statement = statement.where(ReviewItem.language == query.language)
    if query.min_age is not None and moment is not None:
        statement = statement.where(ReviewItem.created_at <= moment - query.min_age)
    return statement


def _ordered(statement: Any, query: QueueQuery) -> Any:
    if query.sort == "priority":
        return statement.order_by(ReviewItem.priority.desc(), ReviewItem.id)
    return statement.order_by(ReviewItem.id)  # ids grow with time: oldest first


class SqlReviewRepository:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.dialect = sessions.kw["bind"].dialect.name

    def site_ids(self) -> tuple[int, ...]:
        with self.sessions() as session:
            return tuple(session.scalars(select(Site.id).where(Site.disabled.is_(False)).order_by(Site.id)))

    # -- leases ----------------------------------------------------------------

    def expire_leases(self, moment: datetime) -> int:
        with self.sessions.begin() as session:
            return self._expire(session, moment)

    def _expire(self, session: Session, moment: datetime) -> int:
        rows = session.execute(
            update(ReviewItem)
            .where(ReviewItem.state == CLAIMED, ReviewItem.lease_until < moment)
            .values(state=PENDING, claimed_by=None, lease_until=None)
            .returning(ReviewItem.id, ReviewItem.comment_pk)
        ).all()
        for item_id, comment_pk in rows:
            _audit(session, comment_pk, "lease_expired", CLAIMED, PENDING, "system", moment, item=item_id)
        return len(rows)

    def claim(self, query: QueueQuery, moderator: str, moment: datetime, until: datetime) -> list[int]:
        if not query.site_ids:
            return []
        with self.sessions.begin() as session:
            self._expire(session, moment)
            candidates = _ordered(_filtered(select(ReviewItem.id), query, moment), query).where(
                ReviewItem.state == PENDING
            )
            candidates = candidates.limit(query.limit)
            if self.dialect == "postgresql":
                # Two moderators never get the same item: rows one claimer holds are skipped by the other.
                ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
                if not ids:
                    return []
                target = ReviewItem.id.in_(ids)
            else:
                # SQLite runs one writer at a time, so this single UPDATE … WHERE id IN (…) is atomic.
                target = ReviewItem.id.in_(candidates.scalar_subquery())
            rows = session.execute(
                update(ReviewItem)
                .where(target, ReviewItem.state == PENDING)
                .values(state=CLAIMED, claimed_by=moderator, lease_until=until)
                .returning(ReviewItem.id, ReviewItem.comment_pk)
                .execution_options(synchronize_session=False)
            ).all()
            for item_id, comment_pk in rows:
                _audit(session, comment_pk, "claimed", PENDING, CLAIMED, moderator, moment, item=item_id)
            return sorted(item_id for item_id, _ in rows)

    def release(self, item_id: int, moderator: str, moment: datetime) -> bool:
        with self.sessions.begin() as session:
            row = session.execute(
                update(ReviewItem)
                .where(ReviewItem.id == item_id, ReviewItem.state == CLAIMED, ReviewItem.claimed_by == moderator)
                .values(state=PENDING, claimed_by=None, lease_until=None)
                .returning(ReviewItem.comment_pk)
                .execution_options(synchronize_session=False)
            ).first()
            if row is not None:
                _audit(session, row[0], "released", CLAIMED, PENDING, moderator, moment, item=item_id)
            return row is not None

    def decide(
        self, item_id: int, moderator: str, verdict: str, reason_code: str, note: str, moment: datetime
    ) -> dict[str, Any]:
        with self.sessions.begin() as session:
            # Conditional update first: of two concurrent deciders exactly one changes the row.
            row = session.execute(
                update(ReviewItem)
                .where(
                    ReviewItem.id == item_id,
                    or_(_available(moment), and_(ReviewItem.state == CLAIMED, ReviewItem.claimed_by == moderator)),
                )
                .values(state=DECIDED, decided_at=moment, decided_by=moderator, lease_until=None)
                .returning(ReviewItem.comment_pk, ReviewItem.decision_pk)
                .execution_options(synchronize_session=False)
            ).first()
            if row is None:
                raise IllegalTransition(f"item {item_id} is no longer open to you")
            comment = session.get(Comment, row.comment_pk)
            proposed = session.get(Decision, row.decision_pk)
            assert comment is not None and proposed is not None
            return apply_human_decision(
                session,
                comment,
                verdict,
                moderator,
                moment,
                note=note,
                reason_code=reason_code,
                proposed_by=str((proposed.versions or {}).get("model", "")),
            )

    def reopen(self, item_id: int, actor: str, moment: datetime) -> bool:
        with self.sessions.begin() as session:
            item = session.get(ReviewItem, item_id, with_for_update=self.dialect == "postgresql")
            if item is None or item.state != DECIDED:
                return False
            comment = session.get(Comment, item.comment_pk)
            assert comment is not None
            latest = session.scalar(select(func.max(Revision.id)).where(Revision.comment_pk == comment.id))
            proposed_revision = session.scalar(select(Decision.revision_pk).where(Decision.id == item.decision_pk))
            if latest != proposed_revision:
                return False  # the comment was edited since: its new revision has its own decision
            previous = comment.state
            item.state, item.decided_at, item.decided_by = PENDING, None, None
            comment.state, comment.state_source, comment.updated_at = "pending_review", "moderator", moment
            _audit(session, comment.id, "reopened", previous, "pending_review", actor, moment, item=item_id)
            # The site heard the earlier decision; it must hear that the comment is back under review.
            payload = {
                "event": "comment.reopened",
                "comment_id": comment.comment_id,
                "article_id": comment.article_id,
                "state": comment.state,
                "decided_by": "moderator",
                "decided_at": moment.isoformat(),
            }
            announce(session, comment, payload, moment)
            return True

    # -- reading ---------------------------------------------------------------

    def open_items(self, query: QueueQuery, moment: datetime) -> list[QueueItem]:
        if not query.site_ids:
            return []
        statement = _ordered(
            _filtered(_item_select(), query, moment).where(ReviewItem.state.in_((PENDING, CLAIMED))), query
        ).limit(query.limit)
        with self.sessions() as session:
            rows = session.execute(statement).all()
            parents = _parent_texts(session, rows)
            return [_item(row, parents) for row in rows]

    def get(self, item_id: int) -> QueueItem | None:
        with self.sessions() as session:
            row = session.execute(_item_select().where(ReviewItem.id == item_id)).first()
            return None if row is None else _item(row, _parent_texts(session, [row]))

    def counts(self, query: QueueQuery) -> QueueCounts:
        if not query.site_ids:
            return QueueCounts(total=0)
        with self.sessions() as session:
            statement = _filtered(
                select(ReviewItem.reason_codes, ReviewItem.language, Site.name, ReviewItem.created_at)
                .join(Site, Site.id == ReviewItem.site_id)
                .where(ReviewItem.state.in_((PENDING, CLAIMED))),
                query,
            )
            by_reason: Counter[str] = Counter()
            by_language: Counter[str] = Counter()
            by_site: Counter[str] = Counter()
            total, oldest = 0, None
            for codes, language, site_name, created_at in session.execute(statement):
                total += 1
                by_reason.update(codes.split())
                by_language[language or "?"] += 1
                by_site[site_name] += 1
                oldest = created_at if oldest is None or created_at < oldest else oldest
            return QueueCounts(
                total, dict(by_reason), dict(by_language), dict(by_site), aware(oldest) if oldest else None
            )

    def history(self, comment_pk: int) -> list[dict[str, Any]]:
        with self.sessions() as session:
            events = session.scalars(select(Event).where(Event.comment_pk == comment_pk).order_by(Event.id))
            return [event_dict(e) for e in events]

    def author_history(self, site_id: int, author_id: str | None) -> dict[str, int]:
        if not author_id:
            return {}
        with self.sessions() as session:
            rows = session.execute(
                select(Comment.state, func.count())
                .where(Comment.site_id == site_id, Comment.author_id == author_id)
                .group_by(Comment.state)
            ).all()
            counts = {state: int(n) for state, n in rows}
            return {"total": sum(counts.values()), **counts}

    def article(self, site_id: int, article_id: str) -> dict[str, str] | None:
        with self.sessions() as session:
            row = session.scalar(select(Article).where(Article.site_id == site_id, Article.article_id == article_id))
            if row is None:
                return None
            return {"article_id": row.article_id, "title": row.title, "lead": row.lead, "body": row.body}

    def dashboard(self, site_ids: tuple[int, ...], since: datetime) -> Dashboard:
        queue = self.counts(QueueQuery(site_ids=site_ids))
        with self.sessions() as session:
            decisions = session.execute(
                select(
                    Decision.source,
                    Decision.verdict,
                    Decision.reasons,
                    Decision.versions,
                    Decision.actor,
                    Decision.created_at,
                )
                .join(Revision, Revision.id == Decision.revision_pk)
                .join(Comment, Comment.id == Revision.comment_pk)
                .where(Comment.site_id.in_(site_ids), Decision.created_at >= since)
            ).all()
        days: dict[str, Counter[str]] = {}
        reasons: Counter[str] = Counter()
        moderators: Counter[str] = Counter()
        versions: Counter[str] = Counter()
        engine_total = engine_auto = 0
        for source, verdict, decision_reasons, decision_versions, actor, created_at in decisions:
            if source == "engine":
                engine_total += 1
                engine_auto += verdict != "review"
                days.setdefault(aware(created_at).date().isoformat(), Counter())[verdict] += 1
                reasons.update({r.get("code", "?") for r in decision_reasons or []})
                versions[str((decision_versions or {}).get("model", "?"))] += 1
            else:
                moderators[actor or "?"] += 1
        return Dashboard(
            queue=queue,
            per_day=[
                {"day": day, **{v: days[day][v] for v in ("approve", "reject", "review")}} for day in sorted(days)
            ],
            per_reason=dict(reasons.most_common()),
            automation_rate=(engine_auto / engine_total) if engine_total else None,
            throughput=[{"moderator": name, "decided": n} for name, n in moderators.most_common()],
            model_versions=dict(versions.most_common()),
        )


def _audit(
    session: Session,
    comment_pk: int,
    kind: str,
    before: str | None,
    after: str | None,
    actor: str,
    moment: datetime,
    **detail: Any,
) -> None:
    session.add(
        Event(
            comment_pk=comment_pk,
            kind=kind,
            from_state=before,
            to_state=after,
            actor=actor,
            detail=detail,
            created_at=moment,
        )
    )


def _item_select() -> Any:
    return (
        select(ReviewItem, Comment, Site.name, Decision, Revision.text, Revision.number, Article.title)
        .join(Comment, Comment.id == ReviewItem.comment_pk)
        .join(Site, Site.id == ReviewItem.site_id)
        .join(Decision, Decision.id == ReviewItem.decision_pk)
        .join(Revision, Revision.id == Decision.revision_pk)
        .outerjoin(Article, and_(Article.site_id == Comment.site_id, Article.article_id == Comment.article_id))
    )


def _parent_texts(session: Session, rows: Any) -> dict[tuple[int, str], str]:
    wanted = {(row[1].site_id, row[1].parent_id) for row in rows if row[1].parent_id}
    if not wanted:
        return {}
    parent = aliased(Comment)
    latest = (
        select(parent.site_id, parent.comment_id, Revision.text, Revision.number)
        .join(Revision, Revision.comment_pk == parent.id)
        .where(or_(*(and_(parent.site_id == site, parent.comment_id == cid) for site, cid in wanted)))
        .order_by(Revision.number)
    )
    texts: dict[tuple[int, str], str] = {}
    for site_id, comment_id, text, _number in session.execute(latest):
        texts[(site_id, comment_id)] = text  # ordered by revision: the last one wins
    return texts


def _item(row: Any, parents: dict[tuple[int, str], str]) -> QueueItem:
    item, comment, site_name, decision, text, number, title = row
    return QueueItem(
        id=item.id,
        site_id=item.site_id,
        site_name=site_name,
        state=item.state,
        priority=item.priority,
        claimed_by=item.claimed_by,
        lease_until=aware(item.lease_until) if item.lease_until else None,
        created_at=aware(item.created_at),
        decided_at=aware(item.decided_at) if item.decided_at else None,
        decided_by=item.decided_by,
        comment_pk=comment.id,
        comment_id=comment.comment_id,
        article_id=comment.article_id,
        parent_id=comment.parent_id,
        author_id=comment.author_id,
        author_name=comment.author_name,
        text=text,
        revision=number,
        language=item.language,
        reason_codes=tuple(item.reason_codes.split()),
        decision={
            "verdict": decision.verdict,
            "message": decision.message,
            "reasons": decision.reasons,
            "scores": decision.scores,
            "language": decision.language,
            "versions": decision.versions,
            "notes": decision.notes,
        },
        article_title=title or "",
        parent_text=parents.get((comment.site_id, comment.parent_id)) if comment.parent_id else None,
    )


__all__ = ["ReviewRepository", "SqlReviewRepository"]
