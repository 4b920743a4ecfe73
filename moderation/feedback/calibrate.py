"""Thresholds proposed from what moderators decided: pure functions over (score, human verdict) pairs.

The reviewed items are the engine's uncertain band: comments scored between a review and a reject
threshold (or held for another reason). So the evidence speaks for that band only: lowering a reject
threshold into it is measured; what lies above the current reject threshold or below the review
threshold was never seen by a human and is assumed at least as clear-cut.

- reject: the lowest score from which at least `target_precision` of the reviewed items (and at
  least `min_items` of them) were rejected *for this category* by the moderator (the labels of
  `export.derive_labels`: its reason code, else the categories the engine flagged). A rejection for
  another reason does not count: if every reviewed item were rejected as off-topic, their spam
  scores would otherwise "prove" that a spam score of 0.01 is enough to reject.
- review: the highest score that still keeps `target_recall` of the items rejected for this
  category in front of a human.

A threshold moves at most `max_step` per run (default 0.25): the evidence covers only the band humans
saw, and one batch of reviews, possibly skewed by one news event, should not turn a category from
"always reviewed" into "never reviewed" (0.39 → 0.9996 for accusations was seen). A capped move says so
in its notes; running again after more reviews moves it further.

The expected automation and error are measured on the verdict: an automatic decision is an error
when it differs from the moderator's.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from moderation.model.bundle import CATEGORIES

DEFAULT_TARGET_PRECISION = 0.98
DEFAULT_TARGET_RECALL = 0.98
MIN_ITEMS = 20  # fewer reviewed items than this say too little to move a threshold
MIN_POSITIVES = 10  # rejected-for-this-category items needed to estimate recall
DEFAULT_MAX_STEP = 0.25  # the most a threshold moves in one run


@dataclass(frozen=True)
class Reviewed:
    """One human-reviewed comment as calibration sees it."""

    scores: Mapping[str, float]  # the engine's score per category
    rejected: bool  # the moderator's verdict
    positive: frozenset[str]  # categories the rejection is attributed to (empty when approved or unknown)
    fixed: tuple[str, ...] = ()  # actions of reasons not made from a score (lexicon, language): kept as they were


@dataclass(frozen=True)
class Thresholds:
    review: float
    reject: float | None  # None: this category never auto-rejects on this site


@dataclass(frozen=True)
class CategoryProposal:
    category: str
    items: int
    rejected: int
    positives: int
    current: Thresholds
    proposed: Thresholds
    reject_precision: float | None  # share rejected for this category at or above the proposed reject threshold
    reject_support: int  # reviewed items at or above it
    review_recall: float | None  # share of this category's rejections at or above the proposed review threshold
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.proposed != self.current


@dataclass(frozen=True)
class Simulation:
    """What thresholds would have done to the reviewed items."""

    items: int
    automatic: int
    errors: int
    wrongly_published: int
    wrongly_rejected: int

    @property
    def automation_rate(self) -> float:
        return self.automatic / self.items if self.items else 0.0

    @property
    def error_rate(self) -> float:
        """Errors among the automatic decisions."""
        return self.errors / self.automatic if self.automatic else 0.0


@dataclass(frozen=True)
class Calibration:
    items: int
    target_precision: float
    target_recall: float
    categories: list[CategoryProposal]
    current: Simulation
    proposed: Simulation
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.categories)

    def to_dict(self) -> dict[str, Any]:
        def simulation(s: Simulation) -> dict[str, Any]:
            return {
                **asdict(s),
                "automation_rate": round(s.automation_rate, 4),
                "error_rate": round(s.error_rate, 4),
            }

        return {
            "items": self.items,
            "target_precision": self.target_precision,
            "target_recall": self.target_recall,
            "categories": [{**asdict(c), "changed": c.changed} for c in self.categories],
            "current": simulation(self.current),
            "proposed": simulation(self.proposed),
            "skipped": self.skipped,
        }


def propose_reject(
    pairs: Sequence[tuple[float, bool]], target_precision: float, min_items: int = MIN_ITEMS
) -> tuple[float | None, float | None, int]:
    """(threshold, precision, support): the lowest score whose cut (every item scored at or above it)
    holds ≥ min_items items of which ≥ target_precision were rejected; (None, None, 0) if there is none."""
    ordered = sorted(pairs, key=lambda p: -p[0])
    best: tuple[float | None, float | None, int] = (None, None, 0)
    rejected = 0
    for index, (score, was_rejected) in enumerate(ordered):
        rejected += was_rejected
        if index + 1 < len(ordered) and ordered[index + 1][0] == score:
            continue  # a cut cannot split equal scores
        count = index + 1
        precision = rejected / count
        if count >= min_items and precision >= target_precision:
            best = (score, precision, count)
    return best


def propose_review(
    positive_scores: Sequence[float], target_recall: float, min_positives: int = MIN_POSITIVES
) -> tuple[float | None, float | None]:
    """(threshold, recall): the highest score that keeps ≥ target_recall of the positives at or above it."""
    if len(positive_scores) < min_positives:
        return None, None
    ordered = sorted(positive_scores, reverse=True)
    needed = math.ceil(target_recall * len(ordered) - 1e-9)
    threshold = ordered[needed - 1]
    return threshold, sum(1 for s in ordered if s >= threshold) / len(ordered)


def _step(current: float, wanted: float, max_step: float | None, which: str, notes: list[str]) -> float:
    """`wanted`, or the value `max_step` from `current` in its direction (and a note saying so)."""
    if max_step is None or abs(wanted - current) <= max_step:
        return wanted
    capped = round(current + max_step if wanted > current else current - max_step, 4)
    notes.append(
        f"{which} threshold moved by at most {max_step:g} this run ({current:.4f} → {capped:.4f}; "
        f"the reviews point to {wanted:.4f}): run again after more reviews"
    )
    return capped


def _cut_precision(pairs: Sequence[tuple[float, bool]], threshold: float) -> tuple[float | None, int]:
    """(share rejected, count) of the items scored at or above `threshold`."""
    above = [rejected for score, rejected in pairs if score >= threshold]
    return (sum(above) / len(above) if above else None), len(above)


def simulate(items: Iterable[Reviewed], thresholds: Mapping[str, Thresholds]) -> Simulation:
    """The verdict each reviewed item would get under `thresholds`, compared with the moderator's."""
    count = automatic = wrongly_published = wrongly_rejected = 0
    for item in items:
        count += 1
        actions = list(item.fixed)
        for category, score in item.scores.items():
            rule = thresholds.get(category)
            if rule is None:
                continue
            if rule.reject is not None and score >= rule.reject:
                actions.append("reject")
            elif score >= rule.review:
                actions.append("review")
        verdict = "reject" if "reject" in actions else "review" if "review" in actions else "approve"
        if verdict == "review":
            continue
        automatic += 1
        if verdict == "approve" and item.rejected:
            wrongly_published += 1
        elif verdict == "reject" and not item.rejected:
            wrongly_rejected += 1
    return Simulation(count, automatic, wrongly_published + wrongly_rejected, wrongly_published, wrongly_rejected)


