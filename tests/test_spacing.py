"""The compact spacing rules answer exactly as hazm's Normalizer does (they replace it on the hot path)."""

from __future__ import annotations

import gzip
import json
import lzma
from importlib.metadata import version
from pathlib import Path

import hazm
import pytest

from moderation.text import spacing

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reference() -> hazm.Normalizer:
    return hazm.Normalizer(
        correct_spacing=True,
        remove_diacritics=False,
        remove_specials_chars=False,
        decrease_repeated_chars=False,
        persian_style=True,
        persian_numbers=False,
        unicodes_replacement=False,
        seperate_mi=True,
    )


def corpus_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "training_data" / "comments").glob("*.jsonl")):
        lines.extend(json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines())
    return lines


def test_shipped_verb_forms_are_hazms() -> None:
    header, _, body = lzma.decompress(spacing.VERB_FORMS.read_bytes()).decode("utf-8").partition("\n")
    assert header == f"hazm {version('hazm')}", "regenerate: python -m moderation.text.spacing"
    assert body.split("\n") == spacing.generate_verb_forms()


def test_shipped_word_sets_are_hazms_word_list() -> None:
    header, _, _ = gzip.decompress(spacing.WORD_SETS.read_bytes()).decode("utf-8").partition("\n")
    assert header == f"hazm {version('hazm')}", "regenerate: python -m moderation.text.spacing"
    assert spacing._word_sets() == spacing._read_words(spacing.WORDS_FILE)


def test_lexicon_matches_hazms_word_list(reference: hazm.Normalizer) -> None:
    lexicon = spacing.shared_lexicon()
    words = reference._words
    assert words is not None
    assert lexicon.words == frozenset(words)
    assert lexicon.joinable == frozenset(w for w, (f, _) in words.items() if f > 0 and spacing.ZWNJ in w)
    assert lexicon.frequent == frozenset(w for w, f, _ in hazm.words_list() if f > 0)


@pytest.mark.parametrize(
    "text",
    ["کتاب ها", "او می رود", "ماه می سال جدید", "اخلال گر", "زمین لرزه ای", "نمیدانم چه میگفت", "میز", "سلام ، خوبی ؟"],
)
def test_examples_as_hazm(reference: hazm.Normalizer, text: str) -> None:
    lexicon = spacing.shared_lexicon()
    tokenizer = reference._tokenizer
    assert tokenizer is not None
    assert spacing.tokenize(text) == tokenizer.tokenize(text)
    tokens = tokenizer.tokenize(text)
    assert spacing.token_spacing(tokens, lexicon) == reference.token_spacing(tokens)
    assert spacing.separate_mi(text, lexicon) == reference.seperate_mi(text)


def test_every_training_comment_as_hazm(reference: hazm.Normalizer) -> None:
    lexicon = spacing.shared_lexicon()
    tokenizer = reference._tokenizer
    assert tokenizer is not None
    for text in corpus_lines():
        for line in text.split("\n"):
            tokens = tokenizer.tokenize(line)
            assert spacing.tokenize(line) == tokens
            assert spacing.token_spacing(tokens, lexicon) == reference.token_spacing(tokens), line
        assert spacing.separate_mi(text, lexicon) == reference.seperate_mi(text), text
