"""The keys help: the console's own keys, grouped, on one screen that fits 80x24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from console_helpers import console_app, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.screens.help import console_keys


def shown_text(app: SmsConsoleApp) -> str:
    """Every Static's words on the top screen."""
    return "\n".join(str(static.render()) for static in app.screen.query(Static))


async def test_question_mark_shows_the_consoles_own_keys_grouped_within_80x24(
    server: Any, tmp_path: Path
) -> None:
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.id == "keys-help")
        await pilot.pause()
        text = shown_text(app)
        for group in ("Conversations", "Composer", "Calls", "Numbers"):
            assert group in text
        assert "alt+enter" in text
        assert "ctrl+o" in text
        assert "ctrl+l" in text  # remove an attachment
        assert "ctrl+t" in text  # answer a call
        assert "ctrl+r" in text  # reject one
        assert "Scroll Left" not in text
        assert "Page Left" not in text
        box = app.screen.query_one("#keys-box").region
        assert box.right <= 80
        assert box.bottom <= 24
        for static in app.screen.query(".keys-column"):
            assert static.region.height >= static.virtual_size.height  # nothing cut off
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.inbox_screen)


def test_every_group_lists_the_keys_of_the_bindings() -> None:
    groups = {group.title: dict(group.rows) for group in console_keys(SmsConsoleApp.BINDINGS)}
    assert groups["Conversations"]["n"] == "new"
    assert groups["Composer"]["ctrl+o"] == "attach file"
    assert groups["Calls"]["ctrl+t"] == "answer"
    assert groups["Calls"]["C"] == "call them"
    assert groups["Conversations"]["e"] == "archive it"
    assert groups["Numbers"]["o"] == "order"
    assert groups["Anywhere"]["ctrl+q"] == "quit"
