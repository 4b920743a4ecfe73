"""The decision engine: parts in, decision out."""

from moderation.engine.decision import APPROVE, REJECT, REVIEW, Decision, LanguageInfo, Reason, Span
from moderation.engine.engine import ModerationEngine
from moderation.engine.inputs import ArticleText, CommentInput

__all__ = [
    "APPROVE",
    "REJECT",
    "REVIEW",
    "ArticleText",
    "CommentInput",
    "Decision",
    "LanguageInfo",
    "ModerationEngine",
    "Reason",
    "Span",
]
