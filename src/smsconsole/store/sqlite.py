"""The SQLite store: WAL, one group-committing writer, readers on their own threads.

Durability: ``full`` (the default) makes every commit reach the disk before a callback is
acknowledged — the provider does not retry a callback we answered 2xx (reference §9), so an
acknowledged event lost to a power cut would be lost for good. Group commit keeps the cost at
one fsync per batch of concurrent callbacks, not one per request. ``normal`` skips the fsync
of each commit in WAL mode: safe from a crash of smsconsole itself, but the last commits can
roll back if the machine loses power.

A full disk: a write that cannot commit fails at once (the callback is answered 503, so the
provider tries its fallback URL) and ``writable`` is false from then until a write commits
again; while it is false, ``/readyz`` probes with a small real write about once a second, so
readiness comes back on its own once there is space.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import msgspec

from smsconsole.core import feed
from smsconsole.core.calls import Call
from smsconsole.core.clock import now_utc
from smsconsole.core.events import CallbackEvent, MessageEvent
from smsconsole.core.messages import Message, thread_cursor
from smsconsole.core.records import (
    MATCH_END,
    MATCH_START,
    Contact,
    Conversation,
    LoggedCallback,
    NumberRecord,
    Page,
    SearchHit,
)
from smsconsole.store import conversations as conversation_writes
from smsconsole.store import integrity, writes
from smsconsole.store.base import (
    CallbackRecord,
    Durability,
    Listener,
    Outcome,
    StoredEvent,
    StoreUnavailable,
    StoreUnusable,
    Written,
)
from smsconsole.store.rows import (
    CALL_COLUMNS,
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    append_event,
    call_from_row,
    conversation_from_row,
    message_from_row,
)
from smsconsole.store.writer import Writer

T = TypeVar("T")
log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 4
BUSY_TIMEOUT_MS: Final = 5000
CHECKPOINT_EVERY: Final = 1.0  # seconds
READY_WITHIN: Final = 2.0  # seconds /readyz waits for the writer before saying "not ready"
PROBE_EVERY: Final = 1.0  # seconds between probe writes while the store takes no writes
MAX_INT64: Final = 2**63 - 1  # SQLite's largest integer
MAX_INT_DIGITS: Final = len(str(MAX_INT64))
MAX_CURSOR: Final = 200  # a thread cursor is a time and an id


class SqliteStore:
    """The :class:`~smsconsole.store.base.Store` on one SQLite file.

    Args:
        path: The database file; its directory is created if missing.
        durability: ``full`` or ``normal`` (see the module docstring).
        writer_setup: Called with the writer's connection once it is open, on the writer
            thread (tests cap the file's size with ``PRAGMA max_page_count``).
    """

    def __init__(
        self,
        path: Path,
        durability: Durability = "full",
        *,
        writer_setup: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = path
        self.durability = durability
        self._writer_setup = writer_setup
        self._next_probe = 0.0
        self._opened = False
        self._listeners: list[Listener] = []
        self._writer = Writer(self._connect_writer, self._committed)
        self._readers = ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="smsconsole-store-read"
        )
        self._local = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # -- life cycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Check, create or migrate the database and start the writer and the checkpointer.

        Opening an open store does nothing: the command line opens it before the server
        starts (a refusal is then one line, not a traceback from the server's start-up).

        Raises:
            StoreUnusable: The file cannot be our store as it is (see :mod:`.integrity`).
        """
        if self._opened:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(self._writer.start)
        except (sqlite3.Error, OSError) as error:
            raise integrity.explain(error, self.path) from error
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="smsconsole-store-checkpoint", daemon=True
        )
        self._stopping = threading.Event()
        self._checkpointer.start()
        self._opened = True

    async def close(self) -> None:
        """Finish queued writes and release the database."""
        if getattr(self, "_stopping", None) is not None:
            self._stopping.set()
            await asyncio.to_thread(self._checkpointer.join)
        await asyncio.to_thread(self._writer.stop)
        self._readers.shutdown(wait=True)
        with self._lock:
            for connection in self._reader_connections:
                connection.close()
            self._reader_connections.clear()

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with each committed batch of new events, in seq order."""
        self._listeners.append(listener)

    @property
    def batches(self) -> int:
        """Commits so far (each may hold many writes)."""
        return self._writer.batches

    def _connect_writer(self) -> sqlite3.Connection:
        connection = self._connect()
        try:
            # Checked before anything is written to the file: a damaged or foreign file is
            # refused as it was found.
            integrity.check_pages(connection, self.path)
            _check_version(connection, self.path)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self.durability.upper()}")
            # Checkpoints run on their own thread (below), not inside a commit that a callback
            # is waiting for: an automatic checkpoint stalled the writer for tens of ms.
            connection.execute("PRAGMA wal_autocheckpoint = 0")
            _migrate(connection)
            integrity.check_schema(connection, self.path, _migrate)
            if self._writer_setup is not None:
                self._writer_setup(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _checkpoint_loop(self) -> None:
        try:
            connection = self._connect()
        except sqlite3.Error:
            log.exception("no WAL checkpoints: the checkpointer could not open the store")
            return
        failing = False
        try:
            while not self._stopping.wait(CHECKPOINT_EVERY):
                failing = _checkpoint(connection, failing)
            _checkpoint(connection, failing)
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return connection

    def _committed(self, results: list[Any]) -> None:
        # Every write this store submits answers a Written (see _write).
        written = cast(list[Written[object]], results)
        events = [event.logged for result in written for event in result.events]
        if events:
            for listener in self._listeners:
                listener(events)

    async def _write(self, work: Callable[[sqlite3.Connection], Written[T]]) -> Written[T]:
        """Run one write on the writer; its value and events once committed."""
        return await self._writer.write(work)

    async def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._run_read, query)

    def _run_read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            connection.execute("PRAGMA query_only = 1")
            self._local.connection = connection
            with self._lock:
                self._reader_connections.append(connection)
        return query(connection)

    # -- writes -------------------------------------------------------------------------

    async def writable(self) -> bool:
        """Whether writes commit (for ``/readyz``): false from a failed commit until one
        succeeds again.

        While writes commit, this only checks that the writer answers (an empty transaction
        writes nothing). After a failure it probes with a small real write at most every
        ``PROBE_EVERY`` seconds, so a full disk is not written to on every call.
        """
        if self._writer.failure is None:
            work: Callable[[sqlite3.Connection], Written[None]] = _nothing
        elif time.monotonic() < self._next_probe:
            return False
        else:
            self._next_probe = time.monotonic() + PROBE_EVERY
            work = _probe
        try:
            await asyncio.wait_for(self._write(work), READY_WITHIN)
        except (StoreUnavailable, TimeoutError):
            return False
        return self._writer.failure is None

    async def ingest(
        self, record: CallbackRecord, event: CallbackEvent, dedupe_key: str
    ) -> Written[Outcome]:
        """Record a callback and apply its event, once per ``dedupe_key``."""
        return await self._write(lambda c: writes.ingest(c, record, event, dedupe_key, now_utc()))

    async def create_outbound(
        self, from_: str, to: str, text: str, media: Sequence[str]
    ) -> Written[Message]:
        """Record a message we are about to send, as ``queued``."""
        return await self._write(
            lambda c: writes.create_outbound(c, from_, to, text, media, now_utc())
        )

    async def outbound_accepted(self, message_id: str, provider_id: str) -> Written[Message]:
        """Record the provider's id for a message it accepted."""
        return await self._write(
            lambda c: writes.outbound_result(c, message_id, now_utc(), provider_id=provider_id)
        )

    async def outbound_failed(self, message_id: str, code: str, text: str) -> Written[Message]:
        """Record that the provider refused a message, in its words."""
        return await self._write(
            lambda c: writes.outbound_result(c, message_id, now_utc(), error=(code, text))
        )

    async def failure_reason(
        self, provider_id: str, code: str, text: str
    ) -> Written[Message | None]:
        """Add the provider's words to our message it failed after accepting."""
        return await self._write(
            lambda c: writes.failure_reason(c, provider_id, code, text, now_utc())
        )

    async def outbound_unknown(self, message_id: str) -> Written[Message]:
        """Record that a send may or may not have reached the provider."""
        return await self._write(
            lambda c: writes.outbound_result(c, message_id, now_utc(), unknown=True)
        )

    async def reconcile(self, events: Sequence[MessageEvent]) -> Written[None]:
        """Apply message events read from the provider's records; new ones are logged."""
        return await self._write(lambda c: writes.reconcile(c, events, now_utc()))

    async def mark_read(self, conversation_id: str) -> Written[Conversation | None]:
        """Set a conversation's unread count to zero; the conversation as it is then."""
        return await self._write(lambda c: writes.mark_read(c, conversation_id, now_utc()))

    async def mark_all_read(self) -> Written[list[str]]:
        """Set every conversation's unread count to zero; the ids that were unread."""
        return await self._write(lambda c: conversation_writes.mark_all_read(c, now_utc()))

    async def archive(self, conversation_id: str) -> Written[Conversation | None]:
        """Archive a conversation until its next message; the conversation as it is then."""
        return await self._write(
            lambda c: conversation_writes.archive(c, conversation_id, now_utc())
        )

    async def sync_numbers(self, numbers: Sequence[NumberRecord]) -> Written[None]:
        """Replace our numbers with the provider's list; an event for each change."""
        return await self._write(lambda c: _sync_numbers(c, numbers, now_utc()))

    async def set_contact(self, number: str, name: str) -> Written[Contact]:
        """Name a number (an empty name removes it)."""

        def work(connection: sqlite3.Connection) -> Written[Contact]:
            if name:
                connection.execute(
                    "INSERT INTO contacts (number, name) VALUES (?, ?)"
                    " ON CONFLICT (number) DO UPDATE SET name = excluded.name",
                    (number, name),
                )
            else:
                connection.execute("DELETE FROM contacts WHERE number = ?", (number,))
            # Every attached console shows the new name at once.
            contact = Contact(number, name)
            named = feed.ContactUpdated(contact=contact)
            return Written(contact, [append_event(connection, named, now_utc())])

        return await self._write(work)

    # -- reads --------------------------------------------------------------------------

    async def conversations(self, cursor: str | None, limit: int) -> Page[Conversation]:
        """Conversations, newest activity first; the cursor is the last one's activity."""
        after = _int_cursor(cursor)

        def query(connection: sqlite3.Connection) -> Page[Conversation]:
            rows = connection.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations c"
                " LEFT JOIN contacts k ON k.number = c.remote_number"
                " WHERE c.activity < ? ORDER BY c.activity DESC LIMIT ?",
                (after, limit + 1),
            ).fetchall()
            items = [conversation_from_row(row) for row in rows[:limit]]
            more = len(rows) > limit
            return Page(items, str(items[-1].activity) if more else None)

        return await self._read(query)

    async def conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation."""

        def query(connection: sqlite3.Connection) -> Conversation | None:
            row = connection.execute(
                f"SELECT {CONVERSATION_COLUMNS} FROM conversations c"
                " LEFT JOIN contacts k ON k.number = c.remote_number WHERE c.id = ?",
                (conversation_id,),
            ).fetchone()
            return conversation_from_row(row) if row else None

        return await self._read(query)

    async def messages(self, conversation_id: str, before: str | None, limit: int) -> Page[Message]:
        """A conversation's messages, newest first; the cursor is ``time|id`` of the last."""
        time, message_id = _time_cursor(before)

        def query(connection: sqlite3.Connection) -> Page[Message]:
            rows = connection.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?"
                " AND (time, id) < (?, ?) ORDER BY time DESC, id DESC LIMIT ?",
                (conversation_id, time, message_id, limit + 1),
            ).fetchall()
            items = [message_from_row(row) for row in rows[:limit]]
            last = items[-1] if len(rows) > limit else None
            return Page(items, thread_cursor(last) if last else None)

        return await self._read(query)

    async def message(self, message_id: str) -> Message | None:
        """One message by our id."""

        def query(connection: sqlite3.Connection) -> Message | None:
            row = connection.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            return message_from_row(row) if row else None

        return await self._read(query)

    async def search(self, query_text: str, limit: int) -> list[SearchHit]:
        """Messages whose text has every word of ``query_text`` (the last as a prefix)."""
        match = fts_query(query_text)
        if not match:
            return []

        def query(connection: sqlite3.Connection) -> list[SearchHit]:
            rows = connection.execute(
                f"SELECT {MESSAGE_COLUMNS.replace('text', 'm.text', 1)},"
                " snippet(messages_fts, 0, ?, ?, '…', 12) AS snippet"
                " FROM messages_fts f JOIN messages m ON m.n = f.rowid"
                " WHERE messages_fts MATCH ? ORDER BY m.time DESC LIMIT ?",
                (MATCH_START, MATCH_END, match, limit),
            ).fetchall()
            return [SearchHit(message_from_row(row), row["snippet"]) for row in rows]

        return await self._read(query)

    async def calls(self, cursor: str | None, limit: int) -> Page[Call]:
        """Calls, newest activity first."""
        after = _int_cursor(cursor)

        def query(connection: sqlite3.Connection) -> Page[Call]:
            rows = connection.execute(
                f"SELECT activity, {CALL_COLUMNS} FROM calls WHERE activity < ?"
                " ORDER BY activity DESC LIMIT ?",
                (after, limit + 1),
            ).fetchall()
            items = [call_from_row(row) for row in rows[:limit]]
            more = len(rows) > limit
            return Page(items, str(rows[limit - 1]["activity"]) if more else None)

        return await self._read(query)

    async def call(self, call_id: str) -> Call | None:
        """One call by our id or the provider's."""

        def query(connection: sqlite3.Connection) -> Call | None:
            row = connection.execute(
                f"SELECT {CALL_COLUMNS} FROM calls WHERE id = ? OR provider_id = ?",
                (call_id, call_id),
            ).fetchone()
            return call_from_row(row) if row else None

        return await self._read(query)

    async def events_since(self, seq: int, limit: int) -> list[feed.Logged]:
        """Events after ``seq``, oldest first, as stored: their JSON is not decoded."""
        if seq > MAX_INT64:
            raise ValueError(f"seq {_shown(str(seq))} is beyond any seq")

        def query(connection: sqlite3.Connection) -> list[feed.Logged]:
            rows = connection.execute(
                "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            ).fetchall()
            return [feed.Logged(row["seq"], msgspec.Raw(row["body"].encode())) for row in rows]

        return await self._read(query)

    async def latest_seq(self) -> int:
        """The seq of the newest event (0 when there is none)."""
        return await self._read(
            lambda c: int(c.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
        )

    async def callbacks(self, cursor: str | None, limit: int) -> Page[LoggedCallback]:
        """The raw callback log, newest first."""
        after = _int_cursor(cursor)

        def query(connection: sqlite3.Connection) -> Page[LoggedCallback]:
            rows = connection.execute(
                "SELECT * FROM callbacks WHERE id < ? ORDER BY id DESC LIMIT ?", (after, limit + 1)
            ).fetchall()
            items = [
                LoggedCallback(
                    id=row["id"],
                    received=row["received"],
                    method=row["method"],
                    path=row["path"],
                    headers=json.loads(row["headers"]),
                    body=row["body"],
                    event_type=row["event_type"],
                    outcome=row["outcome"],
                    event_seq=row["event_seq"],
                )
                for row in rows[:limit]
            ]
            return Page(items, str(items[-1].id) if len(rows) > limit else None)

        return await self._read(query)

    async def numbers(self) -> list[NumberRecord]:
        """Our numbers, as last synced."""

        def query(connection: sqlite3.Connection) -> list[NumberRecord]:
            rows = connection.execute("SELECT * FROM numbers ORDER BY number").fetchall()
            return [NumberRecord(**dict(row)) for row in rows]

        return await self._read(query)

    async def contacts(self) -> list[Contact]:
        """Every named number."""
        return await self._read(
            lambda c: [
                Contact(row["number"], row["name"])
                for row in c.execute("SELECT number, name FROM contacts ORDER BY name")
            ]
        )

    async def newest_message_time(self) -> str | None:
        """The time of the newest message stored."""
        return await self._read(lambda c: c.execute("SELECT max(time) FROM messages").fetchone()[0])


def fts_query(text: str) -> str:
    """Turn what a user typed into an FTS5 query: every word, the last as a prefix.

    Each word is quoted, so FTS5's own operators and punctuation in the text are plain words.
    """
    words = ["".join(ch for ch in word if ch.isalnum()) for word in text.split()]
    words = [word for word in words if word]
    if not words:
        return ""
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _int_cursor(cursor: str | None) -> int:
    """A cursor this store made from an id or activity: ASCII digits within SQLite's range.

    ``int()`` alone would take other scripts' digits, signs and ``_``, and a value past 2^63
    that sqlite3 then fails to bind (``OverflowError``, not a ``ValueError``).
    """
    if not cursor:
        return 2**62
    if len(cursor) > MAX_INT_DIGITS or not (cursor.isascii() and cursor.isdigit()):
        raise ValueError(f"not a cursor of this list: {_shown(cursor)}")
    value = int(cursor)
    if value > MAX_INT64:
        raise ValueError(f"not a cursor of this list: {_shown(cursor)}")
    return value


def _time_cursor(cursor: str | None) -> tuple[str, str]:
    if not cursor:
        return ("9999", "")
    time, _, message_id = cursor.rpartition("|")
    if not time or not message_id or len(cursor) > MAX_CURSOR:
        raise ValueError(f"not a cursor of this list: {_shown(cursor)}")
    return time, message_id


def _nothing(connection: sqlite3.Connection) -> Written[None]:
    """An empty transaction: the writer answers."""
    return Written(None)


def _probe(connection: sqlite3.Connection) -> Written[None]:
    """A write that needs new pages and leaves nothing behind: it commits only if the file
    can grow and its WAL take the frames. It is larger than a callback's write (64 KiB), so
    the store is not called ready while callbacks would still fail. The key is no phone
    number, so no contact's."""
    inserted = connection.execute(
        "INSERT INTO contacts (number, name) VALUES ('smsconsole:probe', hex(zeroblob(32768)))"
    )
    connection.execute("DELETE FROM contacts WHERE rowid = ?", (inserted.lastrowid,))
    return Written(None)


def _checkpoint(connection: sqlite3.Connection, failing: bool) -> bool:
    """Copy what the WAL holds into the database; whether it failed (logged once a run)."""
    try:
        # PASSIVE copies what it can without blocking the writer or the readers.
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:
        if not failing:
            log.warning("WAL checkpoint failed (%s); retrying every %s s", error, CHECKPOINT_EVERY)
        return True
    if failing:
        log.info("WAL checkpoints work again")
    return False


def _shown(cursor: str) -> str:
    """A cursor as an error message quotes it: cut short, so a huge one is not echoed."""
    return repr(cursor[:40] + ("…" if len(cursor) > 40 else ""))


def _check_version(connection: sqlite3.Connection, path: Path) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreUnusable(
            path,
            f"was written by a newer smsconsole (schema {version}; this one knows "
            f"{SCHEMA_VERSION})",
            "upgrade smsconsole, or set [store] path / SMSCONSOLE_STORE_PATH to another file",
        )


def _migrate(connection: sqlite3.Connection) -> None:
    version = connection.execute("PRAGMA user_version").fetchone()[0]  # checked: not newer
    if version < 1:
        schema = resources.files("smsconsole.store").joinpath("schema.sql").read_text("utf-8")
        connection.executescript(f"BEGIN;\n{schema}\nPRAGMA user_version = 1;\nCOMMIT;")
    if version < 2:
        # The provider's time of the event behind a message's status, which orders two
        # outcomes (an error and a delivery receipt) whatever order they arrive in.
        connection.executescript(
            "BEGIN;\nALTER TABLE messages ADD COLUMN status_time TEXT;\n"
            "PRAGMA user_version = 2;\nCOMMIT;"
        )
    if version < 3:
        # Every callback asks whether its key was seen as stored or superseded; the unique
        # index covers "stored" only, so the question scanned the whole callback log.
        connection.executescript(
            "BEGIN;\nCREATE INDEX callbacks_seen ON callbacks (dedupe_key)"
            " WHERE outcome IN ('stored', 'superseded');\n"
            "PRAGMA user_version = 3;\nCOMMIT;"
        )
    if version < 4:
        # The activity a conversation had when the operator archived it (store/conversations.py).
        connection.executescript(
            "BEGIN;\nALTER TABLE conversations ADD COLUMN archived INTEGER;\n"
            "PRAGMA user_version = 4;\nCOMMIT;"
        )


def _sync_numbers(
    connection: sqlite3.Connection, numbers: Sequence[NumberRecord], now: str
) -> Written[None]:
    existing = {
        row["id"]: NumberRecord(**dict(row)) for row in connection.execute("SELECT * FROM numbers")
    }
    events: list[StoredEvent] = []
    for number in numbers:
        if existing.pop(number.id, None) != number:
            connection.execute(
                "INSERT OR REPLACE INTO numbers (id, number, national_number, name,"
                " application_id, city, state, price, created_time, number_state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number.id,
                    number.number,
                    number.national_number,
                    number.name,
                    number.application_id,
                    number.city,
                    number.state,
                    number.price,
                    number.created_time,
                    number.number_state,
                ),
            )
            events.append(append_event(connection, feed.NumberUpdated(number=number), now))
    for gone in existing.values():
        connection.execute("DELETE FROM numbers WHERE id = ?", (gone.id,))
        released = msgspec.structs.replace(gone, number_state="released")
        events.append(append_event(connection, feed.NumberUpdated(number=released), now))
    return Written(None, events)
