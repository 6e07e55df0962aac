"""Loading the console's state from ``/api``: the first page, then the rest of the list."""

from __future__ import annotations

import time
from collections.abc import Callable

from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.inbox import Inbox

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
