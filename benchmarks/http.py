"""HTTP benchmark: real uvicorn processes, load from a second process on 127.0.0.1.

Run: .venv/bin/python -m benchmarks.http (`make bench` runs it with the rest)
Throughput and p50/p99 at fixed request rates and closed-loop maximum, for the
service on SQLite and on PostgreSQL, and for a bare FastAPI endpoint returning a
constant (the framework's floor on this machine), in the same run.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RATES = (100, 200, 500)
SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
POSTGRES_ADMIN = os.environ.get("MODERATION_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def uvicorn(app: str, env: dict[str, str], workers: int = 1):  # type: ignore[no-untyped-def]
    port = _port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    while time.perf_counter() - started < 120:
        try:
            if httpx.get(f"{url}/healthz" if app == "service:app" else f"{url}/docs", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)  # the start-up figure is this precise
    startup = time.perf_counter() - started
    try:
        yield url, startup, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def load(url: str, key: str, rate: float, connections: int, prefix: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.loadgen",
            f"{url}/v1/moderate",
            key,
            str(rate),
            str(SECONDS),
            str(connections),
            prefix,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(out.stdout)


def site_key(env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "moderation.cli", "sites", "add", f"bench-{uuid.uuid4().hex[:6]}"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return next(line.split(": ")[-1] for line in result.stdout.splitlines() if "api key" in line)


def _median(values: list[float]) -> float:
    values = sorted(v for v in values if v == v)  # NaN (no sample) left out
    return round(statistics.median(values), 2) if values else float("nan")


def _rss_per_worker(pid: int, workers: int) -> float:
    """Largest resident set of one serving process (the supervisor is not a worker when workers > 1)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    processes = [int(p) for p in found] if workers > 1 and found else [pid]
    return max(_own_rss(p) for p in processes)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a server: the process and its workers."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return _processes_cpu_seconds([pid, *(int(p) for p in found)])


def _postgres_cpu_seconds() -> float:
    """CPU time used so far by the machine's PostgreSQL processes (it shares the two cores with the
    service). A backend that exits meanwhile takes its time with it: a lower bound."""
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return _processes_cpu_seconds([int(p) for p in found])


def _processes_cpu_seconds(pids: list[int]) -> float:
    total = 0
    for process in pids:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _own_rss(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def run_config(
    app: str, env: dict[str, str], workers: int, key: str | None, tag: str, database_cpu: bool = False
) -> dict[str, Any]:
    """RUNS fresh server starts; each: start-up, every fixed rate, the closed-loop maximum, RSS. Medians.

    `database_cpu`: also the PostgreSQL server's CPU per request at the first rate."""
    samples: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    for run in range(RUNS):
        with uvicorn(app, env, workers) as (url, startup, process):
            add("startup_s", startup)
            api_key = key or "x"
            load(url, api_key, 50, 8, f"{tag}-warm-{run}-{uuid.uuid4().hex[:6]}")  # first requests warm caches
            for rate in RATES:
                cpu_before, database_before = _cpu_seconds(process.pid), _postgres_cpu_seconds()
                row = load(url, api_key, rate, 64, f"{tag}-{rate}-{uuid.uuid4().hex[:6]}")
                if rate == RATES[0] and row["completed"]:  # below saturation: the server's own cost per request
                    add("cpu_ms_per_request", (_cpu_seconds(process.pid) - cpu_before) * 1000 / row["completed"])
                    if database_cpu:
                        used = _postgres_cpu_seconds() - database_before
                        add("database_cpu_ms_per_request", used * 1000 / row["completed"])
                add(f"rate_{rate}_throughput_rps", row["throughput_rps"])
                add(f"rate_{rate}_p50_ms", row["p50_ms"])
                add(f"rate_{rate}_p99_ms", row["p99_ms"])
                add(f"rate_{rate}_errors", row["errors"])
            row = load(url, api_key, 0, 32, f"{tag}-max-{uuid.uuid4().hex[:6]}")
            add("max_throughput_rps", row["throughput_rps"])
            add("max_p50_ms", row["p50_ms"])
            add("max_errors", row["errors"])
            add("rss_mb_per_worker", _rss_per_worker(process.pid, workers))
    return {"workers": workers, "runs": RUNS, **{name: _median(values) for name, values in samples.items()}}


def postgres_database() -> tuple[Any, str, str]:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"moderation_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, admin.url.set(database=name).render_as_string(hide_password=False)


def suite() -> dict[str, Any]:
    """What `make bench` reports: bare FastAPI, SQLite (1 and WORKERS workers), PostgreSQL (WORKERS)."""
    common = {
        "MODERATION_CREATE_DEMO_SITE": "false",
        "MODERATION_RATE_LIMIT_PER_MINUTE": "10000000",
        "MODERATION_RATE_LIMIT_BURST": "1000000",
    }
    report: dict[str, Any] = {"seconds_per_rate": SECONDS, "rates": list(RATES)}
    report["bare_fastapi"] = run_config("benchmarks.bare_app:app", {}, WORKERS, None, "bare")
    with tempfile.TemporaryDirectory() as folder:
        env = {**common, "MODERATION_DATA_DIR": folder}
        key = site_key(env)
        report["sqlite_1_worker"] = run_config("service:app", env, 1, key, "sqlite1")
        if WORKERS > 1:
            report["sqlite"] = run_config("service:app", env, WORKERS, key, "sqlite")
    try:
        from sqlalchemy import text

        admin, name, url_pg = postgres_database()
    except Exception as error:  # report, do not hide, a missing PostgreSQL
        report["postgresql"] = {"skipped": f"{type(error).__name__}: {error}"[:300]}
    else:
        env = {**common, "MODERATION_DATABASE_URL": url_pg, "MODERATION_HASH_SALT": "benchmark-salt-0123456789"}
        try:
            report["postgresql"] = run_config("service:app", env, WORKERS, site_key(env), "pg", database_cpu=True)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    bare = report["bare_fastapi"]["max_throughput_rps"]
    for name in ("sqlite_1_worker", "sqlite", "postgresql"):
        if "max_throughput_rps" in report.get(name, {}):
            report[name]["max_vs_bare_ratio"] = round(report[name]["max_throughput_rps"] / bare, 3)
    return report


if __name__ == "__main__":
    print(json.dumps(suite(), indent=1))
