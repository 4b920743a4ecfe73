"""Spam signals read off the normalized comment: links, phones, handles, ad phrases, repetition."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from moderation.text import NormalizedText

# Phrases of advertising and traffic-seeking in Persian comments (matched on
# tokens' keys, so ZWNJ and spacing do not matter).
AD_PHRASES = tuple(
    """
    عضو کانال|کانال تلگرام|کانال ما|پیج ما|پیج اینستاگرام|فالوور|فالوئر|لایک ارزان|ممبر|ممبر فیک
    خرید فالوور|افزایش فالوور|سایت شرط بندی|شرط بندی|بت|کازینو|پیش بینی فوتبال|بونوس
    وام فوری|وام بدون ضامن|وام ضروری|خرید وام|امتیاز وام|کسب درآمد|درآمد میلیونی|درآمد دلاری
    تخفیف ویژه|فروش ویژه|ارسال رایگان|قیمت استثنایی|همین حالا|کلیک کنید|لینک در بیو|لینک در پروفایل
    تماس بگیرید|پیام بدید|دایرکت|پیوی|واتساپ|تلگرام|اینستاگرام|ویزای|اقامت|مهاجرت تضمینی
    سفارش|مشاوره رایگان|ثبت نام کنید|با ما در تماس|شماره تماس|جهت خرید|جهت سفارش|کد تخفیف
    """.replace("\n", "|").split("|")
)
_AD_KEYS = frozenset("".join(p.split()) for p in AD_PHRASES if p.strip())
_AD_FIRST_WORDS = frozenset(p.split()[0] for p in AD_PHRASES if p.strip())
# the same character four or more times, outside laughter: !!!!!, ۱۱۱۱۱, 🔥🔥🔥🔥
_RUN_RE = re.compile(r"(.)\1{3,}")


@dataclass(frozen=True, slots=True)
class SpamSignal:
    kind: str  # url, email, phone, mention, ad_phrase, repeated_chars, repeated_words
    start: int
    end: int
    text: str


def spam_signals(text: NormalizedText) -> list[SpamSignal]:
    """Every spam signal in `text`, spans on the original."""
    signals = [
        SpamSignal(e.kind, e.start, e.end, e.value)
        for e in text.entities
        if e.kind in ("url", "email", "phone", "mention")
    ]
    tokens = text.tokens
    keys = [t.key for t in tokens]
    i = 0
    while i < len(tokens):
        if keys[i] not in _AD_FIRST_WORDS:
            i += 1
            continue
        for size in (3, 2, 1):
            if i + size <= len(tokens) and "".join(keys[i : i + size]) in _AD_KEYS:
                start, end = text.to_original(tokens[i].start, tokens[i + size - 1].end)
                signals.append(SpamSignal("ad_phrase", start, end, text.original[start:end]))
                i += size
                break
        else:
            i += 1
    for match in _RUN_RE.finditer(text.original):
        if not match.group(1).isspace() and match.group(1) not in "ه.":
            signals.append(SpamSignal("repeated_chars", match.start(), match.end(), match.group()))
    if len(keys) >= 6:
        word, count = Counter(keys).most_common(1)[0]
        if count / len(keys) >= 0.5:
            first = next(t for t in tokens if t.key == word)
            start, end = text.to_original(first.start, first.end)
            signals.append(SpamSignal("repeated_words", start, end, text.original[start:end]))
    return signals
