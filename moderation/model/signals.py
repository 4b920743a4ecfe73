"""Dense signals beside the text features: lexicon, spam, accusation targets, topic similarity.

Computed by the same code in training and in serving, from the same inputs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from moderation.lexicon import LexiconMatch, SpamSignal
from moderation.model.vectors import SparseVector, cosine
from moderation.text import NormalizedText

# Words that accuse someone of wrongdoing (theft, embezzlement, bribery, lying, fraud…),
# as matching keys (no ZWNJ); enclitics are allowed by prefix match below.
ACCUSATION_STEMS = tuple(
    """
    دزد دزدی دزدید دزدیده دزدا اختلاس اختلاسگر رشوه رشوه‌خوار رشوه‌گیر فاسد فساد دروغ دروغگو دروغگویی
    کلاهبردار کلاهبرداری کلاه‌برداری رانت رانتخوار رانت‌خوار پارتی‌بازی پارتی سوءاستفاده سواستفاده
    تقلب متقلب جعل پولشویی قاچاق قاچاقچی خیانت خائن زدوبند بندوبست حیف‌ومیل بالاکشید بالا‌کشید
    چپاول چپاولگر غارت غارتگر اختلاسی زیرمیزی باج باج‌خواهی تبانی فامیل‌بازی خویشاوندسالاری
    کم‌فروشی گرانفروشی گران‌فروشی احتکار محتکر سرقت سارق مفسد جیب‌شون جیبشون خوردن‌ خوردند خوردن
    """.replace("\u200c", "").split()
)
# Who can be accused: honorifics, official titles and kinds of organisation.
TARGET_WORDS = frozenset(
    """
    آقای آقا خانم دکتر مهندس حاج حاجی جناب سرکار
    شهردار شهرداری فرماندار فرمانداری استاندار استانداری وزیر وزارت معاون مدیرکل مدیر مدیرعامل رئیس رییس
    نماینده نمایندگان شورا شورای دادستان قاضی رئیس‌جمهور سرپرست بخشدار دهیار امام‌جمعه فرمانده
    شرکت باشگاه سازمان اداره بانک هیئت هیات کارخانه بیمارستان دانشگاه تعزیرات اتحادیه انجمن
    مربی داور سرمربی
    """.replace("\u200c", "").split()
)
_WORD_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """The article (and parent comment) a comment is judged against, vectorised once."""

    full: SparseVector
    headline: SparseVector
    words: frozenset[str]
    parent: SparseVector | None


def accusation_terms(text: NormalizedText) -> list[tuple[int, int]]:
    """Spans (on the original) of words that accuse of wrongdoing."""
    spans = []
    for token in text.tokens:
        if token.key.startswith(ACCUSATION_STEMS):
            spans.append(text.to_original(token.start, token.end))
    return spans


def accusation_targets(text: NormalizedText, article_words: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of who is accused: titles, honorifics, organisations, or names the article uses."""
    spans = []
    for token in text.tokens:
        if token.key in TARGET_WORDS or (len(token.key) >= 3 and token.key in article_words and token.key[0].isalpha()):
            spans.append(text.to_original(token.start, token.end))
    return spans


def dense_signals(
    text: NormalizedText,
    lexicon: list[LexiconMatch],
    spam: list[SpamSignal],
    comment_vector: SparseVector,
    context: ArticleContext | None,
    common_words: frozenset[str],
) -> dict[str, float]:
    """Every dense signal, by name; the model picks the ones each head uses."""
    tokens = text.tokens
    n_tokens = len(tokens)
    severities = [m.severity for m in lexicon if m.category != "threat"]
    signals: dict[str, float] = {
        "log_tokens": math.log1p(n_tokens),
        "lexicon_hits": float(len(severities)),
        "lexicon_max_severity": float(max(severities, default=0)),
        "lexicon_threat": float(any(m.category == "threat" for m in lexicon)),
        "lexicon_evasion": float(any(m.evasions for m in lexicon)),
        "spam_links": float(sum(s.kind in ("url", "email") for s in spam)),
        "spam_phones": float(sum(s.kind == "phone" for s in spam)),
        "spam_handles": float(sum(s.kind == "mention" for s in spam)),
        "spam_ad_phrases": float(sum(s.kind == "ad_phrase" for s in spam)),
        "spam_repetition": float(sum(s.kind in ("repeated_chars", "repeated_words") for s in spam)),
    }
    article_words = context.words if context else frozenset()
    terms = accusation_terms(text)
    rare_article_words = [t for t in tokens if t.key in article_words and t.key not in common_words and len(t.key) >= 3]
    has_target = any(t.key in TARGET_WORDS for t in tokens) or bool(rare_article_words)
    signals.update(
        {
            "accusation_terms": float(len(terms)),
            "accusation_target": float(has_target),
            "accusation_both": float(bool(terms) and has_target),
        }
    )
    if context is not None:
        content = [t.key for t in tokens if t.key not in common_words and len(t.key) >= 3]
        overlap = sum(1 for w in content if w in article_words) / len(content) if content else 0.0
        signals.update(
            {
                "topic_article": cosine(comment_vector, context.full),
                "topic_headline": cosine(comment_vector, context.headline),
                "topic_overlap": overlap,
                "topic_content_words": math.log1p(len(content)),
                "topic_parent": cosine(comment_vector, context.parent) if context.parent is not None else 0.0,
                "is_reply": float(context.parent is not None),
                "topic_known": 1.0,
            }
        )
    else:
        signals.update(
            {
                "topic_article": 0.0,
                "topic_headline": 0.0,
                "topic_overlap": 0.0,
                "topic_content_words": 0.0,
                "topic_parent": 0.0,
                "is_reply": 0.0,
                "topic_known": 0.0,
            }
        )
    return signals


def words_of(text: NormalizedText) -> frozenset[str]:
    return frozenset(t.key for t in text.tokens)
