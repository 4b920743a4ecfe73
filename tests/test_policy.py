"""Policies: defaults from one file, site overrides validated field by field."""

from __future__ import annotations

import pytest

from moderation.policy import PolicyError, default_policy


def test_defaults_come_from_the_file() -> None:
    policy = default_policy()
    assert set(policy.categories) == {"insult", "spam", "off_topic", "accusation"}
    assert policy.rule("accusation").can_reject is False
    assert policy.language.allowed == ("fa",)


def test_overrides_change_only_what_they_name() -> None:
    policy = default_policy().with_overrides({"categories": {"insult": {"reject_at": 0.99}}})
    assert policy.rule("insult").reject_at == 0.99
    assert policy.rule("spam") == default_policy().rule("spam")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"categories": {"insult": {"reject_at": 1.5}}}, "between 0 and 1"),
        ({"categories": {"insult": {"reject_at": "high"}}}, "between 0 and 1"),
        ({"categories": {"insult": {"review_at": 0.9, "reject_at": 0.5}}}, "below review_at"),
        ({"categories": {"insult": {"colour": "red"}}}, "unknown policy field .categories.insult.colour."),
        ({"categories": {"insult": 3}}, "categories.insult must be an object"),
        ({"language": {"finglish_action": "delete"}}, "one of"),
        ({"speed": "fast"}, "unknown policy field"),
    ],
)
def test_bad_overrides_are_refused_with_the_field_named(override: dict, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        default_policy().with_overrides(override)
