"""The trained model: shared text features, one linear head per category, stacked with dense signals.

Every head is a logistic regression, so scoring a comment is one sparse dot
product per head plus a handful of multiplications: no scikit-learn call on the
hot path. The bundle is what `moderation train` pickles with joblib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from moderation.model.vectors import EMPTY, FastTfidf, SparseVector

CATEGORIES = ("insult", "spam", "off_topic", "accusation")

# The dense signals each head sees beside its text score.
HEAD_SIGNALS: dict[str, tuple[str, ...]] = {
    "insult": ("lexicon_hits", "lexicon_max_severity", "lexicon_threat", "lexicon_evasion", "log_tokens"),
    "spam": ("spam_links", "spam_phones", "spam_handles", "spam_ad_phrases", "spam_repetition", "log_tokens"),
    "off_topic": (
        "topic_article",
        "topic_headline",
        "topic_overlap",
        "topic_content_words",
        "topic_parent",
        "is_reply",
        "topic_known",
        "log_tokens",
    ),
    "accusation": ("accusation_terms", "accusation_target", "accusation_both", "log_tokens"),
}


@dataclass
class LinearHead:
    """logit = text · text_coef + text_intercept, then a second logistic layer over [logit, signals]."""

    text_coef: np.ndarray  # (n_text_features,)
    text_intercept: float
    signal_names: tuple[str, ...]
    signal_mean: np.ndarray
    signal_scale: np.ndarray
    stack_coef: np.ndarray  # (1 + len(signal_names),)
    stack_intercept: float

    def text_logit(self, vector: SparseVector) -> float:
        columns, values = vector
        return float(values @ self.text_coef[columns]) + self.text_intercept if len(columns) else self.text_intercept

    def probability(self, text_logit: float, signals: dict[str, float]) -> float:
        dense = (np.array([signals[name] for name in self.signal_names]) - self.signal_mean) / self.signal_scale
        z = self.stack_coef[0] * text_logit + float(dense @ self.stack_coef[1:]) + self.stack_intercept
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass
class ModelBundle:
    char_features: FastTfidf
    word_features: FastTfidf
    topic_features: FastTfidf
    common_words: frozenset[str]
    heads: dict[str, LinearHead]
    thresholds: dict[str, dict[str, float]]  # category -> {"review": t, "reject": t}, tuned on dev
    meta: dict[str, object] = field(default_factory=dict)

    def text_vector(self, model_text: str) -> SparseVector:
        """Char 2–5-gram and word 1–2-gram TF-IDF, side by side (each l2-normalised)."""
        chars = self.char_features.vector(model_text)
        words = self.word_features.vector(model_text)
        if not len(words[0]):
            return chars if len(chars[0]) else EMPTY
        return (
            np.concatenate([chars[0], words[0] + self.char_features.size]),
            np.concatenate([chars[1], words[1]]),
        )

    def topic_vector(self, keys_text: str) -> SparseVector:
        return self.topic_features.vector(keys_text)

    def score(self, model_text: str, signals: dict[str, float]) -> dict[str, float]:
        """Probability of every category for one comment."""
        vector = self.text_vector(model_text)
        return {name: head.probability(head.text_logit(vector), signals) for name, head in self.heads.items()}
