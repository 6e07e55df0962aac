"""The composer in the running console: a draft per conversation, its keys, its attachments."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from textual._xterm_parser import XTermParser
from textual.events import Key
from textual.pilot import Pilot
from textual.widgets import Input, Label

from console_helpers import bubbles, console_app, provision, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.screens.dialogs import AttachFile
from smsconsole.tui.widgets.composer import Composer

ALICE, BOB, CAROL = "+14155550123", "+12125550199", "+13125550142"


def composer_text(app: SmsConsoleApp) -> str:
    return app.inbox_screen.query_one(Composer).text


async def typed(pilot: Pilot[None], data: str) -> None:
    """Send what a terminal would write (``data``) through Textual's own input parser."""
    parser = XTermParser()
    tokens = list(parser.feed(data))
    await asyncio.sleep(0.15)  # longer than ESCDELAY: what waited for more is given up
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
        assert "slash" not in shown
        assert "n" not in shown
        assert "u" not in shown
        assert {"ctrl+g", "ctrl+o"} <= shown
        await pilot.press("escape")
        await pilot.pause()
        assert {"slash", "n"} <= footer_keys(app)


async def open_attach(pilot: Pilot[None]) -> Input:
    app = pilot.app
    await pilot.press("ctrl+o")
    await until(pilot, lambda: isinstance(app.screen, AttachFile))
    box = app.screen.query_one("#attach-path", Input)
    await until(pilot, lambda: box.has_focus)
    return box


def dialog_error(app: SmsConsoleApp) -> str:
    return str(app.screen.query_one("#attach-error", Label).render())


async def test_attach_completes_paths_and_says_what_is_wrong_with_a_file(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "blue-vase.jpg").write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    (tmp_path / "huge.png").write_bytes(b"0" * 1_600_000)
    await three_conversations(server, inbound_sms)
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(rows(app)) == 3)
        await open_row(pilot, 0)
        box = await open_attach(pilot)
        await pilot.press(*f"{tmp_path}/pic", "tab")
        assert box.value == f"{tmp_path}/pictures/"
        await pilot.press(*"bl", "tab")
        assert box.value == f"{tmp_path}/pictures/blue-vase.jpg"

        box.value = f"{tmp_path}/missing.jpg"
        await pilot.press("enter")
        missing = dialog_error(app)
        assert missing.startswith("No such file:")
        assert "missing.jpg" in missing

        box.value = f"{tmp_path}/huge.png"
        await pilot.press("enter")
        huge = dialog_error(app)
        assert "huge.png is too big: 1,600,000 bytes" in huge
        assert "1.5 MB" in huge
        assert isinstance(app.screen, AttachFile)  # still asking: nothing was uploaded

        box.value = f"{tmp_path}/pictures"
        await pilot.press("enter")
        assert "is a folder" in dialog_error(app)


async def test_an_attachment_can_be_removed_before_sending(
    provider_server: Any, tmp_path: Path, sandbox_url: str
) -> None:
    number = await provision(provider_server.url)
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(b"\xff\xd8\xff" + b"0" * 2048)
    app = console_app(provider_server.url, tmp_path)
    async with (
        app.run_test(size=(80, 24)) as pilot,
        httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox,
    ):
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(number, ALICE)
        await pilot.pause()
        await open_attach(pilot)
        await pilot.press(*str(picture), "enter")
        attached = app.inbox_screen.query_one("#composer-media", Label)
        await until(pilot, lambda: attached.display and "📎 photo.jpg" in str(attached.render()))
        # at 80x24 the line is shown whole
        assert attached.region.width >= len(str(attached.render()))
        await pilot.press("ctrl+l")
        await until(pilot, lambda: not attached.display)
        await pilot.press(*"just text", "enter")
        await until(pilot, lambda: any("just text" in b for b in bubbles(app)))
        outbox = (await sandbox.get("/sandbox/outbox")).json()
        [sent] = [m for m in outbox if m["text"] == "just text"]
        assert sent["media"] == []
