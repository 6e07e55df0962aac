"""Crash safety of ingest: ``kill -9`` the real ``smsconsole serve`` under load.

A 2xx answer to a callback means "committed" (the provider does not retry what we
accepted, reference §9), so after SIGKILL and a restart on the same store every callback
answered 2xx must be there, and none twice.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

TOKEN = "crash-token"
CALLBACK_AUTH = ("bandwidth", "crash-callback-secret")
WORKERS = 8
LOAD_SECONDS = 1.5


def server_env(tmp_path: Path) -> dict[str, str]:
    """The environment of the server process: ours, and no user config or provider account."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SMSCONSOLE_")}
    empty = tmp_path / "empty.toml"
    empty.touch()
    env.update(
        SMSCONSOLE_CONFIG=str(empty),
        SMSCONSOLE_SERVER_TOKEN=TOKEN,
        SMSCONSOLE_SERVER_CALLBACK_PASSWORD=CALLBACK_AUTH[1],
        SMSCONSOLE_STORE_PATH=str(tmp_path / "store.db"),
    )
    return env


@contextlib.contextmanager
def server_process(tmp_path: Path, port: int, name: str) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m smsconsole serve`` on ``port``; killed on exit whatever happened."""
    with (tmp_path / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "smsconsole", "serve", "--port", str(port)],
            env=server_env(tmp_path),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


async def wait_ready(http: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    async with asyncio.timeout(20):
        while True:
            assert process.poll() is None, "the server exited during start-up"
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.05)


def callback(seed: dict[str, Any], worker: int, n: int) -> dict[str, Any]:
    message_id = f"m-crash{worker:02d}x{n:06d}"
    return {
        **seed,
        "messageId": message_id,
        "messageUri": seed["messageUri"].rsplit("/", 1)[0] + "/" + message_id,
        "from": f"+1323333{worker:04d}",
        "text": f"load {worker}/{n}",
    }


@dataclass
class Load:
    """What the load generator saw: ids answered 2xx, and requests awaiting an answer."""

    acked: list[str] = field(default_factory=list)
    in_flight: int = 0


async def post_until_stopped(
    http: httpx.AsyncClient, seed: dict[str, Any], stop: asyncio.Event, load: Load
) -> None:
    """Eight workers post distinct callbacks until ``stop``."""

    async def worker(index: int) -> None:
        n = 0
        while not stop.is_set():
            payload = callback(seed, index, n)
            n += 1
            load.in_flight += 1
            try:
                response = await http.post("/callbacks/messages", json=payload, auth=CALLBACK_AUTH)
            except httpx.TransportError:
                await asyncio.sleep(0.01)  # the server is gone; wait for the stop signal
                continue
            finally:
                load.in_flight -= 1
            if response.is_success:
                load.acked.append(payload["messageId"])

    async with asyncio.timeout(15):
        await asyncio.gather(*(worker(index) for index in range(WORKERS)))


async def stored_message_ids(http: httpx.AsyncClient) -> list[str]:
    """Provider ids of every ``message.received`` event, paging through ``/api/events``."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    ids: list[str] = []
    since = "0"
    for _ in range(1000):
        response = await http.get(
            "/api/events", params={"since": since, "limit": "500"}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        for item in body["items"]:
            if item["event"]["kind"] == "message.received":
                ids.append(item["event"]["message"]["provider_id"])
        if body["next"] is None:
            return ids
        since = body["next"]
    raise AssertionError("/api/events did not end")


async def test_kill_9_under_load_loses_and_duplicates_nothing(
    tmp_path: Path, free_socket: Callable[[], socket.socket], seed_sms: dict[str, Any]
) -> None:
    ports = []
    for _ in range(2):
        with free_socket() as sock:
            ports.append(sock.getsockname()[1])
    load = Load()
    limits = httpx.Limits(max_connections=WORKERS)

    with server_process(tmp_path, ports[0], "first") as first:
        base = f"http://127.0.0.1:{ports[0]}"
        async with httpx.AsyncClient(base_url=base, timeout=5, limits=limits) as http:
            await wait_ready(http, first)
            stop = asyncio.Event()
            posting = asyncio.create_task(post_until_stopped(http, seed_sms, stop, load))
            await asyncio.sleep(LOAD_SECONDS)
            assert not posting.done()
            in_flight = load.in_flight
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            stop.set()
            await posting
    assert first.returncode == -signal.SIGKILL
    assert in_flight > 0, "no request was in flight at the kill"
    assert len(load.acked) >= 20, "too little load reached the server before the kill"
    acked = load.acked

    with server_process(tmp_path, ports[1], "second") as second:
        base = f"http://127.0.0.1:{ports[1]}"
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            await wait_ready(http, second)
            stored = await stored_message_ids(http)
            assert set(acked) <= set(stored), "a callback answered 2xx was lost"
            twice = [key for key, count in collections.Counter(stored).items() if count > 1]
            assert twice == []

            # The provider retries what was not acknowledged, and may resend what was: both
            # are accepted, neither stores a second copy; and a new callback is stored.
            again = callback(seed_sms, 0, 0)
            fresh = callback(seed_sms, 99, 0)
            for payload in (again, fresh):
                response = await http.post("/callbacks/messages", json=payload, auth=CALLBACK_AUTH)
                assert response.status_code == 200, response.text
            after = await stored_message_ids(http)
            assert collections.Counter(after)[again["messageId"]] == 1
            assert collections.Counter(after)[fresh["messageId"]] == 1
            assert len(after) == len(set(after)) == len(set(stored) | {again["messageId"]}) + 1

    with contextlib.closing(sqlite3.connect(tmp_path / "store.db")) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
