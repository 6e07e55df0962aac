"""``POST /api/calls``: placing a call through the real sandbox, and refusing bad requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app

REMOTE = "+14155550123"
MINE = "+16465550100"  # the operator's own phone (phone.personal_number)
V1 = ("t-sandbox", "s-sandbox")


@dataclass
class World:
    sandbox: httpx.AsyncClient
    server: Any
    number: str

    async def v1_calls(self, **query: str) -> list[dict[str, Any]]:
        response = await self.sandbox.get("/v1/users/u-sandbox/calls", params=query, auth=V1)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    async def far_end(self, call_id: str, action: str) -> None:
        response = await self.sandbox.post(
            f"/sandbox/calls/{call_id}/remote", json={"action": action}
        )
        assert response.is_success, response.text

    async def place(self, **body: Any) -> httpx.Response:
        response: httpx.Response = await self.server.api("POST", "/api/calls", json=body)
        return response


async def until(check: Callable[[], Awaitable[Any]], seconds: float = 5.0) -> Any:
    async with asyncio.timeout(seconds):
        while not (found := await check()):  # noqa: ASYNC110 - polling over HTTP
            await asyncio.sleep(0.02)
    return found


@pytest.fixture
async def world(
    start_server: Any, free_socket: Any, serve: Any, tmp_path: Path
) -> AsyncIterator[World]:
    sock = free_socket()
    port = sock.getsockname()[1]
    async with (
        serve(create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)) as sandbox_url,
        CatapultClient(
            sandbox_url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
        ) as client,
        start_server(
            tmp_path / "store.db",
            provider=client,
            sock=sock,
            SMSCONSOLE_SERVER_PORT=str(port),
            SMSCONSOLE_SERVER_PUBLIC_URL=f"http://127.0.0.1:{port}",
            SMSCONSOLE_PHONE_PERSONAL_NUMBER=MINE,
        ) as server,
        httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox,
    ):
        app = await server.api("POST", "/api/applications", json={"name": "c"})
        found = await server.api("GET", "/api/available-numbers", params={"area_code": "919"})
        number = found.json()["items"][0]["number"]
        body = {"number": number, "application_id": app.json()["id"], "confirm": True}
        ordered = await server.api("POST", "/api/numbers", json=body)
        assert ordered.status_code == 201, ordered.text
        yield World(sandbox, server, number)


async def test_ring_me_rings_my_phone_then_connects_me_to_them(world: World) -> None:
    placed = await world.place(mode="ring_me", to=REMOTE, confirm=True, **{"from": world.number})
    assert placed.status_code == 202, placed.text
    assert placed.json()["dialed"] == MINE
    [mine] = await world.v1_calls(to=MINE)
    assert (mine["from"], mine["state"]) == (world.number, "started")
    assert not await world.v1_calls(to=REMOTE)  # they are called only once I pick up
    await world.far_end(mine["id"], "answer")
    [theirs] = await until(lambda: world.v1_calls(to=REMOTE))
    assert theirs["from"] == world.number  # they see our number, not mine
    await world.far_end(theirs["id"], "answer")

    async def connected() -> bool:
        [mine_now] = await world.v1_calls(to=MINE)
        return bool(mine_now["state"] == "active")

    await until(connected)


async def test_speak_calls_them_says_it_and_hangs_up(world: World) -> None:
    placed = await world.place(
        mode="speak", to=REMOTE, sentence="Your order is ready.", confirm=True,
        **{"from": world.number},
    )  # fmt: skip
    assert placed.status_code == 202, placed.text
    [theirs] = await world.v1_calls(to=REMOTE)
    await world.far_end(theirs["id"], "answer")

    async def ended() -> list[str]:
        events = (await world.sandbox.get("/sandbox/callbacks")).json()
        kinds = [e["eventType"] for e in events if e["payload"].get("callId") == theirs["id"]]
        return kinds if "hangup" in kinds else []

    kinds = await until(ended)
    assert kinds.index("speak") < kinds.index("hangup")
    listed = (await world.server.api("GET", "/api/calls")).json()["items"]
    [call] = [c for c in listed if c["to"] == REMOTE]
    assert (call["direction"], call["from"], call["state"]) == ("out", world.number, "completed")


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"mode": "ring_me", "to": REMOTE}, 400, "confirm"),
        ({"mode": "dance", "to": REMOTE, "confirm": True}, 400, "'mode'"),
        ({"mode": "speak", "to": "not a number", "confirm": True}, 400, "'to'"),
        ({"mode": "speak", "to": REMOTE, "confirm": True}, 400, "'sentence' is required"),
        ({"mode": "speak", "to": REMOTE, "sentence": " ", "confirm": True}, 400, "empty"),
        ({"mode": "ring_me", "to": MINE, "confirm": True}, 400, "your own phone"),
        (
            {"mode": "ring_me", "to": REMOTE, "confirm": True, "from": "+12025550111"},
            400,
            "not one",
        ),
    ],
)
async def test_bad_requests_are_refused_with_reasons(
    world: World, body: dict[str, Any], status: int, words: str
) -> None:
    body.setdefault("from", world.number)
    refused = await world.place(**body)
    assert refused.status_code == status, refused.text
    assert words in refused.json()["error"]
    assert not await world.v1_calls()  # nothing was placed


async def test_without_a_personal_number_ring_me_says_how_to_set_one(server: Any) -> None:
    body = {"mode": "ring_me", "from": "+19195550187", "to": REMOTE, "confirm": True}
    refused = await server.api("POST", "/api/calls", json=body)
    assert refused.status_code == 409, refused.text
    assert "phone.personal_number" in refused.json()["error"]
