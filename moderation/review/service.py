"""The review queue's rules: who may see and decide what, leases, the state table, bulk decisions.

Works over a `ReviewRepository` (SQL in production, an in-memory fake in the service tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from moderation.clock import now as utc_now
from moderation.people.users import Person
from moderation.review.model import SORTS, Dashboard, QueueCounts, QueueItem, QueueQuery
from moderation.review.repository import ReviewRepository
from moderation.review.transitions import CLAIMED, IllegalTransition, next_state

DEFAULT_LEASE = timedelta(minutes=10)
MAX_CLAIM = 50
MAX_BULK = 200

# Why a moderator decided; the codes go to the site's webhook and into the training labels.
REJECT_REASONS = {
    "insult": "توهین",
    "profanity": "ناسزا",
    "threat": "تهدید",
    "spam": "هرزنامه یا تبلیغ",
    "off_topic": "بی‌ربط به خبر",
    "accusation": "اتهام یا نسبت ناروا به اشخاص",
    "non_persian": "به زبانی جز فارسی",
    "other": "دیگر",
}
APPROVE_REASONS = {"acceptable": "مناسب", "false_alarm": "هشدار نادرست"}


class NotAllowed(PermissionError):
    """The person's role or sites do not cover this action."""


class ItemNotFound(LookupError):
    """No such item, or one the person may not see (the two are not told apart)."""


@dataclass(frozen=True)
class Filters:
    site_id: int | None = None
    article_id: str | None = None
    reason: str | None = None
    language: str | None = None
    min_age_minutes: int | None = None
    sort: str = "oldest"
    limit: int = 50


@dataclass(frozen=True)
class BulkResult:
    decided: list[int]
    refused: dict[int, str]  # item id -> why


class ReviewService:
    def __init__(
        self,
        repository: ReviewRepository,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.repository = repository
        self.lease = lease
        self.clock = clock

    # -- reading ---------------------------------------------------------------

    def query_for(self, person: Person, filters: Filters) -> QueueQuery:
        if filters.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        sites = self._visible_sites(person)
        if filters.site_id is not None:
            sites = tuple(s for s in sites if s == filters.site_id)
        return QueueQuery(
            site_ids=sites,
            article_id=filters.article_id or None,
            reason=filters.reason or None,
            language=filters.language or None,
            min_age=timedelta(minutes=filters.min_age_minutes) if filters.min_age_minutes else None,
            sort=filters.sort,
            limit=max(1, min(filters.limit, 200)),
        )

    def queue(self, person: Person, filters: Filters) -> list[QueueItem]:
        """Open items under the filters: waiting ones, and ones claimed by this person or with a lapsed lease."""
        moment = self.clock()
        self.repository.expire_leases(moment)
        items = self.repository.open_items(self.query_for(person, filters), moment)
        return [i for i in items if i.state != CLAIMED or i.claimed_by == person.username]

    def counts(self, person: Person, filters: Filters) -> QueueCounts:
        return self.repository.counts(self.query_for(person, filters))

    def item(self, person: Person, item_id: int) -> QueueItem:
        item = self.repository.get(item_id)
        if item is None or not person.can_see(item.site_id):
            raise ItemNotFound(f"no review item {item_id}")
        return item

    def item_context(self, person: Person, item_id: int) -> dict[str, Any]:
        """What the item page shows besides the item: article, author's record here, the comment's history."""
        item = self.item(person, item_id)
        return {
            "item": item,
            "article": self.repository.article(item.site_id, item.article_id),
            "author": self.repository.author_history(item.site_id, item.author_id),
            "history": self.repository.history(item.comment_pk),
        }

    def dashboard(self, person: Person, days: int = 14) -> Dashboard:
        return self.repository.dashboard(self._visible_sites(person), self.clock() - timedelta(days=days))

    # -- working the queue -----------------------------------------------------

    def claim(self, person: Person, filters: Filters, count: int = 10) -> list[QueueItem]:
        """Take up to `count` waiting items for a while; nobody else gets them until released or expired."""
        self._require_worker(person)
        query = replace(self.query_for(person, filters), limit=max(1, min(count, MAX_CLAIM)))
        query = replace(query, site_ids=tuple(s for s in query.site_ids if person.can_work(s)))
        moment = self.clock()
        ids = self.repository.claim(query, person.username, moment, moment + self.lease)
        items = [self.repository.get(i) for i in ids]
        return [i for i in items if i is not None]

    def release(self, person: Person, item_id: int) -> None:
        item = self._workable(person, item_id)
        next_state(item.state, "release")
        if item.claimed_by != person.username or not self.repository.release(item_id, person.username, self.clock()):
            raise IllegalTransition(f"item {item_id} is not claimed by you")

    def decide(
        self, person: Person, item_id: int, verdict: str, reason_code: str = "", note: str = ""
    ) -> dict[str, Any]:
        """Approve or reject; the comment's state changes, the audit trail and the site's webhook are written."""
        if verdict not in ("approve", "reject"):
            raise ValueError("verdict must be approve or reject")
        allowed = REJECT_REASONS if verdict == "reject" else APPROVE_REASONS
        if reason_code and reason_code not in allowed:
            raise ValueError(f"reason_code for {verdict} must be one of {', '.join(allowed)}")
        if len(note) > 2000:
            raise ValueError("a note has at most 2000 characters")
        item = self._workable(person, item_id)
        next_state(item.state, "decide")
        moment = self.clock()
        if item.state == CLAIMED and item.claimed_by != person.username and (item.lease_until or moment) > moment:
            raise IllegalTransition(f"item {item_id} is claimed by {item.claimed_by} until {item.lease_until}")
        return self.repository.decide(item_id, person.username, verdict, reason_code, note, moment)

    def decide_many(self, person: Person, item_ids: list[int], verdict: str, reason_code: str = "") -> BulkResult:
        if len(item_ids) > MAX_BULK:
            raise ValueError(f"at most {MAX_BULK} items at once")
        decided: list[int] = []
        refused: dict[int, str] = {}
        for item_id in dict.fromkeys(item_ids):  # each once, in the order given
            try:
                self.decide(person, item_id, verdict, reason_code)
                decided.append(item_id)
            except (IllegalTransition, ItemNotFound, NotAllowed) as error:
                refused[item_id] = str(error)
        return BulkResult(decided, refused)

    def reopen(self, person: Person, item_id: int) -> None:
        if not person.is_admin:
            raise NotAllowed("only an admin reopens a decided item")
        item = self.item(person, item_id)
        next_state(item.state, "reopen")
        if not self.repository.reopen(item_id, person.username, self.clock()):
            raise IllegalTransition(f"item {item_id} cannot be reopened (changed meanwhile, or edited since)")

    # -- helpers ---------------------------------------------------------------

    def _visible_sites(self, person: Person) -> tuple[int, ...]:
        if person.role in ("admin", "data"):
            return self.repository.site_ids()
        return person.site_ids

    def _require_worker(self, person: Person) -> None:
        if person.role not in ("moderator", "admin"):
            raise NotAllowed(f"a {person.role} account does not work the queue")

    def _workable(self, person: Person, item_id: int) -> QueueItem:
        self._require_worker(person)
        item = self.item(person, item_id)
        if not person.can_work(item.site_id):
            raise NotAllowed("this site's queue is not yours")
        return item
