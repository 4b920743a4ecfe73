"""The review queue's rules, on an in-memory repository: roles, sites, leases, the state table, bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moderation.people import Person
from moderation.review import (
    TRANSITIONS,
    Filters,
    IllegalTransition,
    ItemNotFound,
    NotAllowed,
    QueueItem,
    ReviewService,
    next_state,
)
from tests.fakes import FakeReviewRepository

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ALI = Person(1, "ali", "moderator", (1,))
SARA = Person(2, "sara", "moderator", (1,))
REZA = Person(3, "reza", "moderator", (2,))
ADMIN = Person(4, "admin", "admin", ())
DATA = Person(5, "nima", "data", ())


def make_item(item_id: int, site_id: int = 1, priority: float = 0.5, **extra: object) -> QueueItem:
    values: dict[str, object] = dict(
        id=item_id,
        site_id=site_id,
        site_name=f"site-{site_id}",
        state="pending",
        priority=priority,
        claimed_by=None,
        lease_until=None,
        created_at=START - timedelta(minutes=60 - item_id),
        decided_at=None,
        decided_by=None,
        comment_pk=item_id,
        comment_id=f"c{item_id}",
        article_id="a1",
        parent_id=None,
        author_id=None,
        author_name=None,
        text="متن",
        revision=1,
        language="fa",
        reason_codes=("insult",),
        decision={"verdict": "review"},
    )
    values.update(extra)
    return QueueItem(**values)  # type: ignore[arg-type]


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture()
def world():  # type: ignore[no-untyped-def]
    items = [
        make_item(1, priority=0.2),
        make_item(2, priority=0.9),
        make_item(3, reason_codes=("spam",)),
        make_item(4, site_id=2),
    ]
    repository = FakeReviewRepository(items)
    clock = Clock()
    return ReviewService(repository, lease=timedelta(minutes=10), clock=clock), repository, clock


def test_the_state_table_allows_exactly_the_listed_changes() -> None:
    assert next_state("pending", "claim") == "claimed"
    assert next_state("decided", "reopen") == "pending"
    for state in ("pending", "claimed", "decided", "superseded"):
        for action in ("claim", "release", "expire", "decide", "reopen"):
            if (state, action) in TRANSITIONS:
                continue
            with pytest.raises(IllegalTransition):
                next_state(state, action)
    assert ("superseded", "decide") not in TRANSITIONS


def test_moderators_see_only_their_sites_and_admins_all(world) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = world
    assert [i.id for i in service.queue(ALI, Filters())] == [1, 2, 3]
    assert [i.id for i in service.queue(REZA, Filters())] == [4]
    assert [i.id for i in service.queue(ADMIN, Filters())] == [1, 2, 3, 4]
    assert [i.id for i in service.queue(ALI, Filters(sort="priority"))] == [2, 3, 1]
    assert [i.id for i in service.queue(ALI, Filters(reason="spam"))] == [3]
    assert [i.id for i in service.queue(ALI, Filters(site_id=2))] == []  # not hers, filter or not
    with pytest.raises(ItemNotFound):
        service.item(REZA, 1)


def test_two_moderators_never_claim_the_same_item(world) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = world
    first = [i.id for i in service.claim(ALI, Filters(), count=2)]
    second = [i.id for i in service.claim(SARA, Filters(), count=2)]
    assert first == [1, 2] and second == [3]
    # A claimed item is not in the other moderator's queue, and they cannot decide it.
    assert [i.id for i in service.queue(SARA, Filters())] == [3]
    with pytest.raises(IllegalTransition):
        service.decide(SARA, 1, "approve")


def test_an_expired_lease_returns_the_item_to_the_queue(world) -> None:  # type: ignore[no-untyped-def]
    service, repository, clock = world
    service.claim(ALI, Filters(), count=1)
    clock.moment = START + timedelta(minutes=11)
    assert [i.id for i in service.claim(SARA, Filters(), count=1)] == [1]
    assert ("lease_expired", 1, "system") in repository.events
    with pytest.raises(IllegalTransition):  # ali's lease is gone; the item is sara's now
        service.release(ALI, 1)


def test_decide_release_reopen(world) -> None:  # type: ignore[no-untyped-def]
    service, repository, _ = world
    service.claim(ALI, Filters(), count=1)
    service.release(ALI, 1)
    payload = service.decide(ALI, 1, "reject", "insult", "توهین آشکار")
    assert payload["verdict"] == "reject" and repository.items[1].decided_by == "ali"
    with pytest.raises(IllegalTransition):
        service.decide(SARA, 1, "approve")  # decided is final …
    with pytest.raises(NotAllowed):
        service.reopen(ALI, 1)  # … unless an admin reopens it
    service.reopen(ADMIN, 1)
    assert repository.items[1].state == "pending"
    with pytest.raises(ValueError, match="reason_code"):
        service.decide(ALI, 1, "reject", "acceptable")
    with pytest.raises(ValueError, match="verdict"):
        service.decide(ALI, 1, "maybe")


def test_roles_and_sites_are_enforced_on_every_change(world) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = world
    with pytest.raises(NotAllowed):
        service.claim(DATA, Filters())
    with pytest.raises(NotAllowed):
        service.decide(DATA, 1, "approve")
    with pytest.raises(ItemNotFound):
        service.decide(REZA, 1, "approve")  # another site's item is not even visible
    assert service.dashboard(DATA).queue.total == 4


def test_bulk_decisions_report_what_was_refused(world) -> None:  # type: ignore[no-untyped-def]
    service, repository, _ = world
    service.claim(SARA, Filters(), count=1)  # sara holds item 1
    result = service.decide_many(ALI, [1, 2, 3, 4, 2], "approve")
    assert result.decided == [2, 3]
    assert set(result.refused) == {1, 4}
    assert [d["comment_id"] for d in repository.decisions] == ["c2", "c3"]
