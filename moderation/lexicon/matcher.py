"""The team's Persian lexicon of insults, profanity, slurs and threats, matched evasion-proof.

Matching runs on the normalizer's tokens (spaced, dotted, repeated, invisible
and look-alike tricks are already undone there) and reports each hit as a span
on the *original* text with the evasion that was used. Whole words only, with
Persian enclitics and plurals (احمق‌ها، احمقی، احمقه), so innocent words that
contain a bad one (خرید، خرما) never match; an allow-list covers the rest
(خرم is خر + م, but also a city).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from moderation.text import NormalizedText
from moderation.text import characters as chars

LEXICON_FORMAT = "1"
CATEGORIES = ("insult", "profanity", "sexual", "slur", "threat")

# Persian enclitics and plural endings, longest first: احمق‌ها, احمقی, احمقه, احمقا, احمقت
PERSIAN_SUFFIXES = tuple(
    sorted(
        [
            "هایی",
            "های",
            "ها",
            "ان",
            "ای",
            "یی",
            "ی",
            "ه",
            "ا",
            "ت",
            "ش",
            "م",
            "مون",
            "تون",
            "شون",
            "تان",
            "شان",
            "مان",
            "ترین",
            "تر",
            "یه",
            "ایه",
            "هاش",
            "هات",
            "هام",
        ],
        key=len,
        reverse=True,
    )
)
LATIN_SUFFIXES = ("haye", "ha", "aa", "e", "i", "o", "eh", "ie", "ye", "an")
MAX_WORDS = 4  # longest multi-word term, in tokens

_DOUBLE_RE = re.compile(r"([^\W\d_])\1+")
_FOLD = chars.FOLD_TABLE


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    term: str
    category: str
    severity: int
    latin: bool


@dataclass(frozen=True, slots=True)
class LexiconMatch:
    """A lexicon hit: `start`/`end` on the original text; `evasions` lists the tricks seen."""

    term: str
    category: str
    severity: int
    start: int
    end: int
    text: str
    evasions: tuple[str, ...]


def matching_key(term: str) -> str:
    """The form terms and tokens are compared in: folded letters, no spaces or ZWNJ, lower case."""
    return "".join(term.translate(_FOLD).lower().split()).replace(chars.ZWNJ, "")


def _is_multiword(entry: LexiconEntry) -> bool:
    return any(c.isspace() or c == chars.ZWNJ for c in entry.term.strip())


def _collapse(key: str) -> str:
    return _DOUBLE_RE.sub(r"\1", key)


class Lexicon:
    """Build once; `find` is pure and thread-safe."""

    def __init__(self, entries: Iterable[LexiconEntry], allowed: Iterable[str], version: str) -> None:
        self.version = version
        self._terms: dict[str, LexiconEntry] = {}
        self._collapsed: dict[str, LexiconEntry] = {}
        for entry in entries:
            key = matching_key(entry.term)
            if len(key) < 2:
                continue
            current = self._terms.get(key)
            if current is None or entry.severity > current.severity:
                self._terms[key] = entry
                self._collapsed.setdefault(_collapse(key), entry)
        allowed = list(allowed)
        self._allowed = frozenset(matching_key(word) for word in allowed)
        # allowed phrases (گوشت گاو) use up their words before any term is looked for
        self._allowed_phrases = {
            matching_key(phrase.split()[0]): matching_key(phrase) for phrase in allowed if len(phrase.split()) > 1
        }
        # first words of multi-word terms: only windows starting with one can join words
        self._multiword_starts = frozenset(
            matching_key(e.term.replace(chars.ZWNJ, " ").split()[0]) for e in self._terms.values() if _is_multiword(e)
        )
        self._cache: dict[str, LexiconEntry | None] = {}

    def __len__(self) -> int:
        return len(self._terms)

    @classmethod
    def default(cls, extra_terms: Iterable[LexiconEntry] = (), extra_allowed: Iterable[str] = ()) -> Lexicon:
        """The shipped lexicon, plus a site's own deny- and allow-list words."""
        data = resources.files("moderation.lexicon") / "data"
        digest = hashlib.sha256()
        entries: list[LexiconEntry] = []
        for name, latin in (("terms.tsv", False), ("finglish_terms.tsv", True)):
            raw = (data / name).read_text(encoding="utf-8")
            digest.update(raw.encode("utf-8"))
            for row in csv.DictReader(raw.splitlines(), delimiter="\t"):
                if row.get("term") and row.get("category") in CATEGORIES:
                    entries.append(LexiconEntry(row["term"].strip(), row["category"], int(row["severity"] or 2), latin))
        raw_allow = (data / "allow.tsv").read_text(encoding="utf-8")
        digest.update(raw_allow.encode("utf-8"))
        allowed = [
            row["word"].strip() for row in csv.DictReader(raw_allow.splitlines(), delimiter="\t") if row.get("word")
        ]
        extra_terms, extra_allowed = list(extra_terms), list(extra_allowed)
        for entry in extra_terms:
            digest.update(f"+{entry.term}:{entry.category}".encode())
        for word in extra_allowed:
            digest.update(f"-{word}".encode())
        version = f"{LEXICON_FORMAT}.{digest.hexdigest()[:12]}"
        return cls([*entries, *extra_terms], [*allowed, *extra_allowed], version)

    def lookup(self, key: str) -> LexiconEntry | None:
        """The entry a single matching key stands for, allowing suffixes and doubled letters."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        if len(self._cache) > 200_000:  # bounded: comments keep bringing new words
            self._cache.clear()
        entry = self._cache[key] = self._lookup(key)
        return entry

    def _lookup(self, key: str) -> LexiconEntry | None:
        if key in self._allowed:
            return None
        for candidate in (key, _collapse(key)):
            if candidate in self._allowed:
                return None
            entry = self._terms.get(candidate) or self._collapsed.get(candidate)
            if entry:
                return entry
        latin = key.isascii()
        for suffix in LATIN_SUFFIXES if latin else PERSIAN_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                stem = key[: -len(suffix)]
                if stem in self._allowed:
                    return None
                entry = self._terms.get(stem) or self._collapsed.get(_collapse(stem))
                if entry:
                    return entry
        return None

    def find(self, text: NormalizedText) -> list[LexiconMatch]:
        """Every lexicon term in `text`, longest match first, spans on the original."""
        tokens = text.tokens
        found: list[LexiconMatch] = []
        i = 0
        while i < len(tokens):
            phrase = self._allowed_phrases.get(tokens[i].key)
            if phrase is not None:
                skip = next(
                    (n for n in range(2, MAX_WORDS + 1) if "".join(t.key for t in tokens[i : i + n]) == phrase), 0
                )
                if skip:
                    i += skip
                    continue
            hit = None
            longest = min(MAX_WORDS, len(tokens) - i)
            if len(tokens[i].key) > 1 and tokens[i].key not in self._multiword_starts:
                longest = 1  # innocent neighbours are never joined into a term
            for size in range(longest, 0, -1):
                window = tokens[i : i + size]
                entry = self.lookup("".join(t.key for t in window))
                # Join words only for a multi-word term (بی شعور) or letters typed apart (خ ر):
                # two innocent neighbours must never spell a bad word.
                if entry is not None and (size == 1 or _is_multiword(entry) or all(len(t.key) == 1 for t in window)):
                    hit = (entry, size)
                    break
            if hit is None:
                i += 1
                continue
            entry, size = hit
            start, end = text.to_original(tokens[i].start, tokens[i + size - 1].end)
            span = text.original[start:end]
            found.append(
                LexiconMatch(
                    entry.term, entry.category, entry.severity, start, end, span, describe_evasions(span, entry)
                )
            )
            i += size
        return found


_INVISIBLE = frozenset(chars.INVISIBLE)
_DIACRITICS = frozenset(chars.DIACRITICS)
_ARABIC_VARIANTS = frozenset("يكىةۀأإٱؤئ")
_NON_LATIN_LOOKALIKES = frozenset(chars.LATIN_HOMOGLYPHS)
_SEPARATORS = frozenset(" .-_*+/|\t\n")


def describe_evasions(span: str, entry: LexiconEntry) -> tuple[str, ...]:
    """Which filter-dodging tricks the original `span` used to write `entry.term`."""
    seen = set(span)
    evasions = []
    if seen & _INVISIBLE:
        evasions.append("invisible")
    if seen & _DIACRITICS:
        evasions.append("diacritics")
    if chars.KASHIDA in seen:
        evasions.append("kashida")
    term_has_gap = any(c in _SEPARATORS for c in entry.term)
    if not term_has_gap and seen & _SEPARATORS:
        evasions.append("spaced")
    if chars.ZWNJ in seen and chars.ZWNJ not in entry.term and _zwnj_inside(span, entry):
        evasions.append("zwnj")
    if _DOUBLE_RE.search(span.replace(chars.KASHIDA, "")) and not _DOUBLE_RE.search(entry.term):
        evasions.append("repeated")
    if seen & _ARABIC_VARIANTS:
        evasions.append("arabic_letters")
    if any(0xFB50 <= ord(c) < 0xFF00 for c in span):
        evasions.append("presentation_forms")
    if seen & _NON_LATIN_LOOKALIKES or (
        not entry.latin and any(c.isascii() and (c.isalpha() or c in "|!") for c in span)
    ):
        evasions.append("lookalike")
    if not entry.latin and any(c.isdigit() for c in span):
        evasions.append("digits")
    if entry.latin:
        evasions.append("finglish")
    return tuple(evasions)


def _zwnj_inside(span: str, entry: LexiconEntry) -> bool:
    """A ZWNJ that splits the term itself (اح‌مق), not one before a suffix (احمق‌ها)."""
    length = len(matching_key(entry.term))
    letters = 0
    for char in span:
        if char == chars.ZWNJ and 0 < letters < length:
            return True
        if char.isalpha():
            letters += 1
    return False
