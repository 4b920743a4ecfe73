"""Shared fixtures: the heavy parts are built once per test session, as in the service."""

from __future__ import annotations

import pytest

from moderation.language import LanguageGate
from moderation.lexicon import Lexicon
from moderation.text import PersianNormalizer


@pytest.fixture(scope="session")
def normalizer() -> PersianNormalizer:
    return PersianNormalizer()


@pytest.fixture(scope="session")
def gate() -> LanguageGate:
    return LanguageGate()


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return Lexicon.default()


@pytest.fixture(scope="session")
def engine(normalizer: PersianNormalizer):  # type: ignore[no-untyped-def]
    """The engine on the shipped production model, as the service builds it."""
    from moderation.assembly import build_engine
    from moderation.settings import Settings

    engine = build_engine(Settings(), normalizer)
    # Verdicts in tests must not depend on how busy the shared machine is; the budget has its own
    # clock-driven tests (test_degraded.py).
    engine.latency_budget_ms = None
    return engine


POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url():  # type: ignore[no-untyped-def]
    """A fresh database on the machine's PostgreSQL (127.0.0.1:5432, trust auth), dropped afterwards."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    admin = create_engine(os.environ.get("MODERATION_TEST_POSTGRES", POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"moderation_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def fresh_postgres_url(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied: every test starts from an empty schema."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):  # type: ignore[no-untyped-def]
    """Each repository test runs on a real SQLite file and on the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'moderation.db'}"
    return request.getfixturevalue("fresh_postgres_url")
