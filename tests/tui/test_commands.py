"""The command palette: every action by name, and search over every message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.widgets import Input

from console_helpers import console_app, rows, until


async def test_a_search_hit_shows_the_matched_word_highlighted(
    account: Any, tmp_path: Path
) -> None:
    ours = await account.order("919", application_id=await account.create_application("c"))
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.live)
        sent = await account.sandbox.post(
            "/sandbox/inbound/messages",
            json={"from": "+14155550123", "to": ours, "text": "Can we talk about the invoice?"},
        )
        assert sent.status_code == 201, sent.text
        await until(pilot, lambda: len(rows(app)) == 1)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.query(Input).first().has_focus)
        await pilot.press(*"invoice")
        commands = app.screen.query_one(CommandList)
        await until(pilot, lambda: commands.option_count > 0)
        prompt = commands.get_option_at_index(0).prompt
        assert "Can we talk about the invoice?" in str(prompt)
