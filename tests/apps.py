"""The app in process (FastAPI's TestClient runs its lifespan) with the settings most tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from moderation.api import create_app
from moderation.settings import Settings

TEST_SALT = "a-long-enough-test-salt-value"


def app_client(
    engine: Any, folder: Path, database_url: str | None = None, raise_server_exceptions: bool = True, **overrides: Any
) -> TestClient:
    """The service on `engine` (the session's, or a wrapped one), its SQLite file under `folder` unless
    `database_url` names another database; no demo site, and the webhook dispatcher idle (tests that
    deliver run it themselves). Use as a context manager: that runs start-up and shutdown."""
    if database_url is not None:
        overrides = {"database_url": database_url, "hash_salt": TEST_SALT, **overrides}
    settings = Settings(data_dir=folder, create_demo_site=False, webhook_interval_seconds=3600, **overrides)
    app = create_app(settings, engine_factory=lambda _: engine)
    return TestClient(app, raise_server_exceptions=raise_server_exceptions)
