"""Persian normalization for moderation, built on hazm, with an offset map back to the original.

Pipeline (each step a method, each keeping offsets exact through `MappedText`):

1. clean: drop invisible/bidi characters, lone surrogates, diacritics, kashida;
   controls become spaces; presentation forms become ordinary letters.
   The language gate reads this text (before letters are folded: folding ي/ك
   to ی/ک first would make Arabic look Persian).
2. entities: links, e-mails, handles, phone numbers, numbers, codes (S24) and
   laughter are found and kept intact.
3. fold (outside entities): look-alikes inside Persian words, spaced or dotted
   letters joined, runs of three or more of a letter folded to one, then the
   one-to-one letter/digit table (hazm's plus ours).
4. hazm: quotes and ellipsis (persian_style), spacing and affix ZWNJ
   (correct_spacing), the می prefix (seperate_mi); realigned onto step 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from moderation.text import characters as chars
from moderation.text.entities import Entity, find_entities
from moderation.text.hazm_parts import (
    AFFIX_SPACING_PATTERNS,
    EXTRA_SPACE_PATTERNS,
    PERSIAN_STYLE_PATTERNS,
    PUNCTUATION_SPACING_PATTERNS,
    regex_replace,
)
from moderation.text.mapped import MappedText
from moderation.text.spacing import SpacingLexicon, separate_mi, shared_lexicon, token_spacing, tokenize

NORMALIZER_VERSION = "1.0.0"

_LETTER = f"[{chars.ARABIC_SCRIPT_LETTERS}]"

# invisible and bidi characters, and lone surrogates (not encodable, so dropped)
_INVISIBLE_RE = re.compile(f"[{re.escape(chars.INVISIBLE)}\ud800-\udfff]+")
# vocalisation marks and kashida stretched inside words
_MARKS_RE = re.compile(f"[{re.escape(chars.DIACRITICS)}{chars.KASHIDA}]+")
# C0/C1 control characters other than newline and tab; NUL included
_CONTROL_TABLE = {c: " " for c in [*range(0, 9), 11, 12, *range(14, 32), *range(0x7F, 0xA0)]}
_CONTROL_TABLE[13] = "\n"
_CONTROL_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROL_TABLE) + "]")
# anything the fold step would change: look-alikes, digits, letters to fold, letter runs
_FOLD_NEEDED_RE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in chars.FOLD_TABLE) + re.escape("".join(chars.IN_WORD_LOOKALIKES)) + "]"
    r"|([^\W\d_])\1\1|(?<![^\W_])[^\W\d_][\s.\-_*+/|\u200c]+[^\W\d_](?![^\W_])"
)
# hazm's own patterns (hazm.constants), compiled once
_PERSIAN_STYLE = [(re.compile(p), r) for p, r in PERSIAN_STYLE_PATTERNS]
_EXTRA_SPACE = [(re.compile(p), r) for p, r in EXTRA_SPACE_PATTERNS]
_AFFIX_SPACING = [(re.compile(p), r) for p, r in AFFIX_SPACING_PATTERNS]
_PUNCTUATION_SPACING = [(re.compile(p), r) for p, r in PUNCTUATION_SPACING_PATTERNS]
_PRESENTATION_RE = re.compile("[" + "".join(re.escape(c) for c in chars.PRESENTATION_FORMS) + "]")
# several ZWNJs in a row, or ZWNJ next to a space, say no more than one
_ZWNJ_RUN_RE = re.compile(r"\u200c{2,}|\u200c(?= )|(?<= )\u200c")
# a Latin/digit stroke or ring standing for ا or ه between Persian letters (lحمق, اح0ق)
_LOOKALIKE_RE = re.compile(
    f"(?<={_LETTER})[{re.escape(''.join(k for k in chars.IN_WORD_LOOKALIKES if k != '1'))}](?={_LETTER})"
    f"|(?<![\\w|!])[lI|1!ı](?={_LETTER}{{2}})"
)
# a digit pushed inside a Persian word to break matching: اح2مق
_INNER_DIGIT_RE = re.compile(f"(?<={_LETTER})[0-9۰-۹٠-٩]+(?={_LETTER})")
# three or more single Persian letters separated by spaces or punctuation: ا ح م ق, ا.ح.م.ق
_SPACED_PERSIAN_RE = re.compile(f"(?<!\\w){_LETTER}(?:[\\s.\\-_*+/|\u200c]+{_LETTER}){{2,}}(?!\\w)")
# Latin letters joined by punctuation: k.h.a.r, k-h-a-r
_SPACED_LATIN_RE = re.compile(r"(?<!\w)[A-Za-z](?:[.\-_*+]+[A-Za-z]){2,}(?!\w)")
# a letter written three or more times in a row: خیلیییییی, احمقققق, sooo
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
# words for matching: letters, digits and ZWNJ
_WORD_RE = re.compile(r"[^\W_](?:[^\W_]|\u200c)*")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the normalized text; `key` is its matching form (no ZWNJ, lower case)."""

    text: str
    key: str
    start: int
    end: int


