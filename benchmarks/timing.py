"""Small helpers for timing: medians and percentiles of repeated single calls."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def per_call(function: Callable[[Any], Any], inputs: Sequence[Any], repeat: int = 3) -> dict[str, float]:
    """Median and p99 in microseconds of `function(x)` over `inputs`, repeated."""
    samples = []
    for _ in range(repeat):
        for item in inputs:
            start = time.perf_counter_ns()
            function(item)
            samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "median_us": round(statistics.median(samples), 1),
        "p99_us": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 1),
        "calls": len(samples),
    }
