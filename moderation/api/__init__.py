"""The HTTP adapter."""

from moderation.api.app import create_app

__all__ = ["create_app"]
