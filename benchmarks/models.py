"""Detector quality and engine speed (issue: detectors, decisions, training workflow).

Run: .venv/bin/python -m benchmarks.models
1. Pipeline capacity: our text pipeline trained on Pars-OFF / PHate train, thresholds
   tuned on a dev part (carved from Pars-OFF train; PHate's own val), scored on test.
2. The shipped model, zero-shot, on Pars-OFF and PHate test.
3. Automation and 4. off-topic ROC AUC on our own test split (the engine end to end).
5. Speed: engine per comment, batch throughput, retraining time.
External data are read from ../shared/datasets and never copied; absent → skipped.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import f1_score

from benchmarks import datasets
from benchmarks.foundation import comment_texts
from benchmarks.timing import per_call
from moderation.corpus import load_corpus
from moderation.engine import CommentInput
from moderation.model import ModelStore
from moderation.model.evaluation import metrics, run_engine
from moderation.model.training import choose_c, text_model, text_vectorizers
from moderation.model.workflow import Parts, train_new_version
from moderation.settings import Settings

SETTINGS = Settings()


def _texts(parts: Parts, rows: list[dict[str, str]]) -> list[str]:
    return [parts.normalizer.normalize(r["text"]).model_text for r in rows]


def _labels(rows: list[dict[str, str]]) -> np.ndarray:
    return np.array([1 if r["label"] == "offensive" else 0 for r in rows])


def _best_threshold(y: np.ndarray, scores: np.ndarray, average: str) -> float:
    candidates = np.unique(np.quantile(scores, np.linspace(0.02, 0.98, 97)))
    return float(max(candidates, key=lambda t: f1_score(y, scores >= t, average=average)))


def pipeline_capacity(parts: Parts, name: str, dev_split: str | None) -> dict[str, Any]:
    """Train our text pipeline on an external train set; tune C and threshold on dev; score test."""
    train_rows = datasets.read_csv(name, "train")
    if dev_split is None:  # carve a fixed dev part out of train
        dev_rows = [r for r in train_rows if datasets.is_dev(r["text"], share=8)]
        train_rows = [r for r in train_rows if not datasets.is_dev(r["text"], share=8)]
    else:
        dev_rows = datasets.read_csv(name, dev_split)
    test_rows = datasets.read_csv(name, "test")
    char, word = text_vectorizers()
    train_texts = _texts(parts, train_rows)
    x_train = sp.hstack([char.fit_transform(train_texts), word.fit_transform(train_texts)]).tocsr()

    def features(rows: list[dict[str, str]]) -> Any:
        texts = _texts(parts, rows)
        return sp.hstack([char.transform(texts), word.transform(texts)]).tocsr()

    x_dev, x_test = features(dev_rows), features(test_rows)
    y_train, y_dev, y_test = _labels(train_rows), _labels(dev_rows), _labels(test_rows)
    c = choose_c(x_train, y_train, x_dev, y_dev)
    model = text_model(c).fit(x_train, y_train)
    average = "macro" if name == "parsoff" else "binary"
    threshold = _best_threshold(y_dev, model.decision_function(x_dev), average)
    predicted = model.decision_function(x_test) >= threshold
    return {
        "train": len(train_rows),
        "dev": len(dev_rows),
        "test": len(test_rows),
        "C": c,
        "test_macro_f1": round(float(f1_score(y_test, predicted, average="macro")), 4),
        "test_offensive_f1": round(float(f1_score(y_test, predicted)), 4),
    }


def zero_shot(parts: Parts, name: str) -> dict[str, Any]:
    """The shipped model and thresholds, untouched, on an external test set (insult or profanity flag)."""
    bundle, stored = ModelStore(SETTINGS.models_dir).load()
    engine = parts.engine(bundle, stored.label)
    rows = datasets.read_csv(name, "test")
    y = _labels(rows)
    decisions = [engine.moderate(CommentInput(r["text"])) for r in rows]
    flagged = np.array([any(x.code in ("insult", "profanity", "threat") for x in d.reasons) for d in decisions])
    return {
        "model": stored.label,
        "test": len(rows),
        "macro_f1": round(float(f1_score(y, flagged, average="macro")), 4),
        "offensive_f1": round(float(f1_score(y, flagged)), 4),
        "non_persian_rejected": sum(1 for d in decisions if d.language.code != "fa"),
    }


def own_test_split(parts: Parts) -> dict[str, Any]:
    bundle, stored = ModelStore(SETTINGS.models_dir).load()
    corpus = load_corpus(SETTINGS.training_data_dir)
    result = metrics(run_engine(parts.engine(bundle, stored.label), corpus, corpus.split("test")))
    return {
        "model": stored.label,
        "comments": result["comments"],
        "automation": result["automation"],
        "off_topic_roc_auc": result["labels"]["off_topic"].get("roc_auc"),
        "labels": result["labels"],
        "macro_f1": result["macro_f1"],
    }


def speed(parts: Parts) -> dict[str, Any]:
    bundle, stored = ModelStore(SETTINGS.models_dir).load()
    engine = parts.engine(bundle, stored.label)
    corpus = load_corpus(SETTINGS.training_data_dir)
    article = next(iter(corpus.articles.values()))
    from moderation.engine import ArticleText

    context = ArticleText(article.title, article.lead, article.body)
    texts = comment_texts()
    rng = random.Random(3)
    typical = [t for t in texts if 25 <= len(t.split()) <= 35] or texts
    inputs = [CommentInput(t, context) for t in typical[:300]]
    for item in inputs[:20]:
        engine.moderate(item)
    single = per_call(engine.moderate, inputs)
    batch = [CommentInput(rng.choice(texts), context) for _ in range(2000)]
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        engine.moderate_batch(batch)
        rates.append(len(batch) / (time.perf_counter() - start))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        train_new_version(SETTINGS.training_data_dir, ModelStore(Path(folder)), parts)
        retrain = time.perf_counter() - start
    return {
        "engine_per_comment": {**single, "mean_words": round(statistics.mean(len(i.text.split()) for i in inputs), 1)},
        "batch_comments_per_second_one_core": round(statistics.median(rates)),
        "retrain_seconds_incl_evaluation": round(retrain, 1),
    }


def main() -> dict[str, Any]:
    parts = Parts.build()
    report: dict[str, Any] = {"own_test_split": own_test_split(parts), "speed": speed(parts)}
    if datasets.available():
        report["pipeline_capacity"] = {
            "parsoff": pipeline_capacity(parts, "parsoff", None),
            "phate": pipeline_capacity(parts, "phate", "val"),
        }
        report["zero_shot_shipped_model"] = {"parsoff": zero_shot(parts, "parsoff"), "phate": zero_shot(parts, "phate")}
    else:
        report["external"] = "skipped: ../shared/datasets is absent"
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main()
