"""A send whose outcome is unknown, in the console: shown as such, never sent again unasked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from console_helpers import bubbles, provision, until
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.dialogs import Confirm
from stall_proxy import StallProxy, stall_proxy

TOKEN = "console-token"
REMOTE = "+14155550123"


@pytest.fixture
async def stalled(
    start_server: Any, tmp_path: Path, sandbox_url: str
) -> AsyncIterator[tuple[SmsConsoleApp, StallProxy, str]]:
    async with stall_proxy(sandbox_url) as proxy:
        provider = CatapultClient(
            proxy.url,
            user_id="u-sandbox",
            api_token="t-sandbox",
            api_secret="s-sandbox",
            deadline=0.5,
        )
        async with provider, start_server(tmp_path / "store.db", provider=provider) as server:
            number = await provision(server.url)
            client = ConsoleClient(server.url, TOKEN, reconnect_delays=(0.05,), timeout=5)
            app = SmsConsoleApp(client, prefs_path=tmp_path / "console.json", server_label="t")
            yield app, proxy, number


async def test_unknown_send_is_shown_and_resending_it_asks_first(
    stalled: tuple[SmsConsoleApp, StallProxy, str],
) -> None:
    app, proxy, number = stalled
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(number, REMOTE)
        await pilot.pause()
        proxy.pause()
        await pilot.press(*"On my way")
        await pilot.press("enter")
        await until(pilot, lambda: any("not sure it was sent" in b for b in bubbles(app)))
        await pilot.press(*"On my way")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        proxy.resume()
        await until(pilot, lambda: any("✓✓ delivered" in b for b in bubbles(app)))
        assert len(bubbles(app)) == 1
