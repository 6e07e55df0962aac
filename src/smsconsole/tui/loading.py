"""Loading the console's state from ``/api``: the first page, then the rest of the list."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

from smsconsole.tui.client import ConsoleClient, ConsoleError
from smsconsole.tui.state import Inbox

LOAD_RETRY = (0.5, 1.0, 2.0, 5.0, 10.0)
FIRST_PAGE = 200
REFRESH_EVERY = 0.5


async def load(client: ConsoleClient, inbox: Inbox) -> str | None:
    """Read the event log position, then conversations, contacts, numbers and calls.

    Returns:
        The cursor of the conversation list's second page (None: it is all loaded).
    """
    status = await client.status()
    page = await client.conversations(limit=FIRST_PAGE)
    contacts = await client.contacts()
    numbers = await client.numbers()
    calls = await client.calls(limit=100)
    inbox.contacts = {contact.number: contact.name for contact in contacts}
    inbox.load(page.items, replace=True)
    inbox.load_numbers(numbers)
    inbox.load_calls(calls.items)
    client.last_seq = int(status["seq"])
    return page.next


async def load_retrying(
    client: ConsoleClient, inbox: Inbox, unreachable: Callable[[float, str], None]
) -> str | None:
    """:func:`load`, again while the server cannot be reached, waiting longer each time.

    ``unreachable`` hears of each failure: the seconds until the next attempt, and why.
    """
    attempt = 0
    while True:
        try:
            return await load(client, inbox)
        except ConsoleError as error:
            delay = LOAD_RETRY[min(attempt, len(LOAD_RETRY) - 1)]
            attempt += 1
            unreachable(delay, error.message)
            await asyncio.sleep(delay)


async def load_remaining(
    client: ConsoleClient, inbox: Inbox, cursor: str | None, show: Callable[[], None]
) -> None:
    """Read the rest of the conversation list from ``cursor`` on.

    ``show`` is called at most every ``REFRESH_EVERY`` seconds and once at the end: a full
    redraw after each page kept a 10,000-conversation console busy for a second.
    """
    shown = time.monotonic()
    while cursor:
        page = await client.conversations(cursor=cursor, limit=500)
        known = inbox.conversations
        inbox.load([c for c in page.items if c.id not in known])
        cursor = page.next
        if cursor is None or time.monotonic() - shown > REFRESH_EVERY:
            show()
            shown = time.monotonic()
    settle()


GC_THRESHOLDS = (10000, 5, 100)
"""After the load: fewer, later collections than Python's (700, 10, 10). A frame of Textual
allocates thousands of short-lived containers; collected every 700 of them, many were still
alive, got promoted, and the older generations filled and were walked again and again (a
full collection of the young heap 20-40 ms, a key press waiting for it: bench/tui.py)."""


def settle() -> None:
    """Leave what the console has loaded out of the garbage collector's scans (``gc.freeze``).

    A console holds a hundred thousand objects that live as long as it does (the list's
    records, Textual's widgets and styles). Each full collection walked them all, 130-280 ms
    on a 2-core machine, several times a second while texts stream in: a key press waited
    for each (bench/tui.py). Frozen objects are still freed when nothing refers to them.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
