"""The routes: thin, plain `def` (CPU-bound work runs in the threadpool)."""

import hmac
import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic_core import to_json
from sqlalchemy import text

from moderation.api.deps import Runtime, RuntimeDep, SiteDep
from moderation.api.errors import ApiError
from moderation.api.middleware import client_key
from moderation.api.schemas import (
    ArticleIn,
    ArticleOut,
    BatchIn,
    BatchOut,
    CommentListOut,
    CommentOut,
    ErrorOut,
    ModerateIn,
    ModerateOut,
    PolicyIn,
    PolicyOut,
    SiteId,
)
from moderation.comments import Author, ModerationRequest, NotFound, StoredDecision
from moderation.engine import ArticleText
from moderation.sites import SiteError, SiteInfo, list_sites, set_policy

log = logging.getLogger("moderation.api")
router = APIRouter()

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 409, 413, 415, 422, 429)
}


def limit(runtime: Runtime, site: SiteInfo, cost: int = 1) -> None:
    wait = runtime.limiter.take(site.id, cost)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise ApiError(429, "rate_limited", f"too many requests; retry in {seconds} s", {"Retry-After": str(seconds)})


def to_request(body: ModerateIn, runtime: Runtime) -> ModerationRequest:
    if len(body.text.encode("utf-8", "surrogatepass")) > runtime.settings.max_comment_bytes:
        raise ApiError(
            413, "comment_too_large", f"the comment is longer than {runtime.settings.max_comment_bytes} bytes"
        )
    article = ArticleText(body.article.title, body.article.lead, body.article.body) if body.article else None
    author = Author(**body.author.model_dump()) if body.author else Author()
    return ModerationRequest(body.comment_id, body.text, body.article_id, article, body.parent_id, author)


def to_out(stored: StoredDecision) -> dict[str, Any]:
    return {
        "comment_id": stored.comment_id,
        "revision": stored.revision,
        "state": stored.state,
        "replayed": stored.replayed,
        "decision": {"stage_ms": None, **stored.decision},  # a replayed decision has no stage times
    }


def record(runtime: Runtime, site: SiteInfo, stored: StoredDecision) -> None:
    if stored.replayed:
        return
    decision = stored.decision
    metrics = runtime.metrics
    metrics.child(metrics.verdicts, site.name, decision["verdict"]).inc()
    runtime.metrics.engine_latency.observe(decision["elapsed_ms"] / 1000)
    for stage, milliseconds in decision.get("stage_ms", {}).items():
        metrics.child(metrics.stage_latency, stage).observe(milliseconds / 1000)
    for reason in decision["reasons"]:
        metrics.child(metrics.reasons, site.name, reason["code"]).inc()
    for stage in decision["degraded"]:
        metrics.child(metrics.degraded_decisions, stage).inc()


def json_response(content: dict[str, Any]) -> Response:
    """Serialized as is, without validating against the response model first (the moderation routes'
    answers are built by `to_out` in that model's exact shape, which a test checks); the model still
    documents the route. Validating and then serializing cost as much as storing the decision."""
    return Response(to_json(content), media_type="application/json")


@router.post("/v1/moderate", response_model=ModerateOut, responses=ERRORS, tags=["moderation"])
def moderate(body: ModerateIn, site: SiteDep, runtime: RuntimeDep) -> Response:
    """Moderate one comment; the decision is stored before this reply. Same id and text → the stored decision."""
    request = to_request(body, runtime)
    limit(runtime, site)
    stored = runtime.service.moderate(site, request)
    record(runtime, site, stored)
    return json_response(to_out(stored))


@router.post("/v1/moderate/batch", response_model=BatchOut, responses=ERRORS, tags=["moderation"])
def moderate_batch(body: BatchIn, site: SiteDep, runtime: RuntimeDep) -> Response:
    """Up to 100 comments in one call, answered in order."""
    requests = [to_request(item, runtime) for item in body.comments]
    limit(runtime, site, len(requests))
    results = []
    for request in requests:
        stored = runtime.service.moderate(site, request)
        record(runtime, site, stored)
        results.append(to_out(stored))
    return json_response({"results": results})


