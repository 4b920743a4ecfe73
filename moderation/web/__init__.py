"""The moderators' side over HTTP: Persian right-to-left pages and their JSON API."""

from moderation.web.app import install_web

__all__ = ["install_web"]
