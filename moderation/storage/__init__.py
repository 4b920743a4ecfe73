"""Persistence: tables, engine set-up, migrations."""

from moderation.storage.checkpoint import WalCheckpointer
from moderation.storage.migrate import build_engine, startup_lock, upgrade, writer_lock

__all__ = ["WalCheckpointer", "build_engine", "startup_lock", "upgrade", "writer_lock"]
