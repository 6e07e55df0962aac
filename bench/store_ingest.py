"""What the store alone costs per callback: CPU time of ingest, without HTTP or websockets.

Opens a fresh ``SqliteStore`` in a temporary directory and feeds it ``--callbacks`` inbound
SMS callbacks (the reference's §6.3 body, 50 remote numbers in turn, a new messageId each),
``--concurrency`` at a time from one event loop, as the callback endpoint would. Prints the
process's CPU time per callback (user + system: the loop's and the writer thread's together,
since they share the GIL) and the wall-clock rate, for each of ``--repeat`` runs, and their
median. CPU time is what this measures because it holds when the machine is busy with other
work; the wall rate does not.

    uv run python bench/store_ingest.py                       # 5 runs of 4,000, durability full
    uv run python bench/store_ingest.py --durability normal --concurrency 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from smsconsole.providers.catapult.callbacks import dedupe_key, parse_json_body
from smsconsole.store.base import CallbackRecord
from smsconsole.store.sqlite import SqliteStore

OURS = "+19195550187"


def body(n: int) -> bytes:
    return json.dumps(
        {
            "eventType": "sms",
            "direction": "in",
            "messageId": f"m-{n}",
            "messageUri": f"https://api.catapult.inetwork.com/v1/users/u-1/messages/m-{n}",
            "from": f"+1415555{n % 50:04d}",
            "to": OURS,
            "text": "Are we still on for lunch tomorrow? Let me know soon.",
            "time": "2026-12-02T10:00:00.000Z",
            "state": "received",
        }
    ).encode()


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_run(
    directory: Path, callbacks: int, concurrency: int, durability: str
) -> tuple[float, float]:
    store = SqliteStore(directory / "store.db", durability)  # type: ignore[arg-type]
    await store.open()
    headers = {"host": "127.0.0.1", "content-type": "application/json", "user-agent": "bench"}
    work = [body(n) for n in range(callbacks)]
    queue = iter(work)

    async def worker() -> None:
        for raw in queue:
            event = parse_json_body(raw)
            record = CallbackRecord(
                method="POST", path="/callbacks/messages", headers=headers, body=raw.decode()
            )
            await store.ingest(record, event, dedupe_key(event))

    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, used = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        await store.close()
    return used / callbacks * 1e6, callbacks / wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--durability", choices=("full", "normal"), default="full")
    args = parser.parse_args()
    cpu_figures, rates = [], []
    print(
        f"store ingest: {args.callbacks} callbacks, {args.concurrency} at a time,"
        f" durability {args.durability}, Python {sys.version.split()[0]}"
    )
    for run in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory(prefix="smsconsole-store-bench-") as tmp:
            cpu, rate = asyncio.run(
                one_run(Path(tmp), args.callbacks, args.concurrency, args.durability)
            )
        cpu_figures.append(cpu)
        rates.append(rate)
        print(f"  run {run}: {cpu:7.1f} us CPU per callback, {rate:7.0f} callbacks/s wall")
    print(
        f"  median: {statistics.median(cpu_figures):.1f} us CPU per callback,"
        f" {statistics.median(rates):.0f} callbacks/s wall"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
