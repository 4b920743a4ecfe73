"""The language gate: a Persian table of cases, and the Finglish detector on held-out examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.language import LanguageGate
from moderation.text import PersianNormalizer

LANG_DATA = Path(__file__).parent / "data" / "lang"


def _detect(gate: LanguageGate, normalizer: PersianNormalizer, text: str) -> str:
    return gate.detect(normalizer.normalize(text).language_view).language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("عالی بود", "fa"),
        ("ممنون از گزارش خوبتون", "fa"),
        ("کتابخانه مرکزی شهر بالاخره بعد از سه سال بازگشایی شد", "fa"),
        ("چرا اینقدر دیر؟؟؟ نمیدونم والا", "fa"),
        ("كتاب خوبي بود", "fa"),  # Persian typed on an Arabic keyboard
        ("این گوشی S24 واقعا ارزش خرید داره؟ https://example.com", "fa"),
        ("اين تصميم اشتباه است و مردم ناراضی هستند", "fa"),
        ("خیلی خوبه، thanks a lot", "fa"),  # Persian with some English words
        ("هذا القرار خاطئ تماما ولا يخدم الناس", "ar"),
        ("شكرا على هذا التقرير المفيد", "ar"),
        ("یہ فیصلہ بالکل غلط ہے اور عوام پریشان ہیں", "ur"),
        ("ښه کار دی، مننه", "ps"),
        ("This decision is completely wrong", "en"),
        ("Great article, thanks for the report", "en"),
        ("kheili khoob bood, merci az gozaresh", "fa-Latn"),
        ("in modir ham dozde, hamashoon dozdan", "fa-Latn"),
        ("chera gheymat ha inghadr bala rafte?", "fa-Latn"),
        # Other Latin-script languages, even with a word Finglish also uses (merci) or without accents.
        ("Merci beaucoup pour cet article, c'est très intéressant et bien écrit", "fr"),
        ("Merci pour cet article, bravo", "fr"),
        ("Bu haber çok güzel, teşekkür ederim, gerçekten faydalı bir yazı", "tr"),
        ("Danke für den Artikel, sehr interessant und gut geschrieben", "de"),
        ("Gracias por el artículo, muy interesante y bien escrito", "es"),
        # Other scripts: named by langdetect, never "und" (which a policy may approve).
        ("Спасибо за статью, очень интересно", "ru"),
        ("Ευχαριστώ πολύ για το άρθρο", "el"),
        ("תודה על הכתבה המעניינת", "he"),
        ("बहुत अच्छा लेख है", "hi"),
        ("좋은 기사 감사합니다", "ko"),
        ("عالی بود، Спасибо", "fa"),  # mostly Persian
        ("😀😀😀", "und"),
        ("۱۲۳۴", "und"),
        ("!!!", "und"),
        ("https://example.com", "und"),
    ],
)
def test_language_table(gate: LanguageGate, normalizer: PersianNormalizer, text: str, language: str) -> None:
    assert _detect(gate, normalizer, text) == language


def test_another_script_without_langdetect_is_named_by_its_script(normalizer: PersianNormalizer) -> None:
    gate = LanguageGate(use_langdetect=False)
    assert _detect(gate, normalizer, "Спасибо за статью") == "und-Cyrl"
    assert _detect(gate, normalizer, "ありがとうございます") == "und-Jpan"


def test_identification_is_deterministic(gate: LanguageGate, normalizer: PersianNormalizer) -> None:
    text = "باز هم"  # short enough to reach langdetect
    answers = {_detect(gate, normalizer, text) for _ in range(20)}
    assert len(answers) == 1


def test_arabic_is_not_called_persian_after_folding(gate: LanguageGate, normalizer: PersianNormalizer) -> None:
    # Folding ي/ك to ی/ک would make this look Persian; the gate reads the unfolded text.
    assert _detect(gate, normalizer, "في هذا الكتاب الذي كتبه") == "ar"


def _lines(name: str) -> list[str]:
    return [line.strip() for line in (LANG_DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_finglish_recall_on_held_out_examples(gate: LanguageGate, normalizer: PersianNormalizer) -> None:
    lines = _lines("finglish_test.txt")
    called = sum(_detect(gate, normalizer, line) == "fa-Latn" for line in lines)
    assert len(lines) >= 150
    assert called / len(lines) >= 0.95


def test_english_is_rarely_called_finglish(gate: LanguageGate, normalizer: PersianNormalizer) -> None:
    lines = _lines("english_test.txt")
    called = sum(_detect(gate, normalizer, line) == "fa-Latn" for line in lines)
    assert len(lines) >= 150
    assert called / len(lines) <= 0.01
