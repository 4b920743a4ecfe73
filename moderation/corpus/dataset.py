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
# Feedback (human-reviewed) comments never go to dev or test: part is trained on, part held out.
FEEDBACK_HELD_OUT = "feedback_held_out"
FEEDBACK_HELD_OUT_SHARE = 3  # of 10 hash buckets: 30 % of feedback articles are not trained on


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
    parent_text: str | None = None  # feedback: the parent's text, when the parent itself is not in the file
    human_verdict: str | None = None  # feedback: what the moderator decided (approve, reject)


def split_of(article_id: str) -> str:
    """train / dev / test, a fixed function of the article id (no article in two splits)."""
    bucket = hashlib.sha256(article_id.encode("utf-8")).digest()[0] % 10
    return "test" if bucket < 2 else "dev" if bucket < 4 else "train"


def feedback_split_of(article_id: str) -> str:
    """train or feedback_held_out for a feedback comment, a fixed function of its article id.

    By article, like the written corpus: comments under one story share words and topic, so a
    held-out comment whose article was trained on would flatter the model (off_topic above all).
    Feedback never enters dev or test, so the written test split stays comparable across versions."""
    bucket = hashlib.sha256(f"feedback:{article_id}".encode()).digest()[0] % 10
    return FEEDBACK_HELD_OUT if bucket < FEEDBACK_HELD_OUT_SHARE else "train"


def split_name(comment: Comment) -> str:
    """The split a comment belongs to: by article for written ones, train or held out for feedback."""
    if comment.source == "feedback":
        return feedback_split_of(comment.article_id)
    return split_of(comment.article_id)


@dataclass
class Corpus:
    articles: dict[str, Article]
    comments: list[Comment]
    data_hash: str
    files: list[str] = field(default_factory=list)

    def split(self, name: str) -> list[Comment]:
        return [c for c in self.comments if split_name(c) == name]

    def parent_of(self, comment: Comment) -> Comment | None:
        if comment.parent_id is None:
            return None
        return self._by_id.get(comment.parent_id)

    def parent_text_of(self, comment: Comment) -> str | None:
        parent = self.parent_of(comment)
        return parent.text if parent is not None else comment.parent_text

    @property
    def _by_id(self) -> dict[str, Comment]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = self.__dict__["_index"] = {c.id: c for c in self.comments}
        return cached

    def label_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        names = [*SPLITS, *([FEEDBACK_HELD_OUT] if any(c.source == "feedback" for c in self.comments) else [])]
        for name in names:
            rows = self.split(name)
            counter: Counter[str] = Counter(label for c in rows for label in c.labels)
            counter["(none)"] = sum(1 for c in rows if not c.labels)
            counter["(comments)"] = len(rows)
            counter["(articles)"] = len({c.article_id for c in rows})
            counts[name] = dict(sorted(counter.items()))
        return counts


def load_corpus(folder: Path, extra_comment_files: Iterable[Path] = ()) -> Corpus:
    """Read `folder/articles/*.jsonl` and `folder/comments/*.jsonl` (plus feedback files).

    A feedback file (from `moderation export-feedback`) carries each comment's article inline
    (`"article": {...}` or null) and the parent's text (`parent_text`), since the site's articles
    and parents are not in `training_data/`."""
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
    # Extra files are feedback wherever they live (a folder's name says nothing about the rows).
    comment_files = [(p, "written") for p in sorted((folder / "comments").glob("*.jsonl"))]
    comment_files += [(Path(p), "feedback") for p in extra_comment_files]
    for path, source in comment_files:
        files.append(str(path))
        for number, row in _rows(path, digest):
            if source == "feedback" and isinstance(row.get("article"), dict):
                inline = row["article"]
                articles.setdefault(
                    inline.get("id", row.get("article_id", "")),
                    Article(
                        str(inline.get("id", row.get("article_id", ""))),
                        str(inline.get("section", "feedback")),
                        str(inline.get("title", "")),
                        str(inline.get("lead", "")),
                        str(inline.get("body", "")),
                    ),
                )
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
                    row.get("parent_text") if source == "feedback" else None,
                    (row.get("feedback") or {}).get("verdict") if source == "feedback" else None,
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
