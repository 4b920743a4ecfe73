"""In-memory stand-ins for repositories, so the service rules are tested without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from moderation.review.model import Dashboard, QueueCounts, QueueItem, QueueQuery
from moderation.review.transitions import CLAIMED, DECIDED, PENDING, IllegalTransition


class FakeReviewRepository:
    def __init__(self, items: list[QueueItem], sites: tuple[int, ...] = (1, 2)) -> None:
        self.items = {item.id: item for item in items}
        self.sites = sites
        self.events: list[tuple[str, int, str]] = []  # (kind, item id, actor)
        self.decisions: list[dict[str, Any]] = []

    def site_ids(self) -> tuple[int, ...]:
        return self.sites

    def _available(self, item: QueueItem, moment: datetime, person: str | None = None) -> bool:
        if item.state == PENDING:
            return True
        lapsed = item.lease_until is not None and item.lease_until < moment
        return item.state == CLAIMED and (lapsed or item.claimed_by == person)

    def _matches(self, item: QueueItem, query: QueueQuery, moment: datetime) -> bool:
        return (
            item.site_id in query.site_ids
            and (query.article_id is None or item.article_id == query.article_id)
            and (query.reason is None or query.reason in item.reason_codes)
            and (query.language is None or item.language == query.language)
            and (query.min_age is None or item.created_at <= moment - query.min_age)
        )

    def _sorted(self, items: list[QueueItem], query: QueueQuery) -> list[QueueItem]:
        if query.sort == "priority":
            return sorted(items, key=lambda i: (-i.priority, i.id))
        return sorted(items, key=lambda i: i.id)

    def expire_leases(self, moment: datetime) -> int:
        lapsed = [i for i in self.items.values() if i.state == CLAIMED and i.lease_until and i.lease_until < moment]
        for item in lapsed:
            self.items[item.id] = replace(item, state=PENDING, claimed_by=None, lease_until=None)
            self.events.append(("lease_expired", item.id, "system"))
        return len(lapsed)

    def open_items(self, query: QueueQuery, moment: datetime) -> list[QueueItem]:
        found = [i for i in self.items.values() if i.state in (PENDING, CLAIMED) and self._matches(i, query, moment)]
        return self._sorted(found, query)[: query.limit]

    def counts(self, query: QueueQuery) -> QueueCounts:
        found = [i for i in self.items.values() if i.state in (PENDING, CLAIMED) and i.site_id in query.site_ids]
        return QueueCounts(total=len(found))

    def get(self, item_id: int) -> QueueItem | None:
        return self.items.get(item_id)

    def claim(self, query: QueueQuery, moderator: str, moment: datetime, until: datetime) -> list[int]:
        self.expire_leases(moment)
        found = [i for i in self.items.values() if i.state == PENDING and self._matches(i, query, moment)]
        taken = self._sorted(found, query)[: query.limit]
        for item in taken:
            self.items[item.id] = replace(item, state=CLAIMED, claimed_by=moderator, lease_until=until)
            self.events.append(("claimed", item.id, moderator))
        return [i.id for i in taken]

    def release(self, item_id: int, moderator: str, moment: datetime) -> bool:
        item = self.items[item_id]
        if item.state != CLAIMED or item.claimed_by != moderator:
            return False
        self.items[item_id] = replace(item, state=PENDING, claimed_by=None, lease_until=None)
        self.events.append(("released", item_id, moderator))
        return True

    def decide(
        self, item_id: int, moderator: str, verdict: str, reason_code: str, note: str, moment: datetime
    ) -> dict[str, Any]:
        item = self.items[item_id]
        if not self._available(item, moment, moderator):
            raise IllegalTransition(f"item {item_id} is no longer open to you")
        self.items[item_id] = replace(item, state=DECIDED, decided_at=moment, decided_by=moderator, lease_until=None)
        payload = {"comment_id": item.comment_id, "verdict": verdict, "reason_code": reason_code or None}
        self.decisions.append({**payload, "by": moderator, "note": note})
        self.events.append(("decided", item_id, moderator))
        return payload

    def reopen(self, item_id: int, actor: str, moment: datetime) -> bool:
        item = self.items[item_id]
        if item.state != DECIDED:
            return False
        self.items[item_id] = replace(item, state=PENDING, decided_at=None, decided_by=None)
        self.events.append(("reopened", item_id, actor))
        return True

    def history(self, comment_pk: int) -> list[dict[str, Any]]:
        return []

    def author_history(self, site_id: int, author_id: str | None) -> dict[str, int]:
        return {}

    def article(self, site_id: int, article_id: str) -> dict[str, str] | None:
        return None

    def dashboard(self, site_ids: tuple[int, ...], since: datetime) -> Dashboard:
        return Dashboard(self.counts(QueueQuery(site_ids=site_ids)), [], {}, None, [], {})
