"""Shared fixtures: the heavy parts are built once per test session, as in the service."""

from __future__ import annotations

import pytest

from moderation.language import LanguageGate
from moderation.lexicon import Lexicon
from moderation.text import PersianNormalizer


@pytest.fixture(scope="session")
def normalizer() -> PersianNormalizer:
    return PersianNormalizer()


@pytest.fixture(scope="session")
def gate() -> LanguageGate:
    return LanguageGate()


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return Lexicon.default()


@pytest.fixture(scope="session")
def engine(normalizer: PersianNormalizer):  # type: ignore[no-untyped-def]
    """The engine on the shipped production model, as the service builds it."""
    from moderation.assembly import build_engine
    from moderation.settings import Settings

    return build_engine(Settings(), normalizer)
