"""The HTTP API in process (TestClient with the app's lifespan) on a real SQLite file:
behaviour, one error shape, site isolation, rate limits, metrics, webhooks."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from moderation.api import create_app
from moderation.engine import ModerationEngine
from moderation.settings import Settings
from moderation.sites import create_site
from moderation.storage.tables import Delivery, OutboxMessage
from moderation.webhooks import SIGNATURE_HEADER, verify
from tests.apps import app_client

ARTICLE = {"title": "کتابخانه مرکزی شهر بازگشایی شد", "lead": "کتابخانه با ۴۰ هزار جلد کتاب و سالن مطالعه افتتاح شد."}


def make_client(tmp_path: Path, engine: ModerationEngine, **overrides: object) -> TestClient:
    return app_client(engine, tmp_path, **overrides)


def add_site(client: TestClient, name: str, webhook_url: str | None = None) -> tuple[dict[str, str], str]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions.begin() as session:
        _, key, secret = create_site(session, name, webhook_url)
    return {"Authorization": f"Bearer {key}"}, secret


@pytest.fixture()
def client(tmp_path: Path, engine: ModerationEngine):  # type: ignore[no-untyped-def]
    with make_client(tmp_path, engine) as test_client:
        yield test_client


@pytest.fixture()
def site(client: TestClient) -> dict[str, str]:
    return add_site(client, "news-a")[0]


def moderate(client: TestClient, headers: dict[str, str], comment_id: str, text_: str, **extra: object):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/moderate", headers=headers, json={"comment_id": comment_id, "text": text_, "article_id": "a1", **extra}
    )


def assert_error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_moderate_returns_and_stores_the_decision(client: TestClient, site: dict[str, str]) -> None:
    text_ = "نویسنده این خبر واقعا ا.ح.م.ق است"
    response = moderate(client, site, "c1", text_, article=ARTICLE)
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "rejected" and body["revision"] == 1 and body["replayed"] is False
    decision = body["decision"]
    assert decision["verdict"] == "reject" and decision["message"].startswith("نظر شما")
    span = next(s for r in decision["reasons"] for s in r["spans"] if s["source"] == "lexicon")
    assert text_[span["start"] : span["end"]] == "ا.ح.م.ق"
    stored = client.get("/v1/comments/c1", headers=site).json()
    assert stored["state"] == "rejected" and stored["decision"]["verdict"] == "reject"
    assert stored["history"][0]["kind"] == "moderated"


def test_same_text_is_idempotent_and_an_edit_is_a_new_revision(client: TestClient, site: dict[str, str]) -> None:
    first = moderate(client, site, "c2", "گزارش خوبی بود", article=ARTICLE).json()
    again = moderate(client, site, "c2", "گزارش خوبی بود").json()
    assert again["replayed"] is True
    assert again["decision"] == {**first["decision"], "stage_ms": None}
    edited = moderate(client, site, "c2", "گزارش خوبی بود، ممنون").json()
    assert edited["revision"] == 2 and edited["replayed"] is False
    assert len(client.get("/v1/comments/c2", headers=site).json()["revisions"]) == 2


def test_batch(client: TestClient, site: dict[str, str]) -> None:
    comments = [{"comment_id": f"b{i}", "text": t, "article_id": "a1"} for i, t in enumerate(["عالی", "احمق", "ممنون"])]
    response = client.post("/v1/moderate/batch", headers=site, json={"comments": comments})
    assert [r["comment_id"] for r in response.json()["results"]] == ["b0", "b1", "b2"]
    too_many = [{"comment_id": f"x{i}", "text": "عالی", "article_id": "a1"} for i in range(101)]
    assert_error(client.post("/v1/moderate/batch", headers=site, json={"comments": too_many}), 422, "invalid_request")


def test_moderation_answers_are_exactly_their_documented_models(client: TestClient, site: dict[str, str]) -> None:
    """The moderation routes serialize without validating (for speed): the body must still be, key for key
    and type for type, what the response model in the OpenAPI document describes."""
    from moderation.api.schemas import BatchOut, ModerateOut

    texts = ["نویسنده این خبر واقعا ا.ح.م.ق است", "گزارش خوبی بود", "kheili bad bood", "Buy now www.cheap.example"]
    answers = [moderate(client, site, f"shape-{i}", t, article=ARTICLE) for i, t in enumerate(texts)]
    answers.append(moderate(client, site, "shape-1", texts[1]))  # a replayed decision
    batch = client.post(
        "/v1/moderate/batch", headers=site, json={"comments": [{"comment_id": "shape-b", "text": "عالی", "article_id": "a1"}]}
    )
    for response, model in [*((a, ModerateOut) for a in answers), (batch, BatchOut)]:
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        body = response.json()
        assert model.model_validate(body).model_dump(mode="json") == body
    assert answers[-1].json()["replayed"] is True
    assert answers[0].json()["decision"]["decided_at"].endswith("Z")


def test_articles_are_registered_and_read_back(client: TestClient, site: dict[str, str]) -> None:
    assert_error(client.get("/v1/articles/lib-1", headers=site), 404, "not_found")
    put = client.put("/v1/articles/lib-1", headers=site, json=ARTICLE)
    assert put.status_code == 200 and put.json()["title"] == ARTICLE["title"]
    assert client.get("/v1/articles/lib-1", headers=site).json()["lead"] == ARTICLE["lead"]
    body = moderate(client, site, "c3", "کسی میدونه یارانه کی واریز میشه؟", article_id="lib-1").json()
    assert any(r["code"] == "off_topic" for r in body["decision"]["reasons"])


def test_one_site_never_sees_another_sites_data(client: TestClient, site: dict[str, str]) -> None:
    other, _ = add_site(client, "news-b")
    moderate(client, site, "secret-1", "گزارش خوبی بود", article=ARTICLE)
    client.put("/v1/articles/lib-9", headers=site, json=ARTICLE)
    assert_error(client.get("/v1/comments/secret-1", headers=other), 404, "not_found")
    assert_error(client.get("/v1/articles/lib-9", headers=other), 404, "not_found")
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert client.get("/v1/comments", headers=other, params={"changed_since": since}).json()["comments"] == []
    # the same comment id at another site is another comment
    assert moderate(client, other, "secret-1", "متن دیگری", article=ARTICLE).json()["revision"] == 1
    assert client.get("/v1/site/policy", headers=other).json()["site"] == "news-b"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"X-API-Key": "mk_wrong"}, {"Authorization": "Basic abc"}]
)
def test_missing_or_wrong_key_is_401(client: TestClient, headers: dict[str, str]) -> None:
    assert_error(moderate(client, headers, "c", "سلام"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"comment_id": "c", "text": "   ", "article_id": "a"}, "text"),
        ({"comment_id": "c", "text": 5, "article_id": "a"}, "text"),
        ({"comment_id": "c", "text": "سلام"}, "article_id"),
        ({"comment_id": "c", "text": "سلام", "article_id": "a", "colour": "red"}, "colour"),
        ({"comment_id": "../../etc/passwd", "text": "سلام", "article_id": "a"}, "comment_id"),
        ({"comment_id": "x" * 201, "text": "سلام", "article_id": "a"}, "comment_id"),
        ({"comment_id": "c", "text": "سلام", "article_id": "a", "author": {"email": ["a"]}}, "email"),
        ([1, 2, 3], "body"),
    ],
)
def test_invalid_bodies_are_422_with_the_field_named(client: TestClient, site: dict[str, str], body, why: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/v1/moderate", headers=site, json=body)
    assert_error(response, 422, "invalid_request")
    assert why in response.json()["error"]["message"]


def test_malformed_transport_is_a_clear_4xx(client: TestClient, site: dict[str, str]) -> None:
    assert_error(
        client.post("/v1/moderate", headers={**site, "Content-Type": "text/plain"}, content=b"hi"),
        415,
        "unsupported_media_type",
    )
    bad_utf8 = b'{"comment_id": "c", "text": "\xff\xfe", "article_id": "a"}'
    response = client.post("/v1/moderate", headers={**site, "Content-Type": "application/json"}, content=bad_utf8)
    assert 400 <= response.status_code < 500 and "error" in response.json()
    nested = b"[" * 5000 + b"]" * 5000
    response = client.post("/v1/moderate", headers={**site, "Content-Type": "application/json"}, content=nested)
    assert 400 <= response.status_code < 500 and "error" in response.json()
    broken = client.post(
        "/v1/moderate", headers={**site, "Content-Type": "application/json"}, content=b'{"comment_id": '
    )
    assert_error(broken, 422, "invalid_request")
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")


def test_large_bodies_and_comments_are_413(client: TestClient, site: dict[str, str]) -> None:
    huge = b'{"comment_id": "c", "text": "' + b"a" * 3_000_000 + b'", "article_id": "a"}'
    assert_error(
        client.post("/v1/moderate", headers={**site, "Content-Type": "application/json"}, content=huge),
        413,
        "body_too_large",
    )
    assert_error(moderate(client, site, "c", "س" * 11_000), 413, "comment_too_large")


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path, engine: ModerationEngine) -> None:
    with make_client(tmp_path, engine, rate_limit_per_minute=60, rate_limit_burst=3) as limited:
        headers, _ = add_site(limited, "busy")
        statuses = [moderate(limited, headers, f"r{i}", "عالی").status_code for i in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
        response = moderate(limited, headers, "r9", "عالی")
        assert_error(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) >= 1


def test_health_readiness_and_metrics(client: TestClient, site: dict[str, str]) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["checks"] == {"model": "ok", "language_detector": "ok", "database": "ok"}
    moderate(client, site, "m1", "نویسنده این خبر احمق است", article=ARTICLE)
    moderate(client, site, "m2", "کسی میدونه یارانه کی میاد؟", article=ARTICLE)
    metrics = client.get("/metrics").text
    assert 'moderation_verdicts_total{site="news-a",verdict="reject"} 1.0' in metrics
    assert "moderation_review_queue_size 1.0" in metrics
    assert "moderation_model_info{" in metrics and "moderation_http_latency_seconds_bucket" in metrics
    assert "moderation_engine_latency_seconds_count 2.0" in metrics
    assert 'moderation_stage_latency_seconds_count{stage="normalize"} 2.0' in metrics
    assert 'moderation_stage_latency_seconds_count{stage="model"} 2.0' in metrics


def test_policy_is_readable_and_validated(client: TestClient, site: dict[str, str]) -> None:
    current = client.get("/v1/site/policy", headers=site).json()
    assert current["overrides"] == {} and current["effective"]["categories"]["accusation"]["can_reject"] is False
    bad_number = client.put("/v1/site/policy", headers=site, json={"categories": {"insult": {"reject_at": 7}}})
    assert_error(bad_number, 422, "invalid_request")
    never_reject = client.put(
        "/v1/site/policy", headers=site, json={"categories": {"accusation": {"can_reject": True}}}
    )
    assert_error(never_reject, 422, "invalid_policy")
    assert_error(client.put("/v1/site/policy", headers=site, json={"speed": "fast"}), 422, "invalid_request")
    updated = client.put("/v1/site/policy", headers=site, json={"language": {"allowed": ["fa", "en"]}})
    assert updated.status_code == 200
    body = moderate(client, site, "en-1", "Great report, thank you", article=ARTICLE).json()
    assert body["decision"]["verdict"] != "reject"


def test_changed_since_lists_comments_for_polling(client: TestClient, site: dict[str, str]) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    moderate(client, site, "p1", "عالی بود", article=ARTICLE)
    moderate(client, site, "p2", "ممنون", article=ARTICLE)
    listing = client.get("/v1/comments", headers=site, params={"changed_since": before.isoformat(), "limit": 1}).json()
    assert [c["comment_id"] for c in listing["comments"]] == ["p1"]
    rest = client.get("/v1/comments", headers=site, params={"changed_since": listing["next_since"]}).json()
    assert [c["comment_id"] for c in rest["comments"]] == ["p2"]
    assert_error(
        client.get("/v1/comments", headers=site, params={"changed_since": "yesterday"}), 422, "invalid_request"
    )


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_moderator_decisions_reach_the_site_signed_and_retried(client: TestClient) -> None:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    headers, secret = add_site(client, "hooked", url)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    try:
        moderate(client, headers, "w1", "کسی میدونه یارانه کی واریز میشه؟", article=ARTICLE)
        with runtime.sessions() as session:
            site_pk = session.execute(text("SELECT id FROM sites WHERE name = 'hooked'")).scalar_one()
        runtime.service.record_moderator_decision(site_pk, "w1", "reject", "moderator-1")

        Receiver.status, Receiver.received = 503, []
        assert runtime.dispatcher.run_once() == 0  # receiver down: kept, retried later
        with runtime.sessions() as session:
            failed = session.scalars(select(Delivery)).all()
            assert len(failed) == 1 and failed[0].status_code == 503
            session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
            session.commit()
        Receiver.status = 200
        assert runtime.dispatcher.run_once() == 1
        received_headers, body = Receiver.received[-1]
        assert verify(secret, received_headers[SIGNATURE_HEADER], body)
        assert not verify("another-secret", received_headers[SIGNATURE_HEADER], body)
        payload = json.loads(body)
        assert payload["comment_id"] == "w1" and payload["state"] == "rejected" and payload["decided_by"] == "moderator"
        assert client.get("/v1/comments/w1", headers=headers).json()["state"] == "rejected"
        assert runtime.dispatcher.run_once() == 0  # delivered once, not again
    finally:
        server.shutdown()
        server.server_close()


def test_stale_signatures_are_refused() -> None:
    from moderation.webhooks import sign

    header = sign("s3cret", 1_000_000, b"{}")
    assert verify("s3cret", header, b"{}", at=1_000_010)
    assert not verify("s3cret", header, b"{}", at=1_000_000 + 3600)
    assert not verify("s3cret", header, b'{"x":1}', at=1_000_010)


def test_admin_api_needs_the_admin_token(tmp_path: Path, engine: ModerationEngine) -> None:
    with make_client(tmp_path, engine, admin_token="an-admin-token-of-some-length") as admin_client:
        add_site(admin_client, "news-x")
        assert_error(admin_client.get("/v1/admin/sites"), 401, "unauthorized")
        assert_error(
            admin_client.get("/v1/admin/sites", headers={"Authorization": "Bearer wrong"}), 401, "unauthorized"
        )
        sites = admin_client.get(
            "/v1/admin/sites", headers={"Authorization": "Bearer an-admin-token-of-some-length"}
        ).json()
        assert [s["name"] for s in sites["sites"]] == ["news-x"] and "key_hash" not in sites["sites"][0]


def test_admin_api_is_off_without_a_token(client: TestClient, site: dict[str, str]) -> None:
    assert_error(client.get("/v1/admin/sites", headers=site), 404, "not_found")


def test_unreachable_database_is_503_with_retry_after(tmp_path: Path, engine: ModerationEngine) -> None:
    settings = Settings(
        data_dir=tmp_path,
        create_demo_site=False,
        auto_migrate=False,
        webhook_interval_seconds=3600,
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2",
        hash_salt="a-long-enough-test-salt-value",
    )
    with TestClient(create_app(settings, engine_factory=lambda _: engine)) as down:
        ready = down.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unreachable")
        response = down.post(
            "/v1/moderate",
            headers={"Authorization": "Bearer mk_x"},
            json={"comment_id": "c", "text": "سلام", "article_id": "a"},
        )
        assert_error(response, 503, "database_unavailable")
        assert response.headers["Retry-After"] == "5"
        assert down.get("/metrics").status_code == 200
