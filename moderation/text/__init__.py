"""Text normalization: hazm plus what moderation needs, with offsets back to the original."""

from moderation.text.entities import Entity
from moderation.text.normalize import NORMALIZER_VERSION, NormalizedText, PersianNormalizer, Token

__all__ = ["NORMALIZER_VERSION", "Entity", "NormalizedText", "PersianNormalizer", "Token"]
