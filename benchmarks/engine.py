"""The engine alone: time per stage and in total per comment, batch throughput, memory, build time.

Run: .venv/bin/python -m benchmarks.engine
Short (≈5 words), typical (≈30) and long (≈300) comments of our own corpus,
judged against an article; every figure is the median of RUNS runs (each run's
own median per comment for the per-comment figures).
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.foundation import comment_texts, length_buckets
from moderation.corpus import load_corpus
from moderation.engine import ArticleText, CommentInput, ModerationEngine
from moderation.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
STAGES = ("normalize", "language", "lexicon", "signals", "model")


def build_seconds() -> float:
    """A fresh process: imports, normalizer, gate, lexicon and model loaded (what a worker does first)."""
    code = (
        "import time; t = time.perf_counter()\n"
        "from moderation.assembly import build_engine\nfrom moderation.settings import Settings\n"
        "build_engine(Settings()); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def per_comment(engine: ModerationEngine, inputs: list[CommentInput]) -> dict[str, float]:
    """Medians over RUNS runs of each run's median time per comment, total and per stage (ms)."""
    runs: dict[str, list[float]] = {}
    for _ in range(RUNS):
        totals: list[float] = []
        stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
        for item in inputs:
            started = time.perf_counter()
            decision = engine.moderate(item)
            totals.append((time.perf_counter() - started) * 1000)
            for stage in STAGES:
                stages[stage].append(decision.stage_ms.get(stage, 0.0))
        runs.setdefault("total_ms", []).append(statistics.median(totals))
        for stage in STAGES:
            runs.setdefault(f"{stage}_ms", []).append(statistics.median(stages[stage]))
    return {name: round(statistics.median(values), 3) for name, values in runs.items()}


def main() -> dict[str, Any]:
    from moderation.assembly import build_engine

    engine = build_engine(Settings())
    corpus = load_corpus(Settings().training_data_dir)
    article = next(iter(corpus.articles.values()))
    context = ArticleText(article.title, article.lead, article.body)
    texts = comment_texts()
    report: dict[str, Any] = {"runs": RUNS}
    for name, bucket in length_buckets(texts).items():
        inputs = [CommentInput(t, context) for t in bucket]
        for item in inputs[:20]:
            engine.moderate(item)  # warm the caches a served engine has warm
        report[name] = {
            "comments": len(inputs),
            "mean_words": round(statistics.mean(len(i.text.split()) for i in inputs), 1),
            **per_comment(engine, inputs),
        }
    rng = random.Random(3)
    batch = [CommentInput(rng.choice(texts), context) for _ in range(2000)]
    rates = []
    for _ in range(RUNS):
        started = time.perf_counter()
        engine.moderate_batch(batch)
        rates.append(len(batch) / (time.perf_counter() - started))
    report["batch_comments_per_second_one_core"] = round(statistics.median(rates))
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["build_seconds_fresh_process"] = round(statistics.median(build_seconds() for _ in range(RUNS)), 2)
    return report


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
