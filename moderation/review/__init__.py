"""The review queue: items the engine could not decide alone, worked by people under leases."""

from moderation.review.model import Dashboard, QueueCounts, QueueItem, QueueQuery
from moderation.review.repository import ReviewRepository, SqlReviewRepository
from moderation.review.service import (
    APPROVE_REASONS,
    REJECT_REASONS,
    BulkResult,
    Filters,
    ItemNotFound,
    NotAllowed,
    ReviewService,
)
from moderation.review.transitions import TRANSITIONS, IllegalTransition, next_state

__all__ = [
    "APPROVE_REASONS",
    "REJECT_REASONS",
    "TRANSITIONS",
    "BulkResult",
    "Dashboard",
    "Filters",
    "IllegalTransition",
    "ItemNotFound",
    "NotAllowed",
    "QueueCounts",
    "QueueItem",
    "QueueQuery",
    "ReviewRepository",
    "ReviewService",
    "SqlReviewRepository",
    "next_state",
]
