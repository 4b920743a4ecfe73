"""`make bench`: every benchmark, one table of medians, saved as JSON (benchmarks/results/latest.json).

BENCH_RUNS (default 3) runs per figure, BENCH_SECONDS (6) per HTTP rate, BENCH_WORKERS
(the number of cores) uvicorn workers. External data sets (../shared/datasets) are
used when present; their rows say "skipped" otherwise.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import datasets, engine, foundation, http, models

RESULTS = Path(__file__).resolve().parent / "results"


def quality() -> dict[str, Any]:
    from moderation.model.workflow import Parts

    parts = Parts.build()
    report: dict[str, Any] = {"own_test_split": models.own_test_split(parts)}
    if datasets.available():
        report["language_accuracy"] = foundation.accuracy(parts.normalizer, parts.gate)
        report["zero_shot_shipped_model"] = {n: models.zero_shot(parts, n) for n in ("parsoff", "phate")}
        report["pipeline_capacity"] = {
            "parsoff": models.pipeline_capacity(parts, "parsoff", None),
            "phate": models.pipeline_capacity(parts, "phate", "val"),
        }
    else:
        report["external"] = "skipped: ../shared/datasets is absent"
    return report


def _machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or platform.machine(),
    )
    return {"python": platform.python_version(), "cpu": model, "cores": os.cpu_count(), "load_before": os.getloadavg()}


def rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The one table: (figure, median) pairs."""
    out: list[tuple[str, str]] = []
    e = report["engine"]
    buckets = ("short", "typical", "long")
    words = " / ".join(f"{e[b]['mean_words']:g}" for b in buckets)
    out.append((f"engine ms per comment, total (short / typical / long: {words} words)", _per_bucket(e, "total_ms")))
    for stage in engine.STAGES:
        out.append((f"engine ms per comment, {stage}", _per_bucket(e, f"{stage}_ms")))
    out.append(("engine batch, comments/s on one core", f"{e['batch_comments_per_second_one_core']:,}"))
    out.append(("engine peak RSS, MB (one process, all of the above)", f"{e['peak_rss_mb']}"))
    out.append(("engine build in a fresh process (imports + load), s", f"{e['build_seconds_fresh_process']}"))
    h = report["http"]
    bare = h["bare_fastapi"]
    labels = {
        "bare_fastapi": f"bare FastAPI, {bare['workers']} workers",
        "sqlite_1_worker": "SQLite, 1 worker",
        "sqlite": f"SQLite, {h.get('sqlite', {}).get('workers', '?')} workers",
        "postgresql": f"PostgreSQL, {h.get('postgresql', {}).get('workers', '?')} workers",
    }
    for name, label in labels.items():
        figures = h.get(name)
        if figures is None:
            continue
        if "skipped" in figures:
            out.append((f"HTTP {label}", figures["skipped"]))
            continue
        ratio = f" ({figures['max_vs_bare_ratio']:.2f} × bare)" if "max_vs_bare_ratio" in figures else ""
        out.append((f"HTTP {label}: closed-loop max, req/s", f"{figures['max_throughput_rps']:,}{ratio}"))
        for rate in h["rates"]:
            out.append(
                (
                    f"HTTP {label}: at {rate} req/s offered → served req/s, p50 / p99 ms",
                    f"{figures[f'rate_{rate}_throughput_rps']:g}, "
                    f"{figures[f'rate_{rate}_p50_ms']:g} / {figures[f'rate_{rate}_p99_ms']:g}",
                )
            )
        cpu = f"{figures['cpu_ms_per_request']:g}"
        out.append((f"HTTP {label}: server CPU ms per request at {h['rates'][0]} req/s", cpu))
        if "database_cpu_ms_per_request" in figures:
            out.append(
                (
                    f"HTTP {label}: PostgreSQL's own CPU ms per request at {h['rates'][0]} req/s (a lower bound)",
                    f"{figures['database_cpu_ms_per_request']:g}",
                )
            )
        if name != "bare_fastapi":
            out.append((f"HTTP {label}: start-up to /healthz, s", f"{figures['startup_s']:g}"))
            out.append((f"HTTP {label}: RSS per worker after the load, MB", f"{figures['rss_mb_per_worker']:g}"))
    q = report["quality"]
    own = q["own_test_split"]
    automation = own["automation"]
    out.append(
        (
            "quality, own test split: decided automatically / errors among them",
            f"{automation['automatic_share']:.1%} / {automation['error_rate_among_automatic']:.2%}",
        )
    )
    out.append(("quality, own test split: macro F1", f"{own['macro_f1']}"))
    if "external" in q:
        out.append(("quality, external data sets", q["external"]))
    else:
        for name, figures in q["zero_shot_shipped_model"].items():
            out.append((f"quality, shipped model zero-shot on {name} test: macro F1", f"{figures['macro_f1']}"))
        for name, figures in q["pipeline_capacity"].items():
            out.append((f"quality, our pipeline trained on {name}: test macro F1", f"{figures['test_macro_f1']}"))
        sentences = q["language_accuracy"]["held_out"]["sentences"]
        out.append(
            (
                "quality, lingua_lid held-out sentences: Persian recall / non-Persian rejected (lowest of ar, ur, en)",
                f"{sentences['fa']['persian_recall']} / "
                f"{min(sentences[x]['rejected_as_non_persian'] for x in ('ar', 'ur', 'en'))}",
            )
        )
    return out


def _per_bucket(e: dict[str, Any], key: str) -> str:
    return " / ".join(f"{e[b][key]:.3f}" for b in ("short", "typical", "long"))


def table(report: dict[str, Any]) -> str:
    body = rows(report)
    lines = ["| figure | median |", "|---|---|", *(f"| {figure} | {value} |" for figure, value in body)]
    return "\n".join(lines)


def main() -> None:
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "runs": engine.RUNS,
    }
    report["engine"] = engine.main()
    report["http"] = http.suite()
    report["quality"] = quality()
    report["machine"]["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    machine = report["machine"]
    print(
        f"\n{report['date']} · {machine['cpu']} · {machine['cores']} cores · Python {machine['python']} · "
        f"load {machine['load_before'][0]:.1f} before, {machine['load_after'][0]:.1f} after · "
        f"medians of {report['runs']} runs\n"
    )
    print(table(report))
    print(f"\nsaved {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
