"""The records the server's API and feed carry: what a console reads.

Pure data shared by the store (which produces them), the server (which sends them) and the
console (which shows them); no I/O. Messages and calls have modules of their own
(:mod:`smsconsole.core.messages`, :mod:`smsconsole.core.calls`).
"""

from __future__ import annotations

from typing import Final, Generic, TypeVar

import msgspec

from smsconsole.core.events import Direction
from smsconsole.core.messages import Message

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    next: str | None = None


class Conversation(msgspec.Struct, frozen=True, kw_only=True):
    """A conversation: one of our numbers and one remote number.

    Attributes:
        contact_name: The operator's name for the remote number, if any.
        activity: Sort key: the event seq of the latest activity (newest first).
    """

    id: str
    our_number: str
    remote_number: str
    contact_name: str | None = None
    last_message_id: str | None = None
    last_time: str
    last_direction: Direction | None = None
    last_preview: str = ""
    unread: int = 0
    activity: int
    archived: bool = False


class LoggedCallback(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of the raw callback log."""

    id: int
    received: str
    method: str
    path: str
    headers: dict[str, str]
    body: str
    event_type: str | None
    outcome: str
    event_seq: int | None


# A search snippet marks each matched word as MATCH_START word MATCH_END. Control characters,
# so a text's own brackets are never taken for marks (a text holding these could only make
# a word of its own look matched: the console shows every piece as plain text).
MATCH_START: Final = "\x02"
MATCH_END: Final = "\x03"


class SearchHit(msgspec.Struct, frozen=True):
    """A message that matched a search, with the matching words marked (``MATCH_START``)."""

    message: Message
    snippet: str


class NumberRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One of our phone numbers, as last synced from the provider."""

    id: str
    number: str
    national_number: str | None = None
    name: str | None = None
    application_id: str | None = None
    city: str | None = None
    state: str | None = None
    price: str | None = None
    created_time: str | None = None
    number_state: str | None = None


class Contact(msgspec.Struct, frozen=True):
    """The operator's name for a number."""

    number: str
    name: str
