"""The data staff's workflow as plain functions: train, evaluate, compare, promote, roll back.

The CLI is a thin layer over these; each returns data and raises WorkflowError
with one clear sentence when it cannot do what was asked.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from moderation.corpus import FEEDBACK_HELD_OUT, Comment, Corpus, check_corpus, load_corpus
from moderation.engine import ModerationEngine
from moderation.language import LanguageGate
from moderation.lexicon import Lexicon
from moderation.model.bundle import CATEGORIES, ModelBundle
from moderation.model.evaluation import EvaluationRun, metrics, run_engine
from moderation.model.report import write_report
from moderation.model.store import DEFAULT_NAME, PRODUCTION, ModelStore, ModelStoreError, StoredModel
from moderation.model.training import REJECT_PRECISION, REVIEW_RECALL, train_bundle
from moderation.text import PersianNormalizer


class WorkflowError(Exception):
    """Something the user asked for cannot be done; one sentence says why."""


@dataclass
class Parts:
    """The heavy, reusable parts (built once per command)."""

    normalizer: PersianNormalizer
    gate: LanguageGate
    lexicon: Lexicon

    @classmethod
    def build(cls) -> Parts:
        return cls(PersianNormalizer(), LanguageGate(), Lexicon.default())

    def engine(self, bundle: ModelBundle, label: str) -> ModerationEngine:
        return ModerationEngine(self.normalizer, self.gate, self.lexicon, bundle, label)


def library_versions() -> dict[str, str]:
    names = ("hazm", "scikit-learn", "numpy", "scipy", "joblib", "langdetect")
    return {"python": platform.python_version(), **{n: metadata.version(n) for n in names}}


def train_new_version(
    data_dir: Path,
    store: ModelStore,
    parts: Parts,
    name: str = DEFAULT_NAME,
    feedback_files: tuple[Path, ...] = (),
    progress: Callable[[str], None] = lambda _: None,
    reports_root: Path | None = None,
) -> tuple[StoredModel, dict[str, Any]]:
    """Check the corpus, train, evaluate on dev and test, save an immutable new version (never promoted here).

    With feedback files, the held-out feedback (human-reviewed items not trained on) is scored by the
    new model and by the production one, into the manifest and, given `reports_root`, a Markdown report
    in `feedback_report_dir(reports_root, stored)`."""
    started = time.perf_counter()
    corpus = load_corpus(data_dir, feedback_files)
    report = check_corpus(corpus, parts.normalizer)
    if not report.ok:
        raise WorkflowError(f"the corpus has {len(report.problems)} problems, first: {report.problems[0]}")
    output = train_bundle(corpus, parts.normalizer, parts.gate, parts.lexicon, progress)
    training_seconds = time.perf_counter() - started
    engine = parts.engine(output.bundle, f"{name}@candidate")
    evaluations = {split: metrics(run_engine(engine, corpus, corpus.split(split))) for split in ("dev", "test")}
    held_out = corpus.split(FEEDBACK_HELD_OUT)
    feedback_run = run_engine(engine, corpus, held_out) if held_out else None
    feedback_metrics: dict[str, Any] = {}
    if feedback_run is not None:
        feedback_metrics[FEEDBACK_HELD_OUT] = metrics(feedback_run)
        baseline = _production_on(store, parts, name, corpus, held_out)
        if baseline is not None:
            feedback_metrics[f"{FEEDBACK_HELD_OUT}_production"] = baseline
        progress(f"held-out feedback: {len(held_out)} human-reviewed comments not trained on")
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": {
            "sha256": corpus.data_hash,
            "files": [
                str(Path(f).relative_to(data_dir)) if Path(f).is_relative_to(data_dir) else f for f in corpus.files
            ],
            "rows": report.label_counts,
            "articles": report.articles,
            "comments": report.comments,
            "feedback_files": [str(f) for f in feedback_files],
            "feedback_comments": {
                "trained_on": sum(1 for c in corpus.split("train") if c.source == "feedback"),
                "held_out": len(held_out),
            },
        },
        "labels": ["insult", "profanity", "off_topic", "spam", "accusation"],
        "heads": list(output.bundle.heads),
        "libraries": library_versions(),
        "lexicon_version": parts.lexicon.version,
        "thresholds": output.bundle.thresholds,
        "threshold_targets": {"reject_precision": REJECT_PRECISION, "review_recall": REVIEW_RECALL, "tuned_on": "dev"},
        "training": {**output.counts, "text_c": output.chosen_c, "seconds": round(training_seconds, 1)},
        "metrics": {**evaluations, **feedback_metrics},
    }
    stored = store.save(output.bundle, manifest, name)
    if reports_root is not None and feedback_run is not None:
        write_report(
            feedback_run,
            feedback_metrics[FEEDBACK_HELD_OUT],
            feedback_report_dir(reports_root, stored),
            f"{stored.label} on {len(held_out)} human-reviewed items it did not train on",
            _comparison_lines(
                feedback_metrics.get(f"{FEEDBACK_HELD_OUT}_production"), feedback_metrics[FEEDBACK_HELD_OUT]
            ),
        )
    return stored, manifest


def feedback_report_dir(reports_root: Path, stored: StoredModel) -> Path:
    return reports_root / f"{stored.name}-{stored.version}-{FEEDBACK_HELD_OUT}"


def _production_on(
    store: ModelStore, parts: Parts, name: str, corpus: Corpus, comments: list[Comment]
) -> dict[str, Any] | None:
    """The production model on the same comments: the baseline a new version has to beat."""
    if PRODUCTION not in store.aliases(name):
        return None
    try:
        bundle, stored = store.load(name, PRODUCTION)
    except ModelStoreError:
        return None
    return {"model": stored.label, **metrics(run_engine(parts.engine(bundle, stored.label), corpus, comments))}


def _comparison_lines(baseline: dict[str, Any] | None, candidate: dict[str, Any]) -> list[str]:
    lines = [
        "Gold here is the moderator's verdict; labels are derived from it (see training_data/README.md, "
        '"Feedback labels"). These comments are the engine\'s uncertain band, harder than the test split.',
        "",
    ]
    absent = [c for c in CATEGORIES if candidate["labels"][c]["support"] == 0]
    if absent:
        lines += [f"No positives here for {', '.join(absent)}: the macro F1 above counts them as 0.", ""]
    if baseline is None:
        return lines
    b, c = baseline["automation"], candidate["automation"]
    lines += [
        "| on the same items | macro F1 | macro F1 (with positives) | decided automatically | errors among them |",
        "|---|---|---|---|---|",
        f"| {baseline['model']} (production) | {baseline['macro_f1']:.3f} | {_present_macro_f1(baseline):.3f} | "
        f"{b['automatic_share']:.1%} | {b['error_rate_among_automatic']:.1%} |",
        f"| new version | {candidate['macro_f1']:.3f} | {_present_macro_f1(candidate):.3f} | "
        f"{c['automatic_share']:.1%} | {c['error_rate_among_automatic']:.1%} |",
        "",
    ]
    return lines


def _present_macro_f1(result: dict[str, Any]) -> float:
    """Macro F1 over the categories that have positives (feedback rarely has all four)."""
    scores = [result["labels"][c]["f1"] for c in CATEGORIES if result["labels"][c]["support"] > 0]
    return sum(scores) / len(scores) if scores else 0.0


def evaluate_version(
    data_dir: Path,
    store: ModelStore,
    parts: Parts,
    name: str,
    ref: str,
    split: str,
    feedback_files: tuple[Path, ...] = (),
) -> tuple[EvaluationRun, dict[str, Any], StoredModel]:
    if split not in ("train", "dev", "test", FEEDBACK_HELD_OUT):
        raise WorkflowError(f"unknown split '{split}': use train, dev, test or {FEEDBACK_HELD_OUT}")
    if split == FEEDBACK_HELD_OUT and not feedback_files:
        raise WorkflowError(f"the {FEEDBACK_HELD_OUT} split needs --include-feedback FILE")
    corpus = load_corpus(data_dir, feedback_files)
    if not corpus.split(split):
        raise WorkflowError(f"the {split} split is empty")
    bundle, stored = store.load(name, ref)
    run = run_engine(parts.engine(bundle, stored.label), corpus, corpus.split(split))
    return run, metrics(run), stored


def promote(
    data_dir: Path,
    store: ModelStore,
    parts: Parts,
    name: str,
    version: str,
    force: bool = False,
    reason: str = "",
    actor: str = "cli",
) -> dict[str, Any]:
    """Point `production` at `version`, unless its held-out macro F1 is worse than the current one's."""
    candidate = store.resolve(name, version)
    current_version = store.aliases(name).get(PRODUCTION)
    comparison: dict[str, Any] = {"candidate": candidate.version, "current": current_version}
    if current_version and current_version != candidate.version:
        _, new, _ = evaluate_version(data_dir, store, parts, name, candidate.version, "test")
        _, old, _ = evaluate_version(data_dir, store, parts, name, current_version, "test")
        comparison.update({"candidate_macro_f1": new["macro_f1"], "current_macro_f1": old["macro_f1"]})
        if new["macro_f1"] < old["macro_f1"]:
            if not force:
                raise WorkflowError(
                    f"{candidate.version} is worse on the test split (macro F1 {new['macro_f1']:.4f} < "
                    f"{old['macro_f1']:.4f} of {current_version}); use --force --reason to promote anyway"
                )
            if not reason.strip():
                raise WorkflowError("--force needs --reason saying why a worse model is promoted")
    store.set_alias(name, PRODUCTION, candidate.version, reason or "promoted", actor, forced=force)
    return comparison


def rollback(store: ModelStore, name: str, reason: str = "rollback", actor: str = "cli") -> str:
    """Point `production` back at the version it had before the last change."""
    changes = [h for h in store.history(name) if h["alias"] == PRODUCTION]
    if not changes or not changes[-1].get("from"):
        raise WorkflowError("there is no earlier production version to roll back to")
    previous = changes[-1]["from"]
    store.set_alias(name, PRODUCTION, previous, reason, actor)
    return str(previous)
