"""`make bench`: every benchmark, printed as JSON and saved under reports/benchmarks-<date>.json."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import foundation, models


def main() -> None:
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine()},
        "foundation": foundation.main(),
        "models": models.main(),
    }
    folder = Path("reports")
    folder.mkdir(exist_ok=True)
    path = folder / f"benchmarks-{report['date'][:10]}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
