"""Dependencies of the routes: the runtime the lifespan built, the calling site, rate limits."""

import gc
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from moderation.api.errors import ApiError
from moderation.api.metrics import Metrics
from moderation.api.middleware import client_key
from moderation.api.ratelimit import RateLimiter
from moderation.comments import CommentService
from moderation.review import ReviewService, SqlReviewRepository
from moderation.settings import Settings
from moderation.sites import SiteInfo, authenticate, create_site
from moderation.sites.registry import hash_key
from moderation.storage import WalCheckpointer, build_engine, startup_lock, upgrade
from moderation.storage.tables import Site
from moderation.webhooks import WebhookDispatcher

log = logging.getLogger("moderation.api")


class SiteCache:
    """Authenticated sites by key for a few seconds, so that a request does not always query the key table.

    A rotated key, a disabled site or a new policy is seen within `seconds` by every process.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[float, SiteInfo]] = {}
        self._lock = threading.Lock()

    def get(self, key: str | None) -> SiteInfo | None:
        if not key or self.seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(hash_key(key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, site: SiteInfo) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[hash_key(key)] = (time.monotonic() + self.seconds, site)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def freeze_heap() -> None:
    """Exempt what exists now from garbage collection: the engine's vocabularies, word lists and lexicon
    (about 130,000 containers here) live as long as the process, and a full collection scanning them
    took 86 ms, during which every request in flight waits. Called by a serving process's background
    warm-up once everything is loaded, so the collection it starts with is not on the start-up path
    (tests that build many apps in one process pass their own engine and never freeze).
    """
    gc.collect()
    gc.freeze()


class Runtime:
    """What the lifespan builds and the routes use."""

    def __init__(self, settings: Settings, engine_factory: Callable[[Settings], Any] | None) -> None:
        from moderation.assembly import build_engine as build_moderation_engine

        self.settings = settings
        self.metrics = Metrics()
        # Settings first: a wrong salt is reported as such, before the database is touched.
        salt = settings.resolved_hash_salt()
        url = settings.resolved_database_url()
        if url.startswith("sqlite") and not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.database = build_engine(url)
        self.url = url
        if settings.auto_migrate:
            with startup_lock(url):  # several workers start at once
                upgrade(self.database)
        self.sessions = sessionmaker(self.database, expire_on_commit=False)
        self.engine = (
            engine_factory(settings)
            if engine_factory
            else build_moderation_engine(settings, warm_in_background=True, when_warm=freeze_heap)
        )
        self.service = CommentService(self.sessions, self.engine, salt)
        self.site_cache = SiteCache(seconds=settings.site_cache_seconds)
        self.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        self.review = ReviewService(
            SqlReviewRepository(self.sessions), lease=timedelta(minutes=settings.review_lease_minutes)
        )
        self.dispatcher = WebhookDispatcher(self.sessions, settings.webhook_timeout_seconds)
        self.checkpointer = WalCheckpointer(self.database)
        versions = self.engine.versions
        self.metrics.model.labels(versions["model"], versions["normalizer"], versions["lexicon"]).set(1)
        self.metrics.degraded.set(0 if self.engine.model is not None else 1)

    def ensure_demo_site(self) -> None:
        with startup_lock(self.url), self.sessions.begin() as session:
            if session.scalar(select(Site.id).limit(1)) is not None:
                return
            _site, key, _ = create_site(session, "demo")
        # Shown once: only its hash is stored.
        print(f"Created site 'demo'. Its API key (shown once, keep it): {key}", flush=True)


# The dependencies are `async def`: a plain `def` dependency costs a trip through the threadpool per
# request, which for these dictionary lookups costs more than the lookup. Only a key missing from the
# cache goes to the database, in the threadpool.


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _authenticate(runtime: Runtime, key: str | None) -> SiteInfo | None:
    with runtime.sessions() as session:
        return authenticate(session, key)


async def get_site(request: Request, runtime: RuntimeDep) -> SiteInfo:
    key = client_key(request.headers)
    site = runtime.site_cache.get(key)
    if site is None:
        site = await run_in_threadpool(_authenticate, runtime, key)
        if site is not None and key is not None:
            runtime.site_cache.put(key, site)
    if site is None:
        raise ApiError(401, "unauthorized", "a valid API key is required (Authorization: Bearer <key>)")
    return site


SiteDep = Annotated[SiteInfo, Depends(get_site)]
