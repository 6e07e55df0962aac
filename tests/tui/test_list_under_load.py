"""The conversation list while texts stream in: every one shown, in few repaints (issue 12)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.geometry import Region

from console_helpers import console_app, rows, until
from smsconsole.tui.screens.inbox import LIST_EVERY
from smsconsole.tui.widgets.conversation_list import ConversationList

BURST = 120
SENDERS = 40


def sender(n: int) -> str:
    return f"+1415555{n % SENDERS:04d}"


def words(line: str) -> str:
    return " ".join(line.split())


def painted(listing: ConversationList) -> list[str]:
    """The list's lines as the screen would show them now (its render cache included)."""
    width, height = listing.size
    strips = listing.render_lines(Region(0, 0, width, height))
    return ["".join(segment.text for segment in strip).rstrip() for strip in strips]


async def test_a_burst_of_texts_is_shown_whole_in_a_few_repaints(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    await server.callback(inbound_sms(0, text="first", remote="+14155559999"))
    app = console_app(server.url, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        listing = app.inbox_screen.query_one(ConversationList)
        await until(pilot, lambda: len(listing.ids) == 1 and app.live)
        first = listing.highlighted
        shows = 0
        show = listing.show

        def counted(ids: list[str], *, keep: str | None = None) -> None:
            nonlocal shows
            shows += 1
            show(ids, keep=keep)

        listing.show = counted  # type: ignore[method-assign]
        began = time.monotonic()
        await asyncio.gather(
            *(server.callback(inbound_sms(n, remote=sender(n))) for n in range(1, BURST + 1))
        )

        def all_shown() -> bool:
            return len(listing.ids) == SENDERS + 1 and app.client.last_seq >= BURST + 1

        await until(pilot, all_shown, seconds=20)
        await pilot.pause(2 * LIST_EVERY)
        elapsed = time.monotonic() - began
        # Every text counted, newest activity first, the cursor still where the operator left it.
        shown = rows(app)
        assert all(row.endswith(f" {BURST // SENDERS}") for row in shown[:SENDERS]), shown
        assert "first" in shown[-1]
        assert listing.highlighted == first
        # One repaint per frame at most, not one per event.
        assert shows <= elapsed / LIST_EVERY + 2, (shows, elapsed)
        assert shows < BURST / 2, shows
        # What is painted is what the rows say (only the rows that changed were repainted).
        on_screen = painted(listing)
        expected = [line for row in shown for line in row.split("\n")][: len(on_screen)]
        assert [words(line) for line in on_screen] == [words(line) for line in expected]
        assert listing.show_vertical_scrollbar
        assert not listing.show_horizontal_scrollbar


async def test_what_was_loaded_is_left_out_of_garbage_collections(
    server: Any, inbound_sms: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    # Full collections walking every loaded record held key presses back (bench/tui.py).
    await server.callback(inbound_sms(0, text="first"))
    gc.unfreeze()
    app = console_app(server.url, tmp_path)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            listing = app.inbox_screen.query_one(ConversationList)
            await until(pilot, lambda: listing.ids and gc.get_freeze_count() > 0)
            assert rows(app)[0].startswith("● ")
    finally:
        gc.unfreeze()  # this process is the test run, not a console
