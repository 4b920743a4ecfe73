"""The labelled corpus: loading, splitting by article, checking before training."""

from moderation.corpus.checks import CorpusReport, check_corpus
from moderation.corpus.dataset import (
    FEEDBACK_HELD_OUT,
    LABELS,
    Article,
    Comment,
    Corpus,
    CorpusError,
    load_corpus,
    split_name,
    split_of,
)

__all__ = [
    "FEEDBACK_HELD_OUT",
    "LABELS",
    "Article",
    "Comment",
    "Corpus",
    "CorpusError",
    "CorpusReport",
    "check_corpus",
    "load_corpus",
    "split_name",
    "split_of",
]
