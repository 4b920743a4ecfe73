"""Normalizer, language gate and lexicon: speed per comment and language-identification accuracy.

Run: .venv/bin/python -m benchmarks.foundation
Speed uses the team's own comments (training_data/); accuracy uses
../shared/datasets/lingua_lid when present (skipped cleanly otherwise). That set
has only a test file: a fixed quarter (by hash) was used while developing the
gate and is reported apart; the other three quarters are the held-out figures.
"""

from __future__ import annotations

import collections
import json
import random
from pathlib import Path
from typing import Any

from benchmarks import datasets
from benchmarks.timing import per_call
from moderation.language import LanguageGate
from moderation.lexicon import Lexicon, spam_signals
from moderation.text import PersianNormalizer

ROOT = Path(__file__).resolve().parents[1]


def comment_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "training_data" / "comments").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("lang") == "fa":
                texts.append(row["text"])
    return texts


def length_buckets(texts: list[str]) -> dict[str, list[str]]:
    """Short (≈5 words), typical (≈30 words) and long (≈300 words) comments."""
    rng = random.Random(7)
    short = [t for t in texts if 4 <= len(t.split()) <= 6]
    typical = [t for t in texts if 25 <= len(t.split()) <= 35]
    if len(typical) < 50:  # join neighbours to reach 30 words
        typical = [" ".join(rng.sample(texts, 3))[:220] for _ in range(200)]
    long_ = []
    for _ in range(60):
        words: list[str] = []
        while len(words) < 300:
            words.extend(rng.choice(texts).split())
        long_.append(" ".join(words[:300]))
    return {"short": short[:300], "typical": typical[:300], "long": long_}


def speed(normalizer: PersianNormalizer, gate: LanguageGate, lexicon: Lexicon) -> dict[str, Any]:
    buckets = length_buckets(comment_texts())
    result: dict[str, Any] = {}
    for name, texts in buckets.items():
        normalized = [normalizer.normalize(t) for t in texts]

        def everything(text: str) -> None:
            n = normalizer.normalize(text)
            gate.detect(n.language_view)
            lexicon.find(n)
            spam_signals(n)

        result[name] = {
            "texts": len(texts),
            "mean_words": round(sum(len(t.split()) for t in texts) / len(texts), 1),
            "normalize": per_call(normalizer.normalize, texts),
            "language_gate": per_call(gate.detect, [n.language_view for n in normalized]),
            "lexicon": per_call(lexicon.find, normalized),
            "normalize+gate+lexicon+spam": per_call(everything, texts),
            "langdetect_share": round(
                sum(gate.detect(n.language_view).method == "langdetect" for n in normalized) / len(texts), 4
            ),
        }
    return result


def accuracy(normalizer: PersianNormalizer, gate: LanguageGate) -> dict[str, Any]:
    if not datasets.available():
        return {"skipped": "../shared/datasets is absent"}
    rows = datasets.read_csv("lingua_lid", "test")
    table: dict[str, Any] = {}
    for part in ("held_out", "dev"):
        counts: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
        langdetect_calls = 0
        for row in rows:
            if datasets.is_dev(row["text"]) != (part == "dev"):
                continue
            found = gate.detect(normalizer.normalize(row["text"]).language_view)
            langdetect_calls += found.method == "langdetect"
            counts[(row["granularity"], row["label"])][found.language] += 1
        part_table: dict[str, Any] = {}
        for granularity in ("sentences", "word-pairs", "single-words"):
            per_language = {}
            correct = total = 0
            for label in ("fa", "ar", "ur", "en"):
                counter = counts[(granularity, label)]
                n = sum(counter.values())
                right = counter["fa"] if label == "fa" else n - counter["fa"]
                correct, total = correct + right, total + n
                per_language[label] = {
                    "n": n,
                    "persian_recall" if label == "fa" else "rejected_as_non_persian": round(right / n, 4),
                    "exact_language": round(counter[label] / n, 4),
                }
            per_language["persian_vs_not_accuracy"] = round(correct / total, 4)
            part_table[granularity] = per_language
        part_table["langdetect_calls"] = langdetect_calls
        table[part] = part_table
    return table


def main() -> dict[str, Any]:
    normalizer, gate, lexicon = PersianNormalizer(), LanguageGate(), Lexicon.default()
    gate.vocabulary  # noqa: B018 - build lazily loaded parts before timing
    report = {"speed": speed(normalizer, gate, lexicon), "language_accuracy": accuracy(normalizer, gate)}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return report


if __name__ == "__main__":
    main()
