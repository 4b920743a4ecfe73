"""Character tables for normalization. Built once at import; every entry says what it catches."""

from __future__ import annotations

import unicodedata

from moderation.text.hazm_parts import NUMBERS_DST, NUMBERS_SRC, TRANSLATION_DST, TRANSLATION_SRC

ZWNJ = "\u200c"

# Invisible and direction-control characters people (or copy-paste) put inside
# words; they change nothing on screen but break naive matching.
INVISIBLE = (
    "\u200b"  # zero width space
    "\u200d"  # zero width joiner
    "\u00ad"  # soft hyphen
    "\ufeff"  # byte order mark / zero width no-break space
    "\u2060"  # word joiner
    "\u2061\u2062\u2063\u2064"  # invisible math operators
    "\u180e"  # Mongolian vowel separator
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07"  # variation selectors
    "\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"
)

# Arabic harakat, tanwin, shadda, sukun, superscript alef and Quranic marks:
# vocalisation that Persian comments do not need and evaders sprinkle in.
DIACRITICS = (
    "".join(chr(c) for c in range(0x064B, 0x0660))
    + "\u0670"
    + "".join(chr(c) for c in range(0x0610, 0x061B))
    + "".join(chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6))
)

KASHIDA = "\u0640"  # tatweel: stretches a letter (احـــمق)

# Presentation forms (ligatures and positional shapes) and full-width Latin:
# NFKC turns them into the ordinary letters they show.
PRESENTATION_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0xFF01, 0xFF5E))


def _presentation_table() -> dict[str, str]:
    table = {}
    for low, high in PRESENTATION_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            if char in INVISIBLE:
                continue
            folded = unicodedata.normalize("NFKC", char)
            if folded != char and folded.strip():
                table[char] = folded
    return table


PRESENTATION_FORMS = _presentation_table()

# Arabic variants hazm leaves alone but that are the same letter for matching.
ARABIC_VARIANTS = {
    "ة": "ه",  # teh marbuta
    "ۀ": "ه",  # heh with yeh above (ezafe is spelled ه‌ی or ه)
    "أ": "ا",  # alef with hamza above
    "إ": "ا",  # alef with hamza below
    "ٱ": "ا",  # alef wasla
    "ٲ": "ا",  # alef with wavy hamza above
    "ٳ": "ا",  # alef with wavy hamza below
    "ؤ": "و",  # waw with hamza
    "ئ": "ی",  # yeh with hamza (also a Persian letter, but folded for matching)
}

# Latin, Cyrillic and Greek letters that look like Latin letters: folded to the
# Latin letter so that Finglish insults typed with look-alikes still match.
LATIN_HOMOGLYPHS = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",  # Cyrillic
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "һ": "h",
    "к": "k",
    "м": "m",
    "т": "t",  # Cyrillic
    "в": "b",
    "н": "h",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "г": "r",  # Cyrillic look-alikes
    "А": "A",
    "Е": "E",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Х": "X",
    "К": "K",
    "М": "M",
    "Т": "T",
    "В": "B",
    "Н": "H",
    "α": "a",
    "ο": "o",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "κ": "k",
    "ι": "i",
    "υ": "u",  # Greek
}

# Characters that stand in for a Persian letter *inside a Persian word*
# (احمق typed as lحمق or |حمق): only folded between Arabic-script letters.
IN_WORD_LOOKALIKES = {
    "l": "ا",
    "I": "ا",
    "|": "ا",
    "1": "ا",
    "!": "ا",
    "ı": "ا",  # vertical strokes = alef
    "o": "ه",
    "ο": "ه",  # Latin/Greek o = isolated heh
}

ARABIC_SCRIPT_LETTERS = "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىيٱپچژکگیۀڪھہۃےۓٹڈڑںژۍێېەڕڵۆټډړږښګڼ"
PERSIAN_LETTERS = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"


def fold_table() -> dict[int, str]:
    """One-to-one table applied after cleaning: hazm's letter and digit tables plus ours."""
    table: dict[int, str] = {}
    # hazm's table folds Arabic/Urdu/Pashto letter variants to Persian letters.
    for src, dst in zip(TRANSLATION_SRC, TRANSLATION_DST, strict=True):
        if src != dst and src not in " \u200c":
            table[ord(src)] = dst
    # hazm's digit table: Latin and Arabic-Indic digits to Persian digits, % to ٪.
    for src, dst in zip(NUMBERS_SRC, NUMBERS_DST, strict=True):
        table[ord(src)] = dst
    for src, dst in ARABIC_VARIANTS.items():
        table[ord(src)] = dst
    for src, dst in LATIN_HOMOGLYPHS.items():
        table[ord(src)] = dst
    return table


FOLD_TABLE = fold_table()
