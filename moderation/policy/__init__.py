"""What a site wants done: thresholds and actions per category, language rules, its own word lists.

Defaults live in `default.json`; a site overrides any part. A threshold left
`null` means "the model's threshold tuned on the dev split".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from typing import Any

ACTIONS = ("approve", "review", "reject")
NEVER_REJECT = frozenset({"accusation"})  # a human must judge an accusation, whatever a site sets


class PolicyError(ValueError):
    """A policy that cannot be applied; the message says which field and why."""


@dataclass(frozen=True)
class CategoryRule:
    review_at: float | None = None
    reject_at: float | None = None
    can_reject: bool = True
    enabled: bool = True


@dataclass(frozen=True)
class LexiconRule:
    reject_severity: int = 3  # profanity/sexual/slur terms at or above this reject on their own
    threat_reject_severity: int = 2


@dataclass(frozen=True)
class LanguageRule:
    allowed: tuple[str, ...] = ("fa",)
    other_language_action: str = "reject"
    finglish_action: str = "reject"
    undetermined_action: str = "approve"


@dataclass(frozen=True)
class Policy:
    categories: dict[str, CategoryRule] = field(default_factory=dict)
    lexicon: LexiconRule = LexiconRule()
    language: LanguageRule = LanguageRule()
    deny_terms: tuple[str, ...] = ()
    allow_terms: tuple[str, ...] = ()

    def rule(self, category: str) -> CategoryRule:
        return self.categories.get(category, CategoryRule())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_overrides(self, overrides: dict[str, Any]) -> Policy:
        """A copy with a site's overrides applied (any subset of the fields)."""
        merged = _merge(self.to_dict(), overrides)
        return policy_from_dict(merged)


def _merge(base: dict[str, Any], override: dict[str, Any], path: str = "") -> dict[str, Any]:
    if not isinstance(override, dict):
        raise PolicyError(f"{path or 'policy'} must be an object")
    out = dict(base)
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in base:
            raise PolicyError(f"unknown policy field '{where}'")
        out[key] = _merge(base[key], value, where) if isinstance(base[key], dict) else value
    return out


def _threshold(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise PolicyError(f"{where} must be a number between 0 and 1 or null")
    return float(value)


def _action(value: Any, where: str) -> str:
    if value not in ACTIONS:
        raise PolicyError(f"{where} must be one of {', '.join(ACTIONS)}")
    return str(value)


def policy_from_dict(data: dict[str, Any]) -> Policy:
    """Validate and build a policy; raises PolicyError naming the bad field."""
    try:
        categories = {}
        for name, rule in data.get("categories", {}).items():
            unknown = set(rule) - {"review_at", "reject_at", "can_reject", "enabled"}
            if unknown:
                raise PolicyError(f"categories.{name}: unknown fields {sorted(unknown)}")
            built = CategoryRule(
                review_at=_threshold(rule.get("review_at"), f"categories.{name}.review_at"),
                reject_at=_threshold(rule.get("reject_at"), f"categories.{name}.reject_at"),
                can_reject=bool(rule.get("can_reject", True)),
                enabled=bool(rule.get("enabled", True)),
            )
            if name in NEVER_REJECT and built.can_reject:
                raise PolicyError(f"categories.{name}.can_reject: accusations always go to a human, never auto-reject")
            if built.review_at is not None and built.reject_at is not None and built.reject_at < built.review_at:
                raise PolicyError(f"categories.{name}: reject_at is below review_at")
            categories[name] = built
        lexicon = LexiconRule(**data.get("lexicon", {}))
        language_data = dict(data.get("language", {}))
        language = LanguageRule(
            allowed=tuple(language_data.get("allowed", ("fa",))),
            other_language_action=_action(
                language_data.get("other_language_action", "reject"), "language.other_language_action"
            ),
            finglish_action=_action(language_data.get("finglish_action", "reject"), "language.finglish_action"),
            undetermined_action=_action(
                language_data.get("undetermined_action", "approve"), "language.undetermined_action"
            ),
        )
        return Policy(
            categories=categories,
            lexicon=lexicon,
            language=language,
            deny_terms=tuple(str(t) for t in data.get("deny_terms", ())),
            allow_terms=tuple(str(t) for t in data.get("allow_terms", ())),
        )
    except TypeError as error:
        raise PolicyError(f"malformed policy: {error}") from None


def default_policy() -> Policy:
    raw = (resources.files("moderation.policy") / "default.json").read_text(encoding="utf-8")
    return policy_from_dict(json.loads(raw))


__all__ = [
    "CategoryRule",
    "LanguageRule",
    "LexiconRule",
    "Policy",
    "PolicyError",
    "default_policy",
    "policy_from_dict",
    "replace",
]
