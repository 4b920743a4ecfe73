"""Group commit: one writer thread stores the decisions of all waiting requests in one transaction.

Each request still waits until *its* rows are committed before it is answered;
what the requests share is the transaction, the commit (on PostgreSQL the WAL
flush) and the database's write lock. On SQLite only one connection writes at a
time: many threads taking turns on the write lock, each for its own short
transaction, spent more time handing the lock over (and in SQLite's busy sleeps)
than writing.

If a batch fails (a unique constraint hit because another process stored the
same comment, a lost connection…) the transaction is rolled back as a whole
and every write of the batch is retried alone, so that only the request whose
write fails sees the error, and sees it exactly as it would without batching.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)


class _Pending[Job, Result]:
    __slots__ = ("done", "error", "job", "result")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.done = threading.Event()
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit[Job, Result]:
    """`write(job)` returns once `store(connection, job, scratch)` is committed; concurrent jobs share a commit.

    `scratch` is a dict that lives as long as one transaction (e.g. rows this transaction already wrote).
    `lock` is held around each transaction (the storage's cross-process writer lock); `after_commit` is
    given each committed transaction's scratch.
    """

    def __init__(
        self,
        database: Engine,
        store: Callable[[Connection, Job, dict[Any, Any]], Result],
        max_batch: int = 64,
        lock: Callable[[], AbstractContextManager[Any]] = nullcontext,
        after_commit: Callable[[dict[Any, Any]], None] | None = None,
    ) -> None:
        self.database = database
        self.lock = lock
        self.after_commit = after_commit
        self.store = store
        self.max_batch = max_batch
        self._queue: deque[_Pending[Job, Result]] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def write(self, job: Job) -> Result:
        pending: _Pending[Job, Result] = _Pending(job)
        with self._wake:
            self._queue.append(pending)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
                self._thread.start()
            self._wake.notify()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue:
                    self._wake.wait()
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
            self._write_batch(batch)

    def _write_batch(self, batch: list[_Pending[Job, Result]]) -> None:
        try:
            results = self._transaction([p.job for p in batch])
        except Exception as error:  # rolled back as a whole
            if len(batch) == 1:
                batch[0].error = error
                batch[0].done.set()
                return
            log.debug("a batch of %d writes failed (%s); writing each alone", len(batch), type(error).__name__)
            for pending in batch:
                try:
                    pending.result = self._transaction([pending.job])[0]
                except Exception as alone:  # handed to the waiting request, raised there
                    pending.error = alone
                pending.done.set()
            return
        for pending, result in zip(batch, results, strict=True):
            pending.result = result
            pending.done.set()

    def _transaction(self, jobs: list[Job]) -> list[Result]:
        scratch: dict[Any, Any] = {}
        with self.lock(), self.database.begin() as connection:
            results = [self.store(connection, job, scratch) for job in jobs]
        if self.after_commit is not None:
            try:
                self.after_commit(scratch)
            except Exception:  # the writes are committed: a failing hook must not make them look failed
                log.exception("the after-commit hook failed")
        return results
