"""Coral Talk's external moderation phase and the Perspective-compatible API: the mapping in the core,
and HTTP through the app with requests built the way Coral and Perspective clients build them."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from moderation.engine import ModerationEngine
from moderation.integrations import coral, perspective
from moderation.sites import SiteError, create_site
from moderation.storage.tables import Comment, CoralLink, FeedbackExample, ReviewItem, Revision
from tests.apps import app_client

TENANT, CORAL_SITE = "tenant-1f0c", "site-77aa"
SECRET = "ems_" + "a1" * 20
NEW_SECRET = "ems_" + "b2" * 20
ARTICLE = {"title": "کتابخانه مرکزی شهر بازگشایی شد", "lead": "کتابخانه با ۴۰ هزار جلد کتاب و سالن مطالعه افتتاح شد."}
INSULT = "نویسنده این خبر واقعا ا.ح.م.ق است"
FRIENDLY = "گزارش خوبی بود، ممنون از کتابخانه"
OFF_TOPIC = "کسی میدونه یارانه کی واریز میشه؟"


# -- helpers: a Coral server and a Perspective client, as they build their requests ---------------


def coral_request(
    body: str, role: str = "COMMENTER", story: str = "story-1", parent: str | None = None, action: str = "NEW"
) -> dict[str, Any]:
    """The payload in the order and shape Coral's external phase builds it (external.ts)."""
    return {
        "tenant": {"id": TENANT, "domain": "news.example"},
        "action": action,
        "comment": {"body": body, "parentID": parent},
        "author": {"id": "user-42", "role": role},
        "story": {"id": story, "url": f"https://news.example/{story}"},
        "site": {"id": CORAL_SITE},
    }


def coral_post(
    client: TestClient, payload: dict[str, Any], secrets: list[str] | None = None, header: str | None = None
):  # type: ignore[no-untyped-def]
    """POST as Coral does: JSON.stringify(data, null, 2), each active secret's HMAC as `sha256=<hex>`, comma-joined."""
    raw = json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")
    if header is None:
        header = ",".join(
            "sha256=" + hmac.new(s.encode(), raw, hashlib.sha256).hexdigest() for s in (secrets or [SECRET])
        )
    headers = {"Content-Type": "application/json", "User-Agent": "Coral Moderation/8.0.0"}
    if header:
        headers["X-Coral-Signature"] = header
    return client.post("/integrations/coral/phase", content=raw, headers=headers)


def assert_error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


