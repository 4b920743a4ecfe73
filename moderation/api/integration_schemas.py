"""Bodies of the integration routes, with the field names Coral and Perspective use (camelCase).

Perspective's bodies refuse unknown fields, as Google's API does. Coral's request ignores them: Coral
adds fields across versions (e.g. `tenant: {id, domain}` next to `tenantID`), and the body is signed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from moderation.api.schemas import StrictModel


class LenientModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- Coral -------------------------------------------------------------------------------


class CoralCommentIn(LenientModel):
    body: str = Field(min_length=1, pattern=r"\S")
    parentID: str | None = Field(default=None, max_length=200)


class CoralAuthorIn(LenientModel):
    id: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=40, description="COMMENTER, STAFF, MODERATOR, ADMIN, …")


class CoralStoryIn(LenientModel):
    id: str = Field(min_length=1, max_length=200)
    url: str = Field(default="", max_length=2000)


class CoralSiteIn(LenientModel):
    id: str = Field(min_length=1, max_length=200)


class CoralTenantIn(LenientModel):
    id: str = Field(min_length=1, max_length=200)
    domain: str = Field(default="", max_length=500)


class CoralPhaseIn(LenientModel):
    """Coral's ExternalModerationRequest."""

    action: Literal["NEW", "EDIT"]
    comment: CoralCommentIn
    author: CoralAuthorIn
    story: CoralStoryIn
    site: CoralSiteIn
    tenant: CoralTenantIn | None = None
    tenantID: str | None = Field(default=None, min_length=1, max_length=200)
    tenantDomain: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _names_a_tenant(self) -> CoralPhaseIn:
        if self.tenantID is None and self.tenant is None:
            raise ValueError("tenant.id or tenantID is required")
        return self

    @property
    def tenant_id(self) -> str:
        """Coral's payload names the tenant as `tenant.id`; the published contract also as `tenantID`."""
        if self.tenantID is not None:
            return self.tenantID
        assert self.tenant is not None
        return self.tenant.id


class CoralActionOut(BaseModel):
    actionType: Literal["FLAG"]
    reason: str
    additionalDetails: str


class CoralPhaseOut(BaseModel):
    """Coral's ExternalModerationResponse."""

    status: Literal["APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD", "NONE"]
    actions: list[CoralActionOut]
    tags: list[str]
    metadata: dict[str, Any]


# -- Perspective -------------------------------------------------------------------------


class TextEntryIn(StrictModel):
    text: str = Field(max_length=1_000_000)
    type: Literal["PLAIN_TEXT"] | None = None


class ContextIn(StrictModel):
    entries: list[TextEntryIn] = Field(default_factory=list, max_length=20)


class AttributeConfigIn(StrictModel):
    scoreType: str | None = None
    scoreThreshold: float | None = Field(default=None, ge=0, le=1)


class AnalyzeIn(StrictModel):
    """Perspective's AnalyzeCommentRequest."""

    comment: TextEntryIn
    requestedAttributes: dict[str, AttributeConfigIn] = Field(max_length=20)
    context: ContextIn | None = None
    languages: list[str] = Field(default_factory=list, max_length=10)
    doNotStore: bool = False
    clientToken: str | None = Field(default=None, max_length=1000)
    sessionId: str | None = Field(default=None, max_length=1000)
    spanAnnotations: bool = False
    communityId: str | None = Field(default=None, max_length=1000)


class ScoreIn(StrictModel):
    value: float = Field(ge=0, le=1)
    type: str | None = None


class SpanScoreIn(StrictModel):
    begin: int = Field(ge=0)
    end: int = Field(ge=0)
    score: ScoreIn


class AttributeScoresIn(StrictModel):
    summaryScore: ScoreIn | None = None
    spanScores: list[SpanScoreIn] = Field(default_factory=list, max_length=100)


class SuggestIn(StrictModel):
    """Perspective's SuggestCommentScoreRequest."""

    comment: TextEntryIn
    attributeScores: dict[str, AttributeScoresIn] = Field(min_length=1, max_length=20)
    context: ContextIn | None = None
    languages: list[str] = Field(default_factory=list, max_length=10)
    communityId: str | None = Field(default=None, max_length=1000)
    clientToken: str | None = Field(default=None, max_length=1000)
    sessionId: str | None = Field(default=None, max_length=1000)


class ScoreOut(BaseModel):
    value: float
    type: Literal["PROBABILITY"]


class SpanScoreOut(BaseModel):
    begin: int
    end: int
    score: ScoreOut


class AttributeScoresOut(BaseModel):
    summaryScore: ScoreOut
    spanScores: list[SpanScoreOut] | None = None


class AnalyzeOut(BaseModel):
    attributeScores: dict[str, AttributeScoresOut]
    languages: list[str]
    detectedLanguages: list[str]
    clientToken: str | None = None


class SuggestOut(BaseModel):
    clientToken: str | None = None


class GoogleErrorBody(BaseModel):
    code: int
    message: str
    status: str


class GoogleErrorOut(BaseModel):
    error: GoogleErrorBody
