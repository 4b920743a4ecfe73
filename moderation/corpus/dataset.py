"""The team's written corpus (`training_data/`): articles, labelled comments, splits by article."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LABELS = ("insult", "profanity", "off_topic", "spam", "accusation")
LANGUAGES = ("fa", "fa-Latn", "en", "ar", "ur")
SPLITS = ("train", "dev", "test")


class CorpusError(ValueError):
    """The corpus files are malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    section: str
    title: str
    lead: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.lead}\n{self.body}"


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    article_id: str
    parent_id: str | None
    text: str
    labels: frozenset[str]
    lang: str
    source: str = "written"  # "written" by the team, or "feedback" from moderators


def split_of(article_id: str) -> str:
    """train / dev / test, a fixed function of the article id (no article in two splits)."""
    bucket = hashlib.sha256(article_id.encode("utf-8")).digest()[0] % 10
    return "test" if bucket < 2 else "dev" if bucket < 4 else "train"


@dataclass
class Corpus:
    articles: dict[str, Article]
    comments: list[Comment]
    data_hash: str
    files: list[str] = field(default_factory=list)

    def split(self, name: str) -> list[Comment]:
        return [c for c in self.comments if split_of(c.article_id) == name]

    def parent_of(self, comment: Comment) -> Comment | None:
        if comment.parent_id is None:
            return None
        return self._by_id.get(comment.parent_id)

    @property
    def _by_id(self) -> dict[str, Comment]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = self.__dict__["_index"] = {c.id: c for c in self.comments}
        return cached

    def label_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for name in SPLITS:
            rows = self.split(name)
            counter: Counter[str] = Counter(label for c in rows for label in c.labels)
            counter["(none)"] = sum(1 for c in rows if not c.labels)
            counter["(comments)"] = len(rows)
            counter["(articles)"] = len({c.article_id for c in rows})
            counts[name] = dict(sorted(counter.items()))
        return counts


def load_corpus(folder: Path, extra_comment_files: Iterable[Path] = ()) -> Corpus:
    """Read `folder/articles/*.jsonl` and `folder/comments/*.jsonl` (plus feedback files)."""
    digest = hashlib.sha256()
    articles: dict[str, Article] = {}
    files = []
    for path in sorted((folder / "articles").glob("*.jsonl")):
        files.append(str(path))
        for number, row in _rows(path, digest):
            try:
                article = Article(row["id"], row["section"], row["title"], row["lead"], row["body"])
            except KeyError as missing:
                raise CorpusError(f"{path}:{number}: article lacks {missing}") from None
            articles[article.id] = article
    comments = []
    comment_files = [*sorted((folder / "comments").glob("*.jsonl")), *extra_comment_files]
    for path in comment_files:
        files.append(str(path))
        source = "feedback" if path.parent.name != "comments" else "written"
        for number, row in _rows(path, digest):
            try:
                labels = frozenset(row["labels"])
                comment = Comment(
                    row["id"],
                    row["article_id"],
                    row.get("parent_id"),
                    row["text"],
                    labels,
                    row.get("lang", "fa"),
                    source,
                )
            except KeyError as missing:
                raise CorpusError(f"{path}:{number}: comment lacks {missing}") from None
            if unknown := labels - set(LABELS):
                raise CorpusError(f"{path}:{number}: unknown labels {sorted(unknown)}")
            comments.append(comment)
    return Corpus(articles, comments, digest.hexdigest(), files)


def _rows(path: Path, digest: hashlib._Hash) -> Iterable[tuple[int, dict]]:
    raw = path.read_bytes()
    digest.update(path.name.encode("utf-8"))
    digest.update(raw)
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"{path}:{number}: not JSON ({error.msg})") from None