def assert_google_error(response, status: int, google_status: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["code"] == status and body["error"]["status"] == google_status
    return str(body["error"]["message"])


@pytest.fixture()
def client(tmp_path: Path, engine: ModerationEngine):  # type: ignore[no-untyped-def]
    with app_client(engine, tmp_path) as test_client:
        yield test_client


@pytest.fixture()
def key(client: TestClient) -> str:
    """Our site `news-a`, linked to Coral's tenant site with SECRET; returns its API key."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions.begin() as session:
        _, api_key, _ = create_site(session, "news-a")
        coral.link(session, TENANT, CORAL_SITE, "news-a", SECRET)
    return api_key


def count(client: TestClient, table: Any) -> int:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


# -- the core: signatures ----------------------------------------------------------------------------


def test_signature_is_the_hmac_of_the_raw_body() -> None:
    raw = b'{\n  "a": 1\n}'
    good = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert coral.sign(SECRET, raw) == good
    assert coral.verify_signature(raw, good, [SECRET])
    assert coral.verify_signature(raw, good.upper().replace("SHA256=", "sha256="), [SECRET])
    assert not coral.verify_signature(raw + b" ", good, [SECRET]), "any change of the body breaks it"
    assert not coral.verify_signature(raw, good, [NEW_SECRET])
    assert not coral.verify_signature(raw, None, [SECRET])
    assert not coral.verify_signature(raw, "", [SECRET])
    assert not coral.verify_signature(raw, good.removeprefix("sha256="), [SECRET]), "the sha256= prefix is required"
    assert not coral.verify_signature(raw, "sha1=" + good[7:], [SECRET])
    assert not coral.verify_signature(raw, good, [])


def test_signature_during_rotation_accepts_either_value_and_either_secret() -> None:
    raw = b'{"x": "y"}'
    both = f"{coral.sign(NEW_SECRET, raw)},{coral.sign(SECRET, raw)}"
    assert coral.verify_signature(raw, both, [SECRET])  # we still know only the old secret
    assert coral.verify_signature(raw, both, [NEW_SECRET, SECRET])
    assert coral.verify_signature(raw, coral.sign(SECRET, raw), [NEW_SECRET, SECRET])
    assert coral.verify_signature(raw, f"sha256={'0' * 64}, {coral.sign(NEW_SECRET, raw)}", [NEW_SECRET])
    assert not coral.verify_signature(raw, f"sha256={'0' * 64},sha256={'1' * 64}", [NEW_SECRET, SECRET])


# -- the core: Coral mapping ---------------------------------------------------------------------------


def _decision(verdict: str, *codes: str) -> dict[str, Any]:
    reasons = [
        {"code": c, "action": verdict, "score": 0.9, "threshold": 0.5, "message": "", "spans": []} for c in codes
    ]
    return {"verdict": verdict, "reasons": reasons, "message": "پیام", "notes": [], "versions": {"model": "m@v1"}}


@pytest.mark.parametrize(
    ("decision", "status", "flags"),
    [
        (_decision("approve"), "APPROVED", []),
        (_decision("reject", "insult"), "REJECTED", [("COMMENT_DETECTED_TOXIC", "insult")]),
        (_decision("reject", "profanity", "threat"), "REJECTED", [("COMMENT_DETECTED_TOXIC", "profanity,threat")]),
        (_decision("review", "accusation"), "PREMOD", [("COMMENT_DETECTED_TOXIC", "accusation")]),
        (_decision("review", "spam"), "PREMOD", [("COMMENT_DETECTED_SPAM", "spam")]),
        (
            _decision("review", "off_topic", "insult"),
            "PREMOD",
            [("COMMENT_DETECTED_SPAM", "off_topic"), ("COMMENT_DETECTED_TOXIC", "insult")],
        ),
        (_decision("review", "non_persian"), "PREMOD", [("COMMENT_DETECTED_SPAM", "non_persian")]),
        (_decision("review"), "PREMOD", [("COMMENT_DETECTED_SPAM", "review")]),
    ],
)
def test_verdicts_map_to_coral_status_and_flags(
    decision: dict[str, Any], status: str, flags: list[tuple[str, str]]
) -> None:
    result = coral.phase_result(decision, "coral:abc", "story-1")
    assert result["status"] == status
    assert [(a["reason"], a["additionalDetails"]) for a in result["actions"]] == flags
    assert all(a["actionType"] == "FLAG" for a in result["actions"])
    assert result["tags"] == []
    assert result["metadata"]["persianModeration"]["commentId"] == "coral:abc"
    assert result["metadata"]["persianModeration"]["notes"] == []


def test_missing_article_is_said_in_the_result() -> None:
    decision = {**_decision("approve"), "notes": ["off_topic skipped: no article text"]}
    result = coral.phase_result(decision, "coral:abc", "story-9")
    assert result["metadata"]["persianModeration"]["notes"] == [
        "off_topic skipped: no article text",
        "no article text registered under the story id 'story-9' (PUT /v1/articles/story-9)",
    ]


def _phase(**changes: str | None) -> coral.PhaseInput:
    values: dict[str, Any] = dict(
        action="NEW",
        body="سلام",
        parent_id=None,
        author_id="u1",
        author_role="COMMENTER",
        story_id="s1",
        story_url="https://x/s1",
        coral_site_id="cs",
        tenant_id="t",
    )
    values.update(changes)
    return coral.PhaseInput(**values)


def test_comment_ids_are_stable_and_tell_comments_apart() -> None:
    base = coral.comment_id(_phase())
    assert base == coral.comment_id(_phase()) and base.startswith("coral:") and len(base) == 46
    assert base == coral.comment_id(_phase(action="EDIT", story_url="https://other")), "url and action are not identity"
    for change in ({"body": "سلام!"}, {"author_id": "u2"}, {"story_id": "s2"}, {"parent_id": "p"}, {"tenant_id": "t2"}):
        assert coral.comment_id(_phase(**change)) != base, change


@pytest.mark.parametrize(
    ("role", "moderated"),
    [("COMMENTER", True), ("MEMBER", True), ("STAFF", False), ("MODERATOR", False), ("ADMIN", False), ("admin", False)],
)
def test_staff_moderators_and_admins_are_not_moderated(role: str, moderated: bool) -> None:
    assert coral.is_moderated(_phase(author_role=role)) is moderated


def test_story_ids_that_cannot_be_article_ids_are_hashed() -> None:
    assert (
        coral.article_id(_phase(story_id="5f1c2d9e-aaaa-4bbb-8ccc-123456789abc"))
        == "5f1c2d9e-aaaa-4bbb-8ccc-123456789abc"
    )
    hashed = coral.article_id(_phase(story_id="https://news.example/a b"))
    assert hashed.startswith("coral-story:") and "/" not in hashed


def test_links_keep_two_secrets_while_rotating(database_url: str) -> None:
    from sqlalchemy.orm import sessionmaker

    from moderation.storage import build_engine, upgrade

    database = build_engine(database_url)
    upgrade(database)
    sessions = sessionmaker(database, expire_on_commit=False)
    with sessions.begin() as session:
        create_site(session, "news-a")
        create_site(session, "news-b")
        with pytest.raises(SiteError, match="signing secret"):
            coral.link(session, "t", "s", "news-a", None)
        with pytest.raises(SiteError, match="16 to 200"):
            coral.link(session, "t", "s", "news-a", "short")
        with pytest.raises(SiteError, match="no site"):
            coral.link(session, "t", "s", "nope", SECRET)
        info, created = coral.link(session, "t", "s", "news-a", SECRET)
        assert created and info.secrets == (SECRET,) and info.site.name == "news-a"
    with sessions.begin() as session:
        info, created = coral.link(session, "t", "s", "news-b", NEW_SECRET)
        assert not created and info.secrets == (NEW_SECRET, SECRET) and info.site.name == "news-b"
    with sessions.begin() as session:
        coral.drop_previous_secret(session, "t", "s")
    with sessions() as session:
        found = coral.find_link(session, "t", "s")
        assert found is not None and found.secrets == (NEW_SECRET,)
        assert coral.find_link(session, "t", "other") is None
        assert session.scalar(select(func.count()).select_from(CoralLink)) == 1
    database.dispose()


# -- the core: Perspective mapping ------------------------------------------------------------------------


def _span(start: int, end: int, category: str) -> dict[str, Any]:
    return {"start": start, "end": end, "text": "x", "source": "lexicon", "detail": f"term|{category}|"}


def test_attribute_scores_follow_the_documented_mapping() -> None:
    decision = {
        "verdict": "reject",
        "scores": {"insult": 0.62, "spam": 0.1, "off_topic": 0.8, "accusation": 0.05},
        "reasons": [
            {"code": "profanity", "action": "reject", "score": 1.0, "threshold": 3.0, "spans": [_span(0, 4, "sexual")]},
            {"code": "insult", "action": "review", "score": 0.62, "threshold": 0.5, "spans": [_span(10, 14, "slur")]},
        ],
        "notes": [],
    }
    plain = perspective.AttributeRequest()
    names = [
        "TOXICITY",
        "SEVERE_TOXICITY",
        "INSULT",
        "PROFANITY",
        "SEXUALLY_EXPLICIT",
        "IDENTITY_ATTACK",
        "THREAT",
        "SPAM",
        "OFF_TOPIC",
        "ACCUSATION_EXPERIMENTAL",
    ]
    scores = perspective.attribute_scores(decision, dict.fromkeys(names, plain), spans=True)
    summary = {name: scores[name]["summaryScore"]["value"] for name in names}
    assert summary == {
        "TOXICITY": 1.0,
        "SEVERE_TOXICITY": 1.0,
        "INSULT": 0.62,
        "PROFANITY": 1.0,
        "SEXUALLY_EXPLICIT": 1.0,
        "IDENTITY_ATTACK": 0.62,
        "THREAT": 0.0,
        "SPAM": 0.1,
        "OFF_TOPIC": 0.8,
        "ACCUSATION_EXPERIMENTAL": 0.05,
    }
    assert all(scores[n]["summaryScore"]["type"] == "PROBABILITY" for n in names)
    assert [(s["begin"], s["end"], s["score"]["value"]) for s in scores["IDENTITY_ATTACK"]["spanScores"]] == [
        (10, 14, 0.62)
    ]
    assert [(s["begin"], s["end"]) for s in scores["TOXICITY"]["spanScores"]] == [(0, 4), (10, 14)]
    assert scores["SPAM"]["spanScores"] == []
    # without spanAnnotations there are no span scores; a threshold leaves out lower scores
    quiet = perspective.attribute_scores(
        decision, {"INSULT": perspective.AttributeRequest(score_threshold=0.7), "TOXICITY": plain}, spans=False
    )
    assert set(quiet) == {"TOXICITY"} and "spanScores" not in quiet["TOXICITY"]


def test_off_topic_is_not_reported_without_article_text() -> None:
    decision = {
        "verdict": "approve",
        "scores": {"off_topic": 0.9},
        "reasons": [],
        "notes": ["off_topic skipped: no article text"],
    }
    scores = perspective.attribute_scores(decision, {"OFF_TOPIC": perspective.AttributeRequest()}, spans=False)
    assert scores["OFF_TOPIC"]["summaryScore"]["value"] == 0.0


@pytest.mark.parametrize(
    ("attributes", "languages", "message"),
    [
        ({"UNSUBSTANTIAL": {}}, (), "Unknown requested attribute: UNSUBSTANTIAL"),
        ({"TOXICITY": {}, "FLIRTATION": {}}, (), "Unknown requested attribute: FLIRTATION"),
        ({"TOXICITY": {"score_type": "STD_DEV_SCORE"}}, (), "does not support score type"),
        ({"INSULT": {}}, ("de",), "Attribute INSULT does not support request languages: de"),
        ({}, (), "at least one attribute"),
    ],
)
def test_requests_perspective_refuses_are_refused(
    attributes: dict[str, dict[str, str]], languages: tuple[str, ...], message: str
) -> None:
    request = perspective.AnalyzeRequest(
        "سلام", {name: perspective.AttributeRequest(**config) for name, config in attributes.items()}, languages
    )
    with pytest.raises(perspective.PerspectiveError, match=message):
        perspective.check(request)


@pytest.mark.parametrize("languages", [(), ("fa",), ("fa-IR",), ("en",), ("en", "fa")])
def test_persian_and_corals_english_default_are_accepted(languages: tuple[str, ...]) -> None:
    perspective.check(perspective.AnalyzeRequest("سلام", {"TOXICITY": perspective.AttributeRequest()}, languages))


@pytest.mark.parametrize(
    ("scores", "label"),
    [
        ({"TOXICITY": 0.0}, "approve"),
        ({"TOXICITY": 1.0}, "reject"),
        ({"TOXICITY": 0.2, "INSULT": 0.7}, "reject"),
        ({"APPROVED": 1.0}, "approve"),
        ({"REJECTED": 1.0}, "reject"),
        ({"DELETED": 1.0}, "reject"),
    ],
)
def test_suggested_scores_become_labels(scores: dict[str, float], label: str) -> None:
    assert perspective.suggestion_label(scores) == label


# -- HTTP: Coral's external moderation phase ------------------------------------------------------------


def test_coral_phase_moderates_stores_and_answers_corals_contract(client: TestClient, key: str) -> None:
    response = coral_post(client, coral_request(INSULT))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "REJECTED"
    assert body["actions"][0] == {
        "actionType": "FLAG",
        "reason": "COMMENT_DETECTED_TOXIC",
        "additionalDetails": "insult",
    }
    assert set(body) == {"status", "actions", "tags", "metadata"}
    moderation = body["metadata"]["persianModeration"]
    assert moderation["message"].startswith("نظر شما")
    # stored before the reply, like any comment, under the derived id
    stored = client.get(f"/v1/comments/{moderation['commentId']}", headers={"Authorization": f"Bearer {key}"}).json()
    assert stored["state"] == "rejected" and stored["article_id"] == "story-1"
    assert stored["revisions"][0]["decisions"][0]["verdict"] == "reject"
    # Coral retrying the same comment gets the same answer and no second comment
    again = coral_post(client, coral_request(INSULT))
    assert again.json()["status"] == "REJECTED" and count(client, Comment) == 1 and count(client, Revision) == 1


def test_coral_phase_approves_and_holds_for_review_in_our_queue(client: TestClient, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    assert client.put("/v1/articles/lib-1", headers=headers, json=ARTICLE).status_code == 200
    approved = coral_post(client, coral_request(FRIENDLY, story="lib-1")).json()
    assert approved["status"] == "APPROVED" and approved["actions"] == []
    assert not any("skipped" in note for note in approved["metadata"]["persianModeration"]["notes"])
    held = coral_post(client, coral_request(OFF_TOPIC, story="lib-1")).json()
    assert held["status"] == "PREMOD"
    assert {"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM", "additionalDetails": "off_topic"} in held[
        "actions"
    ]
    assert count(client, ReviewItem) == 1, "a comment held for review is in our review queue"


def test_coral_phase_without_a_registered_article_skips_off_topic_and_says_so(client: TestClient, key: str) -> None:
    body = coral_post(client, coral_request(OFF_TOPIC, story="never-registered")).json()
    assert "off_topic" not in body["metadata"]["persianModeration"]["reasons"]
    notes = body["metadata"]["persianModeration"]["notes"]
    assert "off_topic skipped: no article text" in notes
    assert (
        "no article text registered under the story id 'never-registered' (PUT /v1/articles/never-registered)" in notes
    )


@pytest.mark.parametrize("role", ["STAFF", "MODERATOR", "ADMIN"])
def test_coral_phase_staff_comments_are_not_moderated(client: TestClient, key: str, role: str) -> None:
    response = coral_post(client, coral_request(INSULT, role=role))
    assert response.status_code == 204 and response.content == b""
    assert count(client, Comment) == 0


def test_coral_phase_refuses_unsigned_and_wrongly_signed_requests(client: TestClient, key: str) -> None:
    assert_error(coral_post(client, coral_request(FRIENDLY), header=""), 401, "invalid_signature")
    assert_error(coral_post(client, coral_request(FRIENDLY), secrets=[NEW_SECRET]), 401, "invalid_signature")
    assert_error(coral_post(client, coral_request(FRIENDLY), header="sha256=zz"), 401, "invalid_signature")
    # signed, then changed on the way
    raw = json.dumps(coral_request(FRIENDLY), indent=2).encode()
    tampered = raw.replace(b"user-42", b"user-43")
    response = client.post(
        "/integrations/coral/phase",
        content=tampered,
        headers={"Content-Type": "application/json", "X-Coral-Signature": coral.sign(SECRET, raw)},
    )
    assert_error(response, 401, "invalid_signature")
    assert count(client, Comment) == 0


def test_coral_phase_accepts_both_secrets_during_rotation(client: TestClient, key: str) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions.begin() as session:
        coral.link(session, TENANT, CORAL_SITE, "news-a", NEW_SECRET)
    # Coral signs with both while the old secret is still active …
    assert coral_post(client, coral_request(FRIENDLY), secrets=[NEW_SECRET, SECRET]).status_code == 200
    # … and with only one of them on either side of the rotation
    assert coral_post(client, coral_request(FRIENDLY + "!"), secrets=[SECRET]).status_code == 200
    assert coral_post(client, coral_request(FRIENDLY + "!!"), secrets=[NEW_SECRET]).status_code == 200
    with runtime.sessions.begin() as session:
        coral.drop_previous_secret(session, TENANT, CORAL_SITE)
    assert_error(coral_post(client, coral_request(FRIENDLY + "!!!"), secrets=[SECRET]), 401, "invalid_signature")
    assert coral_post(client, coral_request(FRIENDLY + "!!!"), secrets=[NEW_SECRET]).status_code == 200


def test_coral_phase_accepts_tenant_id_at_the_top_level(client: TestClient, key: str) -> None:
    payload = coral_request(FRIENDLY)
    del payload["tenant"]
    payload.update(tenantID=TENANT, tenantDomain="news.example")
    assert coral_post(client, payload).json()["status"] == "APPROVED"


def test_coral_phase_unknown_tenant_site_is_404(client: TestClient, key: str) -> None:
    payload = coral_request(FRIENDLY)
    payload["site"]["id"] = "elsewhere"
    assert_error(coral_post(client, payload), 404, "coral_site_not_linked")


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 422, "invalid_request"),
        (b"\xff\xfe", 422, "invalid_request"),
        (b"[1, 2]", 422, "invalid_request"),
        (b'{"site": {"id": "x"}}', 422, "invalid_request"),
        (b'{"tenantID": 5, "site": {"id": "x"}}', 422, "invalid_request"),
        (b'{"tenantID": "t", "site": "x"}', 422, "invalid_request"),
    ],
)
def test_coral_phase_malformed_bodies_are_4xx(client: TestClient, key: str, raw: bytes, status: int, code: str) -> None:
    response = client.post("/integrations/coral/phase", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, status, code)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.pop("comment"),
        lambda p: p["comment"].update(body="   "),
        lambda p: p["comment"].update(body=5),
        lambda p: p.update(action="DELETE"),
        lambda p: p["author"].pop("role"),
        lambda p: p["story"].update(id=""),
    ],
)
def test_coral_phase_signed_but_invalid_bodies_are_422(client: TestClient, key: str, change: Any) -> None:
    payload = coral_request(FRIENDLY)
    change(payload)
    assert_error(coral_post(client, payload), 422, "invalid_request")
    assert count(client, Comment) == 0


# -- HTTP: the Perspective-compatible API ----------------------------------------------------------------


# The request of Perspective's published AnalyzeComment example (2-api/methods.md), as a client sends it.
PUBLISHED_ANALYZE = {
    "comment": {"text": "What kind of idiot name is foo? Sorry, I like your name."},
    "languages": ["en"],
    "requestedAttributes": {"TOXICITY": {}, "UNSUBSTANTIAL": {}},
}
# The published SuggestCommentScore example (its trailing comma removed: the docs' JSON is not valid JSON).
PUBLISHED_SUGGEST = {
    "comment": {"text": "I guess it comes down a simple choice: Get busy living, or get busy dying."},
    "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
    "communityId": "/forum/movies",
    "clientToken": "comment-53922",
}


def analyze(client: TestClient, key: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(f"/v1alpha1/comments:analyze?key={key}", json=body)


def test_published_example_gets_perspectives_error_for_an_unknown_attribute(client: TestClient, key: str) -> None:
    message = assert_google_error(analyze(client, key, PUBLISHED_ANALYZE), 400, "INVALID_ARGUMENT")
    assert "UNSUBSTANTIAL" in message
    known = {**PUBLISHED_ANALYZE, "requestedAttributes": {"TOXICITY": {}}}
    body = analyze(client, key, known).json()
    assert set(body) == {"attributeScores", "languages", "detectedLanguages"}
    assert set(body["attributeScores"]) == {"TOXICITY"} and body["languages"] == ["en"]
    assert body["detectedLanguages"] == ["en"]
    assert 0.0 <= body["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1.0


def test_analyze_a_persian_insult_with_spans_on_the_original_text(client: TestClient, key: str) -> None:
    body = {
        "comment": {"text": INSULT},
        "requestedAttributes": {
            "TOXICITY": {},
            "SEVERE_TOXICITY": {},
            "INSULT": {},
            "PROFANITY": {},
            "THREAT": {},
            "IDENTITY_ATTACK": {},
        },
        "languages": ["fa"],
        "doNotStore": False,
        "clientToken": "c-1",
        "spanAnnotations": True,
        "context": {"entries": [{"text": ARTICLE["title"]}, {"text": ARTICLE["lead"]}]},
    }
    out = analyze(client, key, body).json()
    scores = out["attributeScores"]
    assert set(scores) == set(body["requestedAttributes"]) and out["clientToken"] == "c-1"
    assert scores["INSULT"]["summaryScore"] == {
        "value": pytest.approx(scores["INSULT"]["summaryScore"]["value"]),
        "type": "PROBABILITY",
    }
    assert scores["INSULT"]["summaryScore"]["value"] >= 0.5 and scores["TOXICITY"]["summaryScore"]["value"] >= 0.5
    assert scores["THREAT"]["summaryScore"]["value"] == 0.0
    span = scores["INSULT"]["spanScores"][0]
    assert INSULT[span["begin"] : span["end"]] == "ا.ح.م.ق"
    assert out["detectedLanguages"] == ["fa"]
    assert count(client, Comment) == 1, "stored like any moderated comment"


def test_context_entries_are_the_article_for_off_topic(client: TestClient, key: str) -> None:
    request = {"comment": {"text": OFF_TOPIC}, "requestedAttributes": {"OFF_TOPIC": {}}, "doNotStore": True}
    without = analyze(client, key, request).json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]
    with_context = {**request, "context": {"entries": [{"text": ARTICLE["title"]}, {"text": ARTICLE["lead"]}]}}
    scored = analyze(client, key, with_context).json()["attributeScores"]["OFF_TOPIC"]["summaryScore"]["value"]
    assert without == 0.0 and scored >= 0.5


def test_do_not_store_stores_nothing(client: TestClient, key: str) -> None:
    # As Coral's toxic-comment phase sends it (perspective.ts): doNotStore, one model, languages ["en"].
    body = {
        "comment": {"text": INSULT},
        "doNotStore": True,
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }
    response = analyze(client, key, body)
    assert (
        response.status_code == 200 and response.json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"] >= 0.5
    )
    assert count(client, Comment) == 0 and count(client, Revision) == 0 and count(client, FeedbackExample) == 0
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.database.connect() as connection:
        from sqlalchemy import text

        tables = ["comment_revisions", "articles", "comments", "decisions"]
        assert all(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() == 0 for t in tables)


def test_stored_analysis_is_idempotent(client: TestClient, key: str) -> None:
    body = {"comment": {"text": FRIENDLY}, "requestedAttributes": {"TOXICITY": {}}}
    first, again = analyze(client, key, body).json(), analyze(client, key, body).json()
    assert first == again and count(client, Comment) == 1 and count(client, Revision) == 1


def test_key_may_be_a_bearer_token_and_bad_keys_are_refused(client: TestClient, key: str) -> None:
    body = {"comment": {"text": FRIENDLY}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True}
    bearer = client.post("/v1alpha1/comments:analyze", json=body, headers={"Authorization": f"Bearer {key}"})
    assert bearer.status_code == 200
    # googleapiclient adds alt=json to the query
    assert client.post(f"/v1alpha1/comments:analyze?key={key}&alt=json", json=body).status_code == 200
    assert "missing" in assert_google_error(
        client.post("/v1alpha1/comments:analyze", json=body), 403, "PERMISSION_DENIED"
    )
    assert "not valid" in assert_google_error(analyze(client, "mk_wrong", body), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    "body",
    [
        {"comment": {"text": "سلام"}},
        {"requestedAttributes": {"TOXICITY": {}}},
        {"comment": {"text": "   "}, "requestedAttributes": {"TOXICITY": {}}},
        {"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}},
        {"comment": {"text": "سلام", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}},
        {"comment": {"text": "سلام"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}},
        {"comment": {"text": "سلام"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["de"]},
        {"comment": {"text": "سلام"}, "requestedAttributes": {"TOXICITY": {}}, "colour": "red"},
        {"comment": {"text": "سلام"}, "requestedAttributes": ["TOXICITY"]},
        {"comment": {"text": "x" * 30_000}, "requestedAttributes": {"TOXICITY": {}}},
        [1, 2],
    ],
)
def test_malformed_analyze_requests_are_400_in_googles_shape(client: TestClient, key: str, body: Any) -> None:
    assert_google_error(analyze(client, key, body), 400, "INVALID_ARGUMENT")


def test_transport_errors_on_perspective_routes_are_in_googles_shape(client: TestClient, key: str) -> None:
    url = f"/v1alpha1/comments:analyze?key={key}"
    assert_google_error(
        client.post(url, content=b"{}", headers={"Content-Type": "text/plain"}), 415, "INVALID_ARGUMENT"
    )
    assert_google_error(
        client.post(url, content=b"{oops", headers={"Content-Type": "application/json"}), 400, "INVALID_ARGUMENT"
    )
    assert_google_error(client.get(url), 405, "UNIMPLEMENTED")


def test_suggestscore_stores_a_labelled_example(client: TestClient, key: str) -> None:
    response = client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=PUBLISHED_SUGGEST)
    assert response.status_code == 200 and response.json() == {"clientToken": "comment-53922"}
    # as Coral sends it when a moderator rejects a comment (perspective.ts): context, communityId, clientToken
    coral_body = {
        "comment": {"text": INSULT},
        "context": {
            "entries": [
                {"text": json.dumps({"url": "https://news.example/story-1?commentID=c9", "Coral_comment_id": "c9"})}
            ]
        },
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
        "languages": ["en"],
        "communityId": "Coral:https://news.example",
        "clientToken": "comment:c9",
    }
    assert client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=coral_body).json() == {
        "clientToken": "comment:c9"
    }
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions() as session:
        rows = list(session.scalars(select(FeedbackExample).order_by(FeedbackExample.id)))
    assert [(r.source, r.label) for r in rows] == [
        ("perspective_suggestscore", "approve"),
        ("perspective_suggestscore", "reject"),
    ]
    assert rows[0].text == PUBLISHED_SUGGEST["comment"]["text"] and rows[0].article_text == ""  # type: ignore[index]
    assert rows[0].detail["communityId"] == "/forum/movies" and rows[0].detail["clientToken"] == "comment-53922"
    assert rows[0].detail["attributeScores"] == {"TOXICITY": {"summaryScore": {"value": 0.0}, "spanScores": []}}
    assert rows[1].text == INSULT and "Coral_comment_id" in rows[1].article_text
    assert rows[1].detail["communityId"] == "Coral:https://news.example"


@pytest.mark.parametrize(
    "body",
    [
        {"comment": {"text": "سلام"}, "attributeScores": {}},
        {"comment": {"text": "سلام"}, "attributeScores": {"TOXICITY": {}}},
        {"comment": {"text": "سلام"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1.5}}}},
        {"comment": {"text": " "}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}},
        {"attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}},
    ],
)
def test_malformed_suggestions_are_400_and_store_nothing(client: TestClient, key: str, body: dict[str, Any]) -> None:
    assert_google_error(client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=body), 400, "INVALID_ARGUMENT")
    assert count(client, FeedbackExample) == 0


def test_the_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/integrations/coral/phase", "/v1alpha1/comments:analyze", "/v1alpha1/comments:suggestscore"} <= set(paths)


def test_core_of_the_integrations_knows_no_http() -> None:
    for module in ("coral", "perspective"):
        source = (Path(__file__).parents[1] / "moderation" / "integrations" / f"{module}.py").read_text(
            encoding="utf-8"
        )
        assert "fastapi" not in source and "starlette" not in source


def test_cli_links_a_coral_site_and_rotates_its_secret(tmp_path: Path) -> None:
    import os
    import sqlite3
    import subprocess
    import sys

    env = {**os.environ, "MODERATION_DATA_DIR": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "moderation.cli", *args], capture_output=True, text=True, timeout=120, env=env
        )

    assert run("sites", "add", "news.example").returncode == 0
    refused = run("sites", "link-coral", TENANT, CORAL_SITE, "news.example")
    assert refused.returncode == 1 and refused.stderr.startswith("error: a new link needs the phase's signing secret")
    assert (
        run("sites", "link-coral", TENANT, CORAL_SITE, "nope", "--secret", SECRET).stderr
        == "error: no site named 'nope'\n"
    )
    linked = run("sites", "link-coral", TENANT, CORAL_SITE, "news.example", "--secret", SECRET)
    assert linked.returncode == 0 and "linked: Coral tenant" in linked.stdout and "1 signing secret(s)" in linked.stdout
    rotated = run("sites", "link-coral", TENANT, CORAL_SITE, "news.example", "--secret", NEW_SECRET)
    assert rotated.returncode == 0 and "2 signing secret(s)" in rotated.stdout
    with sqlite3.connect(tmp_path / "moderation.db") as db:
        assert db.execute("SELECT signing_secret, previous_secret FROM coral_links").fetchall() == [
            (NEW_SECRET, SECRET)
        ]
    done = run("sites", "link-coral", TENANT, CORAL_SITE, "news.example", "--drop-previous")
    assert done.returncode == 0 and "1 signing secret(s)" in done.stdout
    with sqlite3.connect(tmp_path / "moderation.db") as db:
        assert db.execute("SELECT signing_secret, previous_secret FROM coral_links").fetchall() == [(NEW_SECRET, None)]


def test_coral_phase_and_perspective_on_postgresql(
    fresh_postgres_url: str, tmp_path: Path, engine: ModerationEngine
) -> None:
    with app_client(engine, tmp_path, fresh_postgres_url) as pg_client:
        runtime = pg_client.app.state.runtime  # type: ignore[attr-defined]
        with runtime.sessions.begin() as session:
            _, api_key, _ = create_site(session, "news-a")
            coral.link(session, TENANT, CORAL_SITE, "news-a", SECRET)
        assert coral_post(pg_client, coral_request(INSULT)).json()["status"] == "REJECTED"
        assert coral_post(pg_client, coral_request(INSULT)).json()["status"] == "REJECTED"
        assert_error(coral_post(pg_client, coral_request(INSULT), secrets=[NEW_SECRET]), 401, "invalid_signature")
        quiet = {"comment": {"text": INSULT}, "requestedAttributes": {"INSULT": {}}, "doNotStore": True}
        assert analyze(pg_client, api_key, quiet).json()["attributeScores"]["INSULT"]["summaryScore"]["value"] >= 0.5
        assert (
            pg_client.post(f"/v1alpha1/comments:suggestscore?key={api_key}", json=PUBLISHED_SUGGEST).status_code == 200
        )
        assert (count(pg_client, Comment), count(pg_client, Revision), count(pg_client, FeedbackExample)) == (1, 1, 1)
