"""A stalled provider (connections accepted, nothing answered) through the real server and the
real sandbox: a send becomes one ``unknown`` message that the provider's callbacks settle
once it resumes, and reads answer 504 within the deadline instead of hanging."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.providers.catapult.errors import CatapultError
from smsconsole.sandbox.app import create_sandbox_app
from stall_proxy import StallProxy, stall_proxy

REMOTE = "+14155550123"
DEADLINE = 1.0
# Generous against a loaded machine, and still far below the two minutes it used to take.
BOUND = DEADLINE + 3.0


@dataclass
class Stalling:
    """Our server, talking to the sandbox through a proxy that can stall."""

    proxy: StallProxy
    server: Any
    number: str


@pytest.fixture
async def stalling(
    start_server: Any, free_socket: Any, serve: Any, tmp_path: Path
) -> AsyncIterator[Stalling]:
    sandbox_app = create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)
    sock = free_socket()
    port = sock.getsockname()[1]
    async with serve(sandbox_app) as sandbox_url, stall_proxy(sandbox_url) as proxy:
        client = CatapultClient(
            proxy.url,
            user_id="u-sandbox",
            api_token="t-sandbox",
            api_secret="s-sandbox",
            deadline=DEADLINE,
        )
        async with (
            client,
            start_server(
                tmp_path / "store.db",
                provider=client,
                sock=sock,
                SMSCONSOLE_SERVER_PORT=str(port),
                SMSCONSOLE_SERVER_PUBLIC_URL=f"http://127.0.0.1:{port}",
            ) as server,
        ):
            created = await server.api("POST", "/api/applications", json={"name": "console"})
            assert created.status_code == 201, created.text
            found = await server.api(
                "GET", "/api/available-numbers", params={"state": "NC", "city": "Cary"}
            )
            assert found.status_code == 200, found.text
            number = found.json()["items"][0]["number"]
            ordered = await server.api(
                "POST",
                "/api/numbers",
                json={"number": number, "application_id": created.json()["id"], "confirm": True},
            )
            assert ordered.status_code == 201, ordered.text
            yield Stalling(proxy, server, number)


async def thread(server: Any, conversation_id: str) -> list[dict[str, Any]]:
    response = await server.api("GET", f"/api/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def settled_rows(rows: list[dict[str, Any]]) -> bool:
    """Whether the thread's newest message has its delivery receipt (or a second row came)."""
    return len(rows) > 1 or (bool(rows) and rows[0]["delivery_state"] == "delivered")


async def test_send_to_a_stalled_provider_is_one_unknown_message_settled_on_resume(
    stalling: Stalling,
) -> None:
    server = stalling.server
    stalling.proxy.pause()
    started = time.monotonic()
    sent = await server.api(
        "POST", "/api/messages", json={"from": stalling.number, "to": REMOTE, "text": "On my way"}
    )
    assert time.monotonic() - started < BOUND
    assert sent.status_code == 504, sent.text
    body = sent.json()
    assert "outcome is unknown" in body["error"]
    unknown = body["message"]
    assert unknown["state"] == "unknown"
    assert unknown["provider_id"] is None

    stalling.proxy.resume()
    rows: list[dict[str, Any]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            conversation = unknown["conversation_id"]
            while not settled_rows(rows := await thread(server, conversation)):  # noqa: ASYNC110 - polling over HTTP
                await asyncio.sleep(0.02)
    assert len(rows) == 1, rows
    [settled] = rows
    assert settled["id"] == unknown["id"]
    assert settled["state"] == "sent"
    assert settled["delivery_state"] == "delivered"
    assert settled["provider_id"].startswith("m-")


async def test_reads_from_a_stalled_provider_answer_504_within_the_deadline(
    stalling: Stalling,
) -> None:
    stalling.proxy.pause()
    for path, params in (
        ("/api/numbers", {"refresh": "1"}),
        ("/api/available-numbers", {"state": "NC", "city": "Cary"}),
        ("/api/applications", {}),
    ):
        started = time.monotonic()
        answer = await stalling.server.api("GET", path, params=params)
        assert time.monotonic() - started < BOUND, path
        assert answer.status_code == 504, (path, answer.text)
        assert "did not answer within" in answer.json()["error"], path
    started = time.monotonic()
    synced = await stalling.server.api("POST", "/api/sync")
    assert time.monotonic() - started < BOUND
    assert synced.status_code == 504, synced.text
    stalling.proxy.resume()
    again = await stalling.server.api("GET", "/api/numbers", params={"refresh": "1"})
    assert again.status_code == 200, again.text
    assert [item["number"] for item in again.json()["items"]] == [stalling.number]


async def test_a_trickling_provider_is_cut_off_at_the_deadline(serve: Any) -> None:
    # Each byte arrives well inside the per-phase timeout, the whole answer far outside the
    # deadline: only a total deadline stops it.
    done = asyncio.Event()

    async def trickle(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while not done.is_set():
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b"[]"})

    async with serve(trickle) as url:
        client = CatapultClient(
            url, user_id="u-x", api_token="t", api_secret="s", timeout=0.5, deadline=DEADLINE
        )
        async with client:
            started = time.monotonic()
            with pytest.raises(CatapultError, match="did not answer within"):
                await client.list_applications()
            assert time.monotonic() - started < BOUND
        done.set()
