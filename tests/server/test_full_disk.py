"""A full disk: every callback still gets an answer (503 at once), ``/readyz`` says the store
takes no writes, and both recover once there is space again.

Two ways to fill it, through the real server and a real SQLite file: SQLite's own cap
(``PRAGMA max_page_count`` on the writer's connection, the same SQLITE_FULL a full disk
gives; always runs) and a real 1 MB tmpfs (needs root to mount; skipped otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.server.app import create_app
from smsconsole.settings.config import Settings, load_settings
from smsconsole.store.sqlite import SqliteStore

CALLBACK_AUTH = ("bandwidth", "callback-secret")
ANSWER_WITHIN = 2.0  # seconds: a refused callback is answered at once, not after a timeout


def settings(store_path: Path) -> Settings:
    return load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": "full-disk-token",
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_STORE_PATH": str(store_path),
        }
    )


def sms(seed: dict[str, Any], n: int) -> dict[str, Any]:
    """A distinct inbound SMS big enough to need new pages (text, raw body and event)."""
    message_id = f"m-full{n:06d}"
    uri = seed["messageUri"].rsplit("/", 1)[0] + "/" + message_id
    return {**seed, "messageId": message_id, "messageUri": uri, "text": f"{n} " + "x" * 5000}


async def post(http: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
    started = time.monotonic()
    response = await http.post("/callbacks/messages", json=payload, auth=CALLBACK_AUTH)
    assert time.monotonic() - started < ANSWER_WITHIN, "the callback waited for its answer"
    return response


async def ready(http: httpx.AsyncClient) -> int:
    return (await http.get("/readyz")).status_code


@contextlib.asynccontextmanager
async def server(
    serve: Any, store_path: Path, writer: list[Any] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    if writer is None:
        store = SqliteStore(store_path)
    else:
        store = SqliteStore(store_path, writer_setup=writer.append)
    app = create_app(settings(store_path), store=store)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield http


async def test_a_full_store_answers_503_at_once_and_recovers_on_the_next_write(
    serve: Any, tmp_path: Path, seed_sms: dict[str, Any]
) -> None:
    writer: list[Any] = []
    async with server(serve, tmp_path / "store.db", writer) as http:
        assert (await post(http, sms(seed_sms, 0))).status_code == 200
        pages = writer[0].execute("PRAGMA page_count").fetchone()[0]
        writer[0].execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
        for n in (1, 2, 3):  # a lone write each: the case that hung for good
            assert (await post(http, sms(seed_sms, n))).status_code == 503
        assert await ready(http) == 503

        writer[0].execute("PRAGMA max_page_count = 1000000")  # space again
        assert (await post(http, sms(seed_sms, 1))).json() == {"outcome": "stored"}
        assert await ready(http) == 200


async def test_readyz_notices_on_its_own_when_space_comes_back(
    serve: Any, tmp_path: Path, seed_sms: dict[str, Any]
) -> None:
    writer: list[Any] = []
    async with server(serve, tmp_path / "store.db", writer) as http:
        pages = writer[0].execute("PRAGMA page_count").fetchone()[0]
        writer[0].execute(f"PRAGMA max_page_count = {pages}")
        assert (await post(http, sms(seed_sms, 1))).status_code == 503
        for _ in range(3):  # probing does not make it ready while the store is still full
            assert await ready(http) == 503

        writer[0].execute("PRAGMA max_page_count = 1000000")
        async with asyncio.timeout(10):  # the store probes itself about once a second
            while (status := await ready(http)) != 200:
                assert status == 503
                await asyncio.sleep(0.05)
        assert (await post(http, sms(seed_sms, 1))).json() == {"outcome": "stored"}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


async def test_on_a_real_full_disk_callbacks_get_503_and_recover_when_it_grows(
    serve: Any, small_disk: Path, seed_sms: dict[str, Any]
) -> None:
    async with server(serve, small_disk / "store.db") as http:
        assert (await post(http, sms(seed_sms, 0))).status_code == 200
        statuses: list[int] = []
        for n in range(1, 400):  # 1 MB holds fewer than 400 of these
            statuses.append((await post(http, sms(seed_sms, n))).status_code)
            if statuses[-1] != 200:
                break
        assert statuses[-1] == 503, statuses
        assert (await post(http, sms(seed_sms, 10_000))).status_code == 503
        assert await ready(http) == 503

        grow = ["mount", "-o", "remount,size=8m", str(small_disk)]
        await asyncio.to_thread(subprocess.run, grow, check=True)
        assert (await post(http, sms(seed_sms, 10_000))).json() == {"outcome": "stored"}
        assert await ready(http) == 200
