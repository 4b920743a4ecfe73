"""The HTTP API (FastAPI): a thin adapter over the engine, the comment service and the sites.

`create_app(settings)` assembles everything in the lifespan; nothing is built at import.
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from moderation.api.deps import Runtime
from moderation.api.errors import install_error_handlers
from moderation.api.integration_routes import router as integration_router
from moderation.api.middleware import BodyGuard, RequestMetrics, SecurityHeaders
from moderation.api.routes import router
from moderation.model import ModelStoreError
from moderation.settings import Settings
from moderation.storage.migrate import MigrationError
from moderation.web import PAGE_PREFIX, PAGE_SECURITY_HEADERS, install_web

log = logging.getLogger("moderation.api")


class StartupError(RuntimeError):
    """The service cannot start with these settings; the message says why."""


def create_app(settings: Settings | None = None, engine_factory: Callable[[Settings], Any] | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            runtime = Runtime(settings, engine_factory)
        except (ModelStoreError, ValueError, SQLAlchemyError, OSError, MigrationError) as error:
            # MigrationError: e.g. the database was migrated by a newer version of this service.
            # One clear line instead of a traceback: what is wrong and where.
            message = str(error).splitlines()[0]
            log.error("refusing to start: %s", message)
            raise StartupError(message) from None
        if settings.create_demo_site:
            runtime.ensure_demo_site()
        runtime.dispatcher.start(settings.webhook_interval_seconds)
        runtime.checkpointer.start()
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.dispatcher.stop()
            runtime.checkpointer.stop()
            runtime.database.dispose()

    app = FastAPI(
        title="Persian comment moderation",
        version="0.1.0",
        description="Moderates reader comments of Persian news sites: approve, reject or review, with reasons.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes)

    app.add_middleware(RequestMetrics)
    # Outermost: also on BodyGuard's own errors.
    app.add_middleware(SecurityHeaders, page_prefix=PAGE_PREFIX, page_headers=PAGE_SECURITY_HEADERS)
    app.include_router(router)
    app.include_router(integration_router)
    install_web(app)
    return app
