"""The language gate: Persian, Finglish, or another language, with a confidence.

A script-and-letter check decides most comments in microseconds; langdetect
(~3 ms a call here, and often wrong on short Persian) is asked only when that
check is not sure. Runs on the cleaned, unfolded text: folding ي/ك to ی/ک would
make Arabic look Persian.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from moderation.language.finglish import score_finglish
from moderation.language.wordlists import (
    ARABIC_ONLY_LETTERS,
    ARABIC_WORDS,
    KURDISH_ONLY_LETTERS,
    PASHTO_ONLY_LETTERS,
    PERSIAN_ONLY_LETTERS,
    PERSIAN_WORDS,
    URDU_ONLY_LETTERS,
    URDU_WORDS,
)

GATE_VERSION = "1.1.0"  # 1.1: other scripts named (not "und"); French, Turkish… no longer Finglish
PERSIAN = "fa"
FINGLISH = "fa-Latn"
UNDETERMINED = "und"

# Arabic-script *letters* (not digits ۰-۹ ٠-٩ or punctuation ، ؟ ؛)
_ARABIC_SCRIPT_RE = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_LATIN_RE = re.compile(r"[A-Za-z]")
# Letters of every other script (Cyrillic, Greek, Hebrew, Devanagari, CJK…): word characters that are not
# digits, the underscore, Latin letters or letters of the Arabic-script blocks.
_OTHER_SCRIPT_RE = re.compile(
    r"[^\W\d_A-Za-z\u00aa\u00b5\u00ba\u00c0-\u02af\u1e00-\u1eff"
    r"\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
)
# ISO 15924 codes for a text in another script when langdetect cannot name its language (`und-Cyrl`).
_SCRIPT_CODES = {
    "CYRILLIC": "Cyrl",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
    "DEVANAGARI": "Deva",
    "CJK": "Hani",
    "HIRAGANA": "Jpan",
    "KATAKANA": "Jpan",
    "HANGUL": "Hang",
    "THAI": "Thai",
    "ARMENIAN": "Armn",
    "GEORGIAN": "Geor",
}
_ARABIC_SCRIPT_WORD_RE = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06D5\u200c]+")
# Arabic's definite article glued to a word: الكتاب, والشموخ, بالعربية
_PERSIAN_FORMS = frozenset("یکپچژگ")  # Persian (and Urdu) letter forms Arabic never uses
_PERSIAN_KEYBOARD = str.maketrans("يكى", "یکی")
_ARABIC_ARTICLE_RE = re.compile(r"^(?:و|ف|ب|ل|ك)?ال[\u0621-\u064A]{2,}$")


@dataclass(frozen=True, slots=True)
class LanguageResult:
    """`language` is an ISO code, `fa-Latn` for Finglish or `und`; `method` says who decided."""

    language: str
    confidence: float
    method: str  # "script", "words", "finglish", "langdetect", "empty"

    @property
    def is_persian(self) -> bool:
        return self.language == PERSIAN


class LanguageGate:
    """Decides the language of a comment. Build once; `detect` is thread-safe."""

    version = GATE_VERSION

    def __init__(self, persian_vocabulary: frozenset[str] | None = None, use_langdetect: bool = True) -> None:
        self._vocabulary = persian_vocabulary
        self._use_langdetect = use_langdetect
        self._lock = threading.Lock()
        self._word_scores: dict[str, tuple[float, float]] = {}

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Persian words attested in hazm's lexicon (frequency > 0), typed with ی/ک."""
        if self._vocabulary is not None:
            return self._vocabulary
        from moderation.text.spacing import shared_lexicon  # read once per process, shared with the normalizer

        return shared_lexicon().frequent

    @cached_property
    def _langdetect(self) -> Any:
        from langdetect import DetectorFactory

        factory = DetectorFactory()
        factory.load_profile(_langdetect_profiles())
        factory.set_seed(0)  # deterministic answers
        return factory

    def warm_up(self, langdetect: bool = True) -> None:
        """Load the word list and (with `langdetect`) langdetect's profiles now: both load lazily."""
        _ = self.vocabulary
        if langdetect and self._use_langdetect:
            with self._lock:  # the lock `_ask_langdetect` holds: a comment asking meanwhile waits for the load
                _ = self._langdetect

    @property
    def langdetect_loaded(self) -> bool:
        return not self._use_langdetect or "_langdetect" in self.__dict__  # (a cached_property, once built)

    def detect(self, text: str) -> LanguageResult:
        """Language of `text` (cleaned of invisible characters, links and handles blanked)."""
        arabic_script = len(_ARABIC_SCRIPT_RE.findall(text))
        latin = len(_LATIN_RE.findall(text))
        other = len(_OTHER_SCRIPT_RE.findall(text))
        letters = arabic_script + latin
        if letters + other < 2:
            return LanguageResult(UNDETERMINED, 1.0, "empty")
        if other > letters:
            # Russian, Hebrew, Chinese…: never Persian, and never "undetermined" (which a policy approves).
            return self._other_script(text, other / (letters + other))
        if latin > arabic_script:
            if arabic_script >= 0.3 * letters:
                # Persian with some English words is Persian.
                mixed = self._arabic_script(text, arabic_script / letters)
                if mixed.is_persian:
                    return mixed
            return self._latin(text, latin / letters)
        return self._arabic_script(text, arabic_script / letters)

    # -- Latin script ---------------------------------------------------------

    def _latin(self, text: str, share: float) -> LanguageResult:
        finglish = score_finglish(text)
        if finglish.is_finglish:
            confidence = finglish.finglish / max(1.0, finglish.finglish + finglish.english)
            return LanguageResult(FINGLISH, round(share * confidence, 3), "finglish")
        if finglish.english >= 1.0 and finglish.english >= 0.3 * finglish.words:
            return LanguageResult("en", round(share * min(1.0, 0.5 + finglish.english / finglish.words), 3), "words")
        asked = self._ask_langdetect(text, fallback="en", share=share)
        if asked.language != "en" and finglish.finglish > finglish.european:
            # Latin text that is not English, on a Persian news site, with Finglish spellings in it and
            # fewer words of French, Turkish, German…: Finglish (langdetect does not know it).
            return LanguageResult(FINGLISH, round(0.6 * share, 3), "finglish")
        return asked

    # -- other scripts ----------------------------------------------------------

    def _other_script(self, text: str, share: float) -> LanguageResult:
        letter = _OTHER_SCRIPT_RE.search(text)
        name = unicodedata.name(letter.group(), "") if letter else ""
        fallback = f"{UNDETERMINED}-{_SCRIPT_CODES.get(name.split(' ')[0], 'Zzzz')}"
        asked = self._ask_langdetect(text, fallback=fallback, share=share)
        if asked.language in (PERSIAN, FINGLISH, UNDETERMINED):
            return LanguageResult(fallback, asked.confidence, "script")
        return asked

    # -- Arabic script --------------------------------------------------------

    def _arabic_script(self, text: str, share: float) -> LanguageResult:
        chars = set(text)
        if chars & URDU_ONLY_LETTERS and not chars & PERSIAN_ONLY_LETTERS - {"گ", "پ", "چ"}:
            urdu_letters = sum(text.count(c) for c in URDU_ONLY_LETTERS)
            if urdu_letters >= 1:
                return LanguageResult("ur", round(share * min(1.0, 0.7 + 0.1 * urdu_letters), 3), "script")
        if chars & PASHTO_ONLY_LETTERS:
            return LanguageResult("ps", round(share * 0.9, 3), "script")
        if len(chars & KURDISH_ONLY_LETTERS) >= 1 and "ە" in chars | {"ێ"} and chars & {"ە", "ۆ", "ڵ", "ڕ"}:
            return LanguageResult("ku", round(share * 0.9, 3), "script")

        persian = arabic = 0.0
        cache = self._word_scores
        for word in _ARABIC_SCRIPT_WORD_RE.findall(text):
            scores = cache.get(word)
            if scores is None:
                if len(cache) > 200_000:
                    cache.clear()
                scores = cache[word] = self._score_word(word)
            persian += scores[0]
            arabic += scores[1]
        persian_forms = bool(chars & _PERSIAN_FORMS)
        arabic_forms = bool(chars & ARABIC_ONLY_LETTERS)
        if persian_forms and not arabic_forms and arabic < 2.0:
            # ی ک پ چ ژ گ and none of ي ك ى ة: Arabic is ruled out, Urdu had its letters checked.
            return LanguageResult(PERSIAN, round(share * (0.95 if persian else 0.8), 3), "script")
        total = persian + arabic
        if total > 0:
            margin = (persian - arabic) / total
            if margin >= 0.5 and persian >= 2.0:
                return LanguageResult(PERSIAN, round(share * min(1.0, 0.6 + 0.4 * margin), 3), "words")
            if margin <= -0.5 and arabic >= 2.0:
                return LanguageResult("ar", round(share * min(1.0, 0.6 - 0.4 * margin), 3), "words")
        return self._ask_langdetect(text, fallback=PERSIAN if persian >= arabic else "ar", share=share)

    def _score_word(self, word: str) -> tuple[float, float]:
        """Evidence (Persian, Arabic) that one Arabic-script word gives."""
        persian = arabic = 0.0
        bare = word.replace("\u200c", "")
        vocabulary = self.vocabulary
        if word in PERSIAN_WORDS or bare in PERSIAN_WORDS:
            persian += 2.0
        elif word in ARABIC_WORDS:
            arabic += 2.0
        elif word in URDU_WORDS:
            persian -= 0.5
            arabic -= 0.5
        elif _ARABIC_ARTICLE_RE.match(word):
            arabic += 1.5
        elif bare in vocabulary or word in vocabulary:
            persian += 1.0
        elif (folded := bare.translate(_PERSIAN_KEYBOARD)) != bare and (
            folded in PERSIAN_WORDS or folded in vocabulary
        ):
            # A Persian word typed on an Arabic keyboard (كتاب خوبي): Persian.
            return persian + 1.5, arabic
        letters = set(word)
        if letters & PERSIAN_ONLY_LETTERS:
            persian += 1.0
        arabic_letters = letters & ARABIC_ONLY_LETTERS
        if arabic_letters:
            # ي and ك are also what Arabic keyboards type for Persian: weak evidence.
            arabic += 1.0 if arabic_letters & {"ة", "ى"} else 0.4
        return persian, arabic

    # -- langdetect -----------------------------------------------------------

    def _ask_langdetect(self, text: str, fallback: str, share: float) -> LanguageResult:
        if not self._use_langdetect:
            return LanguageResult(fallback, round(0.5 * share, 3), "script")
        from langdetect.lang_detect_exception import LangDetectException

        with self._lock:  # a Detector is cheap but the factory's seed is shared
            try:
                detector = self._langdetect.create()
                detector.append(text)
                ranked = detector.get_probabilities()
            except LangDetectException:
                return LanguageResult(fallback, round(0.5 * share, 3), "script")
        if not ranked:
            return LanguageResult(fallback, round(0.5 * share, 3), "script")
        best = ranked[0]
        return LanguageResult(best.lang, round(share * best.prob, 3), "langdetect")


def _langdetect_profiles() -> str:
    import os

    import langdetect

    return os.path.join(os.path.dirname(langdetect.__file__), "profiles")
