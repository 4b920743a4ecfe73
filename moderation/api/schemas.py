"""Request and response bodies (XIn / XOut). Unknown fields are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# No NUL (U+0000) in any text: PostgreSQL cannot store it and no reader types one. Said in the schema, so
# that clients and the fuzzer know; the error message names it (errors.py).
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]

# A site's own ids: URL-safe, bounded (they appear in paths such as /v1/comments/{id}).
SiteId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleIn(StrictModel):
    title: Text = Field(default="", max_length=1_000)
    lead: Text = Field(default="", max_length=5_000)
    body: Text = Field(default="", max_length=200_000)


class AuthorIn(StrictModel):
    author_id: Text | None = Field(default=None, max_length=200)
    name: Text | None = Field(default=None, max_length=200)
    email: Text | None = Field(default=None, max_length=320, description="Stored only as a salted hash.")
    ip: Text | None = Field(default=None, max_length=64, description="Stored only as a salted hash.")


class ModerateIn(StrictModel):
    comment_id: SiteId
    text: str = Field(
        min_length=1,
        pattern=r"^[^\x00]*[^\x00\s][^\x00]*$",
        description="The comment as the reader wrote it (not blank, no NUL).",
    )
    article_id: SiteId
    article: ArticleIn | None = Field(
        default=None, description="Inline article; else the one registered with PUT /v1/articles/{id}."
    )
    parent_id: SiteId | None = Field(default=None, description="The comment this one replies to.")
    author: AuthorIn | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class BatchIn(StrictModel):
    comments: list[ModerateIn] = Field(min_length=1, max_length=100)


class SpanOut(BaseModel):
    start: int
    end: int
    text: str
    source: str
    detail: str


class ReasonOut(BaseModel):
    code: str
    action: str
    score: float
    threshold: float
    message: str
    spans: list[SpanOut]


class LanguageOut(BaseModel):
    code: str | None = Field(
        default=None,
        description="ISO 639-1 (fa, ar, ur, en, ru…); fa-Latn: Persian in Latin letters (Finglish); "
        "und-<script> (und-Cyrl…): another script whose language was not named; und: no letters.",
    )
    confidence: float | None = None
    method: str | None = None


class DecisionOut(BaseModel):
    source: str
    verdict: str
    message: str
    reasons: list[ReasonOut]
    scores: dict[str, float]
    language: LanguageOut
    versions: dict[str, str]
    notes: list[str]
    degraded: list[str]
    actor: str | None = None
    elapsed_ms: float
    stage_ms: dict[str, float] | None = Field(default=None, description="Engine time per stage (fresh decisions).")
    decided_at: datetime


class ModerateOut(BaseModel):
    comment_id: str
    revision: int
    state: str = Field(description="approved, rejected or pending_review")
    replayed: bool = Field(
        description="True when the same text was already moderated: the stored decision is returned."
    )
    decision: DecisionOut


class BatchOut(BaseModel):
    results: list[ModerateOut]


class ArticleOut(BaseModel):
    article_id: str
    title: str
    lead: str
    body: str
    updated_at: datetime


class CommentSummaryOut(BaseModel):
    comment_id: str
    article_id: str
    parent_id: str | None
    state: str
    state_source: str
    revision: int
    created_at: datetime
    updated_at: datetime


class RevisionOut(BaseModel):
    revision: int
    created_at: datetime
    decisions: list[DecisionOut]


class EventOut(BaseModel):
    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    actor: str
    detail: dict[str, Any]


class CommentOut(CommentSummaryOut):
    decision: DecisionOut
    revisions: list[RevisionOut]
    history: list[EventOut]


class CommentListOut(BaseModel):
    comments: list[CommentSummaryOut]
    next_since: datetime | None = Field(description="Pass as changed_since to continue.")


class CategoryRuleIn(StrictModel):
    review_at: float | None = Field(default=None, ge=0, le=1)
    reject_at: float | None = Field(default=None, ge=0, le=1)
    can_reject: bool = True
    enabled: bool = True


class CategoriesIn(StrictModel):
    insult: CategoryRuleIn | None = None
    spam: CategoryRuleIn | None = None
    off_topic: CategoryRuleIn | None = None
    accusation: CategoryRuleIn | None = Field(default=None, description="can_reject must stay false.")


class LexiconRuleIn(StrictModel):
    reject_severity: int = Field(default=3, ge=1, le=4)
    threat_reject_severity: int = Field(default=2, ge=1, le=4)


Action = Literal["approve", "review", "reject"]
Term = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]


class LanguageRuleIn(StrictModel):
    allowed: list[Annotated[str, StringConstraints(min_length=2, max_length=10, pattern=NO_NUL)]] | None = None
    other_language_action: Action | None = None
    finglish_action: Action | None = None
    undetermined_action: Action | None = None


class PolicyIn(StrictModel):
    """A site's overrides of the default policy; any subset of the fields."""

    categories: CategoriesIn | None = None
    lexicon: LexiconRuleIn | None = None
    language: LanguageRuleIn | None = None
    deny_terms: list[Term] | None = Field(default=None, max_length=1000)
    allow_terms: list[Term] | None = Field(default=None, max_length=1000)


class PolicyOut(BaseModel):
    site: str
    overrides: dict[str, Any]
    effective: dict[str, Any]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody
