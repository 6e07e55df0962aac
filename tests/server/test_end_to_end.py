"""The server against the real sandbox on loopback: the provider's setup flow through /api,
an inbound text reaching a websocket subscriber, a reply reaching the far end with its
delivery receipt, calls, and catching up after an outage."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from loopback import eventually
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app

REMOTE = "+14155550123"


@dataclass
class World:
    """A sandbox, and our server wired to it with one number assigned to our application."""

    sandbox: httpx.AsyncClient
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
        response = await self.sandbox.get("/sandbox/outbox")
        items: list[dict[str, Any]] = response.json()
        return items


@contextlib.asynccontextmanager
async def server_for(
    start_server: Any, free_socket: Any, serve: Any, store: Path, sandbox_url: str
) -> AsyncIterator[Any]:
    sock = free_socket()
    port = sock.getsockname()[1]
    client = CatapultClient(
        sandbox_url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
    )
    async with (
        client,
        start_server(
            store,
            provider=client,
            sock=sock,
            SMSCONSOLE_SERVER_PORT=str(port),
            SMSCONSOLE_SERVER_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ) as running,
    ):
        yield running


@pytest.fixture
async def sandbox_url(serve: Any) -> AsyncIterator[str]:
    async with serve(create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)) as url:
        yield url


@pytest.fixture
async def world(
    start_server: Any, free_socket: Any, serve: Any, tmp_path: Path, sandbox_url: str
) -> AsyncIterator[World]:
    async with (
        server_for(start_server, free_socket, serve, tmp_path / "store.db", sandbox_url) as server,
        httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox,
    ):
        created = await server.api("POST", "/api/applications", json={"name": "console"})
        assert created.status_code == 201, created.text
        application = created.json()
        assert application["incoming_message_url"].endswith("/callbacks/messages")
        # Answered masked; the provider holds the URL with the real callback password.
        assert "callback-secret" not in created.text
        assert "bandwidth:********@" in application["incoming_message_url"]
        at_provider = await sandbox.get(
            f"/v1/users/u-sandbox/applications/{application['id']}",
            auth=("t-sandbox", "s-sandbox"),
        )
        assert "bandwidth:callback-secret@" in at_provider.json()["incomingMessageUrl"]
        found = await server.api(
            "GET", "/api/available-numbers", params={"state": "NC", "city": "Cary"}
        )
        assert found.status_code == 200, found.text
        number = found.json()["items"][0]["number"]
        refused = await server.api("POST", "/api/numbers", json={"number": number})
        assert refused.status_code == 400
        assert "confirm" in refused.json()["error"]
        ordered = await server.api(
            "POST",
            "/api/numbers",
            json={"number": number, "application_id": application["id"], "confirm": True},
        )
        assert ordered.status_code == 201, ordered.text
        assert ordered.json()["items"][0]["application_id"] == application["id"]
        yield World(sandbox, server, number, application["id"])


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
        assert reply["provider_id"].startswith("m-")
        states = []
        while "delivered" not in states:
            frame = await receive_frame(socket)
            message = frame["event"].get("message", {})
            if message.get("id") == reply["id"]:
                states.append(message.get("delivery_state") or message["state"])
        assert states[-1] == "delivered"
    [received] = [m for m in await world.outbox() if m["text"] == "Yes, until 6."]
    assert received["to"] == REMOTE


async def test_failed_send_keeps_the_providers_words(world: World) -> None:
    # The sandbox fails destinations +1500555 0000-0099 (state error); numbers we do not own
    # are refused by the provider outright.
    refused = await world.server.api(
        "POST", "/api/messages", json={"from": world.number, "to": REMOTE, "text": "x" * 2049}
    )
    assert refused.status_code == 400
    assert "2048" in refused.json()["error"]
    not_ours = await world.server.api(
        "POST", "/api/messages", json={"from": "+19195550100", "to": REMOTE, "text": "hi"}
    )
    assert not_ours.status_code == 400
    assert "not one of this account's numbers" in not_ours.json()["error"]


async def test_calls_are_controlled_through_the_api(world: World) -> None:
    call = await world.sandbox.post(
        "/sandbox/inbound/calls", json={"from": REMOTE, "to": world.number}
    )
    assert call.status_code == 201, call.text

    async def calls() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = (await world.server.api("GET", "/api/calls")).json()["items"]
        return listed

    # the application answers automatically
    items = await eventually(calls, lambda items: bool(items) and items[0]["state"] == "active")
    call_id = items[0]["id"]
    assert items[0]["from"] == REMOTE
    spoken = await world.server.api(
        "POST", f"/api/calls/{call_id}/speak", json={"sentence": "Hello there"}
    )
    assert spoken.status_code == 202, spoken.text
    hung = await world.server.api("POST", f"/api/calls/{call_id}/hangup")
    assert hung.status_code == 202, hung.text
    items = await eventually(calls, lambda items: items[0]["state"] == "completed")
    assert items[0]["end_time"] is not None
    bad = await world.server.api("POST", f"/api/calls/{call_id}/dance")
    assert bad.status_code == 404


async def test_catch_up_records_what_arrived_while_down(
    start_server: Any, free_socket: Any, serve: Any, tmp_path: Path, sandbox_url: str
) -> None:
    store = tmp_path / "store.db"
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox:
        async with server_for(start_server, free_socket, serve, store, sandbox_url) as server:
            app = (await server.api("POST", "/api/applications", json={"name": "c"})).json()
            found = await server.api("GET", "/api/available-numbers", params={"area_code": "910"})
            ordered = await server.api(
                "POST",
                "/api/numbers",
                json={
                    "numbers": [found.json()["items"][0]["number"]],
                    "application_id": app["id"],
                    "confirm": True,
                },
            )
            assert ordered.status_code == 201, ordered.text
            number = ordered.json()["items"][0]["number"]
        # the server is down: a text arrives; its callback fails at the provider
        response = await sandbox.post(
            "/sandbox/inbound/messages",
            json={"from": REMOTE, "to": number, "text": "while you were out"},
        )
        assert response.status_code == 201
        async with server_for(start_server, free_socket, serve, store, sandbox_url) as server:

            async def conversations() -> list[dict[str, Any]]:
                listed: list[dict[str, Any]] = (
                    await server.api("GET", "/api/conversations")
                ).json()["items"]
                return listed

            found = await eventually(conversations, bool)
            assert [c["last_preview"] for c in found] == ["while you were out"]
            report = await server.api("POST", "/api/sync")
            assert report.status_code == 200
            assert report.json()["events"] == 0  # nothing new the second time


async def test_check_callbacks_calls_back_as_the_provider_would(world: World) -> None:
    good = await world.server.api(
        "POST", "/api/check-callbacks", json={"application_id": world.application_id}
    )
    assert good.status_code == 200, good.text
    assert good.json()["messages"]["ok"] is True
    assert good.json()["calls"]["detail"] == "reached this server; credentials accepted"
    port = world.server.url.rsplit(":", 1)[1]
    wrong = await world.server.api(
        "POST",
        "/api/applications",
        json={
            "name": "wrong password",
            "incoming_message_url": f"http://bandwidth:nope@127.0.0.1:{port}/callbacks/messages",
            "incoming_call_url": "http://127.0.0.1:9/callbacks/calls",
        },
    )
    checked = await world.server.api(
        "POST", "/api/check-callbacks", json={"application_id": wrong.json()["id"]}
    )
    report = checked.json()
    assert report["messages"]["ok"] is False
    assert report["messages"]["detail"] == "reached, but the credentials were refused"
    assert report["calls"]["detail"].startswith("not reachable")
    # the probes stored nothing
    assert (await world.server.api("GET", "/api/callbacks")).json()["items"] == []
