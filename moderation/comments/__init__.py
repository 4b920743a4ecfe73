"""Comments of sites: moderation with storage, revisions, history, articles."""

from moderation.comments.service import (
    ArticleView,
    Author,
    CommentService,
    Conflict,
    ModerationRequest,
    NotFound,
    StoredDecision,
)

__all__ = ["ArticleView", "Author", "CommentService", "Conflict", "ModerationRequest", "NotFound", "StoredDecision"]
