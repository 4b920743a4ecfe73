"""The review queue on a real SQLite file and a real PostgreSQL server: claims under concurrency,
lease expiry, decisions with their audit trail and webhook, filters, reopening."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from moderation.clock import now
from moderation.comments import CommentService, ModerationRequest
from moderation.engine import ArticleText, ModerationEngine
from moderation.people import Person
from moderation.review import Filters, IllegalTransition, ReviewService, SqlReviewRepository
from moderation.sites import create_site
from moderation.storage import build_engine, upgrade
from moderation.storage.tables import Comment, Decision, Event, OutboxMessage, ReviewItem

ACCUSATION = "شهردار این شهر رشوه گرفته و اختلاس کرده، همه می‌دانند"  # the engine sends this to review
ARTICLE = ArticleText("بودجه شهرداری تصویب شد", "شورای شهر بودجه سال آینده را تصویب کرد.", "")


@pytest.fixture()
def queue(database_url: str, engine: ModerationEngine):  # type: ignore[no-untyped-def]
    database = build_engine(database_url)
    upgrade(database)
    sessions = sessionmaker(database, expire_on_commit=False)
    with sessions.begin() as session:
        site, _, _ = create_site(session, "news-a", webhook_url="http://127.0.0.1:9/hook")
        other, _, _ = create_site(session, "news-b")
    comments = CommentService(sessions, engine, b"0123456789abcdef-test-salt")
    yield sessions, comments, site, other
    database.dispose()


def fill(comments: CommentService, site, count: int, prefix: str = "c", article: str = "a1") -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        stored = comments.moderate(site, ModerationRequest(f"{prefix}{n}", f"{ACCUSATION} {n}", article, ARTICLE))
        assert stored.state == "pending_review"


def test_twenty_parallel_claimers_decide_two_hundred_items_exactly_once(queue) -> None:  # type: ignore[no-untyped-def]
    sessions, comments, site, _ = queue
    fill(comments, site, 200)
    service = ReviewService(SqlReviewRepository(sessions))
    moderators = [Person(100 + n, f"mod{n}", "moderator", (site.id,)) for n in range(20)]
    start = threading.Barrier(len(moderators))

    def work(person: Person) -> list[int]:
        start.wait()
        mine: list[int] = []
        while batch := service.claim(person, Filters(), count=7):
            for item in batch:
                service.decide(person, item.id, "reject", "accusation")
                mine.append(item.id)
        return mine

    with ThreadPoolExecutor(len(moderators)) as pool:
        per_moderator = list(pool.map(work, moderators))
    decided = Counter(item for mine in per_moderator for item in mine)
    assert len(decided) == 200 and set(decided.values()) == {1}
    assert sum(1 for mine in per_moderator if mine) > 1  # the work was really shared
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.state == "decided")) == 200
        human = select(func.count()).select_from(Decision).where(Decision.source == "moderator")
        assert session.scalar(human) == 200
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 200
        assert set(session.scalars(select(Comment.state))) == {"rejected"}


def test_a_lapsed_lease_goes_back_to_the_queue_and_is_audited(queue) -> None:  # type: ignore[no-untyped-def]
    sessions, comments, site, _ = queue
    fill(comments, site, 3)
    repository = SqlReviewRepository(sessions)
    ali, sara = (Person(1, "ali", "moderator", (site.id,)), Person(2, "sara", "moderator", (site.id,)))
    short = ReviewService(repository, lease=timedelta(milliseconds=1))
    claimed = [i.id for i in short.claim(ali, Filters(), count=3)]
    assert len(claimed) == 3
    later = ReviewService(repository, clock=lambda: now() + timedelta(seconds=5))
    assert [i.id for i in later.claim(sara, Filters(), count=3)] == claimed
    with pytest.raises(IllegalTransition):
        later.release(ali, claimed[0])
    with sessions() as session:
        kinds = Counter(session.scalars(select(Event.kind)))
    assert kinds["lease_expired"] == 3 and kinds["claimed"] == 6


def test_a_decision_is_audited_with_the_model_that_proposed_it_and_queued_for_the_site(queue) -> None:  # type: ignore[no-untyped-def]
    sessions, comments, site, other = queue
    fill(comments, site, 2)
    fill(comments, other, 1, prefix="b")
    service = ReviewService(SqlReviewRepository(sessions))
    ali = Person(1, "ali", "moderator", (site.id,))
    items = service.queue(ali, Filters())
    assert [i.comment_id for i in items] == ["c0", "c1"]  # site b's item is not hers
    first = items[0]
    assert first.text.startswith("شهردار") and first.article_title == ARTICLE.title
    assert "accusation" in first.reason_codes
    spans = [s for r in first.decision["reasons"] for s in r["spans"]]
    assert any(first.text[s["start"] : s["end"]] == "رشوه" for s in spans)
    payload = service.decide(ali, first.id, "approve", "false_alarm", "نقد است، نه اتهام")
    assert payload["state"] == "approved" and payload["reason_code"] == "false_alarm"
    with pytest.raises(IllegalTransition):
        service.decide(ali, first.id, "reject")
    history = service.item_context(ali, first.id)["history"]
    decided = [h for h in history if h["kind"] == "decided"]
    assert decided[0]["actor"] == "ali" and decided[0]["detail"]["proposed_by"] == first.decision["versions"]["model"]
    assert [i.comment_id for i in service.queue(ali, Filters())] == ["c1"]
    admin = Person(9, "root", "admin", ())
    service.reopen(admin, first.id)
    assert [i.comment_id for i in service.queue(ali, Filters())] == ["c0", "c1"]
    with sessions() as session:
        assert list(session.scalars(select(OutboxMessage.event).order_by(OutboxMessage.id))) == [
            "comment.decided",
            "comment.reopened",
        ]
    assert service.counts(admin, Filters()).total == 3
    dashboard = service.dashboard(admin)
    assert dashboard.queue.total == 3 and dashboard.throughput == [{"moderator": "ali", "decided": 1}]
    assert dashboard.per_day[0]["review"] == 3 and dashboard.automation_rate == 0.0


def test_filters_by_article_reason_language_and_age(queue) -> None:  # type: ignore[no-untyped-def]
    sessions, comments, site, _ = queue
    fill(comments, site, 2, prefix="x", article="a1")
    fill(comments, site, 1, prefix="y", article="a2")
    service = ReviewService(SqlReviewRepository(sessions))
    ali = Person(1, "ali", "moderator", (site.id,))
    assert [i.comment_id for i in service.queue(ali, Filters(article_id="a2"))] == ["y0"]
    assert len(service.queue(ali, Filters(reason="accusation"))) == 3
    assert service.queue(ali, Filters(reason="spam")) == []
    assert service.queue(ali, Filters(reason="%")) == []  # LIKE wildcards are escaped
    assert len(service.queue(ali, Filters(language="fa"))) == 3
    assert service.queue(ali, Filters(min_age_minutes=5)) == []
    counts = service.counts(ali, Filters())
    assert counts.total == 3 and counts.by_reason["accusation"] == 3 and counts.by_language == {"fa": 3}


def test_an_edited_comment_supersedes_its_open_item(queue) -> None:  # type: ignore[no-untyped-def]
    sessions, comments, site, _ = queue
    fill(comments, site, 1)
    service = ReviewService(SqlReviewRepository(sessions))
    ali = Person(1, "ali", "moderator", (site.id,))
    old = service.queue(ali, Filters())[0]
    comments.moderate(site, ModerationRequest("c0", "بودجه امسال برای عمران شهر کافی نیست", "a1", ARTICLE))
    with pytest.raises(IllegalTransition):
        service.decide(ali, old.id, "reject")


def test_a_reply_brings_its_parent_comment_into_the_queue(queue) -> None:  # type: ignore[no-untyped-def]
    sessions, comments, site, _ = queue
    comments.moderate(site, ModerationRequest("p1", "بودجه عمرانی امسال کم است", "a1", ARTICLE))
    reply = ModerationRequest("r1", ACCUSATION, "a1", ARTICLE, parent_id="p1")
    assert comments.moderate(site, reply).state == "pending_review"
    service = ReviewService(SqlReviewRepository(sessions))
    [item] = service.queue(Person(1, "ali", "moderator", (site.id,)), Filters())
    assert item.comment_id == "r1" and item.parent_id == "p1"
    assert item.parent_text == "بودجه عمرانی امسال کم است"
