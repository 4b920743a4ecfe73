"""Training: corpus in, `ModelBundle` out, thresholds tuned on dev only.

Each head is a logistic regression on shared TF-IDF features (char 2–5-grams
and words), whose out-of-fold score (grouped by article) is stacked with the
head's dense signals in a second, small logistic regression.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold

from moderation.corpus import FEEDBACK_HELD_OUT, Comment, Corpus
from moderation.engine.inputs import ArticleText, CommentInput
from moderation.engine.prepare import PreparedComment, Preparer
from moderation.language import LanguageGate
from moderation.lexicon import Lexicon
from moderation.model.bundle import CATEGORIES, HEAD_SIGNALS, LinearHead, ModelBundle
from moderation.model.vectors import FastTfidf
from moderation.text import PersianNormalizer

SEED = 13
TEXT_C_GRID = (1.0, 4.0, 16.0)
# Dev-tuned operating points: auto-reject only where precision is high, review wide enough to catch most.
REJECT_PRECISION = 0.95
REVIEW_RECALL = 0.98
Progress = Callable[[str], None]


def gold(comment: Comment, category: str) -> int:
    """The head's target: `insult` covers profanity too."""
    if category == "insult":
        return int(bool(comment.labels & {"insult", "profanity"}))
    return int(category in comment.labels)


@dataclass
class PreparedSplit:
    comments: list[Comment]
    prepared: list[PreparedComment]
    model_texts: list[str]
    groups: list[str]

    def targets(self, category: str) -> np.ndarray:
        return np.array([gold(c, category) for c in self.comments])


@dataclass
class TrainingOutput:
    bundle: ModelBundle
    dev_scores: dict[str, np.ndarray]
    dev_targets: dict[str, np.ndarray]
    chosen_c: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)


def comment_input(corpus: Corpus, comment: Comment) -> CommentInput:
    article = corpus.articles.get(comment.article_id)
    return CommentInput(
        comment.text,
        ArticleText(article.title, article.lead, article.body) if article else None,
        corpus.parent_text_of(comment),
    )


def train_bundle(
    corpus: Corpus,
    normalizer: PersianNormalizer,
    gate: LanguageGate,
    lexicon: Lexicon,
    progress: Progress = lambda _: None,
) -> TrainingOutput:
    train_rows = _deduplicated_train(corpus, normalizer)
    dev_rows = corpus.split("dev")
    progress(f"corpus: {len(train_rows)} train, {len(dev_rows)} dev comments")

    # Topic vocabulary for similarity: train articles and train comments only.
    train_articles = {c.article_id for c in train_rows}
    topic_docs = [
        normalizer.normalize(corpus.articles[a].text).keys_text for a in sorted(train_articles) if a in corpus.articles
    ]
    topic_docs += [normalizer.normalize(c.text).keys_text for c in train_rows]
    topic = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", sublinear_tf=True, min_df=1, dtype=np.float64)
    topic.fit(topic_docs)
    document_frequency = np.asarray((topic.transform(topic_docs) > 0).sum(axis=0)).ravel()
    common_words = _common_words(topic, document_frequency, len(topic_docs))
    progress(f"topic vocabulary: {len(topic.vocabulary_)} words, {len(common_words)} common")

    skeleton = ModelBundle(FastTfidf(topic), FastTfidf(topic), FastTfidf(topic), common_words, {}, {})
    preparer = Preparer(normalizer, gate, lexicon, skeleton)
    train = _prepare(corpus, train_rows, preparer)
    dev = _prepare(corpus, dev_rows, preparer)
    progress("comments prepared")

    char, word = text_vectorizers()
    x_train = sp.hstack([char.fit_transform(train.model_texts), word.fit_transform(train.model_texts)]).tocsr()
    x_dev = sp.hstack([char.transform(dev.model_texts), word.transform(dev.model_texts)]).tocsr()
    progress(f"text features: {x_train.shape[1]} columns")

    heads: dict[str, LinearHead] = {}
    dev_scores: dict[str, np.ndarray] = {}
    dev_targets: dict[str, np.ndarray] = {}
    chosen_c: dict[str, float] = {}
    groups = np.array(train.groups)
    for category in CATEGORIES:
        y_train, y_dev = train.targets(category), dev.targets(category)
        best_c = choose_c(x_train, y_train, x_dev, y_dev)
        chosen_c[category] = best_c
        oof = _out_of_fold_logits(x_train, y_train, groups, best_c)
        fitted = text_model(best_c).fit(x_train, y_train)
        dev_logits = fitted.decision_function(x_dev)
        names = HEAD_SIGNALS[category]
        s_train = np.array([[p.signals[n] for n in names] for p in train.prepared])
        s_dev = np.array([[p.signals[n] for n in names] for p in dev.prepared])
        mean, scale = s_train.mean(axis=0), s_train.std(axis=0)
        scale[scale == 0] = 1.0
        stack = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=SEED)
        stack.fit(np.column_stack([oof, (s_train - mean) / scale]), y_train)
        heads[category] = LinearHead(
            text_coef=fitted.coef_.ravel().astype(np.float64),
            text_intercept=float(fitted.intercept_[0]),
            signal_names=names,
            signal_mean=mean,
            signal_scale=scale,
            stack_coef=stack.coef_.ravel(),
            stack_intercept=float(stack.intercept_[0]),
        )
        dev_scores[category] = stack.predict_proba(np.column_stack([dev_logits, (s_dev - mean) / scale]))[:, 1]
        dev_targets[category] = y_dev
        progress(f"head {category}: C={best_c}, dev AP={average_precision_score(y_dev, dev_scores[category]):.3f}")

    thresholds = {c: tune_thresholds(dev_targets[c], dev_scores[c]) for c in CATEGORIES}
    bundle = ModelBundle(
        char_features=FastTfidf(char),
        word_features=FastTfidf(word),
        topic_features=FastTfidf(topic),
        common_words=common_words,
        heads=heads,
        thresholds=thresholds,
        meta={"text_c": chosen_c, "features": int(x_train.shape[1])},
    )
    counts = {"train_comments": len(train_rows), "dev_comments": len(dev_rows), "train_articles": len(train_articles)}
    return TrainingOutput(bundle, dev_scores, dev_targets, chosen_c, counts)


