"""Persistence: tables, engine set-up, migrations."""

from moderation.storage.migrate import build_engine, upgrade

__all__ = ["build_engine", "upgrade"]
