"""Per-key token buckets (in this process; each worker limits its own share)."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: int, cost: int = 1) -> float:
        """0 when allowed; else the seconds to wait before retrying."""
        moment = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, moment))
            tokens = min(self.burst, tokens + (moment - last) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, moment)
                return 0.0
            self._buckets[key] = (tokens, moment)
            return (cost - tokens) / self.rate
