"""The written corpus: splits by article, checks before training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.corpus import CorpusError, check_corpus, load_corpus, split_of
from moderation.settings import Settings
from moderation.text import PersianNormalizer


def test_no_article_is_in_two_splits() -> None:
    corpus = load_corpus(Settings().training_data_dir)
    splits: dict[str, set[str]] = {}
    for comment in corpus.comments:
        splits.setdefault(comment.article_id, set()).add(split_of(comment.article_id))
    assert all(len(s) == 1 for s in splits.values())
    assert {split_of(a) for a in corpus.articles} == {"train", "dev", "test"}


def test_shipped_corpus_is_big_and_clean(normalizer: PersianNormalizer) -> None:
    corpus = load_corpus(Settings().training_data_dir)
    report = check_corpus(corpus, normalizer)
    assert report.ok, report.problems[:5]
    assert len(corpus.articles) >= 40
    assert len({a.section for a in corpus.articles.values()}) >= 8
    assert len(corpus.comments) >= 4000
    labels = {label for c in corpus.comments for label in c.labels}
    assert labels == {"insult", "profanity", "off_topic", "spam", "accusation"}
    assert {c.lang for c in corpus.comments} == {"fa", "fa-Latn", "en", "ar", "ur"}


def _write(folder: Path, articles: list[dict], comments: list[dict]) -> None:
    (folder / "articles").mkdir(parents=True)
    (folder / "comments").mkdir()
    (folder / "articles" / "a.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles))
    (folder / "comments" / "a.jsonl").write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in comments))


def _article(article_id: str) -> dict:
    return {"id": article_id, "section": "sport", "title": "عنوان", "lead": "لید", "body": "متن"}


def test_checks_find_overlap_empty_text_and_broken_parent(tmp_path: Path, normalizer: PersianNormalizer) -> None:
    ids = {}
    for split in ("train", "test"):  # find two article ids that land in different splits
        ids[split] = next(f"x-{i}" for i in range(1000) if split_of(f"x-{i}") == split)
    long_text = "این متن بلند در دو بخش مختلف آمده است و نباید بیاید"
    _write(
        tmp_path,
        [_article(ids["train"]), _article(ids["test"])],
        [
            {"id": "c1", "article_id": ids["train"], "parent_id": None, "text": long_text, "labels": [], "lang": "fa"},
            {"id": "c2", "article_id": ids["test"], "parent_id": None, "text": long_text, "labels": [], "lang": "fa"},
            {"id": "c3", "article_id": ids["test"], "parent_id": "nope", "text": "   ", "labels": [], "lang": "fa"},
            {"id": "c4", "article_id": ids["test"], "parent_id": None, "text": "عالی بود", "labels": [], "lang": "fa"},
            {"id": "c5", "article_id": ids["train"], "parent_id": None, "text": "عالی بود", "labels": [], "lang": "fa"},
        ],
    )
    report = check_corpus(load_corpus(tmp_path), normalizer)
    assert not report.ok
    assert any("two splits" in p and "c1" in p for p in report.problems)
    assert any("c3: empty text" in p for p in report.problems)
    assert any("short text repeated" in w for w in report.warnings)  # «عالی بود» twice is not a leak


def test_malformed_files_name_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, [_article("a")], [{"id": "c1", "article_id": "a", "text": "x", "labels": ["rude"]}])
    with pytest.raises(CorpusError, match=r"a.jsonl:1: unknown labels \['rude'\]"):
        load_corpus(tmp_path)