def text_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """Character 2–5-grams inside word boundaries (robust to typos and inflection) and word 1–2-grams."""
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=120_000, dtype=np.float64
    )
    word = TfidfVectorizer(
        analyzer="word",
        token_pattern=r"(?u)\b\w+\b",
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=40_000,
        dtype=np.float64,
    )
    return char, word


def text_model(c: float) -> LogisticRegression:
    """The text head: class-balanced logistic regression (probabilities, cheap to score)."""
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced", solver="liblinear", random_state=SEED)


def choose_c(x_train: Any, y_train: np.ndarray, x_dev: Any, y_dev: np.ndarray) -> float:
    """The regularisation with the best average precision on dev."""
    best, best_ap = TEXT_C_GRID[0], -1.0
    for c in TEXT_C_GRID:
        ap = average_precision_score(y_dev, text_model(c).fit(x_train, y_train).decision_function(x_dev))
        if ap > best_ap:
            best, best_ap = c, ap
    return best


def tune_thresholds(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Review at the highest score that still catches REVIEW_RECALL of positives;
    reject from the lowest score where precision stays ≥ REJECT_PRECISION (else never)."""
    order = np.argsort(-scores)
    sorted_scores, sorted_y = scores[order], y[order]
    positives = max(1, int(y.sum()))
    true_positives = np.cumsum(sorted_y)
    precision = true_positives / np.arange(1, len(y) + 1)
    recall = true_positives / positives
    review_index = int(np.argmax(recall >= REVIEW_RECALL)) if (recall >= REVIEW_RECALL).any() else len(y) - 1
    review = float(sorted_scores[review_index])
    # reject: the deepest cut whose precision (over everything above it) is still high enough
    ok = np.where(precision >= REJECT_PRECISION)[0]
    ok = ok[sorted_scores[ok] > 0.5]
    reject = float(sorted_scores[ok[-1]]) if len(ok) else 1.01
    review = min(review, reject)
    return {"review": round(review, 4), "reject": round(reject, 4)}


def _out_of_fold_logits(x: Any, y: np.ndarray, groups: np.ndarray, c: float) -> np.ndarray:
    out = np.zeros(len(y))
    for fit_rows, score_rows in GroupKFold(n_splits=5).split(x, y, groups):
        out[score_rows] = text_model(c).fit(x[fit_rows], y[fit_rows]).decision_function(x[score_rows])
    return out


def _prepare(corpus: Corpus, rows: list[Comment], preparer: Preparer) -> PreparedSplit:
    from tqdm import tqdm

    bar = tqdm(rows, desc="preparing comments", unit="comment", disable=not sys.stderr.isatty(), leave=False)
    prepared = [preparer.prepare(comment_input(corpus, c)) for c in bar]
    return PreparedSplit(rows, prepared, [p.normalized.model_text for p in prepared], [c.article_id for c in rows])


def _deduplicated_train(corpus: Corpus, normalizer: PersianNormalizer) -> list[Comment]:
    """Train comments, less any whose text also stands in dev, test or the held-out feedback
    (no leak into tuning or testing)."""
    held_out = {
        normalizer.normalize(c.text).keys_text
        for name in ("dev", "test", FEEDBACK_HELD_OUT)
        for c in corpus.split(name)
    }
    return [c for c in corpus.split("train") if normalizer.normalize(c.text).keys_text not in held_out]


def _common_words(topic: TfidfVectorizer, document_frequency: np.ndarray, documents: int) -> frozenset[str]:
    """Stop words for similarity: hazm's list plus words in more than 5 % of documents."""
    import hazm

    from moderation.lexicon.matcher import matching_key

    stop = {matching_key(w) for w in hazm.stopwords_list()}
    vocabulary = topic.get_feature_names_out()
    frequent = {w for w, df in zip(vocabulary, document_frequency, strict=True) if df > 0.05 * documents}
    return frozenset(stop | frequent)
