"""The server on Bandwidth's current API, against the real v2 sandbox on loopback: the setup
flow through /api (an application, a number searched, ordered and assigned), an inbound text
reaching the feed, a reply reaching the far end with its ``message-delivered``, an inbound
call rung, answered, spoken to and hung up from the API, and v2 callbacks delivered twice and
out of order stored once in the right state."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loopback import eventually
from smsconsole.providers.bandwidth.provider import BandwidthProvider
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app

REMOTE = "+14155550123"
ACCOUNT, USERNAME, PASSWORD = "9900000", "bw-sandbox", "bw-sandbox-password"


@dataclass
class World:
    """A v2 sandbox, and our server on it with one number on our application."""

    sandbox: httpx.AsyncClient
    sandbox_app: Any
    server: Any
    number: str
    application_id: str

    async def text_in(self, text: str, remote: str = REMOTE) -> str:
        response = await self.sandbox.post(
            "/sandbox/inbound/messages", json={"from": remote, "to": self.number, "text": text}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def outbox(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.sandbox.get("/sandbox/outbox")).json()
        return items


@pytest.fixture
async def v2_sandbox(serve: Any) -> AsyncIterator[tuple[str, Any]]:
    app = create_v2_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)
    async with serve(app) as url:
        yield url, app


@pytest.fixture
async def world(
    start_server: Any, free_socket: Any, tmp_path: Path, v2_sandbox: tuple[str, Any]
) -> AsyncIterator[World]:
    sandbox_url, sandbox_app = v2_sandbox
    sock = free_socket()
    port = sock.getsockname()[1]
    provider = BandwidthProvider.open(
        account_id=ACCOUNT,
        username=USERNAME,
        password=PASSWORD,
        messaging_url=f"{sandbox_url}/api/v2",
        voice_url=f"{sandbox_url}/api/v2",
        numbers_url=f"{sandbox_url}/api",
    )
    try:
        async with (
            start_server(
                tmp_path / "store.db",
                provider=provider,
                sock=sock,
                SMSCONSOLE_PROVIDER_API="bandwidth-v2",
                SMSCONSOLE_SERVER_PORT=str(port),
                SMSCONSOLE_SERVER_PUBLIC_URL=f"http://127.0.0.1:{port}",
            ) as server,
            httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox,
        ):
            created = await server.api("POST", "/api/applications", json={"name": "console"})
            assert created.status_code == 201, created.text
            application = created.json()
            assert application["incoming_message_url"].endswith("/callbacks/messages")
            assert "callback-secret" not in created.text
            found = await server.api(
                "GET", "/api/available-numbers", params={"state": "NC", "city": "Cary"}
            )
            assert found.status_code == 200, found.text
            number = found.json()["items"][0]["number"]
            ordered = await server.api(
                "POST",
                "/api/numbers",
                json={"number": number, "application_id": application["id"], "confirm": True},
            )
            assert ordered.status_code == 201, ordered.text
            assert ordered.json()["items"][0]["application_id"] == application["id"]
            assert (await sandbox.get("/sandbox/numbers")).json() == [number]
            yield World(sandbox, sandbox_app, server, number, application["id"])
    finally:
        await provider.aclose()


async def test_inbound_text_reaches_the_feed_and_reply_gets_its_receipt(
    world: World, receive_frame: Any
) -> None:
    async with world.server.feed(since=0) as socket:
        frame = await receive_frame(socket)
        while frame["type"] != "live":
            frame = await receive_frame(socket)
        await world.text_in("Are you open today?")
        frame = await receive_frame(socket)
        while frame["event"]["kind"] != "message.received":
            frame = await receive_frame(socket)
        inbound = frame["event"]["message"]
        assert (inbound["from"], inbound["to"], inbound["text"]) == (
            REMOTE,
            world.number,
            "Are you open today?",
        )
        sent = await world.server.api(
            "POST",
            "/api/messages",
            json={"from": world.number, "to": REMOTE, "text": "Yes, until 6."},
        )
        assert sent.status_code == 201, sent.text
        reply = sent.json()
        assert reply["conversation_id"] == inbound["conversation_id"]
        states = []
        while "delivered" not in states:
            frame = await receive_frame(socket)
            message = frame["event"].get("message", {})
            if message.get("id") == reply["id"]:
                states.append(message.get("delivery_state") or message["state"])
        assert states[-1] == "delivered"
    [received] = [m for m in await world.outbox() if m["text"] == "Yes, until 6."]
    assert (received["to"], received["status"]) == ([REMOTE], "DELIVERED")


async def test_an_inbound_call_rings_until_answered_then_is_spoken_to_and_hung_up(
    world: World,
) -> None:
    call = await world.sandbox.post(
        "/sandbox/inbound/calls", json={"from": REMOTE, "to": world.number}
    )
    assert call.status_code == 201, call.text

    async def calls() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await world.server.api("GET", "/api/calls")).json()["items"]
        return listed

    await eventually(calls, lambda items: bool(items))
    await asyncio.sleep(0.3)  # it keeps ringing: nothing answers it on its own
    [ringing] = await calls()
    assert ringing["state"] == "started", ringing
    call_id = ringing["id"]
    answered = await world.server.api("POST", f"/api/calls/{call_id}/answer")
    assert answered.status_code == 202, answered.text
    items = await eventually(calls, lambda items: items[0]["state"] == "active")
    spoken = await world.server.api(
        "POST", f"/api/calls/{call_id}/speak", json={"sentence": "Hello there"}
    )
    assert spoken.status_code == 202, spoken.text
    hung = await world.server.api("POST", f"/api/calls/{call_id}/hangup")
    assert hung.status_code == 202, hung.text
    items = await eventually(calls, lambda items: items[0]["state"] == "completed")
    assert items[0]["end_time"] is not None


async def test_duplicated_and_reordered_callbacks_are_stored_once_in_the_right_state(
    world: World,
) -> None:
    # The sandbox delivers every event twice and a message's events newest first: an MMS
    # gets message-sending then message-delivered, so `delivered` arrives before `sending`.
    switched = await world.sandbox.post(
        "/sandbox/messaging/faults", json={"duplicate": True, "reorder": True}
    )
    assert switched.json() == {"duplicate": True, "reorder": True}
    sent = await world.server.api(
        "POST",
        "/api/messages",
        json={"from": world.number, "to": REMOTE, "text": "a picture",
              "media": ["https://example.com/cat.png"]},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    reply = sent.json()

    async def attempts() -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = (await world.sandbox.get("/sandbox/callbacks")).json()
        return [a for a in log if a["service"] == "messaging" and reply["provider_id"] in a["body"]]

    delivered = await eventually(attempts, lambda log: len(log) == 4)
    assert [a["status"] for a in delivered] == [200, 200, 200, 200]
    kinds = [json.loads(a["body"])[0]["type"] for a in delivered]
    assert kinds == ["message-delivered", "message-delivered", "message-sending", "message-sending"]
    path = f"/api/conversations/{reply['conversation_id']}/messages"
    [stored] = [m for m in (await world.server.api("GET", path)).json()["items"]
                if m["id"] == reply["id"]]  # fmt: skip
    assert stored["delivery_state"] == "delivered"  # the late `sending` did not move it back
    assert stored["state"] == "sent"
    events = (await world.server.api("GET", "/api/events", params={"since": 0})).json()["items"]
    about = [e for e in events if e["event"].get("message", {}).get("id") == reply["id"]]
    # sent, accepted by the provider, delivered: the duplicates and the stale `sending`
    # added no event
    assert [
        (
            e["event"]["kind"],
            e["event"]["message"]["state"],
            e["event"]["message"].get("delivery_state"),
        )
        for e in about
    ] == [
        ("message.sent", "queued", None),
        ("message.status", "queued", None),
        ("message.status", "sent", "delivered"),
    ]


async def test_check_callbacks_on_v2_uses_the_credentials_bandwidth_does_not_show(
    world: World,
) -> None:
    # Bandwidth never shows a callback password back, so the check presents this server's
    # own, and says so.
    checked = await world.server.api(
        "POST", "/api/check-callbacks", json={"application_id": world.application_id}
    )
    assert checked.status_code == 200, checked.text
    report = checked.json()
    for kind in ("messages", "calls"):
        assert report[kind]["ok"] is True, report
        assert "this server's callback credentials" in report[kind]["detail"]
    assert (await world.server.api("GET", "/api/callbacks")).json()["items"] == []


async def test_check_callbacks_never_hands_our_password_to_another_host(
    world: World, serve: Any
) -> None:
    # An application pointing elsewhere (an old tunnel someone else holds now) is probed
    # without this server's credentials.
    heard: list[str | None] = []

    async def listener(request: Request) -> Response:
        heard.append(request.headers.get("authorization"))
        return Response("nope", status_code=401)

    elsewhere = Starlette(routes=[Route("/{path:path}", listener, methods=["POST"])])
    async with serve(elsewhere) as other:
        created = await world.server.api(
            "POST",
            "/api/applications",
            json={
                "name": "old tunnel",
                "incoming_message_url": f"{other}/callbacks/messages",
                "incoming_call_url": f"{other}/callbacks/calls",
            },
        )
        assert created.status_code == 201, created.text
        checked = await world.server.api(
            "POST", "/api/check-callbacks", json={"application_id": created.json()["id"]}
        )
    assert checked.status_code == 200, checked.text
    assert heard == [None, None]
    assert checked.json()["messages"]["ok"] is False
