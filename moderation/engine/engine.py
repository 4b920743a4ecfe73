"""The moderation engine: given its parts, turns a comment into a decision.

normalizer → language gate → detectors (lexicon, model heads for insult, spam,
off-topic, accusation) → policy → decision with reasons. It knows nothing of
HTTP or storage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from moderation.engine.decision import (
    APPROVE,
    MESSAGES_FA,
    REJECT,
    REVIEW,
    Decision,
    LanguageInfo,
    Reason,
    Span,
)
from moderation.engine.inputs import ArticleText, CommentInput
from moderation.engine.prepare import PreparedComment, Preparer, StageFailed
from moderation.language import FINGLISH, UNDETERMINED, LanguageGate
from moderation.lexicon import Lexicon, LexiconEntry
from moderation.model.bundle import CATEGORIES, ModelBundle
from moderation.model.signals import accusation_targets, accusation_terms
from moderation.policy import Policy, default_policy
from moderation.text import PersianNormalizer

log = logging.getLogger(__name__)

_SEVERE_CATEGORIES = ("profanity", "sexual", "slur")


_WARM_UP_ARTICLE = ArticleText("کتابخانه مرکزی شهر بازگشایی شد", "کتابخانه با چهل هزار جلد کتاب افتتاح شد.")


class ModerationEngine:
    """Thread-safe after construction; build once per process."""

    def __init__(
        self,
        normalizer: PersianNormalizer,
        gate: LanguageGate,
        lexicon: Lexicon,
        model: ModelBundle | None,
        model_version: str | None,
        policy: Policy | None = None,
        latency_budget_ms: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
        model_error: str | None = None,
    ) -> None:
        """`latency_budget_ms`: when the stages before the model use it up, the model is skipped and the
        decision is degraded (review). None: no budget (training and evaluation). `clock` is seconds,
        monotonic (injectable so that tests can make a stage slow without sleeping). `model_error`: why the
        model could not be loaded, when `model` is None."""
        self.normalizer = normalizer
        self.gate = gate
        self.lexicon = lexicon
        self.model = model
        self.model_version = model_version or "none"
        self.model_error = model_error
        self.policy = policy or default_policy()
        self.latency_budget_ms = latency_budget_ms
        self.clock = clock
        self.preparer = Preparer(normalizer, gate, lexicon, model, clock=clock)
        self._site_lexicons: dict[tuple[tuple[str, ...], tuple[str, ...]], Lexicon] = {}

    @property
    def versions(self) -> dict[str, str]:
        return {
            "normalizer": self.normalizer.version,
            "language_gate": self.gate.version,
            "lexicon": self.lexicon.version,
            "model": self.model_version,
        }

    def lexicon_for(self, policy: Policy) -> Lexicon:
        """The shipped lexicon plus a site's deny- and allow-list words (built once per list)."""
        if not policy.deny_terms and not policy.allow_terms:
            return self.lexicon
        key = (policy.deny_terms, policy.allow_terms)
        lexicon = self._site_lexicons.get(key)
        if lexicon is None:
            extra = [LexiconEntry(term, "insult", 2, term.isascii()) for term in policy.deny_terms]
            lexicon = self._site_lexicons[key] = Lexicon.default(extra, policy.allow_terms)
        return lexicon

    def moderate(self, comment: CommentInput, policy: Policy | None = None) -> Decision:
        """Decide one comment. Never raises on any text.

        Degraded mode: when the model is missing, raises, or the latency budget is used up (before the
        model stage, or by it), the model's scores are not used; the lexicon and language checks still
        apply and a `degraded` reason makes the verdict at least review, never a silent approval.
        `degraded` names the stage that failed and a note says why.
        """
        started = self.clock()
        policy = policy or self.policy
        lexicon = self.lexicon_for(policy)
        notes: list[str] = []
        degraded: list[str] = []
        scores: dict[str, float] = {}
        try:
            prepared = self.preparer.prepare(comment, lexicon)
            failure: tuple[str, str] | None = None
        except StageFailed as failed:
            # The exception's message is not logged: it could quote the comment.
            log.error("stage %s failed: %s", failed.stage, failed.error_type)
            if failed.partial is None:
                return self._unchecked(failed, lexicon.version, started)
            prepared, failure = failed.partial, (failed.stage, f"{failed}; model skipped")
        language = prepared.language
        persian = language.language == "fa" or language.language in policy.language.allowed

        stage_ms = dict(prepared.stage_ms)
        if persian:
            failure = failure or self._score(prepared, started, stage_ms, scores)
            if failure is not None:
                stage, why = failure
                scores.clear()
                degraded.append(stage)
                notes.append(f"degraded: {why}")
        if persian and not prepared.has_context:
            notes.append("off_topic skipped: no article text")

        reasons = self._reasons(prepared, scores, policy, persian)
        if degraded:
            reasons.append(Reason("degraded", REVIEW, 1.0, 1.0, MESSAGES_FA["degraded"]))
        verdict = _verdict(reasons, language.language, policy)
        versions = {**self.versions, "lexicon": lexicon.version}
        return Decision(
            verdict=verdict,
            reasons=tuple(reasons),
            scores={k: round(v, 4) for k, v in scores.items()},
            language=LanguageInfo(language.language, language.confidence, language.method),
            versions=versions,
            notes=tuple(notes),
            degraded=tuple(degraded),
            elapsed_ms=round((self.clock() - started) * 1000, 3),
            stage_ms=stage_ms,
        )

    def _unchecked(self, failed: StageFailed, lexicon_version: str, started: float) -> Decision:
        """A stage the lexicon and language checks need raised: review, saying which stage."""
        return Decision(
            verdict=REVIEW,
            reasons=(Reason("degraded", REVIEW, 1.0, 1.0, MESSAGES_FA["degraded"]),),
            scores={},
            language=LanguageInfo(UNDETERMINED, 0.0, "failed"),
            versions={**self.versions, "lexicon": lexicon_version},
            notes=(f"degraded: {failed}; no check could run",),
            degraded=(failed.stage,),
            elapsed_ms=round((self.clock() - started) * 1000, 3),
        )

    def _score(
        self, prepared: PreparedComment, started: float, stage_ms: dict[str, float], scores: dict[str, float]
    ) -> tuple[str, str] | None:
        """Fill `scores` from the model; or return the failed stage and why (the caller then degrades)."""
        if self.model is None:
            return "model", f"model not loaded ({self.model_error or 'none configured'})"
        budget = self.latency_budget_ms
        spent = (self.clock() - started) * 1000
        if budget is not None and spent > budget:
            # A Python thread cannot be stopped mid-stage: the budget is checked between stages, and the
            # model, the costliest stage, is not started once the budget is gone.
            stage = _stage_over_budget(stage_ms, budget)
            return stage, f"{stage} used up the latency budget ({spent:.1f} ms of {budget:g} ms); model skipped"
        model_started = self.clock()
        try:
            scores.update(self.model.score(prepared.normalized.model_text, prepared.signals))
        except Exception as error:  # a broken model must not approve anything silently
            # The exception's message is not logged: it could quote the comment.
            log.error("model scoring failed: %s", type(error).__name__)
            return "model", f"model raised {type(error).__name__}"
        stage_ms["model"] = round((self.clock() - model_started) * 1000, 4)
        spent = (self.clock() - started) * 1000
        if budget is not None and spent > budget:
            return "model", f"model used up the latency budget ({spent:.1f} ms of {budget:g} ms); scores not used"
        return None

    def warm_up(self, background: bool = False, when_warm: Callable[[], None] | None = None) -> None:
        """Run every stage once (word lists, language models and caches load lazily: the first comment
        would otherwise take seconds and use up its latency budget).

        `background`: langdetect's profiles (0.6 s, asked only when the script check is unsure) load in a
        thread after this returns, so that a starting service answers sooner; a comment that needs them
        meanwhile waits for them. `when_warm` is called once everything is loaded.
        """
        self.gate.warm_up(langdetect=False)
        self.moderate(CommentInput("گزارش خوبی بود، ممنون", _WARM_UP_ARTICLE, parent_text="سلام"))
        if background:
            threading.Thread(
                target=self._warm_up_langdetect, args=(when_warm,), name="warm-up-langdetect", daemon=True
            ).start()
        else:
            self._warm_up_langdetect(when_warm)

    def _warm_up_langdetect(self, when_warm: Callable[[], None] | None) -> None:
        self.gate.warm_up(langdetect=True)
        for text in ("kheili khoob bood", "A comment in English", "تعليق باللغة العربية"):
            self.moderate(CommentInput(text, _WARM_UP_ARTICLE, parent_text="سلام"))
        if when_warm is not None:
            when_warm()

    def moderate_batch(self, comments: Iterable[CommentInput], policy: Policy | None = None) -> list[Decision]:
        return [self.moderate(comment, policy) for comment in comments]

    # -- reasons -----------------------------------------------------------------

    def _reasons(
        self, prepared: PreparedComment, scores: dict[str, float], policy: Policy, persian: bool
    ) -> list[Reason]:
        reasons: list[Reason] = []
        text = prepared.normalized
        language = prepared.language.language

        if not persian and language != UNDETERMINED:
            code = "finglish" if language == FINGLISH else "non_persian"
            action = policy.language.finglish_action if code == "finglish" else policy.language.other_language_action
            if action != APPROVE:
                reasons.append(Reason(code, action, prepared.language.confidence, 0.0, MESSAGES_FA[code]))

        # A span quotes the characters the commenter wrote at its offsets (a detector's own `text` may be
        # normalized: a spam link's zero-width space would be missing from it).
        original = text.original
        lexicon_spans = tuple(
            Span(m.start, m.end, original[m.start : m.end], "lexicon", f"{m.term}|{m.category}|{','.join(m.evasions)}")
            for m in prepared.lexicon
        )
        severe = [m for m in prepared.lexicon if m.category in _SEVERE_CATEGORIES]
        if severe and max(m.severity for m in severe) >= policy.lexicon.reject_severity:
            spans = tuple(s for s, m in zip(lexicon_spans, prepared.lexicon, strict=True) if m in severe)
            reasons.append(
                Reason("profanity", REJECT, 1.0, float(policy.lexicon.reject_severity), MESSAGES_FA["profanity"], spans)
            )
        threats = [m for m in prepared.lexicon if m.category == "threat"]
        if threats:
            top = max(m.severity for m in threats)
            action = REJECT if top >= policy.lexicon.threat_reject_severity else REVIEW
            spans = tuple(s for s, m in zip(lexicon_spans, prepared.lexicon, strict=True) if m in threats)
            reasons.append(
                Reason(
                    "threat", action, 1.0, float(policy.lexicon.threat_reject_severity), MESSAGES_FA["threat"], spans
                )
            )

        spam_spans = tuple(Span(s.start, s.end, original[s.start : s.end], "spam", s.kind) for s in prepared.spam)
        if not persian:
            # No model for other languages: the lexicon's insult words still count, and links are links.
            insults = [m for m in prepared.lexicon if m.category == "insult"]
            if insults and not any(r.code == "profanity" for r in reasons):
                spans = tuple(s for s, m in zip(lexicon_spans, prepared.lexicon, strict=True) if m in insults)
                reasons.append(Reason("insult", REVIEW, 1.0, 1.0, MESSAGES_FA["insult"], spans))
            if any(s.kind in ("url", "phone", "mention", "email") for s in prepared.spam):
                reasons.append(Reason("spam", REVIEW, 1.0, 1.0, MESSAGES_FA["spam"], spam_spans))
            return reasons

        assert self.model is not None or not scores
        for category in CATEGORIES:
            if category not in scores:
                continue
            rule = policy.rule(category)
            if not rule.enabled:
                continue
            tuned = self.model.thresholds.get(category, {}) if self.model else {}
            review_at = rule.review_at if rule.review_at is not None else tuned.get("review", 0.5)
            reject_at = rule.reject_at if rule.reject_at is not None else tuned.get("reject", 1.01)
            score = scores[category]
            if category == "off_topic" and not prepared.has_context:
                continue
            if score >= reject_at and rule.can_reject:
                action, threshold = REJECT, reject_at
            elif score >= review_at:
                action, threshold = REVIEW, review_at
            else:
                continue
            if category == "insult":
                spans = lexicon_spans
            elif category == "spam":
                spans = spam_spans
            elif category == "accusation":
                spans = tuple(Span(s, e, text.original[s:e], "accusation_term") for s, e in accusation_terms(text))
                spans += tuple(
                    Span(s, e, text.original[s:e], "accusation_target")
                    for s, e in accusation_targets(text, prepared.article_words)
                )
            else:
                spans = ()
            reasons.append(Reason(category, action, round(score, 4), round(threshold, 4), MESSAGES_FA[category], spans))
        return reasons


def _stage_over_budget(stage_ms: dict[str, float], budget_ms: float) -> str:
    """The stage during which the running total of stage times passed the budget (the last one if none did:
    then the time went between stages)."""
    total = 0.0
    for stage, milliseconds in stage_ms.items():
        total += milliseconds
        if total > budget_ms:
            return stage
    return next(reversed(stage_ms), "prepare")


def _verdict(reasons: list[Reason], language: str, policy: Policy) -> str:
    if any(r.action == REJECT for r in reasons):
        return REJECT
    if any(r.action == REVIEW for r in reasons):
        return REVIEW
    if language == UNDETERMINED and policy.language.undetermined_action != APPROVE:
        return policy.language.undetermined_action
    return APPROVE
