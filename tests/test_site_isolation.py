"""Per-site isolation, on SQLite and PostgreSQL: site B's key can never read or change site A's comments,
articles or policy, even when it uses the same ids (test_api.py covers reading; this covers changing)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from moderation.engine import ModerationEngine
from moderation.sites import create_site
from tests.apps import app_client

ARTICLE_A = {"title": "کتابخانه مرکزی شهر بازگشایی شد", "lead": "خبر سایت الف"}
ARTICLE_B = {"title": "نتیجه بازی دیشب", "lead": "خبر سایت ب"}


@pytest.fixture()
def two_sites(
    database_url: str, tmp_path: Path, engine: ModerationEngine
) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    with app_client(engine, tmp_path, database_url) as client:
        keys = []
        with client.app.state.runtime.sessions.begin() as session:  # type: ignore[attr-defined]
            for name in ("site-a", "site-b"):
                keys.append(create_site(session, name)[1])
        yield client, {"Authorization": f"Bearer {keys[0]}"}, {"X-API-Key": keys[1]}


def test_another_sites_key_changes_nothing_of_this_site(two_sites) -> None:  # type: ignore[no-untyped-def]
    client, site_a, site_b = two_sites
    comment = {"comment_id": "shared-id", "text": "گزارش خوبی بود", "article_id": "shared-article"}
    assert client.put("/v1/articles/shared-article", headers=site_a, json=ARTICLE_A).status_code == 200
    assert client.post("/v1/moderate", headers=site_a, json=comment).json()["revision"] == 1
    policy_a = client.put("/v1/site/policy", headers=site_a, json={"deny_terms": ["کلمه‌الف"]}).json()

    # B writes to the same ids: its own article, comment and policy, not A's.
    assert client.put("/v1/articles/shared-article", headers=site_b, json=ARTICLE_B).json()["lead"] == "خبر سایت ب"
    edited = client.post("/v1/moderate", headers=site_b, json={**comment, "text": "متن سایت ب احمق"}).json()
    assert edited["revision"] == 1, "a new comment of site B, not a revision of A's"
    assert client.put("/v1/site/policy", headers=site_b, json={"deny_terms": ["کلمه‌ب"]}).status_code == 200

    assert client.get("/v1/articles/shared-article", headers=site_a).json()["lead"] == "خبر سایت الف"
    stored = client.get("/v1/comments/shared-id", headers=site_a).json()
    assert len(stored["revisions"]) == 1 and stored["state"] == "approved"
    assert client.get("/v1/site/policy", headers=site_a).json() == policy_a
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    listed_b = client.get("/v1/comments", headers=site_b, params={"changed_since": since}).json()["comments"]
    assert [(c["comment_id"], c["state"]) for c in listed_b] == [("shared-id", edited["state"])]
    assert client.get("/v1/site/policy", headers=site_b).json()["overrides"] == {"deny_terms": ["کلمه‌ب"]}
