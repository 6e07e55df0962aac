"""Calls ringing in while the operator works: the keyboard stays theirs, prompts follow calls.

Driven with ``run_test()`` against a real server wired to the real sandbox.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import DataTable

from console_helpers import Wired, bubbles, painted, prompt_ready, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.calls import CallsScreen
from smsconsole.tui.screens.dialogs import Confirm, IncomingCall, PlaceCall
from smsconsole.tui.screens.inbox import InboxScreen
from smsconsole.tui.widgets.composer import Composer

TOKEN = "console-token"
REMOTE = "+14155550123"
OTHER = "+12125550199"
TARGET, TARGET_TYPED = "+19195550100", "9195550100"
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

    async def v1_calls(self, **query: str) -> list[dict[str, Any]]:
        response = await self.sandbox.get(
            "/v1/users/u-sandbox/calls", params=query, auth=("t-sandbox", "s-sandbox")
        )
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    async def far_end_hangs_up(self, call_id: str) -> None:
        response = await self.sandbox.post(
            f"/sandbox/calls/{call_id}/remote", json={"action": "hangup"}
        )
        assert response.is_success, response.text


@pytest.fixture
def world(wired: Wired, tmp_path: Path) -> World:
    client = ConsoleClient(wired.url, TOKEN, reconnect_delays=(0.05, 0.1), timeout=5)
    app = SmsConsoleApp(client, prefs_path=tmp_path / "console.json", server_label="test")
    return World(wired.sandbox, wired.number, app)


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
        assert "calling  ^t answer" in str(app.inbox_screen.call_bar.render())
        [call] = app.inbox.calls.values()
        assert call.state == "started"


async def test_enter_pressed_as_a_call_rings_in_does_not_answer_it(world: World) -> None:
    # The prompt opens under the operator's hands: an Enter meant for the list (open the
    # conversation) must not be taken as "answer". Only the keys the prompt names act.
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await pilot.press("enter", "space", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, IncomingCall)
        assert ringing(app)
        [call] = app.inbox.calls.values()
        assert call.state == "started"
        await pilot.press("a")
        await until(pilot, lambda: not ringing(app) and app.inbox_screen.call_bar.active_call)


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
        # Marked in the list (a conversation of its own: they never texted) and in the thread.
        await until(pilot, lambda: any("📵 missed call" in row for row in rows(app)))
        await until(pilot, lambda: "📵 missed call" in painted(app))  # painted, not only read
        await pilot.press("enter")
        await until(pilot, lambda: any("📵 Missed call" in b for b in bubbles(app)))
        assert not any("📵 missed call" in row for row in rows(app))  # seen
        await until(pilot, lambda: "📵 missed call" not in painted(app))
        await pilot.press("escape")
        # Two calls in a row: one prompt, for the newest, naming who the call bar names.
        await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await world.call_in(OTHER)
        await until(pilot, lambda: "(212) 555-0199" in str(app.inbox_screen.call_bar.render()))
        await pilot.pause(0.2)
        prompts = [s for s in app.screen_stack if isinstance(s, IncomingCall)]
        assert len(prompts) == 1
        assert "(212) 555-0199" in prompts[0].caller


def log_rows(app: SmsConsoleApp) -> dict[str, list[str]]:
    """The call log's rows by call id, each cell as the operator reads it."""
    table = app.screen.query_one(DataTable)
    return {str(key.value): [str(cell) for cell in table.get_row(key)] for key in table.rows}


async def test_a_missed_call_from_someone_who_texted_is_painted_on_their_row(
    world: World,
) -> None:
    # Their row's record does not change with a call: only the mark does, and it is painted.
    app = world.app
    text = {"from": REMOTE, "to": world.number, "text": "are you there?"}
    response = await world.sandbox.post("/sandbox/inbound/messages", json=text)
    assert response.is_success, response.text
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await until(pilot, lambda: "are you there?" in painted(app))
        call = await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await world.far_end_hangs_up(call)
        await until(pilot, lambda: isinstance(app.screen, InboxScreen))
        await until(pilot, lambda: any("📵 missed call" in row for row in rows(app)))
        await until(pilot, lambda: "📵 missed call" in painted(app))


async def test_a_transferred_calls_new_leg_is_logged_as_ours_going_out(world: World) -> None:
    app = world.app
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await pilot.press("a")
        await until(pilot, lambda: not ringing(app) and app.inbox_screen.call_bar.active_call)
        await pilot.press("t")
        await until(pilot, lambda: prompt_ready(app))
        await pilot.press(*TARGET_TYPED, "enter")
        legs = await world.v1_calls(to=TARGET)
        async with asyncio.timeout(8):
            while not legs:
                await pilot.pause(0.05)
                legs = await world.v1_calls(to=TARGET)
        response = await world.sandbox.post(
            f"/sandbox/calls/{legs[0]['id']}/remote", json={"action": "answer"}
        )
        assert response.is_success, response.text
        await until(pilot, lambda: any(c.to == TARGET for c in app.inbox.calls.values()))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CallsScreen))
        [leg] = [c for c in app.inbox.calls.values() if c.to == TARGET]
        _when, direction, with_, via, *_ = log_rows(app)[leg.id]
        assert (direction, with_) == ("fwd", "(919) 555-0100")
        assert via == "…" + world.number[-4:]  # the number the caller called, not the target
        assert leg.direction == "out"


async def test_the_call_log_fits_80_columns(world: World) -> None:
    app = world.app
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        first = await world.call_in()
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await world.far_end_hangs_up(first)  # missed: "caller hung up"
        await until(pilot, lambda: isinstance(app.screen, InboxScreen))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CallsScreen))
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        [row] = log_rows(app).values()
        assert row[4:] == ["missed", "—", "caller hung up"]
        assert table.virtual_size.width <= table.scrollable_content_region.width


async def test_place_a_call_that_speaks_a_message_and_shows_in_the_thread(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(world.number, REMOTE)
        await pilot.pause()
        await pilot.press("escape", "C")
        await until(pilot, lambda: isinstance(app.screen, PlaceCall))
        await pilot.press("s")
        await until(pilot, lambda: prompt_ready(app))
        await pilot.press(*"Your order is ready", "enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert not await world.v1_calls(to=REMOTE)  # nothing is placed before the yes
        await pilot.press("y")
        legs = await world.v1_calls(to=REMOTE)
        async with asyncio.timeout(8):
            while not legs:
                await pilot.pause(0.05)
                legs = await world.v1_calls(to=REMOTE)
        assert legs[0]["from"] == world.number
        await world.sandbox.post(
            f"/sandbox/calls/{legs[0]['id']}/remote", json={"action": "answer"}
        )
        await until(pilot, lambda: any("📞 Call out, 0:0" in b for b in bubbles(app)))


async def test_ring_me_without_a_personal_number_says_how_to_set_one(world: World) -> None:
    app = world.app
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(world.number, REMOTE)
        await pilot.pause()
        await pilot.press("escape", "C")
        await until(pilot, lambda: isinstance(app.screen, PlaceCall))
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: any("personal_number" in n.message for n in app._notifications))
        assert not await world.v1_calls()