def calibrate(
    items: Sequence[Reviewed],
    current: Mapping[str, Thresholds],
    target_precision: float = DEFAULT_TARGET_PRECISION,
    target_recall: float = DEFAULT_TARGET_RECALL,
    min_items: int = MIN_ITEMS,
    min_positives: int = MIN_POSITIVES,
    max_step: float | None = DEFAULT_MAX_STEP,
) -> Calibration:
    """Proposed thresholds per category, and what current and proposed ones do to the reviewed items.

    `max_step`: the most a threshold moves from its current value (None: as far as the evidence says)."""
    if not 0.5 <= target_precision <= 1.0 or not 0.5 <= target_recall <= 1.0:
        raise ValueError("target precision and recall are between 0.5 and 1")
    if max_step is not None and max_step <= 0:
        raise ValueError("the maximum step is positive")
    proposals = []
    for category in CATEGORIES:
        if category not in current:
            continue
        now = current[category]
        scored = [(item.scores[category], item) for item in items if category in item.scores]
        rejected = sum(1 for _, item in scored if item.rejected)
        positives = [score for score, item in scored if category in item.positive]
        notes: list[str] = []
        review, reject = now.review, now.reject
        precision: float | None = None
        support = 0
        recall: float | None = None
        if len(scored) < min_items:
            notes.append(f"not enough reviewed items ({len(scored)} < {min_items}): nothing proposed")
        else:
            if now.reject is None:
                notes.append("never auto-rejects on this site: no reject threshold proposed")
            else:
                pairs = [(score, category in item.positive) for score, item in scored]
                found, precision, support = propose_reject(pairs, target_precision, min_items)
                if found is None:
                    notes.append(
                        f"no score above which ≥ {target_precision:.0%} of ≥ {min_items} reviewed items "
                        f"were rejected for {category}"
                    )
                elif found < now.reject:
                    reject = _step(now.reject, found, max_step, "reject", notes)
                    if reject != found:  # measured at the cut actually proposed
                        precision, support = _cut_precision(pairs, reject)
                else:
                    notes.append("the reviewed items support no lower reject threshold")
            found_review, recall = propose_review(positives, target_recall, min_positives)
            if found_review is None:
                notes.append(
                    f"only {len(positives)} items rejected for {category} (< {min_positives}): review threshold kept"
                )
            else:
                review = _step(now.review, found_review, max_step, "review", notes)
                if review != found_review:
                    recall = sum(1 for score in positives if score >= review) / len(positives)
        if reject is not None and review > reject:
            review = reject
        proposed = Thresholds(round(review, 4), round(reject, 4) if reject is not None else None)
        proposals.append(
            CategoryProposal(
                category=category,
                items=len(scored),
                rejected=rejected,
                positives=len(positives),
                current=now,
                proposed=proposed,
                reject_precision=round(precision, 4) if precision is not None and reject != now.reject else None,
                reject_support=support if reject != now.reject else 0,
                review_recall=round(recall, 4) if recall is not None else None,
                notes=tuple(notes),
            )
        )
    proposed_thresholds = {p.category: p.proposed for p in proposals}
    return Calibration(
        items=len(items),
        target_precision=target_precision,
        target_recall=target_recall,
        categories=proposals,
        current=simulate(items, current),
        proposed=simulate(items, proposed_thresholds),
    )


