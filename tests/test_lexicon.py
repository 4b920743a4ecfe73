"""The lexicon: evasion-proof recall, Scunthorpe-safe, spans and evasions on the original text."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable
from importlib import resources

import pytest

from moderation.lexicon import Lexicon, spam_signals
from moderation.lexicon.matcher import matching_key
from moderation.text import PersianNormalizer
from moderation.text.characters import INVISIBLE

DATA = resources.files("moderation.lexicon") / "data"


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((DATA / name).read_text(encoding="utf-8").splitlines(), delimiter="\t"))


SINGLE_WORD_TERMS = sorted(
    {
        row["term"]
        for row in _rows("terms.tsv")
        if " " not in row["term"] and "\u200c" not in row["term"] and len(row["term"]) >= 2
    }
)
ALLOWED = [row["word"] for row in _rows("allow.tsv")]

# Persian letter → its isolated presentation form (what some keyboards and evaders produce)
_ISOLATED = {}
for code in range(0xFE70, 0xFEFF):
    name = unicodedata.name(chr(code), "")
    if name.endswith("ISOLATED FORM"):
        base = unicodedata.normalize("NFKC", chr(code))
        if len(base) == 1:
            _ISOLATED.setdefault(base, chr(code))

OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "spaced": lambda w: " ".join(w),
    "dotted": lambda w: ".".join(w),
    "dashed": lambda w: "-".join(w),
    "underscored": lambda w: "_".join(w),
    "zwnj": lambda w: w[:1] + "\u200c" + w[1:],
    "zwj": lambda w: "\u200d".join(w),
    "zwsp": lambda w: "\u200b".join(w),
    "soft_hyphen": lambda w: "\u00ad".join(w),
    "bom": lambda w: w[:1] + "\ufeff" + w[1:],
    "word_joiner": lambda w: w[:1] + "\u2060" + w[1:],
    "bidi": lambda w: "\u202e" + w[:1] + "\u200f" + w[1:] + "\u202c",
    "kashida": lambda w: "\u0640\u0640".join(w),
    "repeated_last": lambda w: w + w[-1] * 4,
    "repeated_each": lambda w: "".join(c * 3 for c in w),
    "doubled_letter": lambda w: w[:1] + w[:1] + w[1:],
    "diacritics": lambda w: "".join(c + "\u064e" for c in w),
    "shadda": lambda w: w[:1] + "\u0651" + w[1:],
    "arabic_yeh_kaf": lambda w: w.replace("ی", "ي").replace("ک", "ك"),
    "presentation_forms": lambda w: "".join(_ISOLATED.get(c, c) for c in w),
    "digit_inside": lambda w: w[:1] + "3" + w[1:],
    "plural_suffix": lambda w: w + "\u200cها",
    "enclitic_i": lambda w: w + "ی",
}


@pytest.fixture(scope="module")
def plain_recall(normalizer: PersianNormalizer, lexicon: Lexicon) -> float:
    return _recall(normalizer, lexicon, lambda w: w)


def _recall(normalizer: PersianNormalizer, lexicon: Lexicon, transform: Callable[[str], str]) -> float:
    """Share of terms found when written with `transform`; a term whose transformed
    spelling is itself an allowed innocent word (کس + ی = کسی, "someone") is left out."""
    found = total = 0
    allowed = {matching_key(w) for w in ALLOWED}
    for term in SINGLE_WORD_TERMS:
        written = transform(term)
        if matching_key(written) in allowed:
            continue
        total += 1
        raw = f"واقعا {written} هستی"
        # the span starts and ends on letters: invisible marks around the word are not part of it
        visible = written.strip(INVISIBLE)
        start = raw.index(visible)
        if any(m.start == start and m.end == start + len(visible) for m in lexicon.find(normalizer.normalize(raw))):
            found += 1
    return found / total


def test_lexicon_has_every_category(lexicon: Lexicon) -> None:
    categories = {row["category"] for row in _rows("terms.tsv")}
    assert categories == {"insult", "profanity", "sexual", "slur", "threat"}
    assert len(lexicon) >= 300


def test_plain_recall_is_complete(plain_recall: float) -> None:
    assert plain_recall == 1.0


@pytest.mark.parametrize("trick", sorted(OBFUSCATIONS))
def test_evasion_recall_equals_plain_recall(
    normalizer: PersianNormalizer, lexicon: Lexicon, plain_recall: float, trick: str
) -> None:
    assert _recall(normalizer, lexicon, OBFUSCATIONS[trick]) == plain_recall


@pytest.mark.parametrize("word", ALLOWED)
def test_allow_list_words_do_not_match(normalizer: PersianNormalizer, lexicon: Lexicon, word: str) -> None:
    assert lexicon.find(normalizer.normalize(f"امروز {word} را دیدم")) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "خرید خرما از بازار خرم‌آباد در خرداد",
        "این تصمیم وزارت کاملاً غلطه و به ضرر مردمه",
        "مدیریت باشگاه افتضاحه و باید استعفا بده",
        "کتاب‌های کتابخانه مرکزی خیلی قدیمی هستند",
        "به خاطر خرابی جاده دیر رسیدیم",
    ],
)
def test_innocent_sentences_do_not_match(normalizer: PersianNormalizer, lexicon: Lexicon, sentence: str) -> None:
    assert lexicon.find(normalizer.normalize(sentence)) == []


@pytest.mark.parametrize(
    ("raw", "span", "evasion"),
    [
        ("تو یه ا ح م ق هستی", "ا ح م ق", "spaced"),
        ("تو یه ا.ح.م.ق هستی", "ا.ح.م.ق", "spaced"),
        ("تو یه اح\u200bمق هستی", "اح\u200bمق", "invisible"),
        ("تو یه احمقققق هستی", "احمقققق", "repeated"),
        ("تو یه lحمق هستی", "lحمق", "lookalike"),
        ("تو یه اح2مق هستی", "اح2مق", "digits"),
        ("تو یه احـــمق هستی", "احـــمق", "kashida"),
        ("تو یه ﺍﺣﻤﻖ هستی", "ﺍﺣﻤﻖ", "presentation_forms"),
        ("to ye ahmagh hasti", "ahmagh", "finglish"),
        ("to ye khаr hasti", "khаr", "lookalike"),  # Cyrillic а
    ],
)
def test_spans_and_evasions_on_original(
    normalizer: PersianNormalizer, lexicon: Lexicon, raw: str, span: str, evasion: str
) -> None:
    matches = lexicon.find(normalizer.normalize(raw))
    assert len(matches) == 1
    match = matches[0]
    assert raw[match.start : match.end] == span == match.text
    assert evasion in match.evasions


def test_site_terms_extend_the_lexicon(normalizer: PersianNormalizer) -> None:
    from moderation.lexicon import LexiconEntry

    custom = Lexicon.default(extra_terms=[LexiconEntry("پفیوزک", "insult", 2, False)], extra_allowed=["احمقیان"])
    assert [m.term for m in custom.find(normalizer.normalize("یه پفیوزک"))] == ["پفیوزک"]
    assert custom.find(normalizer.normalize("خانواده احمقیان")) == []
    assert custom.version != Lexicon.default().version


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        ("برای خرید فالوور به @follow_shop پیام بدید", {"mention", "ad_phrase"}),
        ("وام فوری بدون ضامن 09123456789", {"phone", "ad_phrase"}),
        ("سایت شرط بندی bet90.com", {"url", "ad_phrase"}),
        ("عالیییییییی!!!!!!!", {"repeated_chars"}),
        ("بخرید بخرید بخرید بخرید بخرید بخرید", {"repeated_words"}),
        ("گزارش خوبی بود، ممنون", set()),
    ],
)
def test_spam_signals(normalizer: PersianNormalizer, raw: str, kinds: set[str]) -> None:
    found = spam_signals(normalizer.normalize(raw))
    assert {s.kind for s in found} >= kinds
    if not kinds:
        assert found == []
    for signal in found:
        assert raw[signal.start : signal.end] == signal.text
