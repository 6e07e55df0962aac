"""Opening a conversation: what the thread pane says before, while and after, and that opening
repaints what changed without laying the screen out (issue 12: "open the big thread")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console_helpers import Wired, bubbles, console_app, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.widgets.composer import Composer
from smsconsole.tui.widgets.key_footer import KeyFooter
from smsconsole.tui.widgets.thread_view import ThreadView
from stall_proxy import StallProxy

REMOTE = "+14155550123"
SIZE = (100, 30)


async def text_in(wired: Wired, text: str) -> None:
    response = await wired.sandbox.post(
        "/sandbox/inbound/messages", json={"from": REMOTE, "to": wired.number, "text": text}
    )
    assert response.status_code == 201, response.text


def pane(app: SmsConsoleApp) -> str:
    """The thread pane as it is painted."""
    view = app.inbox_screen.query_one(ThreadView)
    return "\n".join(view.render_line(y).text.strip() for y in range(view.size.height))


def record_layouts(app: SmsConsoleApp, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each layout of the inbox screen from now on, as its ``scroll`` flag (a scroll only
    places what moved; a full layout arranges and repaints the screen)."""
    screen = app.inbox_screen
    layouts: list[bool] = []
    original = screen._refresh_layout

    def recorded(size: Any = None, scroll: bool = False) -> None:
        layouts.append(scroll)
        original(size, scroll=scroll)

    monkeypatch.setattr(screen, "_refresh_layout", recorded)
    return layouts


async def test_the_pane_says_what_to_do_and_the_composer_waits_for_a_conversation(
    wired: Wired, tmp_path: Path
) -> None:
    app = console_app(wired.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        assert "No conversations yet." in pane(app)
        composer = app.inbox_screen.query_one(Composer)
        assert composer.disabled  # nothing to write to: it cannot take the focus or keys
        await pilot.press("tab", "tab", *"hello")
        assert composer.text == ""
        await text_in(wired, "Are you open today?")
        await until(pilot, lambda: len(rows(app)) == 1)
        await until(pilot, lambda: "Choose a conversation on the left" in pane(app))
        await pilot.press("enter")
        await until(pilot, lambda: any("Are you open today?" in b for b in bubbles(app)))
        assert not composer.disabled
        assert composer.input.has_focus
        await pilot.press(*"yes")
        assert composer.text == "yes"


async def test_opening_lays_nothing_out(
    wired: Wired, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await text_in(wired, "first")
    app = console_app(wired.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(rows(app)) == 1)
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await pilot.pause()
        layouts = record_layouts(app, monkeypatch)
        await pilot.press("enter")
        await until(pilot, lambda: bubbles(app))
        await pilot.pause()
        # Before, showing the thread pane, the composer and the footer's new keys laid the
        # whole screen out two or three times (70-150 ms with a big list and thread).
        assert False not in layouts, layouts
        footer = app.inbox_screen.query_one(KeyFooter)
        assert "$EDITOR" in [key.description for key in footer.keys]


async def test_a_slow_server_shows_loading_then_the_messages(wired: Wired, tmp_path: Path) -> None:
    await text_in(wired, "are you there?")
    proxy = StallProxy("127.0.0.1", int(wired.url.rsplit(":", 1)[1]))
    await proxy.start()
    try:
        app = console_app(proxy.url, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: len(rows(app)) == 1)
            proxy.pause()
            await pilot.press("enter")
            await until(pilot, lambda: "Loading…" in pane(app))
            assert app.inbox_screen.query_one(Composer).input.has_focus  # typing can begin
            proxy.resume()
            await until(pilot, lambda: any("are you there?" in b for b in bubbles(app)))
            assert "Loading…" not in pane(app)
    finally:
        await proxy.close()


async def test_a_footer_key_runs_when_clicked(wired: Wired, tmp_path: Path) -> None:
    app = console_app(wired.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        footer = app.inbox_screen.query_one(KeyFooter)
        await pilot.pause()
        [(start, _end, _key)] = [span for span in footer._spans if span[2].key == "c"]
        await pilot.click(KeyFooter, offset=(start + 1, 0))
        await until(pilot, lambda: type(app.screen).__name__ == "CallsScreen")
