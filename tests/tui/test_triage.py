"""Filtering, archiving and marking everything read, against the real server and sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from textual import events
from textual.widgets import Input, Static

from console_helpers import Wired, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.widgets.composer import Composer

TOKEN = "console-token"
ANN, BOB = "+14155550123", "+14155550124"
SIZE = (100, 30)


@dataclass
class Setup:
    """The sandbox, one number of ours on the server, and consoles to attach to it."""

    sandbox: httpx.AsyncClient
    number: str
    url: str
    tmp: Path

    async def text_in(self, from_: str, text: str) -> None:
        response = await self.sandbox.post(
            "/sandbox/inbound/messages", json={"from": from_, "to": self.number, "text": text}
        )
        assert response.status_code == 201, response.text

    def console(self, name: str) -> SmsConsoleApp:
        client = ConsoleClient(self.url, TOKEN, reconnect_delays=(0.05, 0.1, 0.2), timeout=5)
        return SmsConsoleApp(client, prefs_path=self.tmp / f"{name}.json", server_label="test")


@pytest.fixture
def setup(wired: Wired, tmp_path: Path) -> Setup:
    return Setup(wired.sandbox, wired.number, wired.url, tmp_path)


def no_match(app: SmsConsoleApp) -> str:
    hint = app.inbox_screen.query_one("#no-match", Static)
    return str(hint.render()) if hint.display else ""


async def test_filter_finds_any_message_of_a_conversation_and_says_when_none_match(
    setup: Setup,
) -> None:
    await setup.text_in(ANN, "Is the pizza oven fixed?")
    await setup.text_in(ANN, "ok thanks")
    await setup.text_in(BOB, "see you")
    app = setup.console("a")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(rows(app)) == 2)
        await pilot.press("/", *"pizza")
        # Ann's last message is "ok thanks": the match is in an older one.
        await until(pilot, lambda: len(rows(app)) == 1 and "ok thanks" in rows(app)[0])
        assert no_match(app) == ""
        await pilot.press(*"xyzzy")
        await until(pilot, lambda: rows(app) == [])
        await until(pilot, lambda: "No conversations match" in no_match(app))
        assert "pizzaxyzzy" in no_match(app)
        for _ in "pizzaxyzzy":
            await pilot.press("backspace")
        await until(pilot, lambda: len(rows(app)) == 2)
        assert no_match(app) == ""


async def test_archive_hides_a_conversation_on_every_console_until_a_new_message(
    setup: Setup,
) -> None:
    await setup.text_in(ANN, "first")
    await setup.text_in(BOB, "from bob")
    a, b = setup.console("a"), setup.console("b")
    async with a.run_test(size=SIZE) as pa, b.run_test(size=SIZE) as pb:
        await until(pa, lambda: len(rows(a)) == len(rows(b)) == 2)
        assert "from bob" in rows(a)[0]  # the newest, under the cursor
        await pa.press("e")
        await until(pa, lambda: len(rows(a)) == 1)
        await until(pb, lambda: len(rows(b)) == 1)
        assert "first" in rows(a)[0]
        assert "first" in rows(b)[0]
    later = setup.console("c")  # a console attached afterwards: the server remembers
    async with later.run_test(size=SIZE) as pc:
        await until(pc, lambda: later.inbox_screen.status.state == "connected")
        await until(pc, lambda: len(rows(later)) == 1)
        assert "first" in rows(later)[0]
        await setup.text_in(BOB, "bob again")
        await until(pc, lambda: len(rows(later)) == 2)
        assert "bob again" in rows(later)[0]


async def test_mark_all_read_clears_every_unread_count_on_every_console(setup: Setup) -> None:
    await setup.text_in(ANN, "one")
    await setup.text_in(BOB, "two")
    await setup.text_in(BOB, "three")
    a, b = setup.console("a"), setup.console("b")
    async with a.run_test(size=SIZE) as pa, b.run_test(size=SIZE) as pb:
        await until(pa, lambda: a.inbox_screen.status.unread == b.inbox_screen.status.unread == 3)
        await pa.press("R")
        await until(pa, lambda: a.inbox_screen.status.unread == 0)
        await until(pb, lambda: b.inbox_screen.status.unread == 0)
        assert all(not row.splitlines()[0].startswith("●") for row in rows(b))
        assert all(
            conversation.unread == 0
            for conversation in b.inbox_screen.console.inbox.conversations.values()
        )


def burst(app: SmsConsoleApp, keys: str) -> None:
    """Keys as one read of the terminal delivers them: all queued before any is handled
    (``pilot.press`` waits for the app to be idle after each)."""
    for key in keys:
        name = {"/": "slash", "\r": "enter", " ": "space"}.get(key, key)
        app.post_message(events.Key(name, None if key == "\r" else key))


async def test_keys_typed_in_one_burst_after_slash_or_enter_land_in_the_box(setup: Setup) -> None:
    # "p" would open the numbers screen, "c" the call log, "n" a new conversation.
    await setup.text_in(ANN, "lunch?")
    app = setup.console("a")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(rows(app)) == 1)
        burst(app, "/pcn")
        await until(pilot, lambda: app.inbox_screen.query_one("#filter", Input).value == "pcn")
        assert app.screen is app.inbox_screen
        await pilot.press("backspace", "backspace", "backspace", "escape")
        await until(pilot, lambda: not app.inbox_screen.query_one("#filter", Input).has_focus)
        burst(app, "\rpcn")
        composer = app.inbox_screen.query_one(Composer)
        await until(pilot, lambda: composer.text == "pcn")
        assert app.screen is app.inbox_screen
