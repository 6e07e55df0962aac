"""The composer in the running console: a draft per conversation, its keys, its attachments."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual._xterm_parser import XTermParser
from textual.events import Key
from textual.pilot import Pilot

from console_helpers import bubbles, console_app, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.widgets.composer import Composer

ALICE, BOB, CAROL = "+14155550123", "+12125550199", "+13125550142"


def composer_text(app: SmsConsoleApp) -> str:
    return app.inbox_screen.query_one(Composer).text


async def typed(pilot: Pilot[None], data: str) -> None:
    """Send what a terminal would write (``data``) through Textual's own input parser."""
    parser = XTermParser()
    tokens = list(parser.feed(data))
    time.sleep(0.15)  # longer than ESCDELAY: what was waiting for more is given up
    tokens += list(parser.tick())
    for token in tokens:
        assert isinstance(token, Key), token
        pilot.app.post_message(token)
        await pilot.pause()
    await pilot.pause()


async def three_conversations(server: Any, inbound_sms: Callable[..., dict[str, Any]]) -> None:
    for n, remote in enumerate((CAROL, BOB, ALICE), start=1):
        await server.callback(inbound_sms(n, text=f"hello from {n}", remote=remote))


async def open_row(pilot: Pilot[None], index: int) -> None:
    """Back to the list, down to row ``index``, open it; wait for its composer."""
    app = pilot.app
    assert isinstance(app, SmsConsoleApp)
    await pilot.press("escape", "home", *(["down"] * index), "enter")
    await until(pilot, lambda: app.inbox_screen.query_one(Composer).input.has_focus)
    await pilot.pause()


async def test_each_conversation_has_its_own_draft_kept_across_restarts(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    await three_conversations(server, inbound_sms)
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(rows(app)) == 3)
        await open_row(pilot, 0)
        await pilot.press(*"for the first")
        await open_row(pilot, 1)
        assert composer_text(app) == ""  # not the first one's words
        await pilot.press(*"for the second")
        await open_row(pilot, 2)
        assert composer_text(app) == ""
        await open_row(pilot, 0)
        assert composer_text(app) == "for the first"
        await open_row(pilot, 1)
        assert composer_text(app) == "for the second"
    again = console_app(server.url, tmp_path)
    async with again.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(rows(again)) == 3)
        await open_row(pilot, 0)
        assert composer_text(again) == "for the first"
        await open_row(pilot, 2)
        assert composer_text(again) == ""


async def test_alt_enter_from_the_terminal_starts_a_new_line(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    await three_conversations(server, inbound_sms)
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(rows(app)) == 3)
        await open_row(pilot, 0)
        await pilot.press(*"line one")
        await typed(pilot, "\x1b\r")  # what xterm, tmux and most terminals send for alt+enter
        await pilot.press(*"line two")
        assert composer_text(app) == "line one\nline two"
        assert len(bubbles(app)) == 1  # nothing was sent


async def test_escape_then_a_quick_n_starts_a_new_conversation(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    await three_conversations(server, inbound_sms)
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(rows(app)) == 3)
        await open_row(pilot, 0)
        await pilot.press(*"draft")
        await typed(pilot, "\x1bn")  # escape and n inside ESCDELAY: read as alt+n
        await until(pilot, lambda: type(app.screen).__name__ == "NewConversation")
        assert composer_text(app) == "draft"


def footer_keys(app: SmsConsoleApp) -> set[str]:
    """The keys the footer offers now."""
    return {
        binding.key
        for (_, binding, enabled, _) in app.screen.active_bindings.values()
        if binding.show and enabled
    }


async def test_footer_offers_only_keys_that_work_where_the_focus_is(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    await three_conversations(server, inbound_sms)
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(rows(app)) == 3)
        assert {"slash", "n", "u"} <= footer_keys(app)  # the list has the focus
        await open_row(pilot, 0)
        shown = footer_keys(app)
        assert "slash" not in shown and "n" not in shown and "u" not in shown
        assert {"ctrl+g", "ctrl+o"} <= shown
        await pilot.press("escape")
        await pilot.pause()
        assert {"slash", "n"} <= footer_keys(app)
