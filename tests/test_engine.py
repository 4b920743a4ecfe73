"""The decision engine with the shipped model: verdicts, reasons, spans on the original text, policy."""

from __future__ import annotations

import pytest

from moderation.engine import APPROVE, REJECT, REVIEW, ArticleText, CommentInput, ModerationEngine
from moderation.policy import PolicyError, default_policy

LIBRARY = ArticleText(
    title="کتابخانه عمومی شهر پس از چهار سال بازسازی دوباره افتتاح شد",
    lead="کتابخانه مرکزی شهر با ۴۰ هزار جلد کتاب و سالن مطالعه ۲۰۰ نفره روز شنبه با حضور شهردار بازگشایی شد.",
    body=(
        "به گزارش خبرنگار ما، کتابخانه مرکزی که از چهار سال پیش برای بازسازی تعطیل بود، با حضور محمد رضایی "
        "شهردار و مدیرکل کتابخانه‌های عمومی استان افتتاح شد. این کتابخانه بخش کودکان، مخزن نسخه‌های خطی و "
        "سالن مطالعه دارد و ساعت کار آن از هشت صبح تا ده شب است.\n\n"
        "رضایی گفت هزینه بازسازی از محل بودجه شهرداری تأمین شده و عضویت برای دانش‌آموزان رایگان است."
    ),
)


def decide(engine: ModerationEngine, text: str, article: ArticleText | None = LIBRARY, parent: str | None = None):
    return engine.moderate(CommentInput(text, article, parent))


def codes(decision) -> set[str]:
    return {r.code for r in decision.reasons}


@pytest.mark.parametrize(
    "text",
    [
        "خیلی خوب شد که بالاخره کتابخانه باز شد، سالن مطالعه‌اش برای بچه‌های کنکوری عالیه",
        "عالی بود",
        "ممنون از گزارش خوبتون",
        "ساعت کاری تا ده شب واقعا خوبه، امیدوارم جمعه‌ها هم باز باشه",
        "👏👏👏",
    ],
)
def test_clean_on_topic_comments_are_approved(engine: ModerationEngine, text: str) -> None:
    decision = decide(engine, text)
    assert decision.verdict == APPROVE, decision.reasons
    assert decision.reasons == ()


def test_harsh_criticism_of_a_policy_is_not_an_insult(engine: ModerationEngine) -> None:
    decision = decide(engine, "چهار سال بازسازی برای یک کتابخانه یعنی مدیریت افتضاح پروژه، این تأخیر قابل قبول نیست")
    assert "insult" not in codes(decision)
    assert decision.verdict != REJECT


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("نویسنده این خبر واقعا احمقه، برو گمشو", "احمقه"),
        ("تو یه ا.ح.م.ق بیشعوری که هیچی نمی‌فهمی", "ا.ح.م.ق"),
        ("خفه شو بیسواد، تو چه میدونی از کتاب", "بیسواد"),
    ],
)
def test_insults_are_rejected_with_spans_on_the_original(engine: ModerationEngine, text: str, word: str) -> None:
    decision = decide(engine, text)
    assert decision.verdict == REJECT
    reason = next(r for r in decision.reasons if r.code in ("insult", "profanity"))
    assert reason.message.startswith("نظر شما")
    assert any(text[s.start : s.end] == s.text and word in s.text for s in reason.spans)


def test_accusation_against_a_named_official_goes_to_review(engine: ModerationEngine) -> None:
    decision = decide(engine, "شهردار رضایی خودش از بودجه بازسازی اختلاس کرده و پول رو بالا کشیده")
    assert "accusation" in codes(decision)
    accusation = next(r for r in decision.reasons if r.code == "accusation")
    assert accusation.action == REVIEW
    assert any(s.source == "accusation_term" for s in accusation.spans)


def test_accusations_can_never_be_set_to_auto_reject() -> None:
    with pytest.raises(PolicyError, match="accusation"):
        default_policy().with_overrides({"categories": {"accusation": {"can_reject": True}}})


def test_off_topic_comment_goes_to_review(engine: ModerationEngine) -> None:
    decision = decide(engine, "کسی میدونه یارانه این ماه کی واریز میشه؟ هنوز به حساب ما نریختن")
    assert "off_topic" in codes(decision)
    assert decision.verdict == REVIEW


def test_without_article_off_topic_is_skipped_and_said(engine: ModerationEngine) -> None:
    decision = decide(engine, "کسی میدونه یارانه این ماه کی واریز میشه؟", article=None)
    assert "off_topic" not in codes(decision)
    assert any("off_topic" in note for note in decision.notes)


