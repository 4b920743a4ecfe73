"""Things in a comment that must survive normalization unchanged: links, handles, numbers.

hazm breaks `https://example.com/a?b=1` into `https: / / example. com / a ? b= ۱`
and `S24` into `S ۲۴`; we find these first and keep them out of its way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGIT = r"[0-9۰-۹٠-٩]"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # e-mail addresses (before URLs and mentions, which would take parts of them)
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    # links with a scheme or www., up to the next space or closing bracket/quote
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>«»\"']+", re.IGNORECASE)),
    # bare domains and short links: t.me/x, bit.ly/x, example.ir/path
    (
        "url",
        re.compile(
            r"(?<![\w@.])[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*"
            r"\.(?:com|ir|org|net|io|me|info|co|app|xyz|site|online|shop|store|link|ly|gl|tv|biz|bet|club|top|live)"
            r"(?:/[^\s<>«»\"']*)?(?![A-Za-z0-9])",
            re.IGNORECASE,
        ),
    ),
    # @handles of Telegram, Instagram, X
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")),
    # hashtags, Persian or Latin
    ("hashtag", re.compile(r"(?<![\w#])#[\w\u200c]+")),
    # phone numbers: Iranian mobiles and landlines, with +98/0098, in any digits,
    # with spaces, dashes or dots between groups (10 to 13 digits in all)
    (
        "phone",
        re.compile(
            rf"(?<![\w])(?:(?:\+|00)\s?(?:98|٩٨|۹۸)[\s.-]?|[0۰٠])?(?:9|۹|٩){DIGIT}{{2}}(?:[\s.-]?{DIGIT}){{7}}(?!{DIGIT})"
            rf"|(?<![\w])(?:[0۰٠]{DIGIT}{{2,3}})[\s.-]?{DIGIT}{{3,4}}[\s.-]?{DIGIT}{{4}}(?!{DIGIT})"
        ),
    ),
    # numbers with separators: prices 12,000, dates 1403/05/12, decimals 3.5
    ("number", re.compile(rf"(?<![\w]){DIGIT}+(?:[.,٫٬/:]{DIGIT}+)+(?![\w])")),
    # letters and digits together: S24, A7, 5G, COVID19, mp3
    # (not Finglish's 2/3/7 for ء/ع/ح inside a word: ta7rim, so2al)
    ("code", re.compile(r"(?<![\w])(?:[A-Za-z]{1,6}[0-9]+[A-Za-z]{0,2}|[0-9]+[A-Za-z]{1,3})(?![\w])")),
    # laughter: ههههه, خخخخ, هاهاها, hahaha (recognised, never turned into a word)
    (
        "laughter",
        re.compile(r"(?<![\w])(?:ه{3,}|خ{3,}|(?:ها){2,}ه?|(?:[hH][aAeE]){2,}[hH]?|[lL][oO]+[lL])(?![\w])"),
    ),
]

TRAILING_PUNCTUATION = ".,!?)]}»،؛؟:;"


@dataclass(frozen=True, slots=True)
class Entity:
    """A kept-intact span; `start`/`end` are on the text it was found in."""

    kind: str
    value: str
    start: int
    end: int


def find_entities(text: str) -> list[Entity]:
    """Non-overlapping entities in `text`, in order; earlier patterns win ties."""
    taken: list[Entity] = []
    present = _present_kinds(text)
    for kind, pattern in _PATTERNS:
        if kind not in present:
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in TRAILING_PUNCTUATION:
                    end -= 1
            if end <= start or any(start < e.end and e.start < end for e in taken):
                continue
            taken.append(Entity(kind, text[start:end], start, end))
    taken.sort(key=lambda e: e.start)
    return taken


_DIGIT_RE = re.compile(DIGIT)
_LAUGHTER_HINT_RE = re.compile(r"ههه|خخخ|هاها|[hH][aAeE][hH]|[lL][oO]+[lL]")


def _present_kinds(text: str) -> set[str]:
    """Cheap checks that skip patterns which cannot match (most comments have no link)."""
    kinds: set[str] = set()
    if "@" in text:
        kinds.update(("email", "mention"))
    if "." in text:
        kinds.add("url")
    if "#" in text:
        kinds.add("hashtag")
    if _DIGIT_RE.search(text):
        kinds.update(("phone", "number", "code"))
    if _LAUGHTER_HINT_RE.search(text):
        kinds.add("laughter")
    return kinds
