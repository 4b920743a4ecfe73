"""Real uvicorn processes for the tests: start on a free port, read the demo key, stop or SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> tuple[subprocess.Popen[str], str]:
    """Start `uvicorn service:app`; return it once started, with the API key it printed (or "")."""
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline() if process.stdout else ""
        output.append(line)
        # Logged once the socket listens; "Application startup complete" comes just before the bind, and a
        # request sent on it can be refused (more so while the background warm-up holds the GIL).
        if "Uvicorn running on" in line:
            # keep draining the log so the server never blocks on a full pipe
            threading.Thread(target=_drain, args=(process,), daemon=True).start()
            key = next((o.split(": ")[-1].strip() for o in output if "API key" in o), "")
            return process, key
        if process.poll() is not None:
            break
    stop_server(process)
    raise AssertionError("server did not start: " + "".join(output))


def stop_server(process: subprocess.Popen[str], kill: bool = False) -> None:
    if process.poll() is None:
        if kill:
            os.kill(process.pid, signal.SIGKILL)
        else:
            process.terminate()
    process.wait(timeout=30)
    time.sleep(0.2)
    if process.stdout:
        process.stdout.close()


def _drain(process: subprocess.Popen[str]) -> None:
    if process.stdout is None:
        return
    try:
        for _ in process.stdout:
            pass
    except ValueError:  # closed by stop_server
        pass