def test_spam_with_a_phone_number_is_rejected(engine: ModerationEngine) -> None:
    text = "وام فوری بدون ضامن با کمترین سود، تماس بگیرید ۰۹۱۲۳۴۵۶۷۸۹"
    decision = decide(engine, text)
    assert decision.verdict == REJECT
    spam = next(r for r in decision.reasons if r.code == "spam")
    assert any(s.detail == "phone" and text[s.start : s.end] == "۰۹۱۲۳۴۵۶۷۸۹" for s in spam.spans)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("هذا القرار خاطئ تماما ولا يخدم الناس", "non_persian"),
        ("This library is great, thanks for the report", "non_persian"),
        ("kheili khoob shod ke ketabkhune baz shod, merci", "finglish"),
        # Scripts other than Arabic and Latin were once "undetermined", which the default policy approves.
        ("Спасибо за статью, очень интересно", "non_persian"),
        ("תודה על הכתבה המעניינת", "non_persian"),
        ("非常好的文章，谢谢", "non_persian"),
        # French with "merci" in it was once called Finglish.
        ("Merci pour cet article, c'est très intéressant", "non_persian"),
    ],
)
def test_other_languages_are_rejected_with_a_reason(engine: ModerationEngine, text: str, code: str) -> None:
    decision = decide(engine, text)
    assert decision.verdict == REJECT
    assert code in codes(decision)
    assert "فارسی" in decision.message


def test_emoji_only_is_approved(engine: ModerationEngine) -> None:
    decision = decide(engine, "😍😍")
    assert decision.language.code == "und"
    assert decision.verdict == APPROVE


def test_decision_explains_itself(engine: ModerationEngine) -> None:
    data = decide(engine, "نویسنده این خبر احمقه").to_dict()
    assert set(data["scores"]) == {"insult", "spam", "off_topic", "accusation"}
    assert set(data["versions"]) == {"normalizer", "language_gate", "lexicon", "model"}
    assert data["versions"]["model"].startswith("moderation@v")
    assert data["verdict"] == REJECT and data["message"]
    for reason in data["reasons"]:
        assert {"code", "action", "score", "threshold", "message", "spans"} <= set(reason)


def test_site_policy_overrides_thresholds_and_words(engine: ModerationEngine) -> None:
    lenient = default_policy().with_overrides({"categories": {"off_topic": {"enabled": False}}})
    decision = engine.moderate(CommentInput("کسی میدونه یارانه این ماه کی واریز میشه؟", LIBRARY), lenient)
    assert "off_topic" not in codes(decision)
    strict = default_policy().with_overrides({"deny_terms": ["کتابخوار"]})
    decision = engine.moderate(CommentInput("تو یه کتابخوار واقعی هستی", LIBRARY), strict)
    assert any(s.text == "کتابخوار" for r in decision.reasons for s in r.spans)
    assert decision.versions["lexicon"] != engine.lexicon.version


def test_no_model_means_review_never_approve(engine: ModerationEngine) -> None:
    broken = ModerationEngine(engine.normalizer, engine.gate, engine.lexicon, None, None)
    decision = broken.moderate(CommentInput("خیلی خوب بود", LIBRARY))
    assert decision.verdict == REVIEW
    assert "degraded" in codes(decision)
    assert decision.degraded == ("model",)


@pytest.mark.parametrize("text", ["\ud800\x00" * 10, "سلام " * 5000, "\u202e" * 100 + "احمق", ""])
def test_any_text_gets_a_decision(engine: ModerationEngine, text: str) -> None:
    decision = decide(engine, text)
    assert decision.verdict in (APPROVE, REVIEW, REJECT)
    for reason in decision.reasons:
        for span in reason.spans:
            assert 0 <= span.start <= span.end <= len(text)


def test_a_service_warm_up_answers_before_langdetect_and_then_exactly_as_a_full_one(engine: ModerationEngine) -> None:
    """The service warms langdetect's profiles in a thread (0.6 s of its start-up); a comment that needs
    them in that window waits for them and gets the decision a fully warmed engine gives."""
    from moderation.language import LanguageGate

    assert engine.gate.langdetect_loaded  # the session's engine is warmed in full, as tools build it
    fresh = ModerationEngine(
        engine.normalizer, LanguageGate(), engine.lexicon, engine.model, engine.model_version, latency_budget_ms=None
    )
    assert not fresh.gate.langdetect_loaded
    fresh.warm_up(background=True)
    text = "Diese Bibliothek ist wunderbar, danke für den Bericht"  # Latin script, no English or Finglish words
    got, expected = decide(fresh, text), decide(engine, text)  # asked while the thread may still be loading
    assert (got.verdict, got.language, codes(got)) == (expected.verdict, expected.language, codes(expected))
    assert got.language.method == "langdetect" and got.language.code == "de"
    assert fresh.gate.langdetect_loaded
