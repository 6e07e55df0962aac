"""Between SQLite rows and the store's records, and the event-log writes they share."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import msgspec

from smsconsole.core.calls import Call
from smsconsole.core.feed import LogEvent, encode_event, kind_of
from smsconsole.core.messages import Message
from smsconsole.core.records import Conversation
from smsconsole.store.base import StoredEvent

MESSAGE_COLUMNS = (
    "id, conversation_id, direction, from_number, to_number, text, media, state, "
    "delivery_state, delivery_code, delivery_description, provider_id, time, error_code, "
    "error_message, status_time"
)
CALL_COLUMNS = (
    "id, direction, from_number, to_number, state, provider_id, start_time, active_time, "
    "end_time, cause"
)
CONVERSATION_COLUMNS = (
    "c.id, c.our_number, c.remote_number, k.name AS contact_name, c.last_message_id, "
    "c.last_time, c.last_direction, c.last_preview, c.unread, c.activity, "
    "coalesce(c.archived >= c.activity, 0) AS archived"
)
# The same columns, as an INSERT or UPDATE of ``conversations`` returns them.
CONVERSATION_RETURNING = (
    "id, our_number, remote_number,"
    " (SELECT name FROM contacts WHERE number = remote_number) AS contact_name,"
    " last_message_id, last_time, last_direction, last_preview, unread, activity,"
    " coalesce(archived >= activity, 0) AS archived"
)


def message_from_row(row: sqlite3.Row) -> Message:
    """Build a :class:`Message` from a row selected with ``MESSAGE_COLUMNS``."""
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        direction=row["direction"],
        from_=row["from_number"],
        to=row["to_number"],
        text=row["text"],
        media=tuple(json.loads(row["media"])),
        state=row["state"],
        delivery_state=row["delivery_state"],
        delivery_code=row["delivery_code"],
        delivery_description=row["delivery_description"],
        provider_id=row["provider_id"],
        time=row["time"],
        error_code=row["error_code"],
        error_message=row["error_message"],
        status_time=row["status_time"],
    )


def message_values(message: Message) -> tuple[Any, ...]:
    """The values of ``message`` in ``MESSAGE_COLUMNS`` order."""
    return (
        message.id,
        message.conversation_id,
        message.direction,
        message.from_,
        message.to,
        message.text,
        msgspec.json.encode(message.media).decode(),
        message.state,
        message.delivery_state,
        message.delivery_code,
        message.delivery_description,
        message.provider_id,
        message.time,
        message.error_code,
        message.error_message,
        message.status_time,
    )


def call_from_row(row: sqlite3.Row) -> Call:
    """Build a :class:`Call` from a row selected with ``CALL_COLUMNS``."""
    return Call(
        id=row["id"],
        direction=row["direction"],
        from_=row["from_number"],
        to=row["to_number"],
        state=row["state"],
        provider_id=row["provider_id"],
        start_time=row["start_time"],
        active_time=row["active_time"],
        end_time=row["end_time"],
        cause=row["cause"],
    )


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    """Build a :class:`Conversation` from a row selected with ``CONVERSATION_COLUMNS``."""
    return Conversation(
        id=row["id"],
        our_number=row["our_number"],
        remote_number=row["remote_number"],
        contact_name=row["contact_name"],
        last_message_id=row["last_message_id"],
        last_time=row["last_time"],
        last_direction=row["last_direction"],
        last_preview=row["last_preview"],
        unread=row["unread"],
        activity=row["activity"],
        archived=bool(row["archived"]),
    )


def append_event(
    connection: sqlite3.Connection, event: LogEvent, now: str, *, seq: int | None = None
) -> StoredEvent:
    """Append one event to the log, encoded once; return it with its seq.

    ``seq`` is one a write took before the event existed: the next seq of the log, which a
    message's conversation records as its activity.
    """
    data = encode_event(event)
    kind = kind_of(event)
    if seq is None:
        cursor = connection.execute(
            "INSERT INTO events (kind, time, body) VALUES (?, ?, ?)", (kind, now, data.decode())
        )
        assert cursor.lastrowid is not None  # an INSERT into a rowid table always has one
        seq = cursor.lastrowid
    else:
        connection.execute(
            "INSERT INTO events (seq, kind, time, body) VALUES (?, ?, ?, ?)",
            (seq, kind, now, data.decode()),
        )
    return StoredEvent(seq, event, data)


def conversation_of(connection: sqlite3.Connection, conversation_id: str) -> Conversation | None:
    """One conversation as the API lists it (its contact's name joined in)."""
    row = connection.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations c"
        " LEFT JOIN contacts k ON k.number = c.remote_number WHERE c.id = ?",
        (conversation_id,),
    ).fetchone()
    return conversation_from_row(row) if row else None