@router.put("/v1/articles/{article_id}", response_model=ArticleOut, responses=ERRORS, tags=["articles"])
def put_article(article_id: SiteId, body: ArticleIn, site: SiteDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Register or update an article so that comments need only its id."""
    return asdict(runtime.service.put_article(site, article_id, ArticleText(body.title, body.lead, body.body)))


@router.get("/v1/articles/{article_id}", response_model=ArticleOut, responses=ERRORS, tags=["articles"])
def get_article(article_id: SiteId, site: SiteDep, runtime: RuntimeDep) -> dict[str, Any]:
    try:
        return asdict(runtime.service.get_article(site, article_id))
    except NotFound as error:
        raise ApiError(404, "not_found", str(error)) from None


@router.get("/v1/comments/{comment_id}", response_model=CommentOut, responses=ERRORS, tags=["comments"])
def get_comment(comment_id: SiteId, site: SiteDep, runtime: RuntimeDep) -> dict[str, Any]:
    """The current state (automatic decision, pending review or the moderator's decision) and its history."""
    try:
        return runtime.service.get_comment(site, comment_id)
    except NotFound as error:
        raise ApiError(404, "not_found", str(error)) from None


@router.get("/v1/comments", response_model=CommentListOut, responses=ERRORS, tags=["comments"])
def list_comments(
    site: SiteDep,
    runtime: RuntimeDep,
    changed_since: Annotated[datetime, Query(description="ISO 8601 time; comments changed after it.")],
    limit_: Annotated[int, Query(alias="limit", ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """For sites that poll instead of taking webhooks."""
    since = changed_since if changed_since.tzinfo else changed_since.replace(tzinfo=UTC)
    rows = runtime.service.changed_since(site, since, limit_)
    return {"comments": rows, "next_since": rows[-1]["updated_at"] if rows else None}


@router.get("/v1/site/policy", response_model=PolicyOut, responses=ERRORS, tags=["site"])
def get_policy(site: SiteDep) -> dict[str, Any]:
    """This site's policy overrides and the policy in effect."""
    return {"site": site.name, "overrides": site.policy, "effective": site.effective_policy().to_dict()}


@router.put("/v1/site/policy", response_model=PolicyOut, responses=ERRORS, tags=["site"])
def put_policy(body: PolicyIn, site: SiteDep, runtime: RuntimeDep) -> dict[str, Any]:
    """Replace this site's policy overrides (validated; thresholds, actions, language, word lists)."""
    overrides = body.model_dump(exclude_none=True)
    try:
        with runtime.sessions.begin() as session:
            updated = set_policy(session, site.id, overrides)
    except SiteError as error:
        raise ApiError(422, "invalid_policy", str(error)) from None
    runtime.site_cache.clear()  # the new policy applies at once in this process
    return {"site": updated.name, "overrides": updated.policy, "effective": updated.effective_policy().to_dict()}


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    """Alive."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"])
def readyz(runtime: RuntimeDep) -> Response:
    """Ready when the database is reachable (else 503).

    Without its model the service is still ready (200) but says `"degraded": true`: it answers every
    comment fail-closed (lexicon and language checks, Persian comments to review), so a load balancer
    should keep sending comments rather than have the site time out; alerts watch `degraded`.
    """
    engine = runtime.engine
    model_ok = engine.model is not None
    checks: dict[str, str] = {
        "model": "ok" if model_ok else f"not loaded: {engine.model_error or 'none'}",
        # Loads in the background for a second after start; a comment that needs it meanwhile waits.
        "language_detector": "ok" if engine.gate.langdetect_loaded else "loading",
    }
    try:
        with runtime.database.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any database failure means not ready
        checks["database"] = f"unreachable: {type(error).__name__}"
    ready = checks["database"] == "ok"
    status = ("ready" if model_ok else "degraded") if ready else "not_ready"
    body = {
        "status": status,
        "degraded": not model_ok,
        "degraded_decisions": runtime.metrics.degraded_counts(),  # since start, by failed stage
        "checks": checks,
        "latency_budget_ms": engine.latency_budget_ms,
        "versions": engine.versions,
    }
    return Response(json.dumps(body), status_code=200 if ready else 503, media_type="application/json")


@router.get("/metrics", tags=["operations"])
def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus metrics."""
    try:
        runtime.metrics.queue_size.set(runtime.service.queue_size())
    except Exception:  # metrics must answer even when the database does not
        log.warning("queue size unavailable")
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/admin/sites", responses=ERRORS, tags=["admin"])
def admin_sites(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Every site with its policy and webhook (admin token only; never keys or secrets)."""
    configured = runtime.settings.admin_token
    if configured is None:
        raise ApiError(404, "not_found", "the admin API is not enabled (set MODERATION_ADMIN_TOKEN)")
    given = client_key(request.headers) or ""
    if not hmac.compare_digest(given.encode(), configured.get_secret_value().encode()):
        raise ApiError(401, "unauthorized", "the admin token is required")
    with runtime.sessions() as session:
        return {"sites": [asdict(s) for s in list_sites(session)]}
