"""Telling sites about decisions made after the first reply."""

from moderation.webhooks.delivery import SIGNATURE_HEADER, WebhookDispatcher, sign, verify

__all__ = ["SIGNATURE_HEADER", "WebhookDispatcher", "sign", "verify"]
