"""Trained models: features, heads, training, the on-disk registry."""

from moderation.model.bundle import CATEGORIES, ModelBundle
from moderation.model.store import DEFAULT_NAME, PRODUCTION, ModelLoadError, ModelStore, ModelStoreError, StoredModel

__all__ = [
    "CATEGORIES",
    "DEFAULT_NAME",
    "PRODUCTION",
    "ModelBundle",
    "ModelLoadError",
    "ModelStore",
    "ModelStoreError",
    "StoredModel",
]
