"""Routes that speak other systems' protocols: Coral Talk's external moderation phase and the
Perspective API. Thin: parsing and status codes here, the mapping in `moderation/integrations/`."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from moderation.api.deps import Runtime, RuntimeDep
from moderation.api.errors import ApiError
from moderation.api.integration_schemas import (
    AnalyzeIn,
    AnalyzeOut,
    CoralPhaseIn,
    CoralPhaseOut,
    GoogleErrorOut,
    SuggestIn,
    SuggestOut,
)
from moderation.api.middleware import client_key
from moderation.api.routes import limit, record
from moderation.api.schemas import ErrorOut
from moderation.comments import ModerationRequest
from moderation.integrations import coral, perspective
from moderation.sites import SiteInfo, authenticate

log = logging.getLogger("moderation.api")
router = APIRouter()

CORAL_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 413, 415, 422, 429)
}
GOOGLE_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": GoogleErrorOut} for status in (400, 403, 413, 415, 429)
}


# -- Coral Talk ------------------------------------------------------------------------------


@router.post(
    "/integrations/coral/phase",
    tags=["integrations"],
    response_model=CoralPhaseOut,
    responses={204: {"description": "No opinion: the author is staff, a moderator or an admin."}, **CORAL_ERRORS},
)
async def coral_phase(body: CoralPhaseIn, request: Request, runtime: RuntimeDep) -> Response:
    """Coral's external moderation phase: verify `X-Coral-Signature`, moderate, answer Coral's phase result."""
    raw = await request.body()  # the bytes FastAPI parsed: the signature covers exactly these
    signature = request.headers.get(coral.SIGNATURE_HEADER)
    return await run_in_threadpool(_coral_phase, runtime, raw, body, signature)


def _coral_phase(runtime: Runtime, raw: bytes, body: CoralPhaseIn, signature: str | None) -> Response:
    tenant_id, coral_site_id = body.tenant_id, body.site.id
    with runtime.sessions() as session:
        link = coral.find_link(session, tenant_id, coral_site_id)
    if link is None:
        # The first request from a newly configured Coral tells the operator the ids to link.
        log.warning("coral phase: tenant %r site %r is not linked", tenant_id, coral_site_id)
        raise ApiError(404, "coral_site_not_linked", f"Coral tenant '{tenant_id}' site '{coral_site_id}' is not linked")
    if not coral.verify_signature(raw, signature, link.secrets):
        raise ApiError(401, "invalid_signature", f"{coral.SIGNATURE_HEADER} is missing or does not match the body")
    phase = coral.PhaseInput(
        action=body.action,
        body=body.comment.body,
        parent_id=body.comment.parentID,
        author_id=body.author.id,
        author_role=body.author.role,
        story_id=body.story.id,
        story_url=body.story.url,
        coral_site_id=coral_site_id,
        tenant_id=tenant_id,
    )
    if not coral.is_moderated(phase):
        return Response(status_code=204)
    if len(phase.body.encode("utf-8", "surrogatepass")) > runtime.settings.max_comment_bytes:
        raise ApiError(
            413, "comment_too_large", f"the comment is longer than {runtime.settings.max_comment_bytes} bytes"
        )
    site = link.site
    limit(runtime, site)
    comment_id, article_id = coral.comment_id(phase), coral.article_id(phase)
    stored = runtime.service.moderate(
        site, ModerationRequest(comment_id, phase.body, article_id, None, coral.parent_id(phase))
    )
    record(runtime, site, stored)
    log.info("coral phase: site %s comment %s verdict %s", site.name, comment_id, stored.decision["verdict"])
    return JSONResponse(coral.phase_result(stored.decision, comment_id, article_id))


# -- Perspective -----------------------------------------------------------------------------


def perspective_site(
    request: Request,
    runtime: RuntimeDep,
    key: Annotated[str | None, Query(description="The site's API key, as Perspective clients send it.")] = None,
) -> SiteInfo:
    """The site whose API key is in `?key=` (Perspective's way) or in `Authorization: Bearer`."""
    given = key or client_key(request.headers)
    if not given:
        raise ApiError(403, "permission_denied", "The request is missing a valid API key.")
    site = runtime.site_cache.get(given)
    if site is None:
        with runtime.sessions() as session:
            site = authenticate(session, given)
        if site is not None:
            runtime.site_cache.put(given, site)
    if site is None:
        raise ApiError(400, "invalid_argument", "API key not valid. Please pass a valid API key.")
    return site


PerspectiveSiteDep = Annotated[SiteInfo, Depends(perspective_site)]


@router.post(
    "/v1alpha1/comments:analyze",
    tags=["integrations"],
    response_model=AnalyzeOut,
    response_model_exclude_none=True,
    responses=GOOGLE_ERRORS,
)
def perspective_analyze(body: AnalyzeIn, site: PerspectiveSiteDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Perspective's AnalyzeComment: attribute scores from our engine (mapping in docs/integration.md)."""
    if len(body.comment.text.encode("utf-8", "surrogatepass")) > runtime.settings.max_comment_bytes:
        raise ApiError(
            400, "invalid_argument", f"Comment text too long: over {runtime.settings.max_comment_bytes} bytes."
        )
    request = perspective.AnalyzeRequest(
        text=body.comment.text,
        attributes={
            name: perspective.AttributeRequest(config.scoreType or "PROBABILITY", config.scoreThreshold)
            for name, config in body.requestedAttributes.items()
        },
        languages=tuple(body.languages),
        do_not_store=body.doNotStore,
        client_token=body.clientToken,
        span_annotations=body.spanAnnotations,
        context=tuple(entry.text for entry in body.context.entries) if body.context else (),
    )
    try:
        perspective.check(request)
    except perspective.PerspectiveError as error:
        raise ApiError(400, "invalid_argument", str(error)) from None
    limit(runtime, site)
    return perspective.analyze(runtime.service, site, request)


@router.post(
    "/v1alpha1/comments:suggestscore",
    tags=["integrations"],
    response_model=SuggestOut,
    response_model_exclude_none=True,
    responses=GOOGLE_ERRORS,
)
def perspective_suggest(body: SuggestIn, site: PerspectiveSiteDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Perspective's SuggestCommentScore: a moderator's score, kept as a labelled example for retraining."""
    scores: dict[str, float] = {}
    for name, given in body.attributeScores.items():
        if given.summaryScore is not None:
            scores[name] = given.summaryScore.value
        elif given.spanScores:
            scores[name] = max(span.score.value for span in given.spanScores)
        else:
            raise ApiError(
                400, "invalid_argument", f"attributeScores.{name}: a summaryScore or spanScores is required."
            )
    request = perspective.SuggestRequest(
        text=body.comment.text,
        scores=scores,
        languages=tuple(body.languages),
        community_id=body.communityId,
        client_token=body.clientToken,
        context=tuple(entry.text for entry in body.context.entries) if body.context else (),
        attribute_details={name: given.model_dump(exclude_none=True) for name, given in body.attributeScores.items()},
    )
    limit(runtime, site)
    try:
        perspective.store_suggestion(runtime.service, site, request)
    except perspective.PerspectiveError as error:
        raise ApiError(400, "invalid_argument", str(error)) from None
    return {"clientToken": body.clientToken}
