"""The moderators' side over HTTP: Persian right-to-left pages and their JSON API."""

from moderation.web.app import PAGE_PREFIX, PAGE_SECURITY_HEADERS, install_web

__all__ = ["PAGE_PREFIX", "PAGE_SECURITY_HEADERS", "install_web"]
