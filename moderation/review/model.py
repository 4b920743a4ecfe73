"""What the review queue hands around: queries, items, counts. Plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

SORTS = ("oldest", "priority")


@dataclass(frozen=True)
class QueueQuery:
    site_ids: tuple[int, ...]  # the sites the person may see; never empty for a query that returns rows
    article_id: str | None = None
    reason: str | None = None
    language: str | None = None
    min_age: timedelta | None = None  # only items waiting at least this long
    sort: str = "oldest"
    limit: int = 50


@dataclass(frozen=True)
class QueueItem:
    id: int
    site_id: int
    site_name: str
    state: str
    priority: float
    claimed_by: str | None
    lease_until: datetime | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    comment_pk: int
    comment_id: str
    article_id: str
    parent_id: str | None
    author_id: str | None
    author_name: str | None
    text: str
    revision: int
    language: str
    reason_codes: tuple[str, ...]
    decision: dict[str, Any]  # the engine's proposal: verdict, reasons with spans, scores, versions
    article_title: str = ""
    parent_text: str | None = None


@dataclass(frozen=True)
class QueueCounts:
    total: int
    by_reason: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_site: dict[str, int] = field(default_factory=dict)
    oldest_at: datetime | None = None


@dataclass(frozen=True)
class Dashboard:
    queue: QueueCounts
    per_day: list[dict[str, Any]]  # {"day": date, "approve": n, "reject": n, "review": n}
    per_reason: dict[str, int]
    automation_rate: float | None  # share of engine decisions that needed no human
    throughput: list[dict[str, Any]]  # {"moderator": name, "decided": n} over the period
    model_versions: dict[str, int]  # model version -> decisions over the period
