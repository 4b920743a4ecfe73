"""Composition root for the core: builds the engine from settings. Nothing is built at import."""

from __future__ import annotations

import logging
from collections.abc import Callable

from moderation.engine import ModerationEngine
from moderation.language import LanguageGate
from moderation.lexicon import Lexicon
from moderation.model import ModelLoadError, ModelStore
from moderation.settings import Settings
from moderation.text import PersianNormalizer

log = logging.getLogger(__name__)


def build_engine(
    settings: Settings,
    normalizer: PersianNormalizer | None = None,
    warm_in_background: bool = False,
    when_warm: Callable[[], None] | None = None,
) -> ModerationEngine:
    """Normalizer, gate, lexicon and the served model, checked (sha256, normalizer version) on load.

    `warm_in_background`: what a serving process wants (see `ModerationEngine.warm_up`); tools that
    score a data set at once want every part loaded before they start timing.

    A model that fails those checks raises `ModelStoreError` (the service refuses to start: the wrong file
    is in place). A checked model that still does not load gives an engine without a model: every Persian
    comment then goes to review as `degraded`, and /readyz says so.
    """
    common = (normalizer or PersianNormalizer(), LanguageGate(), Lexicon.default())
    try:
        bundle, stored = ModelStore(settings.models_dir).load(settings.model_name, settings.model_ref)
    except ModelLoadError as error:
        message = str(error).splitlines()[0]
        log.error("serving without a model (degraded, every Persian comment goes to review): %s", message)
        engine = ModerationEngine(
            *common, None, None, latency_budget_ms=settings.latency_budget_ms, model_error=message
        )
    else:
        engine = ModerationEngine(*common, bundle, stored.label, latency_budget_ms=settings.latency_budget_ms)
    engine.warm_up(background=warm_in_background, when_warm=when_warm)
    return engine
