"""SQLite WAL checkpoints in a thread of their own, off the commit path.

By default SQLite checkpoints inside the commit that grows the WAL past 1,000
pages: that commit copies about 4 MB into the database file and syncs it (10–50
ms here) while it holds the write lock, and every request waiting for a commit,
in every worker, waits with it: about once a second at 200 comments/s. Here the
connections checkpoint only as a safety net (past `SAFETY_NET_PAGES`), and a
thread checkpoints PASSIVE every `interval` seconds: a passive checkpoint takes
no write lock, so writers go on appending to the WAL meanwhile (the sqlite3
module releases the GIL while it runs). Several workers may each run one; a
checkpoint that finds another in progress simply returns.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)

SAFETY_NET_PAGES = 10_000  # ~40 MB of WAL: reached only if the checkpointer stops running


class WalCheckpointer:
    def __init__(self, engine: Engine, interval: float = 0.5) -> None:
        self.engine = engine
        self.interval = interval
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.engine.dialect.name != "sqlite" or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def checkpoint(self) -> tuple[int, int, int]:
        """One passive checkpoint: (busy, WAL pages, pages checkpointed), as SQLite reports them."""
        with self.engine.connect() as connection:
            row = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        self.checkpoints += 1
        return int(row[0]), int(row[1]), int(row[2])

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.checkpoint()
            except Exception as error:  # the database may be away for a while; the next round tries again
                log.warning("WAL checkpoint failed: %s", type(error).__name__)
