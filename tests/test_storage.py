"""Persistence on SQLite and PostgreSQL: migrations match the models; the comment service stores,
replays and revises comments; concurrent writers never duplicate a comment."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from moderation.comments import Author, CommentService, Conflict, ModerationRequest
from moderation.engine import ArticleText, ModerationEngine
from moderation.sites import authenticate, create_site, rotate_key
from moderation.storage import build_engine, migrate, upgrade
from moderation.storage.tables import Base, Comment, OutboxMessage, ReviewItem, Revision

ARTICLE = ArticleText(
    "تیم فوتبال شهر در دقیقه آخر برد", "تیم فولاد با گل دقیقه ۹۰ برنده شد.", "مربی تیم از بازیکنان تشکر کرد."
)


@pytest.fixture()
def store(database_url: str, engine: ModerationEngine):  # type: ignore[no-untyped-def]
    database = build_engine(database_url)
    upgrade(database)
    sessions = sessionmaker(database, expire_on_commit=False)
    yield sessions, CommentService(sessions, engine, b"0123456789abcdef-test-salt")
    database.dispose()


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    database = build_engine(database_url)
    upgrade(database)
    with database.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        tables = set(inspect(connection).get_table_names())
    database.dispose()
    assert diff == []
    assert {
        "sites",
        "articles",
        "comments",
        "comment_revisions",
        "decisions",
        "review_items",
        "webhook_outbox",
    } <= tables


def test_keys_are_stored_as_hashes_and_rotate(store) -> None:  # type: ignore[no-untyped-def]
    sessions, _ = store
    with sessions.begin() as session:
        site, key, _ = create_site(session, "news-a")
    with sessions() as session:
        assert authenticate(session, key).id == site.id  # type: ignore[union-attr]
        assert authenticate(session, key + "x") is None
        assert authenticate(session, None) is None
        stored = session.scalar(select(Comment).limit(1))
        assert stored is None
    with sessions.begin() as session:
        new = rotate_key(session, "news-a")
    with sessions() as session:
        assert authenticate(session, key) is None
        assert authenticate(session, new) is not None


def test_moderate_store_replay_and_revise(store) -> None:  # type: ignore[no-untyped-def]
    sessions, service = store
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-b")
    request = ModerationRequest(
        "c-1", "داور بازی احمق بود", "sport-1", ARTICLE, author=Author("u1", "علی", "Ali@Example.com", "10.0.0.7")
    )
    first = service.moderate(site, request)
    assert first.revision == 1 and not first.replayed
    again = service.moderate(site, ModerationRequest("c-1", "داور بازی احمق بود", "sport-1"))
    assert again.replayed and again.decision == {k: v for k, v in first.decision.items() if k != "stage_ms"}
    assert set(first.decision["stage_ms"]) >= {"normalize", "language", "lexicon", "model"}
    edited = service.moderate(site, ModerationRequest("c-1", "داور بازی ضعیف بود", "sport-1"))
    assert edited.revision == 2 and not edited.replayed
    state = service.get_comment(site, "c-1")
    assert [r["revision"] for r in state["revisions"]] == [1, 2]
    assert [h["kind"] for h in state["history"]] == ["moderated", "revised"]
    with sessions() as session:
        row = session.scalar(select(Comment))
        assert row is not None and row.email_hash and "example" not in row.email_hash
        assert row.ip_hash != "10.0.0.7"
        assert session.scalar(select(func.count()).select_from(Revision)) == 2


def test_registered_article_is_used_for_off_topic(store) -> None:  # type: ignore[no-untyped-def]
    sessions, service = store
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-c")
    service.put_article(site, "sport-1", ARTICLE)
    stored = service.moderate(site, ModerationRequest("c-2", "کسی میدونه یارانه کی واریز میشه؟", "sport-1"))
    assert "off_topic skipped: no article text" not in stored.decision["notes"]
    assert any(r["code"] == "off_topic" for r in stored.decision["reasons"])
    assert stored.state == "pending_review"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReviewItem)) == 1


def test_concurrent_writers_store_one_comment(store) -> None:  # type: ignore[no-untyped-def]
    sessions, service = store
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-d")
    request = ModerationRequest("same", "گزارش خوبی بود", "sport-1", ARTICLE)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: service.moderate(site, request), range(16)))
    assert sum(not r.replayed for r in results) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 1
        assert session.scalar(select(func.count()).select_from(Revision)) == 1


def test_concurrent_edits_of_one_comment_each_get_their_own_revision(store) -> None:  # type: ignore[no-untyped-def]
    sessions, service = store
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-r")
    service.moderate(site, ModerationRequest("edited", "گزارش خوبی بود", "sport-1", ARTICLE))
    edits = [ModerationRequest("edited", f"گزارش خوبی بود، ویرایش {n}", "sport-1", ARTICLE) for n in range(16)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda request: service.moderate(site, request), edits))
    assert sorted(r.revision for r in results) == list(range(2, 18))  # none lost, none numbered twice
    with sessions() as session:
        comment = session.scalar(select(Comment).where(Comment.comment_id == "edited"))
        assert comment is not None and comment.revision == 17
        numbers = session.scalars(select(Revision.number).where(Revision.comment_pk == comment.id)).all()
        assert sorted(numbers) == list(range(1, 18))


def test_an_inline_article_is_stored_again_after_a_put_changed_it(store) -> None:  # type: ignore[no-untyped-def]
    sessions, service = store
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-p")
    service.moderate(site, ModerationRequest("p1", "گزارش خوبی بود", "sport-2", ARTICLE))
    changed = ArticleText("عنوان تازه", "لید تازه", "")
    service.put_article(site, "sport-2", changed)
    assert service.get_article(site, "sport-2").title == "عنوان تازه"
    service.moderate(site, ModerationRequest("p2", "گزارش خوبی بود", "sport-2", ARTICLE))
    assert service.get_article(site, "sport-2").title == ARTICLE.title  # the latest text sent wins


def test_moderator_decision_writes_the_outbox(store) -> None:  # type: ignore[no-untyped-def]
    sessions, service = store
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-e", webhook_url="http://127.0.0.1:9/hook")
    stored = service.moderate(site, ModerationRequest("c-3", "کسی میدونه یارانه کی واریز میشه؟", "sport-1", ARTICLE))
    assert stored.state == "pending_review"
    with pytest.raises(Conflict):
        service.record_moderator_decision(site.id, "c-3", "maybe", "mod1")
    service.record_moderator_decision(site.id, "c-3", "approve", "mod1", "on topic enough")
    with pytest.raises(Conflict):
        service.record_moderator_decision(site.id, "c-3", "reject", "mod1")
    with sessions() as session:
        message = session.scalar(select(OutboxMessage))
        assert message is not None and message.payload["state"] == "approved"
        assert session.scalar(select(ReviewItem.state)) == "decided"
    assert service.get_comment(site, "c-3")["state_source"] == "moderator"


def test_the_head_known_without_alembic_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from moderation.storage.migrate import HEAD_REVISION, alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [HEAD_REVISION]


def test_a_database_at_head_is_not_migrated_again_and_an_older_one_is(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from moderation.storage.migrate import HEAD_REVISION, current_revision

    database = build_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert current_revision(database) is None
    upgrade(database, "0001")
    assert current_revision(database) == "0001"
    upgrade(database)
    assert current_revision(database) == HEAD_REVISION
    upgrade(database)  # the fast path: already at head
    assert current_revision(database) == HEAD_REVISION
    database.dispose()


def test_writers_of_one_sqlite_file_take_turns_through_the_writer_lock(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from moderation.storage import writer_lock

    first = build_engine(f"sqlite:///{tmp_path / 'm.db'}")
    second = build_engine(f"sqlite:///{tmp_path / 'm.db'}")  # another engine, as another worker has
    entered = threading.Event()

    def write_second() -> None:
        with writer_lock(second):
            entered.set()

    for holder in (first, second):  # another engine (another worker), or a thread sharing the engine
        entered.clear()
        with writer_lock(holder):
            waiting = threading.Thread(target=write_second)
            waiting.start()
            assert not entered.wait(0.3)  # blocked while the holder holds the lock
        assert entered.wait(5)  # and let in as soon as it is released
        waiting.join()
    assert (tmp_path / "m.db.write-lock").exists()
    first.dispose()
    second.dispose()


def test_postgresql_writers_need_no_file_lock(database_url: str) -> None:
    from contextlib import nullcontext

    from moderation.storage import writer_lock

    database = build_engine(database_url)
    lock = writer_lock(database)
    assert isinstance(lock, nullcontext) == (database.dialect.name == "postgresql")
    database.dispose()


def test_the_wal_is_checkpointed_by_its_own_thread_not_by_commits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import time

    from moderation.storage import WalCheckpointer
    from moderation.storage.checkpoint import SAFETY_NET_PAGES

    database = build_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(database)
    with database.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SAFETY_NET_PAGES
    with database.begin() as connection:  # ~2,000 pages: past SQLite's default threshold of 1,000
        connection.exec_driver_sql("CREATE TABLE filler (x TEXT)")
        for _ in range(2000):
            connection.exec_driver_sql("INSERT INTO filler VALUES (?)", ("x" * 3000,))
    file = tmp_path / "m.db"
    assert file.stat().st_size < 1_000_000  # the commit did not checkpoint: the rows are only in the WAL
    checkpointer = WalCheckpointer(database, interval=0.05)
    checkpointer.start()
    deadline = time.monotonic() + 10
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    checkpointer.stop()
    busy, pages, done = checkpointer.checkpoint()
    assert checkpointer.checkpoints >= 2 and busy == 0 and pages == done > 2000
    assert file.stat().st_size > 6_000_000  # now they are in the database file
    database.dispose()


def test_postgresql_has_no_checkpointer_thread(database_url: str) -> None:
    from moderation.storage import WalCheckpointer

    database = build_engine(database_url)
    checkpointer = WalCheckpointer(database)
    checkpointer.start()
    assert (checkpointer._thread is None) == (database.dialect.name == "postgresql")
    checkpointer.stop()
    database.dispose()


def _backend_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_postgresql_connection_idle_past_the_ping_age_is_checked_and_replaced(fresh_postgres_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(migrate, "IDLE_PING_SECONDS", 0.2)
    engine = build_engine(fresh_postgres_url)
    broken = _backend_pid(engine)
    _terminate(fresh_postgres_url, broken)  # as a database restart does to every connection
    time.sleep(0.3)
    assert _backend_pid(engine) != broken  # pinged, found dead, replaced: the request never saw it
    engine.dispose()


def test_postgresql_connection_in_steady_use_is_not_pinged(fresh_postgres_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The other side of the trade: a connection that broke within the ping age fails its one request
    # (the API answers 503), and SQLAlchemy then replaces the pool's connections.
    monkeypatch.setattr(migrate, "IDLE_PING_SECONDS", 60.0)
    engine = build_engine(fresh_postgres_url)
    broken = _backend_pid(engine)
    _terminate(fresh_postgres_url, broken)
    with pytest.raises(OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) != broken
    engine.dispose()
