"""Calls ringing in while the operator works: the keyboard stays theirs, prompts follow calls.

Driven with ``run_test()`` against a real server wired to the real sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from console_helpers import provision, until
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.dialogs import IncomingCall
from smsconsole.tui.screens.inbox import InboxScreen
from smsconsole.tui.widgets.composer import Composer

TOKEN = "console-token"
REMOTE = "+14155550123"
OTHER = "+12125550199"
SENTENCE = "can call you back after lunch, thanks x (sh)"


@dataclass
class World:
    """The sandbox, our server wired to it, one number of ours, and the console."""

    sandbox: httpx.AsyncClient
    number: str
    app: SmsConsoleApp

    async def call_in(self, remote: str = REMOTE) -> str:
        response = await self.sandbox.post(
            "/sandbox/inbound/calls", json={"from": remote, "to": self.number}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def far_end_hangs_up(self, call_id: str) -> None:
        response = await self.sandbox.post(
            f"/sandbox/calls/{call_id}/remote", json={"action": "hangup"}
        )
        assert response.is_success, response.text


@pytest.fixture
async def world(start_server: Any, tmp_path: Path, sandbox_url: str) -> AsyncIterator[World]:
    provider = CatapultClient(
        sandbox_url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
    )
    async with (
        provider,
        start_server(tmp_path / "store.db", provider=provider) as server,
        httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox,
    ):
        number = await provision(server.url)
        client = ConsoleClient(server.url, TOKEN, reconnect_delays=(0.05, 0.1), timeout=5)
        app = SmsConsoleApp(client, prefs_path=tmp_path / "console.json", server_label="test")
        yield World(sandbox, number, app)


def ringing(app: SmsConsoleApp) -> bool:
    call = app.inbox_screen.call_bar.active_call
    return call is not None and call.state == "started"


async def test_a_call_ringing_in_while_typing_leaves_the_draft_and_keeps_ringing(
    world: World,
) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(world.number, REMOTE)
        await pilot.pause()
        composer = app.inbox_screen.query_one(Composer)
        assert composer.input.has_focus
        await pilot.press(*"can call ")
        await world.call_in()
        await until(pilot, lambda: ringing(app))
        await pilot.press(*SENTENCE[len("can call ") :])
        await pilot.pause(0.2)
        assert composer.text == SENTENCE
        assert composer.input.has_focus
        assert isinstance(app.screen, InboxScreen)
        assert ringing(app)  # not answered, not rejected
        assert "calling · ^t answer" in str(app.inbox_screen.call_bar.render())
        [call] = app.inbox.calls.values()
        assert call.state == "started"


async def test_the_prompt_closes_when_its_call_ends_and_the_call_is_missed(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        first = await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await world.far_end_hangs_up(first)
        await until(pilot, lambda: isinstance(app.screen, InboxScreen))
        [call] = app.inbox.calls.values()
        assert call.missed
        # Two calls in a row: one prompt, for the newest, naming who the call bar names.
        await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await world.call_in(OTHER)
        await until(pilot, lambda: "(212) 555-0199" in str(app.inbox_screen.call_bar.render()))
        await pilot.pause(0.2)
        prompts = [s for s in app.screen_stack if isinstance(s, IncomingCall)]
        assert len(prompts) == 1
        assert "(212) 555-0199" in prompts[0].caller
