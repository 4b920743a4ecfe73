"""Generated cases: whatever noise is put into a word, the word maps back onto its own characters."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.lexicon import Lexicon
from moderation.text import PersianNormalizer

WORDS = ["احمق", "بیشعور", "کثافت", "نفهم", "الاغ", "گمشو", "بیشرف", "عوضی"]
CONTEXT = ["سلام", "این", "خبر", "واقعا", "مدیر", "شهر", "را", "دیدم", "و", "بود", "کتابخانه", "تیم"]
INVISIBLE = ["\u200b", "\u200d", "\u00ad", "\ufeff", "\u2060", "\u200e", "\u200f", "\u202e", "\u2066"]
DIACRITICS = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b"]
KASHIDA = "\u0640"

noise_between_letters = st.lists(
    st.one_of(
        st.sampled_from(INVISIBLE),
        st.sampled_from(DIACRITICS),
        st.just(KASHIDA * 3),
        st.just(""),
    ),
    min_size=8,
    max_size=8,
)


def _noisy(word: str, noise: list[str], repeat_at: int) -> str:
    out = []
    for i, letter in enumerate(word):
        out.append(letter * (4 if i == repeat_at else 1))
        if i < len(word) - 1:
            out.append(noise[i % len(noise)])
    return "".join(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    word=st.sampled_from(WORDS),
    noise=noise_between_letters,
    repeat_at=st.integers(min_value=-1, max_value=5),
    before=st.lists(st.sampled_from(CONTEXT), max_size=4),
    after=st.lists(st.sampled_from(CONTEXT), max_size=4),
)
def test_found_word_maps_back_onto_its_original_characters(
    normalizer: PersianNormalizer,
    lexicon: Lexicon,
    word: str,
    noise: list[str],
    repeat_at: int,
    before: list[str],
    after: list[str],
) -> None:
    noisy = _noisy(word, noise, repeat_at)
    prefix = " ".join(before) + (" " if before else "")
    raw = prefix + noisy + (" " if after else "") + " ".join(after)
    matches = lexicon.find(normalizer.normalize(raw))
    assert [(m.start, m.end) for m in matches] == [(len(prefix), len(prefix) + len(noisy))], raw
    assert matches[0].text == noisy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=300))
def test_never_raises_and_offsets_stay_inside(normalizer: PersianNormalizer, raw: str) -> None:
    result = normalizer.normalize(raw)
    assert len(result.mapped.starts) == len(result.text) == len(result.mapped.ends)
    previous = 0
    for start, end in zip(result.mapped.starts, result.mapped.ends, strict=True):
        assert 0 <= start <= end <= len(raw)
        assert start >= previous
        previous = start
    for token in result.tokens:
        start, end = result.to_original(token.start, token.end)
        assert 0 <= start <= end <= len(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "\ud800\udfff\ud83d",  # lone surrogates
        "\x00" * 50,
        "سلام " * 20_000,  # 100k characters
        "😀" * 10_000,
        "\u202e" * 1000 + "abc",
        "ا " * 5000,  # thousands of single letters
        "",
    ],
)
def test_never_raises_on_hostile_strings(normalizer: PersianNormalizer, raw: str) -> None:
    result = normalizer.normalize(raw)
    assert result.original == raw
    assert all(0 <= s <= len(raw) for s in result.mapped.starts)
