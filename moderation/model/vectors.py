"""TF-IDF on the hot path without scikit-learn's per-call validation.

A fitted `TfidfVectorizer` keeps its analyzer, vocabulary and idf; scoring one
comment is then a dict lookup per n-gram and a few numpy operations (~0.1 ms
instead of ~1 ms for `transform([text])`). Tests check both give the same vector.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scikit-learn is needed to train, not to serve: a saved FastTfidf holds none of it
    from sklearn.feature_extraction.text import TfidfVectorizer

SparseVector = tuple[np.ndarray, np.ndarray]  # (column indices, values)
EMPTY: SparseVector = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class FastTfidf:
    """Single-text transform equal to `vectorizer.transform([text])` (l2 norm, optional sublinear tf).

    Built from a fitted `TfidfVectorizer`; pickled as plain data (vocabulary, idf and the few
    analyzer settings it reads), so that loading a model does not import scikit-learn (~1–2 s).
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.norm != "l2" or not vectorizer.use_idf:
            raise ValueError("FastTfidf expects an l2-normalised TF-IDF vectorizer")
        if vectorizer.analyzer not in ("char_wb", "word") or vectorizer.preprocessor or vectorizer.tokenizer:
            raise ValueError("FastTfidf reproduces the char_wb and word analyzers with default preprocessing")
        if vectorizer.strip_accents or vectorizer.stop_words or vectorizer.input != "content":
            raise ValueError("FastTfidf expects no accent stripping, no stop words and str input")
        self.__setstate__(
            {
                "analyzer": vectorizer.analyzer,
                "ngram_range": tuple(vectorizer.ngram_range),
                "lowercase": bool(vectorizer.lowercase),
                "token_pattern": vectorizer.token_pattern,
                "sublinear_tf": bool(vectorizer.sublinear_tf),
                "vocabulary": vectorizer.vocabulary_,
                "idf": vectorizer.idf_.astype(np.float64),
            }
        )

    def __getstate__(self) -> dict[str, Any]:
        # The vocabulary is saved as one numpy array of terms in column order: joblib writes an array as
        # one buffer, while a dict of 60,000 terms went through the pure-Python unpickler item by item
        # (half a second of every start-up).
        by_column = sorted(self._vocabulary.items(), key=lambda item: item[1])
        terms = np.array([term for term, _ in by_column], dtype=np.str_)
        contiguous = [column for _, column in by_column] == list(range(len(by_column)))
        lossless = contiguous and terms.tolist() == [term for term, _ in by_column]  # numpy drops trailing NULs
        return {
            "analyzer": self.analyzer,
            "ngram_range": self.ngram_range,
            "lowercase": self.lowercase,
            "token_pattern": self.token_pattern,
            "sublinear_tf": self._sublinear,
            **({"terms": terms} if lossless else {"vocabulary": self._vocabulary}),
            "idf": self._idf,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "vectorizer" in state:  # saved before FastTfidf kept plain data: rebuild from the vectorizer
            self.__init__(state["vectorizer"])  # type: ignore[misc]
            return
        self.analyzer: str = state["analyzer"]
        self.ngram_range: tuple[int, int] = tuple(state["ngram_range"])
        self.lowercase: bool = state["lowercase"]
        self.token_pattern: str | None = state["token_pattern"]
        self._sublinear: bool = state["sublinear_tf"]
        if "terms" in state:
            self._vocabulary: dict[str, int] = {term: column for column, term in enumerate(state["terms"].tolist())}
        else:  # saved before the vocabulary was an array of terms
            self._vocabulary = {term: int(column) for term, column in state["vocabulary"].items()}
        self._idf: np.ndarray = state["idf"]
        # char_wb n-grams never cross a space, so each word's columns can be cached:
        # words repeat across comments far more than their ~30 n-grams each.
        self._per_word = self.analyzer == "char_wb"
        self._token_re = re.compile(self.token_pattern) if self.token_pattern and not self._per_word else None
        self._word_columns: dict[str, list[int]] = {}

    def _preprocess(self, text: str) -> str:
        return text.lower() if self.lowercase else text

    def _analyzer(self, text: str) -> list[str]:
        """sklearn's word analyzer: tokens by `token_pattern`, then word n-grams joined by a space."""
        assert self._token_re is not None
        tokens = self._token_re.findall(self._preprocess(text))
        low, high = self.ngram_range
        if high == 1:
            return list(tokens)
        grams = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high + 1, len(tokens) + 1)):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def _word_wise_counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        cache, vocabulary = self._word_columns, self._vocabulary
        low, high = self.ngram_range
        columns: list[int] = []
        for word in self._preprocess(text).split():
            cached = cache.get(word)
            if cached is None:
                padded = f" {word} "
                grams: list[str] = []
                for n in range(low, high + 1):  # exactly sklearn's _char_wb_ngrams for one word
                    grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
                    if len(padded) <= n:  # a short word counts once
                        break
                cached = [c for c in (vocabulary.get(g) for g in grams) if c is not None]
                if len(cache) > 200_000:
                    cache.clear()
                cache[word] = cached
            columns.extend(cached)
        if not columns:
            return EMPTY
        unique, counts = np.unique(np.array(columns, dtype=np.int64), return_counts=True)
        return unique, counts.astype(np.float64)

    @property
    def size(self) -> int:
        return len(self._vocabulary)

    def vector(self, text: str) -> SparseVector:
        if self._per_word:
            columns, tf = self._word_wise_counts(text)
        else:
            vocabulary = self._vocabulary
            counts: dict[int, int] = {}
            for gram in self._analyzer(text):
                column = vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if not len(columns):
            return EMPTY
        if self._sublinear:
            tf = 1.0 + np.log(tf)
        values = tf * self._idf[columns]
        values /= math.sqrt(float(values @ values))
        return columns, values


def cosine(a: SparseVector, b: SparseVector) -> float:
    """Cosine of two l2-normalised sparse vectors."""
    if not len(a[0]) or not len(b[0]):
        return 0.0
    common, in_a, in_b = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    if not len(common):
        return 0.0
    return float(a[1][in_a] @ b[1][in_b])
