"""The store's interface and the records it hands out.

The callback server talks to persistence only through :class:`Store`; SQLite
(:mod:`smsconsole.store.sqlite`) is the embedded implementation. Lists are pages read with
keyset cursors (never ``OFFSET``), so the next page costs the same however deep it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Literal, Protocol, TypeVar

import msgspec

from smsconsole.core.calls import Call
from smsconsole.core.events import CallbackEvent, MessageEvent
from smsconsole.core.feed import LogEvent, Logged
from smsconsole.core.messages import Message
from smsconsole.core.records import (
    Contact,
    Conversation,
    LoggedCallback,
    NumberRecord,
    Page,
    SearchHit,
)

T = TypeVar("T")

Durability = Literal["full", "normal"]


class StoredEvent(msgspec.Struct, frozen=True):
    """An event a write appended to the log: its seq, the event, and its JSON as stored.

    Attributes:
        seq: Its place in the log.
        event: The event, typed.
        data: Its JSON, encoded once: the bytes of the event row and of the feed's frame.
    """

    seq: int
    event: LogEvent
    data: bytes

    @property
    def logged(self) -> Logged:
        """The entry as the feed and ``/api/events`` send it."""
        return Logged(self.seq, msgspec.Raw(self.data))


class Written(msgspec.Struct, Generic[T], frozen=True):
    """What every write answers: its value, and the events it appended (in seq order).

    Attributes:
        value: The write's own answer (the stored message, the outcome of a callback, ...).
        events: The events it logged, committed with it; empty when it changed nothing.
    """

    value: T
    events: list[StoredEvent] = msgspec.field(default_factory=list)


class CallbackRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A callback request as received, for the raw callback log (credentials removed)."""

    method: str
    path: str
    headers: dict[str, str]
    body: str


# What recording a callback did: stored it, or recognised a delivery already stored.
Outcome = Literal["stored", "duplicate"]

Listener = Callable[[Sequence[Logged]], None]


class StoreUnusable(Exception):
    """The store cannot be used as it is (damaged, unwritable, newer, not a store at all).

    Raised by :meth:`Store.open`; the message is one line naming the file, what is wrong
    and what to do.
    """

    def __init__(self, path: object, problem: str, remedy: str) -> None:
        super().__init__(f"the store {path} {problem}; {remedy}")
        self.path = path


class StoreUnavailable(Exception):
    """The store did not take a write: nothing of it was written.

    Raised by every write of a :class:`Store` that the database refused (a full disk, an I/O
    error, a locked or read-only file, a store being closed), in place of the driver's own
    error, so no caller needs to know the database. Whether writes commit again is what
    :meth:`Store.writable` says (``/readyz``); the message is the database's own words.
    """


class Store(Protocol):
    """Persistence for the callback server: the event log and what is derived from it.

    Every write answers a :class:`Written`: its value and the events it logged.
    """

    async def open(self) -> None:
        """Create or migrate the database and start the writer.

        Raises:
            StoreUnusable: The store cannot be used as it is; nothing was started.
        """

    async def close(self) -> None:
        """Finish queued writes and release the database."""

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with each batch of new events, in seq order, after commit.

        It is called on the writer thread; it must only hand the events over.
        """

    async def writable(self) -> bool:
        """Whether writes commit (for ``/readyz``): false from a failed commit until one
        succeeds again."""

    async def ingest(
        self, record: CallbackRecord, event: CallbackEvent, dedupe_key: str
    ) -> Written[Outcome]:
        """Record a callback and apply its event, once per ``dedupe_key``.

        Raises:
            StoreUnavailable: It was not committed (as for every write of the store).
        """

    async def create_outbound(
        self, from_: str, to: str, text: str, media: Sequence[str]
    ) -> Written[Message]:
        """Record a message we are about to send, as ``queued``."""

    async def outbound_accepted(self, message_id: str, provider_id: str) -> Written[Message]:
        """Record the provider's id for a message it accepted."""

    async def outbound_failed(self, message_id: str, code: str, text: str) -> Written[Message]:
        """Record that the provider refused a message, in its words."""

    async def failure_reason(
        self, provider_id: str, code: str, text: str
    ) -> Written[Message | None]:
        """Add the provider's words to our message it failed after accepting (none: no such
        message of ours, or it already has words)."""

    async def outbound_unknown(self, message_id: str) -> Written[Message]:
        """Record that a send may or may not have reached the provider (state ``unknown``).

        Its callbacks, when they come, settle the same message (matched by from, to and
        text while its provider id is unknown).
        """

    async def reconcile(self, events: Sequence[MessageEvent]) -> Written[None]:
        """Apply message events read from the provider's records (catching up)."""

    async def mark_read(self, conversation_id: str) -> Written[Conversation | None]:
        """Set a conversation's unread count to zero; the value is the conversation as it is
        then, None if there is no such conversation."""

    async def mark_all_read(self) -> Written[list[str]]:
        """Set every conversation's unread count to zero; the value is the ids of those that
        were unread (a ``conversation.read`` event each)."""

    async def archive(self, conversation_id: str) -> Written[Conversation | None]:
        """Archive a conversation until its next message; the value is the conversation as
        it is then, None if there is no such conversation."""

    async def conversations(self, cursor: str | None, limit: int) -> Page[Conversation]:
        """Conversations, newest activity first."""

    async def conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation."""

    async def messages(self, conversation_id: str, before: str | None, limit: int) -> Page[Message]:
        """A conversation's messages, newest first."""

    async def message(self, message_id: str) -> Message | None:
        """One message by our id."""

    async def search(self, query: str, limit: int) -> list[SearchHit]:
        """Messages whose text matches ``query`` (all words, the last as a prefix)."""

    async def calls(self, cursor: str | None, limit: int) -> Page[Call]:
        """Calls, newest activity first."""

    async def call(self, call_id: str) -> Call | None:
        """One call by our id."""

    async def events_since(self, seq: int, limit: int) -> list[Logged]:
        """Events with ``seq`` greater than the one given, oldest first, as stored."""

    async def latest_seq(self) -> int:
        """The seq of the newest event (0 when there is none)."""

    async def callbacks(self, cursor: str | None, limit: int) -> Page[LoggedCallback]:
        """The raw callback log, newest first."""

    async def sync_numbers(self, numbers: Sequence[NumberRecord]) -> Written[None]:
        """Replace our numbers with the provider's list; an event for each change."""

    async def numbers(self) -> list[NumberRecord]:
        """Our numbers, as last synced."""

    async def contacts(self) -> list[Contact]:
        """Every named number."""

    async def set_contact(self, number: str, name: str) -> Written[Contact]:
        """Name a number (an empty name removes it)."""

    async def newest_message_time(self) -> str | None:
        """The time of the newest message stored (for catching up after an outage)."""
