"""Turn a comment into everything the detectors read; shared by training and serving."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from moderation.engine.inputs import ArticleText, CommentInput
from moderation.language import LanguageGate, LanguageResult
from moderation.lexicon import Lexicon, LexiconMatch, SpamSignal, spam_signals
from moderation.model.bundle import ModelBundle
from moderation.model.signals import ArticleContext, dense_signals, words_of
from moderation.text import NormalizedText, PersianNormalizer


@dataclass(frozen=True, slots=True)
class PreparedComment:
    normalized: NormalizedText
    language: LanguageResult
    lexicon: list[LexiconMatch]
    spam: list[SpamSignal]
    signals: dict[str, float]
    has_context: bool
    article_words: frozenset[str] = frozenset()
    stage_ms: dict[str, float] = field(default_factory=dict)


class StageFailed(Exception):
    """A preparation stage raised. `partial` holds what the stages before it produced, when the lexicon
    and language checks can still run on it."""

    def __init__(self, stage: str, error: Exception, partial: PreparedComment | None = None) -> None:
        super().__init__(f"{stage} raised {type(error).__name__}")
        self.stage = stage
        self.error_type = type(error).__name__
        self.partial = partial


class _StageClock:
    """Milliseconds spent in each stage, for the decision and the metrics."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.stages: dict[str, float] = {}
        self._clock = clock
        self._last = clock()

    def lap(self, stage: str) -> None:
        moment = self._clock()
        self.stages[stage] = round((moment - self._last) * 1000, 4)
        self._last = moment


class Preparer:
    """Normalizes, identifies the language, matches the lexicon, builds dense signals.

    Article contexts are cached (an article is vectorised once, not per comment).
    """

    def __init__(
        self,
        normalizer: PersianNormalizer,
        gate: LanguageGate,
        lexicon: Lexicon,
        model: ModelBundle | None,
        cache_size: int = 2048,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.normalizer = normalizer
        self.gate = gate
        self.lexicon = lexicon
        self.model = model
        self._contexts: OrderedDict[str, tuple] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._clock = clock

    def prepare(self, comment: CommentInput, lexicon: Lexicon | None = None) -> PreparedComment:
        """Every stage's output; a stage that raises becomes `StageFailed` naming it."""
        clock = _StageClock(self._clock)
        stage = "normalize"
        try:
            normalized = self.normalizer.normalize(comment.text)
            clock.lap(stage)
            stage = "language"
            language = self.gate.detect(normalized.language_view)
            clock.lap(stage)
            stage = "lexicon"
            matches = (lexicon or self.lexicon).find(normalized)
            spam = spam_signals(normalized)
            clock.lap(stage)
        except Exception as error:
            raise StageFailed(stage, error) from error
        try:
            context = self._context(comment.article, comment.parent_text)
            if self.model is not None:
                vector = self.model.topic_vector(normalized.keys_text)
                common = self.model.common_words
            else:
                vector, common = (None, frozenset())
            signals = dense_signals(normalized, matches, spam, vector, context, common) if vector is not None else {}
            clock.lap("signals")
        except Exception as error:
            # What the lexicon and language checks need is there: the engine can still answer with them.
            partial = PreparedComment(normalized, language, matches, spam, {}, False, frozenset(), clock.stages)
            raise StageFailed("signals", error, partial) from error
        return PreparedComment(
            normalized,
            language,
            matches,
            spam,
            signals,
            context is not None,
            context.words if context else frozenset(),
            clock.stages,
        )

    def _context(self, article: ArticleText | None, parent_text: str | None) -> ArticleContext | None:
        if self.model is None or article is None or article.is_empty:
            return None
        key = hashlib.sha256(article.full.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            cached = self._contexts.get(key)
            if cached is not None:
                self._contexts.move_to_end(key)
        if cached is None:
            full = self.normalizer.normalize(article.full)
            headline = self.normalizer.normalize(article.headline)
            cached = (
                self.model.topic_vector(full.keys_text),
                self.model.topic_vector(headline.keys_text),
                words_of(full),
            )
            with self._lock:
                self._contexts[key] = cached
                while len(self._contexts) > self._cache_size:
                    self._contexts.popitem(last=False)
        parent = None
        if parent_text:
            parent = self.model.topic_vector(self.normalizer.normalize(parent_text).keys_text)
        return ArticleContext(cached[0], cached[1], cached[2], parent)
