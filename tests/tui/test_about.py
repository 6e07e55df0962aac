"""The about screen: what the console is attached to, and in the demo the sandbox to curl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Label

from console_helpers import TOKEN, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.dialogs import About

SANDBOX = "http://127.0.0.1:8921"


async def test_the_about_screen_shows_the_sandbox_and_how_to_call_in(
    server: Any, tmp_path: Path
) -> None:
    client = ConsoleClient(server.url, TOKEN, reconnect_delays=(0.05, 0.1), timeout=5)
    app = SmsConsoleApp(client, prefs_path=tmp_path / "c.json", sandbox_url=SANDBOX)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, About))
        text = str(app.screen.query_one("#about-text", Label).render())
        assert f"Sandbox (the simulated provider): {SANDBOX}" in text
        assert f"-X POST {SANDBOX}/sandbox/inbound/calls" in text
        assert server.url in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, About))
