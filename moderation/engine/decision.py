"""The engine's answer: immutable, self-explaining, replayable."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

APPROVE, REVIEW, REJECT = "approve", "review", "reject"

# Short Persian messages fit to show the commenter, per reason code.
MESSAGES_FA = {
    "insult": "نظر شما به دلیل داشتن توهین منتشر نشد.",
    "profanity": "نظر شما به دلیل داشتن الفاظ رکیک منتشر نشد.",
    "threat": "نظر شما به دلیل داشتن تهدید منتشر نشد.",
    "spam": "نظر شما به دلیل داشتن تبلیغات، پیوند یا شماره تماس منتشر نشد.",
    "off_topic": "نظر شما با موضوع این خبر ارتباطی ندارد.",
    "accusation": "نظر شما به دلیل نسبت دادن اتهام به اشخاص حقیقی یا حقوقی پس از بررسی منتشر می‌شود.",
    "non_persian": "لطفاً نظر خود را به زبان فارسی بنویسید.",
    "finglish": "لطفاً نظر خود را با حروف فارسی بنویسید.",
    "degraded": "نظر شما پس از بررسی ناظر منتشر می‌شود.",
}
REVIEW_MESSAGE_FA = "نظر شما پس از بررسی ناظر منتشر می‌شود."


@dataclass(frozen=True, slots=True)
class Span:
    """Characters [start, end) of the text the commenter wrote."""

    start: int
    end: int
    text: str
    source: str  # lexicon, spam, accusation_term, accusation_target
    detail: str = ""  # the lexicon term and category, the spam signal kind, the evasions used


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    action: str  # review or reject
    score: float
    threshold: float
    message: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class LanguageInfo:
    code: str
    confidence: float
    method: str


@dataclass(frozen=True)
class Decision:
    verdict: str
    reasons: tuple[Reason, ...]
    scores: dict[str, float]
    language: LanguageInfo
    versions: dict[str, str]
    notes: tuple[str, ...] = ()  # e.g. "off_topic skipped: no article text"
    degraded: tuple[str, ...] = ()  # stages that failed; the verdict is then at least review
    elapsed_ms: float = 0.0
    stage_ms: dict[str, float] = field(default_factory=dict)  # normalize, language, lexicon, signals, model

    @property
    def message(self) -> str:
        """What to show the commenter."""
        rejecting = [r for r in self.reasons if r.action == REJECT]
        if self.verdict == REJECT and rejecting:
            return rejecting[0].message
        if self.verdict == REVIEW:
            return REVIEW_MESSAGE_FA
        return ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types (lists, not tuples), as it is stored and sent."""
        data = _lists(asdict(self))
        data["message"] = self.message
        return data


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value
