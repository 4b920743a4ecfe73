"""Database set-up: engine with the right options per backend, and Alembic upgrades."""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DisconnectionError

from moderation.storage.checkpoint import SAFETY_NET_PAGES

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Starlette's threadpool runs up to 40 requests at once; each holds a connection while it reads.
SQLITE_POOL_SIZE = 40
# A PostgreSQL connection idle this long is checked before use (see `_ping_when_idle`).
IDLE_PING_SECONDS = 1.0
# Migrations form one chain named 0001, 0002, …: the newest file is the head (a test checks this is
# what Alembic says). Knowing it without importing Alembic saves most of a second at every start-up.
HEAD_REVISION = max(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def build_engine(url: str) -> Engine:
    """SQLite in WAL mode with a busy timeout and foreign keys; PostgreSQL with a pool that checks a
    connection idle for a second before use.

    `hide_parameters`: a database error's message never carries the statement's values (comment text,
    names) into the log. The SQLite pool holds as many connections as the request threads use at once:
    a connection opened and closed per request (the overflow) costs more than the statements it runs.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_SIZE,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints are the WalCheckpointer's (storage/checkpoint.py); this is only its safety net.
            cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10, pool_use_lifo=True, hide_parameters=True)
    _ping_when_idle(engine, IDLE_PING_SECONDS)
    return engine


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before use only when it has been idle `seconds` (what `pool_pre_ping` does
    on every checkout, which cost a round trip per request). A connection broken by a database restart is
    then replaced before a request gets it; one that breaks while busy fails its request with a 503, and
    SQLAlchemy then replaces every connection of the pool. The pool is LIFO: under load the same few
    connections stay in use and are never pinged; idle ones sink to the bottom.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection, record) -> None:
        record.info["used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("used_at", 0.0) < seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()  # no transaction left open by the ping
        except Exception as error:  # any failure: the pool discards this connection and connects anew
            raise DisconnectionError(str(error)) from error


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` to `revision` (head by default)."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return  # the usual start: nothing to do, and Alembic need not be imported
    from alembic import command
    from alembic.util.exc import CommandError

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except CommandError as error:  # e.g. the database was migrated by a newer version of this service
        raise MigrationError(str(error)) from error


class MigrationError(RuntimeError):
    """The database cannot be brought to this version's schema (e.g. it is at a newer, unknown revision)."""


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # blocks in the kernel (the GIL released) until the holder is done
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _FileWriterLock:
    """A file lock kept open for an engine's life (opening the file per transaction cost more than the
    lock), plus a thread lock: flock excludes other open files, not threads sharing this one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._handle: IO[str] | None = None
        self._locked = False

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            if self._handle is None:
                self._handle = self.path.open("a")
            fcntl.flock(self._handle, fcntl.LOCK_EX)
            self._locked = True
        except OSError:  # e.g. a read-only folder: the write itself then fails with the database's clear error
            self._locked = False

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._locked and self._handle is not None:
                fcntl.flock(self._handle, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        with self._threads:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


_writer_locks: weakref.WeakKeyDictionary[Engine, _FileWriterLock] = weakref.WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def writer_lock(engine: Engine) -> AbstractContextManager[None]:
    """Held around a write transaction so that the processes writing one SQLite file take turns in order.

    Without it, a process that finds the file's write lock taken sleeps in SQLite's busy handler (1, 2, 5,
    10 … ms, polling) and is not woken when the lock is free: with two workers those sleeps were most of
    the 99th percentile. A file lock wakes the next writer at once. PostgreSQL needs nothing of the kind.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return nullcontext()
    if database.startswith("file:"):  # a URI filename (`?mode=ro&uri=true`)
        database = database[len("file:") :].split("?")[0]
    with _writer_locks_guard:
        lock = _writer_locks.get(engine)
        if lock is None:
            lock = _writer_locks[engine] = _FileWriterLock(Path(f"{database}.write-lock"))
            weakref.finalize(engine, lock.close)  # the file closes with the engine
    return lock


@contextmanager
def startup_lock(url: str) -> Iterator[None]:
    """One process at a time through start-up work (migrations, the demo site) for this database.

    `uvicorn --workers N` starts N processes at once; without this they would all
    migrate the same empty database at the same moment. The lock is a file lock,
    so it covers the processes of one machine (the `--workers` case).
    """
    name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    with _file_lock(Path(tempfile.gettempdir()) / f"moderation-startup-{name}.lock"):
        yield
