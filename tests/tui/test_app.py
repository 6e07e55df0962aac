"""The console driven with ``run_test()`` against a real server and the real sandbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from console_helpers import Wired, bubbles, prompt_ready, provision, rows, until
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.dialogs import AttachFile, IncomingCall

TOKEN = "console-token"
REMOTE = "+14155550123"


@dataclass
class World:
    """The sandbox, our server wired to it, one number of ours, and the console."""

    sandbox: httpx.AsyncClient
    server_url: str
    number: str
    app: SmsConsoleApp

    async def text_in(self, text: str, remote: str = REMOTE) -> None:
        response = await self.sandbox.post(
            "/sandbox/inbound/messages", json={"from": remote, "to": self.number, "text": text}
        )
        assert response.status_code == 201, response.text

    async def outbox(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.sandbox.get("/sandbox/outbox")).json()
        return items


@contextlib.asynccontextmanager
async def console_app(server_url: str, tmp_path: Path) -> AsyncIterator[SmsConsoleApp]:
    client = ConsoleClient(server_url, TOKEN, reconnect_delays=(0.05, 0.1, 0.2), timeout=5)
    yield SmsConsoleApp(client, prefs_path=tmp_path / "console.json", server_label="test")


@pytest.fixture
async def world(wired: Wired, tmp_path: Path) -> AsyncIterator[World]:
    async with console_app(wired.url, tmp_path) as app:
        yield World(wired.sandbox, wired.url, wired.number, app)


async def test_inbound_text_appears_with_an_unread_badge(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.text_in("Is the shop open on Sunday?")
        await until(pilot, lambda: len(rows(app)) == 1)
        [row] = rows(app)
        assert "● (415) 555-0123" in row
        assert "Is the shop open on Sunday?" in row
        assert row.splitlines()[1].endswith(" 1")  # the unread badge
        assert app.inbox_screen.status.unread == 1
        await until(pilot, lambda: list(app._notifications))  # the toast the alert raised
        toasts = [f"{toast.title}: {toast.message}" for toast in app._notifications]
        assert toasts == ["Text from (415) 555-0123: Is the shop open on Sunday?"]


async def test_reply_reaches_the_far_end_and_shows_delivered(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.text_in("Hello?")
        await until(pilot, lambda: len(rows(app)) == 1)
        await pilot.press("enter")  # open the conversation; the composer takes the focus
        await until(pilot, lambda: any("Hello?" in b for b in bubbles(app)))
        await until(pilot, lambda: app.inbox_screen.status.unread == 0)  # opening marks it read
        await pilot.press(*"Yes, we are here.")
        await pilot.press("enter")
        await until(pilot, lambda: any("✓✓ delivered" in b for b in bubbles(app)))
        assert "Yes, we are here." in [m["text"] for m in await world.outbox()]
        [reply] = [b for b in bubbles(app) if "Yes, we are here." in b]
        assert "✓✓ delivered" in reply


async def test_failed_send_shows_the_reason(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        # +1500555 0775: the sandbox's far end has opted out (delivery code 775)
        app.inbox_screen.open_new(world.number, "+15005550775")
        await pilot.pause()
        await pilot.press(*"Your order is ready")
        await pilot.press("enter")
        await until(pilot, lambda: any("not delivered" in b for b in bubbles(app)))
        [failed] = bubbles(app)
        assert "✗ not delivered: recipient opted out" in failed


async def test_send_refused_by_provider_shows_its_words(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(
            world.number, "+15005550001"
        )  # the sandbox fails 0000-0099: state error
        await pilot.pause()
        await pilot.press(*"Hi")
        await pilot.press("enter")
        await until(pilot, lambda: any("✗ failed" in b for b in bubbles(app)))
        # The event says only "error": the provider's words come from its error log (§5.4).
        await until(pilot, lambda: any("could not be delivered" in b for b in bubbles(app)))
        [failed] = bubbles(app)
        assert "✗ failed: Message m-" in failed
        assert "to +15005550001 could not be delivered (message-delivery-failed)" in failed
        assert "not sent" not in failed


async def test_incoming_call_answered_spoken_to_and_hung_up(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        response = await world.sandbox.post(
            "/sandbox/inbound/calls", json={"from": REMOTE, "to": world.number}
        )
        call_id = response.json()["id"]
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        assert "(415) 555-0123" in str(app.screen.caller)
        await pilot.press("a")
        await until(
            pilot,
            lambda: (
                app.inbox_screen.call_bar.active_call is not None
                and app.inbox_screen.call_bar.active_call.state == "active"
            ),
        )
        await pilot.press("escape")  # leave the composer so letters are commands
        await pilot.press("s")
        await until(pilot, lambda: prompt_ready(app))
        await pilot.press(*"Please hold")
        await pilot.press("enter")
        log: list[dict[str, Any]] = []

        async def delivered() -> list[str]:
            log[:] = (await world.sandbox.get("/sandbox/callbacks")).json()
            return [e["eventType"] for e in log if e["payload"].get("callId") == call_id]

        async with asyncio.timeout(8):
            while "speak" not in await delivered():
                await pilot.pause(0.05)
        await pilot.press("h")
        await until(pilot, lambda: app.inbox_screen.call_bar.active_call is None)
        [ended] = [c for c in app.inbox.calls.values() if c.provider_id == call_id]
        assert (ended.state, ended.cause) == ("completed", "NORMAL_CLEARING")
        kinds = await delivered()
        assert kinds[:2] == ["incomingcall", "answer"]
        assert kinds[-1] == "hangup"


async def test_dropped_connection_recovers_without_losing_or_doubling(
    start_server: Any, tmp_path: Path, sandbox_url: str
) -> None:
    store = tmp_path / "store.db"
    provider = CatapultClient(
        sandbox_url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
    )
    async with provider, httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox:
        server_cm = start_server(store, provider=provider)
        server = await server_cm.__aenter__()
        port = server.port
        number = await provision(server.url)
        async with console_app(server.url, tmp_path) as app, app.run_test(size=(100, 30)) as pilot:
            world = World(sandbox, server.url, number, app)
            await until(pilot, lambda: app.inbox_screen.status.state == "connected")
            await world.text_in("one")
            await until(pilot, lambda: "one" in "".join(rows(app)))
            await server_cm.__aexit__(None, None, None)  # the server goes away
            await until(pilot, lambda: app.inbox_screen.status.state in ("reconnecting", "offline"))
            await world.text_in("two")  # its callback fails: the provider keeps it
            async with start_server(store, port=port, provider=provider):
                await world.text_in("three")
                await until(pilot, lambda: app.inbox_screen.status.state == "connected", seconds=10)
                await until(pilot, lambda: app.inbox.unread_total == 3, seconds=10)
                await pilot.press("enter")
                await until(pilot, lambda: len(bubbles(app)) == 3)
                texts = [b.splitlines()[0] for b in bubbles(app)]
                assert texts == ["one", "two", "three"]


async def test_name_a_contact_from_its_thread(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.text_in("hi, it's Grace")
        await until(pilot, lambda: len(rows(app)) == 1)
        await pilot.press("enter")
        await until(pilot, lambda: len(bubbles(app)) == 1)
        await pilot.press("escape", "r")
        await until(pilot, lambda: prompt_ready(app))
        await pilot.press(*"Grace Hopper", "enter")
        await until(pilot, lambda: "Grace Hopper" in rows(app)[0])
        contacts = await app.client.contacts()
        assert [(c.number, c.name) for c in contacts] == [(REMOTE, "Grace Hopper")]


async def test_search_from_the_palette_jumps_to_the_hit(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.text_in("the parcel arrived at the depot")
        await world.text_in("something else", remote="+13125550142")
        await until(pilot, lambda: len(rows(app)) == 2)
        await pilot.press("ctrl+p")
        await pilot.press(*"parcel")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: any("the parcel arrived" in b for b in bubbles(app)))
        opened = app.inbox_screen.open_conversation
        assert opened is not None
        assert app.inbox.conversations[opened].remote_number == REMOTE


async def test_attach_a_file_and_send_it_as_mms(world: World, tmp_path: Path) -> None:
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(b"\xff\xd8\xff" + b"0" * 2048)
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(world.number, REMOTE)
        await pilot.pause()
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, AttachFile))
        await pilot.press(*str(picture), "enter")
        attached = app.inbox_screen.query_one("#composer-media")
        await until(pilot, lambda: "📎 photo.jpg · MMS" in str(attached.render()))
        await pilot.press(*"look", "enter")
        await until(pilot, lambda: any("📎 photo.jpg" in b for b in bubbles(app)))
        sent = [m for m in await world.outbox() if m["text"] == "look"]
        assert len(sent) == 1
        assert sent[0]["media"][0].endswith("/media/photo.jpg")


async def test_palette_search_opens_the_hit_in_its_conversation(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.text_in("Is the zebra crossing open?")
        await until(pilot, lambda: len(rows(app)) == 1)
        await pilot.press("c")  # from another screen: the hit brings the inbox back
        await until(pilot, lambda: app.screen is not app.inbox_screen)
        await pilot.press("ctrl+p")
        await pilot.press(*"zebra")
        await pilot.pause(0.5)  # the search asks the server
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.screen is app.inbox_screen)
        await until(pilot, lambda: any("zebra" in b for b in bubbles(app)))
        opened = app.inbox_screen.open_conversation
        assert opened is not None
        assert app.inbox.conversations[opened].remote_number == REMOTE
