"""Prometheus metrics of one app instance (its own registry, so tests can build many apps)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "moderation_http_requests", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "moderation_http_latency_seconds",
            "HTTP latency",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.engine_latency = Histogram(
            "moderation_engine_latency_seconds",
            "Engine time per comment",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stage_latency = Histogram(
            "moderation_stage_latency_seconds",
            "Engine time per stage",
            ["stage"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.verdicts = Counter("moderation_verdicts", "Verdicts", ["site", "verdict"], registry=self.registry)
        self.reasons = Counter("moderation_reasons", "Reasons", ["site", "reason"], registry=self.registry)
        self.queue_size = Gauge(
            "moderation_review_queue_size", "Comments waiting for a moderator", registry=self.registry
        )
        self.model = Gauge(
            "moderation_model_info", "The served model", ["model", "normalizer", "lexicon"], registry=self.registry
        )
        self.degraded = Gauge("moderation_degraded", "1 when the engine runs without its model", registry=self.registry)
        self.degraded_decisions = Counter(
            "moderation_degraded_decisions",
            "Decisions taken in degraded mode (lexicon and language only, at least review), by failed stage",
            ["stage"],
            registry=self.registry,
        )

        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def child(self, metric: Any, *labels: str) -> Any:
        """`metric.labels(*labels)`, remembered: `labels` validates and locks on every call, and the
        hot path asks for about ten children per request."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found

    def degraded_counts(self) -> dict[str, int]:
        """Degraded decisions since start, by failed stage (for /readyz)."""
        counts: dict[str, int] = {}
        for metric in self.degraded_decisions.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["stage"]] = int(sample.value)
        return counts
