"""The human evaluation report: Markdown with PNG plots, next to the metrics JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from moderation.model.bundle import CATEGORIES
from moderation.model.evaluation import VERDICTS, EvaluationRun


def write_report(
    run: EvaluationRun, result: dict[str, Any], folder: Path, title: str, notes: list[str] | None = None
) -> Path:
    """Write metrics.json, report.md and plots into `folder`; return the report's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    figure, axes = plt.subplots(1, len(CATEGORIES), figsize=(4 * len(CATEGORIES), 3.6))
    for axis, category in zip(axes, CATEGORIES, strict=True):
        y, scores = run.targets(category), run.scores(category)
        if len(set(y)) == 2:
            precision, recall, _ = precision_recall_curve(y, scores)
            axis.plot(recall, precision)
        axis.set_title(category)
        axis.set_xlabel("recall")
        axis.set_ylabel("precision")
        axis.set_ylim(0, 1.02)
    figure.tight_layout()
    figure.savefig(folder / "precision_recall.png", dpi=90)
    plt.close(figure)

    figure, axes = plt.subplots(1, len(CATEGORIES), figsize=(4 * len(CATEGORIES), 3.2))
    for axis, category in zip(axes, CATEGORIES, strict=True):
        y, scores = run.targets(category), run.scores(category)
        axis.hist(
            [scores[y == 0], scores[y == 1]], bins=20, range=(0, 1), label=["negative", "positive"], stacked=False
        )
        axis.set_title(f"{category} scores")
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(folder / "score_histograms.png", dpi=90)
    plt.close(figure)

    confusion = result["verdicts"]["confusion"]
    matrix = np.array([[confusion[g][p] for p in VERDICTS] for g in VERDICTS])
    figure, axis = plt.subplots(figsize=(4, 3.6))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(3), VERDICTS)
    axis.set_yticks(range(3), VERDICTS)
    axis.set_xlabel("engine")
    axis.set_ylabel("label")
    for i in range(3):
        for j in range(3):
            axis.text(j, i, str(matrix[i, j]), ha="center", va="center")
    figure.tight_layout()
    figure.savefig(folder / "confusion_matrix.png", dpi=90)
    plt.close(figure)

    lines = [
        f"# {title}",
        "",
        f"{result['comments']} comments.",
        "",
        "| label | support | precision | recall | F1 | ROC AUC |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in result["labels"].items():
        lines.append(
            f"| {name} | {entry['support']} | {entry['precision']:.3f} | {entry['recall']:.3f} | {entry['f1']:.3f} | "
            f"{entry.get('roc_auc', float('nan')):.3f} |"
        )
    automation = result["automation"]
    lines += [
        "",
        f"Macro F1 (insult, spam, off_topic, accusation): **{result['macro_f1']:.3f}**",
        "",
        f"Decided automatically: {automation['automatic_share']:.1%}; errors among them: "
        f"{automation['error_rate_among_automatic']:.1%} ({automation['wrongly_published']} wrongly published, "
        f"{automation['wrongly_rejected']} wrongly rejected).",
        "",
        *(notes or []),
        "![precision-recall](precision_recall.png)",
        "",
        "![confusion matrix](confusion_matrix.png)",
        "",
        "![score histograms](score_histograms.png)",
        "",
    ]
    report = folder / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report
