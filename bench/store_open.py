"""What checking the store costs at start (issue 10, item 9).

Run: ``uv run python bench/store_open.py [--messages 100000] [--store FILE]``.

Builds a store of N inbound messages through the store's own ingest (each with its raw
callback and its event, as the server records them; in batches of group-committed writes),
then prints its size and the time of ``PRAGMA quick_check``, of the schema check, and of a
whole ``SqliteStore.open()`` + ``close()``, each the best of three on a warm page cache and
once cold-ish (the first open after building). With ``--store FILE`` an existing file is
reused (built if missing), so repeated runs skip the build.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from smsconsole.core import events
from smsconsole.store import integrity
from smsconsole.store.base import CallbackRecord
from smsconsole.store.sqlite import SqliteStore, _migrate

BATCH = 500


async def build(path: Path, messages: int) -> None:
    store = SqliteStore(path, durability="normal")
    await store.open()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        for first in range(0, messages, BATCH):
            writes = []
            for n in range(first, min(first + BATCH, messages)):
                event = events.MessageEvent(
                    event_type="sms",
                    direction="in",
                    message_id=f"m-bench{n:012d}",
                    from_=f"+1415555{n % 1000:04d}",
                    to="+19195550187",
                    text=f"message {n}: see you at the usual place around seven, ok?",
                    state="received",
                    time=start + timedelta(seconds=n),
                )
                body = f'{{"eventType":"sms","direction":"in","messageId":"m-bench{n:012d}"}}'
                record = CallbackRecord(
                    method="POST",
                    path="/callbacks/messages",
                    headers={"content-type": "application/json", "user-agent": "BandwidthAPI/v1"},
                    body=body,
                )
                writes.append(store.ingest(record, event, f"k{n}"))
            await asyncio.gather(*writes)
    finally:
        await store.close()


def best(seconds: list[float]) -> str:
    return f"{min(seconds) * 1000:7.1f} ms"


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--store", type=Path, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smsconsole-bench-") as scratch:
        path = options.store or Path(scratch) / "store.db"
        if not path.exists():
            started = time.perf_counter()
            await build(path, options.messages)
            print(f"built {options.messages} messages in {time.perf_counter() - started:.1f} s")
        size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
        connection = sqlite3.connect(path)
        count = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        print(f"store: {count} messages, {size / 1e6:.1f} MB ({path})")

        async def open_close() -> None:
            store = SqliteStore(path)
            await store.open()
            await store.close()

        first_open = time.perf_counter()
        await open_close()
        print(f"first open+close      {(time.perf_counter() - first_open) * 1000:7.1f} ms")
        quick = [timed(lambda: integrity.check_pages(connection, path)) for _ in range(3)]
        schema = [
            timed(lambda: integrity.check_schema(connection, path, _migrate)) for _ in range(3)
        ]
        opens = []
        for _ in range(3):
            started = time.perf_counter()
            await open_close()
            opens.append(time.perf_counter() - started)
        connection.close()
        print(f"quick_check           {best(quick)}")
        print(f"schema check          {best(schema)}")
        print(f"open+close (checked)  {best(opens)}")


if __name__ == "__main__":
    asyncio.run(main())