@dataclass(frozen=True)
class NormalizedText:
    """The result of normalization: display text, entities, and the way back to the original."""

    original: str
    text: str
    mapped: MappedText
    entities: tuple[Entity, ...]  # spans on the original text
    language_view: str  # cleaned text, entities blanked, letters not folded
    version: str = NORMALIZER_VERSION
    _entity_ranges: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of `text` onto the exact characters of `original`."""
        return self.mapped.span_to_original(start, end)

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """Words outside entities, with their matching keys."""
        text = self.text
        if self._entity_ranges:  # blank entities out so that no word is found inside them
            pieces, last = [], 0
            for start, end in self._entity_ranges:
                pieces.append(text[last:start])
                pieces.append(" " * (end - start))
                last = end
            pieces.append(text[last:])
            text = "".join(pieces)
        return tuple(
            Token(m.group(), m.group().replace(chars.ZWNJ, "").lower(), m.start(), m.end())
            for m in _WORD_RE.finditer(text)
        )

    @cached_property
    def model_text(self) -> str:
        """The text models read: lower case, each entity replaced by a placeholder of its kind."""
        text = self.text
        if not self._entity_ranges:
            return text.lower()
        pieces, last = [], 0
        for (start, end), entity in zip(self._entity_ranges, self.entities, strict=True):
            pieces.append(text[last:start])
            pieces.append(f" _{entity.kind}_ ")
            last = end
        pieces.append(text[last:])
        return "".join(pieces).lower()

    @cached_property
    def keys_text(self) -> str:
        """The words' matching keys, space separated (for topic similarity)."""
        return " ".join(t.key for t in self.tokens)

    def entities_of(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]


