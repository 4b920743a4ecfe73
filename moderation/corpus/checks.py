"""Label-noise checks run before training: duplicates, empty texts, split overlap, counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from moderation.corpus.dataset import LANGUAGES, Corpus, split_name
from moderation.text import PersianNormalizer

SHORT_REACTION_WORDS = 5


@dataclass
class CorpusReport:
    label_counts: dict[str, dict[str, int]]
    articles: int
    comments: int
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_corpus(corpus: Corpus, normalizer: PersianNormalizer) -> CorpusReport:
    """Problems stop training (overlap between splits, empty texts, broken references); warnings do not."""
    report = CorpusReport(corpus.label_counts(), len(corpus.articles), len(corpus.comments))
    seen_ids: set[str] = set()
    by_text: dict[str, list[tuple[str, str, frozenset[str], str]]] = defaultdict(list)
    for comment in corpus.comments:
        if comment.id in seen_ids:
            report.problems.append(f"duplicate comment id {comment.id}")
        seen_ids.add(comment.id)
        if not comment.text.strip():
            report.problems.append(f"{comment.id}: empty text")
            continue
        # A feedback comment may come without its article (an outside label): it is judged without context.
        if comment.article_id not in corpus.articles and comment.source != "feedback":
            report.problems.append(f"{comment.id}: unknown article {comment.article_id}")
        if comment.parent_id is not None and corpus.parent_of(comment) is None:
            report.problems.append(f"{comment.id}: unknown parent {comment.parent_id}")
        if comment.lang not in LANGUAGES:
            report.problems.append(f"{comment.id}: unknown lang {comment.lang}")
        key = " ".join(t.key for t in normalizer.normalize(comment.text).tokens)
        by_text[key].append((comment.id, split_name(comment), comment.labels, comment.source))
    for key, rows in by_text.items():
        if len(rows) < 2 or not key:
            continue
        ids = ", ".join(r[0] for r in rows)
        if len(key.split()) < SHORT_REACTION_WORDS:
            # «عالی بود»، «ممنون»: many readers write the same short reaction; not a leak.
            report.warnings.append(f"short text repeated: {ids}")
        elif len({r[1] for r in rows}) > 1 and any(r[3] == "feedback" for r in rows):
            # A reader may post a text we also wrote; training leaves the train copy out (no leak).
            report.warnings.append(f"feedback text also in another split, its train copy is not trained on: {ids}")
        elif len({r[1] for r in rows}) > 1:
            report.problems.append(f"same text in two splits: {ids}")
        elif len({r[2] for r in rows}) > 1:
            report.warnings.append(f"same text, different labels: {ids}")
        else:
            report.warnings.append(f"duplicate text: {ids}")
    articles_with_comments = {c.article_id for c in corpus.comments}
    for article_id in corpus.articles:
        if article_id not in articles_with_comments:
            report.warnings.append(f"article {article_id} has no comments")
    return report
