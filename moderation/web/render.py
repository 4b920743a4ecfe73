"""Turning queue data into what the Persian page shows: highlighted spans, Jalali dates, Persian digits.

Comment text is user input: it is only ever split into segments here and escaped by Jinja2.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime

from moderation.review import APPROVE_REASONS, REJECT_REASONS

TEHRAN = ZoneInfo("Asia/Tehran")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

REASON_LABELS = {
    "insult": "توهین",
    "profanity": "ناسزا",
    "threat": "تهدید",
    "slur": "دشنام قومی یا گروهی",
    "sexual": "محتوای جنسی",
    "spam": "هرزنامه",
    "off_topic": "بی‌ربط به خبر",
    "accusation": "اتهام به اشخاص",
    "non_persian": "غیرفارسی",
    "finglish": "فینگلیش",
    "degraded": "بررسی کامل انجام نشد",
}
STATE_LABELS = {
    "pending": "در صف",
    "claimed": "در دست بررسی",
    "decided": "تصمیم‌گرفته",
    "superseded": "ویرایش‌شده",
    "pending_review": "در انتظار بررسی",
    "approved": "تأییدشده",
    "rejected": "ردشده",
}
EVENT_LABELS = {
    "moderated": "بررسی خودکار",
    "revised": "ویرایش نظر",
    "replayed": "ارسال دوباره",
    "claimed": "برداشتن از صف",
    "released": "بازگرداندن به صف",
    "lease_expired": "پایان مهلت بررسی",
    "decided": "تصمیم ناظر",
    "reopened": "بازگشایی",
}
# The queue's language filter offers these; `language_label` also names the other languages the gate reports.
LANGUAGE_LABELS = {"fa": "فارسی", "fa-Latn": "فینگلیش", "ar": "عربی", "ur": "اردو", "en": "انگلیسی", "und": "نامعلوم"}
OTHER_LANGUAGE_LABELS = {
    "ps": "پشتو",
    "ku": "کردی",
    "tr": "ترکی",
    "ru": "روسی",
    "fr": "فرانسوی",
    "de": "آلمانی",
    "es": "اسپانیایی",
    "it": "ایتالیایی",
    "zh-cn": "چینی",
    "he": "عبری",
}
_ALL_LANGUAGE_LABELS = {**LANGUAGE_LABELS, **OTHER_LANGUAGE_LABELS}


def language_label(code: str | None) -> str:
    """Persian name of a language code; `und-Cyrl` (a script, no language named) reads "نامعلوم (Cyrl)"."""
    if code and code.startswith("und-"):
        return f"{LANGUAGE_LABELS['und']} ({code[4:]})"
    return label(code, _ALL_LANGUAGE_LABELS)


def persian_digits(value: object) -> str:
    return str(value).translate(_PERSIAN_DIGITS)


def jalali(moment: datetime | None, with_time: bool = True) -> str:
    """۴ آذر ۱۴۰۵، ۱۴:۰۵ in Tehran time."""
    if moment is None:
        return ""
    local = moment.astimezone(TEHRAN)
    date = jdatetime.datetime.fromgregorian(datetime=local, locale="fa_IR")
    text = date.strftime("%-d %B %Y، %H:%M" if with_time else "%-d %B %Y")
    return persian_digits(text)


def jalali_day(iso_day: str) -> str:
    year, month, day = (int(part) for part in iso_day.split("-"))
    return persian_digits(
        jdatetime.date.fromgregorian(year=year, month=month, day=day, locale="fa_IR").strftime("%-d %B")
    )


def segments(text: str, reasons: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """The text cut at every flagged span: (piece, reason code or None). Overlapping spans are merged."""
    marks: list[tuple[int, int, str]] = []
    for reason in reasons:
        for span in reason.get("spans") or []:
            start, end = int(span.get("start", 0)), int(span.get("end", 0))
            if 0 <= start < end <= len(text):
                marks.append((start, end, str(reason.get("code", ""))))
    marks.sort()
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for start, end, code in marks:
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], code))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def label(code: str | None, table: dict[str, str] | None = None) -> str:
    if not code:
        return ""
    return (table or REASON_LABELS).get(code, code)


FILTERS = {
    "persian_digits": persian_digits,
    "jalali": jalali,
    "jalali_day": jalali_day,
    "reason_label": label,
    "state_label": lambda code: label(code, STATE_LABELS),
    "event_label": lambda code: label(code, EVENT_LABELS),
    "language_label": language_label,
    "percent": lambda value: persian_digits(f"{value * 100:.1f}٪") if value is not None else "—",
}
GLOBALS = {
    "REJECT_REASONS": REJECT_REASONS,
    "APPROVE_REASONS": APPROVE_REASONS,
    "REASON_LABELS": REASON_LABELS,
    "LANGUAGE_LABELS": LANGUAGE_LABELS,
}
