"""The moderators' JSON API (same session as the pages; state changes need the X-CSRF-Token header).

The queue page's keyboard shortcuts use it; so can a site's own moderation tools.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from moderation.api.deps import RuntimeDep
from moderation.api.errors import ApiError
from moderation.review import Filters, IllegalTransition, ItemNotFound, NotAllowed, QueueItem
from moderation.web.auth import ApiSession

router = APIRouter(prefix="/moderator/api", include_in_schema=False)


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site_id: int | None = None
    article_id: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=20)
    min_age_minutes: int | None = Field(default=None, ge=0, le=100_000)
    sort: str = Field(default="oldest", pattern="^(oldest|priority)$")


class ClaimIn(FiltersIn):
    count: int = Field(default=10, ge=1, le=50)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: str = Field(pattern="^(approve|reject)$")
    reason_code: str = Field(default="", max_length=40)
    note: str = Field(default="", max_length=2000)


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_ids: list[int] = Field(min_length=1, max_length=200)
    verdict: str = Field(pattern="^(approve|reject)$")
    reason_code: str = Field(default="", max_length=40)


def item_out(item: QueueItem) -> dict[str, Any]:
    return asdict(item)


def _call(action: Any) -> Any:
    try:
        return action()
    except ItemNotFound as error:
        raise ApiError(404, "not_found", str(error)) from None
    except NotAllowed as error:
        raise ApiError(403, "forbidden", str(error)) from None
    except IllegalTransition as error:
        raise ApiError(409, "conflict", str(error)) from None
    except ValueError as error:
        raise ApiError(422, "invalid_request", str(error)) from None


def _filters(body: FiltersIn | None = None, **query: Any) -> Filters:
    values = body.model_dump(exclude={"count"}) if body else query
    return Filters(**values)


@router.get("/queue")
def queue(
    runtime: RuntimeDep,
    active: ApiSession,
    site_id: Annotated[int | None, Query()] = None,
    article_id: Annotated[str | None, Query(max_length=200)] = None,
    reason: Annotated[str | None, Query(max_length=40)] = None,
    language: Annotated[str | None, Query(max_length=20)] = None,
    min_age_minutes: Annotated[int | None, Query(ge=0, le=100_000)] = None,
    sort: Annotated[str, Query(pattern="^(oldest|priority)$")] = "oldest",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    filters = Filters(site_id, article_id, reason, language, min_age_minutes, sort, limit)
    items = _call(lambda: runtime.review.queue(active.person, filters))
    counts = runtime.review.counts(active.person, filters)
    return {"items": [item_out(i) for i in items], "counts": asdict(counts)}


@router.get("/counts")
def counts(runtime: RuntimeDep, active: ApiSession) -> dict[str, Any]:
    return asdict(runtime.review.counts(active.person, Filters()))


@router.get("/items/{item_id}")
def item(runtime: RuntimeDep, active: ApiSession, item_id: int) -> dict[str, Any]:
    context = _call(lambda: runtime.review.item_context(active.person, item_id))
    return {**context, "item": item_out(context["item"])}


@router.post("/claim")
def claim(runtime: RuntimeDep, active: ApiSession, body: ClaimIn) -> dict[str, Any]:
    items = _call(lambda: runtime.review.claim(active.person, _filters(body), body.count))
    return {"items": [item_out(i) for i in items]}


@router.post("/items/{item_id}/decision")
def decide(runtime: RuntimeDep, active: ApiSession, item_id: int, body: DecisionIn) -> dict[str, Any]:
    return _call(lambda: runtime.review.decide(active.person, item_id, body.verdict, body.reason_code, body.note))


@router.post("/decisions")
def decide_many(runtime: RuntimeDep, active: ApiSession, body: BulkDecisionIn) -> dict[str, Any]:
    result = _call(lambda: runtime.review.decide_many(active.person, body.item_ids, body.verdict, body.reason_code))
    return {"decided": result.decided, "refused": {str(k): v for k, v in result.refused.items()}}


@router.post("/items/{item_id}/release")
def release(runtime: RuntimeDep, active: ApiSession, item_id: int) -> dict[str, Any]:
    _call(lambda: runtime.review.release(active.person, item_id))
    return {"released": item_id}


@router.post("/items/{item_id}/reopen")
def reopen(runtime: RuntimeDep, active: ApiSession, item_id: int) -> dict[str, Any]:
    _call(lambda: runtime.review.reopen(active.person, item_id))
    return {"reopened": item_id}
