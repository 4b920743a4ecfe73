"""Access to ../shared/datasets for benchmarks: evaluation only, never copied into the project."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def available() -> bool:
    return DATASETS.is_dir()


def read_csv(name: str, split: str) -> list[dict[str, str]]:
    path = DATASETS / name / f"{split}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def is_dev(text: str, share: int = 4) -> bool:
    """A deterministic quarter of a set kept for development (lingua_lid has only a test file)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % share == 0
