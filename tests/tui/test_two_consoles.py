"""Two consoles attached to one real server stay in step: read state, messages and calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from console_helpers import Wired, bubbles, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.dialogs import IncomingCall

TOKEN = "console-token"
REMOTE = "+14155550123"
SIZE = (100, 30)


@dataclass
class Pair:
    """The sandbox, one number of ours on the server, and two consoles attached to it."""

    sandbox: httpx.AsyncClient
    number: str
    a: SmsConsoleApp
    b: SmsConsoleApp

    async def text_in(self, text: str) -> None:
        response = await self.sandbox.post(
            "/sandbox/inbound/messages", json={"from": REMOTE, "to": self.number, "text": text}
        )
        assert response.status_code == 201, response.text


def badged(app: SmsConsoleApp) -> bool:
    """Whether the only conversation row ends with an unread count."""
    [row] = rows(app)
    return row.splitlines()[1].endswith(" 1")


def call_bar(app: SmsConsoleApp) -> str:
    return str(app.inbox_screen.query_one("#call-bar", Static).render())


def console(server_url: str, prefs: Path) -> SmsConsoleApp:
    client = ConsoleClient(server_url, TOKEN, reconnect_delays=(0.05, 0.1, 0.2), timeout=5)
    return SmsConsoleApp(client, prefs_path=prefs, server_label="test")


@pytest.fixture
def pair(wired: Wired, tmp_path: Path) -> Pair:
    a = console(wired.url, tmp_path / "a.json")
    b = console(wired.url, tmp_path / "b.json")
    return Pair(wired.sandbox, wired.number, a, b)


async def test_read_state_messages_and_calls_stay_in_step(pair: Pair) -> None:
    a, b = pair.a, pair.b
    async with a.run_test(size=SIZE) as pa, b.run_test(size=SIZE) as pb:
        await until(
            pa, lambda: a.inbox_screen.status.state == b.inbox_screen.status.state == "connected"
        )

        await pair.text_in("Are you open today?")
        await until(pa, lambda: len(rows(a)) == len(rows(b)) == 1)
        assert badged(a)
        assert badged(b)
        assert a.inbox_screen.status.unread == b.inbox_screen.status.unread == 1

        await pa.press("enter")  # open the thread on A: the server's conversation.read event
        await until(pa, lambda: any("Are you open today?" in t for t in bubbles(a)))
        await until(pb, lambda: b.inbox_screen.status.unread == 0)
        assert not badged(b)
        assert not badged(a)

        await pb.press("enter")  # B opens the same thread to watch A's reply arrive
        await until(pb, lambda: any("Are you open today?" in t for t in bubbles(b)))
        await pa.press(*"Until six.", "enter")
        await until(pb, lambda: any("Until six." in t for t in bubbles(b)))

        response = await pair.sandbox.post(
            "/sandbox/inbound/calls", json={"from": REMOTE, "to": pair.number}
        )
        assert response.status_code == 201, response.text
        # Both are in their composers: the call rings in the call bars, it takes no keys.
        await until(pa, lambda: "calling" in call_bar(a))
        await until(pb, lambda: "calling" in call_bar(b))
        assert not isinstance(a.screen, IncomingCall)
        await pa.press("ctrl+t")
        await until(
            pb,
            lambda: (
                b.inbox_screen.call_bar.active_call is not None
                and b.inbox_screen.call_bar.active_call.state == "active"
            ),
        )
        await until(pb, lambda: "h hang up" in call_bar(b))
        answered_a, answered_b = (
            a.inbox_screen.call_bar.active_call,
            b.inbox_screen.call_bar.active_call,
        )
        assert answered_a is not None
        assert answered_b is not None
        assert answered_a.id == answered_b.id
