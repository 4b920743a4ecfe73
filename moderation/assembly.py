"""Composition root for the core: builds the engine from settings. Nothing is built at import."""

from __future__ import annotations

from moderation.engine import ModerationEngine
from moderation.language import LanguageGate
from moderation.lexicon import Lexicon
from moderation.model import ModelStore
from moderation.settings import Settings
from moderation.text import PersianNormalizer


def build_engine(settings: Settings, normalizer: PersianNormalizer | None = None) -> ModerationEngine:
    """Normalizer, gate, lexicon and the served model, checked (sha256, normalizer version) on load."""
    bundle, stored = ModelStore(settings.models_dir).load(settings.model_name, settings.model_ref)
    gate = LanguageGate()
    # Loaded here, not by the first requests: they would each load it at once (cached_property has no lock).
    gate.vocabulary  # noqa: B018
    return ModerationEngine(normalizer or PersianNormalizer(), gate, Lexicon.default(), bundle, stored.label)
