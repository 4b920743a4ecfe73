"""Hand-written word lists that tell close languages apart (in `data/`, one file a list)."""

from __future__ import annotations

from importlib import resources


def _words(name: str) -> frozenset[str]:
    text = (resources.files("moderation.language") / "data" / f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.split())


PERSIAN_WORDS = _words("persian_words")
ARABIC_WORDS = _words("arabic_words")
URDU_WORDS = _words("urdu_words")
ENGLISH_WORDS = _words("english_words")
FINGLISH_WORDS = _words("finglish_words")
EUROPEAN_WORDS = _words("european_words")  # French, Spanish, German, Italian, Portuguese, Turkish, Dutch

# Words common in both English and Finglish (in = "this", to = "you", be = "to",
# man = "I"): weak evidence either way.
AMBIGUOUS_LATIN_WORDS = frozenset(
    ["in", "to", "be", "man", "do", "bad", "ham", "ma", "key", "bar", "dar", "bood", "ye", "na"]
)

# Letters that only the named language uses (in text as typed, before folding).
PERSIAN_ONLY_LETTERS = frozenset("پچژگ")  # also in Urdu/Pashto; absent from Arabic
ARABIC_ONLY_LETTERS = frozenset("ةيكى")  # Persian keyboards type ی/ک instead
URDU_ONLY_LETTERS = frozenset("ٹڈڑںےہھۓ")
PASHTO_ONLY_LETTERS = frozenset("ټډړږښګڼېۍ")
KURDISH_ONLY_LETTERS = frozenset("ڕڵۆێە")
