"""The command palette: every action by name, and search over every message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.content import Content
from textual.widgets import Input

from console_helpers import console_app, rows, until


def marked(prompt: Content) -> list[str]:
    """The words of a palette hit shown highlighted (reversed)."""
    return [
        prompt.plain[span.start : span.end] for span in prompt.spans if "reverse" in str(span.style)
    ]


def hit(commands: CommandList, text: str) -> Content | None:
    """The palette's search hit for a message with ``text``, as shown."""
    for index in range(commands.option_count):
        prompt = commands.get_option_at_index(index).prompt
        if isinstance(prompt, Content) and prompt.plain.startswith("🔎") and text in prompt.plain:
            return prompt
    return None


async def test_a_search_hit_shows_the_matched_words_highlighted(
    account: Any, tmp_path: Path
) -> None:
    ours = await account.order("919", application_id=await account.create_application("c"))
    app = console_app(account.server.url, tmp_path)
    texts = {
        "invoice": ("Can we talk about the invoice?", ["invoice"]),
        "cafe": ("Meet me at the café", ["café"]),  # FTS matches without the accent
        "in joke": ("[inside] joke, in short", ["joke", "in"]),  # its own brackets stay
    }
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.live)
        for n, (text, _) in enumerate(texts.values()):
            sent = await account.sandbox.post(
                "/sandbox/inbound/messages",
                json={"from": f"+1415555012{n}", "to": ours, "text": text},
            )
            assert sent.status_code == 201, sent.text
        await until(pilot, lambda: len(rows(app)) == len(texts))
        for query, (text, words) in texts.items():
            await pilot.press("ctrl+p")
            await until(pilot, lambda: app.screen.query(Input).first().has_focus)
            await pilot.press(*query)
            commands = app.screen.query_one(CommandList)
            await until(pilot, lambda t=text, c=commands: hit(c, t) is not None)
            prompt = hit(commands, text)
            assert isinstance(prompt, Content)
            assert prompt.plain.split("\n")[0].endswith(f": {text}")
            assert marked(prompt) == words
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.inbox_screen)
