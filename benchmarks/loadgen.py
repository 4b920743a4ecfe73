"""A small open-loop load generator (asyncio, raw HTTP/1.1 keep-alive) run as its own process.

python -m benchmarks.loadgen URL KEY RATE SECONDS CONNECTIONS PREFIX → JSON on stdout.
Rate 0 means closed loop (as fast as the connections allow). Bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit

TEXTS = [
    "گزارش خوبی بود، ممنون از خبرنگار محترم که پیگیر این موضوع بودید و امیدوارم مسئولان هم جواب بدهند",
    "این تصمیم شهرداری کاملاً اشتباه است و مردم محله ما سال‌هاست منتظر این پروژه هستند ولی خبری نیست",
    "نویسنده این مطلب واقعا ا.ح.م.ق است و هیچ چیز از اقتصاد نمی‌داند",
    "کسی می‌دونه یارانه این ماه کی واریز میشه؟ هنوز چیزی به حساب ما نریختن",
]


async def worker(
    host: str, port: int, path: str, key: str, prefix: str, queue: asyncio.Queue, latencies: list, errors: list
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            item = await queue.get()
            if item is None:
                return
            number, scheduled = item
            body = json.dumps(
                {
                    "comment_id": f"{prefix}-{number}",
                    "text": TEXTS[number % len(TEXTS)],
                    "article_id": "bench-1",
                    "article": {"title": "خبر آزمایشی درباره بودجه شهرداری", "lead": "شورای شهر بودجه را تصویب کرد"},
                },
                ensure_ascii=False,
            ).encode()
            request = (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - scheduled)
            if not status_line.startswith(b"HTTP/1.1 200"):
                errors.append(status_line.decode(errors="replace").strip())
    finally:
        writer.close()


async def run(url: str, key: str, rate: float, seconds: float, connections: int, prefix: str) -> dict[str, float]:
    parts = urlsplit(url)
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    errors: list[str] = []
    workers = [
        asyncio.create_task(
            worker(parts.hostname or "127.0.0.1", parts.port or 80, parts.path, key, prefix, queue, latencies, errors)
        )
        for _ in range(connections)
    ]
    started = time.perf_counter()
    sent = 0
    limit = int(rate * seconds) if rate else 10**9
    while time.perf_counter() - started < seconds and sent < limit:
        if rate:
            due = started + sent / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await queue.put((sent, started + sent / rate))
        else:
            while queue.qsize() > connections and time.perf_counter() - started < seconds:
                await asyncio.sleep(0.0005)  # (bounded: a refused connection must not hang the run)
            await queue.put((sent, time.perf_counter()))
        sent += 1
    for _ in workers:
        await queue.put(None)
    await asyncio.wait_for(asyncio.gather(*workers), timeout=120)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "target_rate": rate,
        "sent": sent,
        "completed": len(latencies),
        "errors": len(errors),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else float("nan"),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else float("nan"),
    }


if __name__ == "__main__":
    url, key, rate, seconds, connections, prefix = sys.argv[1:7]
    print(json.dumps(asyncio.run(run(url, key, float(rate), float(seconds), int(connections), prefix))))
