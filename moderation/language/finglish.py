"""Finglish (Persian typed in Latin letters) versus English: no library knows Finglish."""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.language.wordlists import AMBIGUOUS_LATIN_WORDS, ENGLISH_WORDS, EUROPEAN_WORDS, FINGLISH_WORDS

_LATIN_WORD_RE = re.compile(r"[a-z][a-z']*[0-9]?[a-z']*")
# A Latin word with a letter carrying a diacritic (é, ç, ü, ñ, ş…): French, Turkish, German, Spanish
# write them; Finglish does not.
_ACCENTED = "\u00e0-\u00f6\u00f8-\u024f"
_ACCENTED_WORD_RE = re.compile(f"[a-z{_ACCENTED}']*[{_ACCENTED}][a-z{_ACCENTED}']*")

# Spelling patterns of Persian morphology and sounds typed in Latin letters.
_FINGLISH_PATTERNS = [
    re.compile(r"^n?(?:mi|nemi)[a-z]{2,}(?:am|i|e|im|id|in|an|and|ad|ash)$"),  # mikonam, nemidoonam
    re.compile(r"^(?:be|na|ne)[a-z]{2,}(?:am|i|im|id|in|an)$"),  # beravam, nagoftam, bebinid
    re.compile(r"kh|gh|zh|aa|oo(?![kdlmprt])|ee(?![dklmnprst])|[^aeiou ]q(?!u)|^q(?!u)"),  # kh, gh, zh, long vowels
    re.compile(r"(?:haye?|hash|hamoon|hashoon|eshoon|etoon|emoon)$"),  # plural and enclitics
    re.compile(r"[a-z][237][a-z]"),  # 2/3/7 for ء/ع/ح
]
_ENGLISH_PATTERNS = [
    re.compile(r"(?:tion|ment|ness|ing|ould|ight|ally|ous|ful|ity|ies)$"),
    re.compile(r"^(?:th|wh)|ck|ph|wr|tch|th"),
    re.compile(r"[^aeiou](?:ers|ed|es|ly)$"),
]


@dataclass(frozen=True, slots=True)
class FinglishScore:
    finglish: float
    english: float
    words: int
    european: float = 0.0  # words of another European language: accented, or frequent in one

    @property
    def is_finglish(self) -> bool:
        return self.finglish >= 1.0 and self.finglish > self.english and self.finglish > self.european


def score_finglish(text: str) -> FinglishScore:
    """Evidence for Finglish and for English among the Latin words of `text`."""
    words = _LATIN_WORD_RE.findall(text.lower())
    finglish = english = 0.0
    for word in words:
        bare = word.replace("'", "")
        if bare in AMBIGUOUS_LATIN_WORDS:
            english += 0.3
            finglish += 0.3
        elif bare in FINGLISH_WORDS:
            finglish += 1.0
        elif bare in ENGLISH_WORDS:
            english += 1.0
        else:
            if any(p.search(bare) for p in _FINGLISH_PATTERNS):
                finglish += 0.6
            if any(p.search(bare) for p in _ENGLISH_PATTERNS):
                english += 0.6
    european = len(_ACCENTED_WORD_RE.findall(text.lower())) + sum(word in EUROPEAN_WORDS for word in words)
    return FinglishScore(finglish, english, len(words), float(european))