class PersianNormalizer:
    """Normalizes comments. Thread-safe; the word sets behind it are shared by every instance of a process."""

    version = NORMALIZER_VERSION

    def __init__(self, lexicon: SpacingLexicon | None = None) -> None:
        # hazm's spacing rules over compact word sets (see spacing.py): ~0.3 s instead of ~3 s to build.
        self.lexicon = lexicon or shared_lexicon()

    def normalize(self, text: str) -> NormalizedText:
        """Normalize `text`; never raises on any str."""
        cleaned = self.clean(MappedText.identity(text))
        entities = find_entities(cleaned.text)
        language_view = _blank(cleaned.text, entities)

        pieces: list[MappedText] = []
        entity_ranges: list[tuple[int, int]] = []
        position = 0
        cursor = 0
        for entity in [*entities, None]:
            segment_end = entity.start if entity else len(cleaned.text)
            segment = _slice(cleaned, cursor, segment_end)
            if segment.text:
                normalized = self.hazm_steps(self.fold(segment))
                normalized = _keep_boundary_space(segment, normalized)
                pieces.append(normalized)
                position += len(normalized.text)
            if entity is None:
                break
            kept = _slice(cleaned, entity.start, entity.end)
            pieces.append(kept)
            entity_ranges.append((position, position + len(kept.text)))
            position += len(kept.text)
            cursor = entity.end
        mapped = _concat(pieces, len(text))
        original_entities = tuple(Entity(e.kind, e.value, *cleaned.span_to_original(e.start, e.end)) for e in entities)
        return NormalizedText(
            original=text,
            text=mapped.text,
            mapped=mapped,
            entities=original_entities,
            language_view=language_view,
            _entity_ranges=tuple(entity_ranges),
        )

    # -- steps -------------------------------------------------------------

    @staticmethod
    def clean(text: MappedText) -> MappedText:
        """Drop what changes nothing on screen; make controls spaces; expand presentation forms.

        >>> PersianNormalizer.clean(MappedText.identity("اح\u200dمـــق")).text
        'احمق'
        """
        text = text.sub(_INVISIBLE_RE, lambda m: "", attach_deleted=False)
        if _CONTROL_RE.search(text.text):
            text = text.translate(_CONTROL_TABLE)
        text = text.sub(_PRESENTATION_RE, lambda m: chars.PRESENTATION_FORMS[m.group()])
        text = text.sub(_MARKS_RE, lambda m: "")
        return text.sub(_ZWNJ_RUN_RE, lambda m: "\u200c" if m.group().startswith("\u200c\u200c") else "")

    @staticmethod
    def fold(text: MappedText) -> MappedText:
        """Undo evasions: look-alikes, spaced letters, repeated letters; fold letter variants.

        ا.ح.م.ق → احمق, lحمق → احمق, اح2مق → احمق, احمقققق → احمق, كتاب → کتاب, ۱2٣ → ۱۲۳
        """
        if not _FOLD_NEEDED_RE.search(text.text):
            return text
        text = text.sub(_INNER_DIGIT_RE, lambda m: "")
        text = text.sub(_LOOKALIKE_RE, lambda m: chars.IN_WORD_LOOKALIKES[m.group()])
        text = text.sub(_SPACED_PERSIAN_RE, _join_letters)
        text = text.sub(_SPACED_LATIN_RE, _join_letters)
        text = text.sub(_REPEAT_RE, lambda m: [(m.group(1), m.start(), m.end())])
        return text.translate(chars.FOLD_TABLE)

    def hazm_steps(self, text: MappedText) -> MappedText:
        """hazm's quote style, spacing and affix ZWNJ (کتابها → کتاب‌ها, می شود → می‌شود)."""
        rewritten = regex_replace(_PERSIAN_STYLE, text.text)
        rewritten = self._correct_spacing(rewritten)
        rewritten = separate_mi(rewritten, self.lexicon)
        return text.realign(rewritten)

    def _correct_spacing(self, text: str) -> str:
        """hazm's `correct_spacing`, with its patterns compiled once instead of on every call."""
        text = regex_replace(_EXTRA_SPACE, text)
        lines = []
        for line in text.split("\n"):
            if line.strip():
                line = " ".join(token_spacing(tokenize(line), self.lexicon))
            lines.append(line)
        text = regex_replace(_AFFIX_SPACING, "\n".join(lines))
        return regex_replace(_PUNCTUATION_SPACING, text)


def _join_letters(match: re.Match[str]) -> list[tuple[str, int, int]]:
    base = match.start()
    return [(c, base + i, base + i + 1) for i, c in enumerate(match.group()) if c.isalpha()]


def _slice(text: MappedText, start: int, end: int) -> MappedText:
    return MappedText(text.text[start:end], text.starts[start:end], text.ends[start:end], text.original_length)


def _keep_boundary_space(source: MappedText, normalized: MappedText) -> MappedText:
    """hazm strips a segment's edges; keep one space where the segment met an entity."""
    text, starts, ends = normalized.text, list(normalized.starts), list(normalized.ends)
    if source.text[:1].isspace() and not text[:1].isspace():
        text, starts, ends = " " + text, [source.starts[0], *starts], [source.ends[0], *ends]
    if source.text[-1:].isspace() and not text[-1:].isspace():
        text, starts, ends = text + " ", [*starts, source.starts[-1]], [*ends, source.ends[-1]]
    return MappedText(text, tuple(starts), tuple(ends), normalized.original_length)


def _concat(pieces: list[MappedText], original_length: int) -> MappedText:
    return MappedText(
        "".join(p.text for p in pieces),
        tuple(s for p in pieces for s in p.starts),
        tuple(e for p in pieces for e in p.ends),
        original_length,
    )


def _blank(text: str, entities: list[Entity]) -> str:
    if not entities:
        return text
    out = list(text)
    for entity in entities:
        out[entity.start : entity.end] = " " * (entity.end - entity.start)
    return "".join(out)