def reviewed_items(
    records: Iterable[Mapping[str, Any]], model_version: str | None = None
) -> tuple[list[Reviewed], Counter[str]]:
    """Calibration inputs from exported moderator records (`export_feedback(..., for_calibration=True)`).

    Only records scored by `model_version` (when given) count: scores of another model are on another scale."""
    items: list[Reviewed] = []
    skipped: Counter[str] = Counter()
    for record in records:
        feedback = record.get("feedback") or {}
        if feedback.get("source") != "moderator":
            continue
        if model_version is not None and feedback.get("model_version") != model_version:
            skipped[f"scored by {feedback.get('model_version')}, not {model_version}"] += 1
            continue
        scores = {k: float(v) for k, v in (feedback.get("engine_scores") or {}).items() if k in CATEGORIES}
        labels = set(record.get("labels") or ())
        positive = frozenset(c for c in CATEGORIES if c in labels or (c == "insult" and "profanity" in labels))
        fixed = tuple(
            str(r.get("action"))
            for r in feedback.get("engine_reasons") or []
            if r.get("code") not in scores and r.get("action") in ("review", "reject")
        )
        items.append(Reviewed(scores, feedback.get("verdict") == "reject", positive, fixed))
    return items, skipped


def current_thresholds(
    site_policy: Mapping[str, Any], model_thresholds: Mapping[str, Mapping[str, float]]
) -> dict[str, Thresholds]:
    """The thresholds a site runs with: its overrides, else the model's dev-tuned ones; None where it cannot reject."""
    from moderation.policy import default_policy

    policy = default_policy().with_overrides(dict(site_policy)) if site_policy else default_policy()
    found = {}
    for category in CATEGORIES:
        rule = policy.rule(category)
        if not rule.enabled:
            continue
        tuned = model_thresholds.get(category, {})
        review = rule.review_at if rule.review_at is not None else float(tuned.get("review", 0.5))
        reject = rule.reject_at if rule.reject_at is not None else float(tuned.get("reject", 1.01))
        found[category] = Thresholds(review, reject if rule.can_reject else None)  # above 1: never, for now
    return found


def policy_with(site_policy: Mapping[str, Any], calibration: Calibration) -> dict[str, Any]:
    """The site's overrides with the proposed thresholds of the changed categories written in."""
    overrides = {key: value for key, value in site_policy.items()}
    categories = {name: dict(rule) for name, rule in dict(overrides.get("categories", {})).items()}
    for proposal in calibration.categories:
        if not proposal.changed:
            continue
        # Only what moved is written: an unchanged threshold keeps following the model's dev-tuned one.
        rule = categories.setdefault(proposal.category, {})
        if proposal.proposed.review != proposal.current.review:
            rule["review_at"] = proposal.proposed.review
        if proposal.proposed.reject is not None and proposal.proposed.reject != proposal.current.reject:
            rule["reject_at"] = proposal.proposed.reject
    overrides["categories"] = categories
    return overrides
