"""Persistence: tables, engine set-up, migrations."""

from moderation.storage.migrate import build_engine, startup_lock, upgrade

__all__ = ["build_engine", "startup_lock", "upgrade"]
