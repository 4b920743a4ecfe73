"""Evaluation of the whole engine on a split: per-label metrics, verdicts, automation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score

from moderation.corpus import Comment, Corpus
from moderation.engine import APPROVE, REJECT, REVIEW, Decision, ModerationEngine
from moderation.model.bundle import CATEGORIES
from moderation.model.training import comment_input, gold

VERDICTS = (APPROVE, REVIEW, REJECT)


def gold_verdict(comment: Comment) -> str:
    """What should happen to a labelled comment: the moderator's verdict for a reviewed one,
    else what the site's rules say of its labels."""
    if comment.human_verdict in (APPROVE, REJECT):
        return comment.human_verdict
    if comment.labels & {"insult", "profanity", "spam"} or comment.lang != "fa":
        return REJECT
    if comment.labels & {"accusation", "off_topic"}:
        return REVIEW
    return APPROVE


@dataclass
class EvaluationRun:
    comments: list[Comment]
    decisions: list[Decision]

    def scores(self, category: str) -> np.ndarray:
        return np.array([d.scores.get(category, 0.0) for d in self.decisions])

    def flagged(self, category: str) -> np.ndarray:
        codes = {"insult": {"insult", "profanity", "threat"}}.get(category, {category})
        return np.array([any(r.code in codes for r in d.reasons) for d in self.decisions])

    def targets(self, category: str) -> np.ndarray:
        return np.array([gold(c, category) for c in self.comments])


def run_engine(
    engine: ModerationEngine, corpus: Corpus, comments: Iterable[Comment], progress: Callable[[Any], Any] = iter
) -> EvaluationRun:
    rows = list(comments)
    return EvaluationRun(rows, [engine.moderate(comment_input(corpus, c)) for c in progress(rows)])


def metrics(run: EvaluationRun) -> dict[str, Any]:
    """Precision / recall / F1 per label (flagged = a reason of that code) on the Persian comments,
    ROC AUC, language rejection, verdict confusion, automation."""
    persian = np.array([c.lang == "fa" for c in run.comments])
    per_label: dict[str, Any] = {}
    for category in CATEGORIES:
        # The content heads judge Persian comments; other languages are rejected for their language.
        y, flagged, scores = (
            run.targets(category)[persian],
            run.flagged(category)[persian],
            run.scores(category)[persian],
        )
        precision, recall, f1, _ = precision_recall_fscore_support(y, flagged, average="binary", zero_division=0)
        entry: dict[str, Any] = {
            "support": int(y.sum()),
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
        }
        if len(set(y)) == 2:
            entry["roc_auc"] = round(float(roc_auc_score(y, scores)), 4)
            entry["average_precision"] = round(float(average_precision_score(y, scores)), 4)
        per_label[category] = entry
    language_y = np.array([c.lang != "fa" for c in run.comments])
    language_flag = np.array([any(r.code in ("non_persian", "finglish") for r in d.reasons) for d in run.decisions])
    p, r, f, _ = precision_recall_fscore_support(language_y, language_flag, average="binary", zero_division=0)
    per_label["non_persian_or_finglish"] = {
        "support": int(language_y.sum()),
        "precision": round(float(p), 4),
        "recall": round(float(r), 4),
        "f1": round(float(f), 4),
    }
    gold_verdicts = [gold_verdict(c) for c in run.comments]
    predicted = [d.verdict for d in run.decisions]
    confusion = {g: {p_: 0 for p_ in VERDICTS} for g in VERDICTS}
    for g, p_ in zip(gold_verdicts, predicted, strict=True):
        confusion[g][p_] += 1
    automatic = [(g, p_) for g, p_ in zip(gold_verdicts, predicted, strict=True) if p_ != REVIEW]
    errors = sum(1 for g, p_ in automatic if g != p_)
    wrongly_published = sum(1 for g, p_ in automatic if p_ == APPROVE and g != APPROVE)
    return {
        "comments": len(run.comments),
        "labels": per_label,
        "macro_f1": round(float(np.mean([per_label[c]["f1"] for c in CATEGORIES])), 4),
        "verdicts": {
            "confusion": confusion,
            "predicted": dict(Counter(predicted)),
            "gold": dict(Counter(gold_verdicts)),
        },
        "automation": {
            "automatic_share": round(len(automatic) / len(run.comments), 4) if run.comments else 0.0,
            "error_rate_among_automatic": round(errors / len(automatic), 4) if automatic else 0.0,
            "wrongly_published": wrongly_published,
            "wrongly_rejected": sum(1 for g, p_ in automatic if p_ == REJECT and g != REJECT),
        },
    }
