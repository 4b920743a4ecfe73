"""The normalizer's behaviour, one row per rule, Persian input → expected output."""

from __future__ import annotations

import pytest

from moderation.text import NORMALIZER_VERSION, PersianNormalizer

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # hazm's part: Arabic letters, digits, affix ZWNJ
        ("كتاب يك", "کتاب یک"),
        ("ى آخر", "ی آخر"),
        ("كتابخانههای", f"کتابخانه{ZWNJ}های"),
        ("می شود", f"می{ZWNJ}شود"),
        ("نمیدانم", f"نمی{ZWNJ}دانم"),
        ("۱۲3٤ نفر", "۱۲۳۴ نفر"),
        ("سلام ، خوبی ؟", "سلام، خوبی؟"),
        ('گفت "نه"', "گفت «نه»"),
        # diacritics and kashida
        ("اِعلامِ نَتایج", "اعلام نتایج"),
        ("خیلـــــی خوب", "خیلی خوب"),
        # presentation forms and other Arabic variants
        ("ﺍﺣﻤﻖ", "احمق"),
        ("ﻻ", "لا"),
        ("مدرسة", "مدرسه"),
        ("أحمد و إمام", "احمد و امام"),
        # invisible and bidi characters inside words
        ("اح\u200dمق", "احمق"),
        ("اح\u200bمق", "احمق"),
        ("اح\u00adمق", "احمق"),
        ("\ufeffسلام", "سلام"),
        ("اح\u2060مق", "احمق"),
        ("\u202eسلام\u202c", "سلام"),
        ("\u200fسلام\u200e", "سلام"),
        ("اح\u2067مق\u2069", "احمق"),
        # ZWNJ is kept for display
        (f"کتاب{ZWNJ}ها", f"کتاب{ZWNJ}ها"),
        (f"کتاب{ZWNJ}{ZWNJ}ها", f"کتاب{ZWNJ}ها"),
        # elongation folded, laughter kept as laughter
        ("خیلیییییی خوب", "خیلی خوب"),
        ("احمقققق", "احمق"),
        ("هههههه", "هههههه"),
        # spaced-out, dotted and dashed letters joined
        ("ا ح م ق", "احمق"),
        ("ا.ح.م.ق", "احمق"),
        ("ا-ح-م-ق", "احمق"),
        ("ا_ح_م_ق", "احمق"),
        ("k.h.a.r", "khar"),
        # look-alike letters from other scripts
        ("khаr", "khar"),  # Cyrillic а
        ("lحمق", "احمق"),  # Latin l for alef
        ("اح2مق", "احمق"),  # a digit pushed into the word
        # kept intact: links, e-mails, handles, phones, codes, numbers
        ("ببین https://example.com/a?b=1 را", "ببین https://example.com/a?b=1 را"),
        ("آدرس t.me/shop_ir هست", "آدرس t.me/shop_ir هست"),
        ("ایمیل info@site.ir است", "ایمیل info@site.ir است"),
        ("پیج @shop.ir را", "پیج @shop.ir را"),
        ("گوشی S24 خریدم", "گوشی S24 خریدم"),
        ("تماس 0912 345 6789", "تماس 0912 345 6789"),
        ("قیمت 12,000 تومان", "قیمت 12,000 تومان"),
        ("تاریخ 1403/05/12 بود", "تاریخ 1403/05/12 بود"),
        # never raises, even on garbage
        ("\x00سلام", " سلام"),
        ("\ud800سلام", "سلام"),
    ],
)
def test_normalization_table(normalizer: PersianNormalizer, raw: str, expected: str) -> None:
    assert normalizer.normalize(raw).text == expected


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("ببین https://example.com/a?b=1.", "url", "https://example.com/a?b=1"),
        ("www.shop.ir", "url", "www.shop.ir"),
        ("سایت bet90.com", "url", "bet90.com"),
        ("به info@site.ir بنویسید", "email", "info@site.ir"),
        ("آیدی @ali_shop", "mention", "@ali_shop"),
        ("#کتابخانه_مرکزی", "hashtag", "#کتابخانه_مرکزی"),
        ("۰۹۱۲-۳۴۵-۶۷۸۹", "phone", "۰۹۱۲-۳۴۵-۶۷۸۹"),
        ("+98 912 345 6789", "phone", "+98 912 345 6789"),
        ("021-88776655", "phone", "021-88776655"),
        ("گوشی A54", "code", "A54"),
        ("هههههه", "laughter", "هههههه"),
        ("خخخخخ", "laughter", "خخخخخ"),
    ],
)
def test_entities_kept_intact(normalizer: PersianNormalizer, raw: str, kind: str, value: str) -> None:
    result = normalizer.normalize(raw)
    found = [(e.kind, e.value, raw[e.start : e.end]) for e in result.entities]
    assert (kind, value, value) in found
    assert value in result.text


def test_price_is_not_a_phone_number(normalizer: PersianNormalizer) -> None:
    result = normalizer.normalize("قیمتش ۱۲۰۰۰۰۰ تومان شده")
    assert not result.entities_of("phone")


def test_laughter_is_not_a_word(normalizer: PersianNormalizer) -> None:
    result = normalizer.normalize("هههههه عالی بود")
    assert [t.key for t in result.tokens] == ["عالی", "بود"]


def test_zwnj_folded_for_matching(normalizer: PersianNormalizer) -> None:
    tokens = normalizer.normalize(f"بی{ZWNJ}شعور").tokens
    assert [t.key for t in tokens] == ["بیشعور"]


def test_tokens_map_to_original_characters(normalizer: PersianNormalizer) -> None:
    raw = "سلام،   اِحمـــقققق\u200b ها!! ببین https://x.ir"
    result = normalizer.normalize(raw)
    spans = [raw[slice(*result.to_original(t.start, t.end))] for t in result.tokens]
    assert "اِحمـــقققق" in spans[1]
    assert spans[0] == "سلام"
    assert all(raw.find(s) >= 0 for s in spans)


def test_normalizer_is_versioned_and_pure(normalizer: PersianNormalizer) -> None:
    first = normalizer.normalize("كتابها را می خوانم")
    second = normalizer.normalize("كتابها را می خوانم")
    assert first.text == second.text
    assert first.version == NORMALIZER_VERSION == PersianNormalizer.version
