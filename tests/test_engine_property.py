"""Generated text against the whole engine and the API: any Unicode string (lone surrogates, NUL, bidi
overrides, emoji, mixed scripts, very long) gets a decision, or through HTTP a clear 4xx, and every span
points inside the original text at exactly the characters it quotes.

test_offsets_property.py does the same for the normalizer alone; test_engine.py has a few fixed cases.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.engine import APPROVE, REJECT, REVIEW, ArticleText, CommentInput, Decision, ModerationEngine
from moderation.sites import create_site
from tests.apps import app_client

ARTICLE = ArticleText("کتابخانه مرکزی شهر بازگشایی شد", "کتابخانه با ۴۰ هزار جلد کتاب افتتاح شد.")

# Pieces that stress the normalizer's offset map and the detectors when mixed.
PIECES = [
    "احمق",
    "ا.ح.م.ق",
    "کثافت",
    "کتابخانه",
    "می‌خواهم",
    "ريال",
    "كتاب",
    "۱۲۳",
    "٤٥٦",
    "09121234567",
    "www.example.com",
    "@handle",
    "#هشتگ",
    "خخخخخ",
    "kheili khoob",
    "Hello",
    "привет",
    "中文",
    "עברית",
    "😀",
    "👍🏽",
    "👨‍👩‍👧",
    "🇮🇷",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200f",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u0640" * 5,
    "\u064b\u0651",
    "\x00",
    "\ud800",
    "\udfff",
    "\n",
    "\t",
    " ",
    "<script>",
    "'; --",
]
mixed_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=400)  # includes Cs (surrogates)


def assert_spans_inside(text: str, decision: Decision) -> None:
    assert decision.verdict in (APPROVE, REVIEW, REJECT)
    for reason in decision.reasons:
        for span in reason.spans:
            assert 0 <= span.start <= span.end <= len(text), (span, len(text))
            assert text[span.start : span.end] == span.text, span


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(any_text, mixed_text), with_article=st.booleans())
def test_any_string_gets_a_decision_with_spans_inside(engine: ModerationEngine, text: str, with_article: bool) -> None:
    decision = engine.moderate(CommentInput(text, ARTICLE if with_article else None, parent_text=text[:50] or None))
    assert_spans_inside(text, decision)


@pytest.mark.parametrize(
    "text",
    [
        "سلام احمق " * 10_000,  # 100k characters with a hit every ten
        "😀" * 10_000,
        "👨‍👩‍👧" * 3_000 + "احمق",
        "".join(itertools.islice(itertools.cycle(PIECES), 5_000)),  # every piece, mixed, ~20k characters
        "\u202e" * 20_000 + "احمق",
        "\x00" * 50_000,
        "\ud800" * 10_000 + "کثافت",
    ],
    ids=["100k", "10k-emoji", "zwj-emoji", "mixed-scripts", "bidi", "nul", "surrogates"],
)
def test_extreme_strings_get_a_decision(engine: ModerationEngine, text: str) -> None:
    decision = engine.moderate(CommentInput(text, ARTICLE))
    assert_spans_inside(text, decision)


@pytest.fixture()
def api(database_url: str, tmp_path: Path, engine: ModerationEngine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with app_client(engine, tmp_path, database_url, raise_server_exceptions=False, rate_limit_burst=10**6) as client:
        with client.app.state.runtime.sessions.begin() as session:  # type: ignore[attr-defined]
            _, key, _ = create_site(session, "property")
        yield client, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


_ids = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(any_text, mixed_text))
def test_any_string_through_http_is_a_decision_or_a_clear_4xx(
    api: tuple[TestClient, dict[str, str]], text: str
) -> None:
    client, headers = api
    body = json.dumps({"comment_id": f"p{next(_ids)}", "text": text, "article_id": "a1"})  # \ud800 stays an escape
    response = client.post("/v1/moderate", headers=headers, content=body)
    assert response.status_code in (200, 413, 422), response.text[:300]
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message"}
        return
    for reason in response.json()["decision"]["reasons"]:
        for span in reason["spans"]:
            assert text[span["start"] : span["end"]] == span["text"]
