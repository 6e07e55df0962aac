"""Writes that record what happened: callbacks, sends, reads. Run on the writer connection.

Each function runs inside the writer's transaction and answers a :class:`Written`: its
value and the events it appended, so the derived tables and the event log always change
together. The conversation rule (unread count, last message, preview, activity) is here
once, in ``_touch_conversation``; message events carry its result to every console.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from typing import cast

import msgspec

from smsconsole.core import events as domain
from smsconsole.core import feed
from smsconsole.core.calls import Call, advance_call, new_call
from smsconsole.core.events import CallbackEvent
from smsconsole.core.messages import (
    Message,
    conversation_id,
    message_from_event,
    parties,
    preview,
    settle_message,
    status_rank,
)
from smsconsole.core.records import Conversation
from smsconsole.store.base import CallbackRecord, Outcome, StoredEvent, Written
from smsconsole.store.rows import (
    CALL_COLUMNS,
    CONVERSATION_RETURNING,
    MESSAGE_COLUMNS,
    append_event,
    call_from_row,
    conversation_from_row,
    conversation_of,
    message_from_row,
    message_values,
)

# An outbound message recorded before the provider answered can have its "sent" callback
# arrive before we learn the provider's id, or never learn it (a send whose outcome is
# unknown); match such callbacks to the pending record by from, to and text instead of
# making a second copy. Only messages this recent are candidates.
PENDING_MATCH_SECONDS = 600
# The raw-log outcome of a callback that lost to what its message already had (an error
# older than the delivery receipt): kept, with its body, as the message's history, and not
# applied. It still counts for de-duplication.
SUPERSEDED = "superseded"
# Whether a callback's key was seen: both outcomes that count, answered by the partial
# index ``callbacks_seen`` (schema 3) rather than a scan of the whole callback log.
INSERT_MESSAGE_SQL = (
    f"INSERT INTO messages ({MESSAGE_COLUMNS})"
    f" VALUES ({', '.join('?' * len(MESSAGE_COLUMNS.split(',')))})"
)
SEEN_SQL = "SELECT 1 FROM callbacks WHERE dedupe_key = ? AND outcome IN ('stored', 'superseded')"


def new_id(prefix: str) -> str:
    """A new id of ours: ``prefix`` and 16 random hex digits."""
    return f"{prefix}-{secrets.token_hex(8)}"


def ingest(
    connection: sqlite3.Connection,
    record: CallbackRecord,
    event: CallbackEvent,
    dedupe_key: str,
    now: str,
) -> Written[Outcome]:
    """Record a callback once per ``dedupe_key`` and apply its event."""
    seen = connection.execute(SEEN_SQL, (dedupe_key,)).fetchone()
    events: list[StoredEvent] = []
    outcome = "duplicate" if seen else "stored"
    if seen is None:
        if isinstance(event, domain.MessageEvent):
            events, contradicted = _settle_message_event(connection, event, now)
            if contradicted:
                outcome = SUPERSEDED
        elif isinstance(event, domain.CallEvent):
            events = apply_call_event(connection, event, now)
    event_type = getattr(event, "event_type", None) or type(event).__name__
    connection.execute(
        "INSERT INTO callbacks (received, method, path, headers, body, event_type, dedupe_key,"
        " outcome, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            now,
            record.method,
            record.path,
            msgspec.json.encode(record.headers).decode(),
            record.body,
            event_type if isinstance(event_type, str) else None,
            dedupe_key,
            outcome,
            events[0].seq if events else None,
        ),
    )
    return Written("duplicate" if seen else "stored", events)


def apply_message_event(
    connection: sqlite3.Connection, event: domain.MessageEvent, now: str
) -> list[StoredEvent]:
    """Create or move forward the message ``event`` is about."""
    return _settle_message_event(connection, event, now)[0]


def _settle_message_event(
    connection: sqlite3.Connection, event: domain.MessageEvent, now: str
) -> tuple[list[StoredEvent], bool]:
    current = _message_by_provider_id(connection, event.message_id)
    if current is None and event.direction == "out":
        current = _pending_outbound(connection, event)
    if current is None:
        message = message_from_event(new_id("msg"), event, now)
        return insert_message(connection, message, now), False
    settled = settle_message(current, event)
    if settled.message == current:
        return [], settled.contradicted
    return [update_message(connection, settled.message, now)], settled.contradicted


def insert_message(connection: sqlite3.Connection, message: Message, now: str) -> list[StoredEvent]:
    """Insert a new message, update its conversation, and log it."""
    connection.execute(INSERT_MESSAGE_SQL, message_values(message))
    seq, conversation = _touch_conversation(connection, message)
    event: feed.MessageChange
    if message.direction == "in":
        event = feed.MessageReceived(message=message, conversation=conversation)
    else:
        event = feed.MessageSent(message=message, conversation=conversation)
    return [append_event(connection, event, now, seq=seq)]


def update_message(connection: sqlite3.Connection, message: Message, now: str) -> StoredEvent:
    """Write a changed message and log a ``message.status`` event."""
    connection.execute(
        "UPDATE messages SET state = ?, delivery_state = ?, delivery_code = ?,"
        " delivery_description = ?, provider_id = ?, text = ?, media = ?, error_code = ?,"
        " error_message = ?, status_time = ? WHERE id = ?",
        (
            message.state,
            message.delivery_state,
            message.delivery_code,
            message.delivery_description,
            message.provider_id,
            message.text,
            msgspec.json.encode(message.media).decode(),
            message.error_code,
            message.error_message,
            message.status_time,
            message.id,
        ),
    )
    conversation = conversation_of(connection, message.conversation_id)
    status = feed.MessageStatus(message=message, conversation=conversation)
    return append_event(connection, status, now)


def _touch_conversation(
    connection: sqlite3.Connection, message: Message
) -> tuple[int, Conversation]:
    """Apply the conversation rule for a new message, in one statement.

    Answers the seq its event is to have (the conversation's new activity: the next seq of
    the AUTOINCREMENT log, so never a reused one) and the conversation as it now is, its
    contact's name with it.
    """
    our, remote = parties(message.direction, message.from_, message.to)
    unread = 1 if message.direction == "in" else 0
    row = connection.execute(
        "INSERT INTO conversations (id, our_number, remote_number, last_message_id, last_time,"
        " last_direction, last_preview, unread, activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
        "   coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1)"
        " ON CONFLICT (id) DO UPDATE SET"
        "   unread = unread + excluded.unread,"
        "   activity = excluded.activity,"
        "   last_message_id = CASE WHEN excluded.last_time >= last_time"
        "     THEN excluded.last_message_id ELSE last_message_id END,"
        "   last_direction = CASE WHEN excluded.last_time >= last_time"
        "     THEN excluded.last_direction ELSE last_direction END,"
        "   last_preview = CASE WHEN excluded.last_time >= last_time"
        "     THEN excluded.last_preview ELSE last_preview END,"
        "   last_time = max(last_time, excluded.last_time)"
        f" RETURNING {CONVERSATION_RETURNING}",
        (
            message.conversation_id,
            our,
            remote,
            message.id,
            message.time,
            message.direction,
            preview(message),
            unread,
        ),
    ).fetchone()
    return row["activity"], conversation_from_row(row)


def _message_by_provider_id(connection: sqlite3.Connection, provider_id: str) -> Message | None:
    row = connection.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE provider_id = ?", (provider_id,)
    ).fetchone()
    return message_from_row(row) if row else None


def _pending_outbound(connection: sqlite3.Connection, event: domain.MessageEvent) -> Message | None:
    row = connection.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE provider_id IS NULL AND direction = 'out'"
        " AND from_number = ? AND to_number = ? AND text = ? AND state IN ('queued', 'unknown')"
        " AND time >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)"
        " ORDER BY n LIMIT 1",
        (event.from_, event.to, event.text, f"-{PENDING_MATCH_SECONDS} seconds"),
    ).fetchone()
    return message_from_row(row) if row else None


def create_outbound(
    connection: sqlite3.Connection, from_: str, to: str, text: str, media: Sequence[str], now: str
) -> Written[Message]:
    """Record a message we are about to hand to the provider, as ``queued``."""
    message = Message(
        id=new_id("msg"),
        conversation_id=conversation_id(from_, to),
        direction="out",
        from_=from_,
        to=to,
        text=text,
        media=tuple(media),
        state="queued",
        time=now,
    )
    return Written(message, insert_message(connection, message, now))


def outbound_result(
    connection: sqlite3.Connection,
    message_id: str,
    now: str,
    *,
    provider_id: str | None = None,
    error: tuple[str, str] | None = None,
    unknown: bool = False,
) -> Written[Message]:
    """Record what the provider answered to our send: its id, its refusal, or nothing.

    ``unknown`` (the exchange broke after the request may have arrived) moves a ``queued``
    message to ``unknown``, never one its callbacks have already moved further.
    """
    row = connection.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        raise KeyError(message_id)
    current = message_from_row(row)
    if error is not None:
        updated = msgspec.structs.replace(
            current, state="error", error_code=error[0], error_message=error[1]
        )
    elif unknown:
        ahead = status_rank(current.state, current.delivery_state) >= status_rank("unknown", None)
        updated = current if ahead else msgspec.structs.replace(current, state="unknown")
    else:
        updated = msgspec.structs.replace(current, provider_id=current.provider_id or provider_id)
    if updated == current:
        return Written(current)
    return Written(updated, [update_message(connection, updated, now)])


def failure_reason(
    connection: sqlite3.Connection, provider_id: str, code: str, text: str, now: str
) -> Written[Message | None]:
    """The provider's words for our message that failed after it was accepted (§5.4: the
    message event says only ``error``), unless it has words already."""
    row = connection.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE provider_id = ? AND direction = 'out'",
        (provider_id,),
    ).fetchone()
    if row is None:
        return Written(None)
    current = message_from_row(row)
    if current.state != "error" or current.error_message:
        return Written(current)
    updated = msgspec.structs.replace(current, error_code=code or None, error_message=text)
    return Written(updated, [update_message(connection, updated, now)])


def apply_call_event(
    connection: sqlite3.Connection, event: domain.CallEvent, now: str
) -> list[StoredEvent]:
    """Create or move forward the call ``event`` is about, and log what happened."""
    row = connection.execute(
        f"SELECT {CALL_COLUMNS} FROM calls WHERE provider_id = ?", (event.call_id,)
    ).fetchone()
    current = call_from_row(row) if row else _first_sight(connection, event, now)
    updated = advance_call(current, event, now)
    detail = cast(feed.CallDetail, event)  # every CallEvent of the core is a CallDetail
    change: feed.CallChange
    if isinstance(event, domain.IncomingCallEvent) and row is None:
        change = feed.CallIncoming(call=updated, detail=detail)
    elif updated.ended and not current.ended:
        change = feed.CallEnded(call=updated, detail=detail)
    else:
        change = feed.CallUpdated(call=updated, detail=detail)
    stored = append_event(connection, change, now)
    _save_call(connection, updated, stored.seq)
    connection.execute(
        "INSERT INTO call_events (seq, call_id, type, detail) VALUES (?, ?, ?, ?)",
        (
            stored.seq,
            updated.id,
            detail.__struct_config__.tag or "",
            domain.encode_event(detail).decode(),
        ),
    )
    return [stored]


def _first_sight(connection: sqlite3.Connection, event: domain.CallEvent, now: str) -> Call:
    from_ = getattr(event, "from_", None) or ""
    to = getattr(event, "to", None) or ""
    # Only a call to one of our numbers (from elsewhere) comes in. Any other call the
    # provider tells us of was placed by us: a call we made, or the new leg of a transfer,
    # which calls the target with the caller's number as its caller id (reference §7.3).
    ours = {
        number
        for (number,) in connection.execute(
            "SELECT number FROM numbers WHERE number IN (?, ?)", (from_, to)
        )
    }
    direction: domain.Direction
    if isinstance(event, domain.IncomingCallEvent) or (to in ours and from_ not in ours):
        direction = "in"
    else:
        direction = "out"
    return new_call(new_id("call"), event, direction, from_, to, now)


def _save_call(connection: sqlite3.Connection, call: Call, seq: int) -> None:
    connection.execute(
        "INSERT INTO calls (id, provider_id, direction, from_number, to_number, state,"
        " start_time, active_time, end_time, cause, activity)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
        "   active_time = excluded.active_time, end_time = excluded.end_time,"
        "   cause = excluded.cause, activity = excluded.activity",
        (
            call.id,
            call.provider_id,
            call.direction,
            call.from_,
            call.to,
            call.state,
            call.start_time,
            call.active_time,
            call.end_time,
            call.cause,
            seq,
        ),
    )


def reconcile(
    connection: sqlite3.Connection, events: Sequence[domain.MessageEvent], now: str
) -> Written[None]:
    """Apply message events read from the provider's own records (catching up)."""
    logged = [stored for event in events for stored in apply_message_event(connection, event, now)]
    return Written(None, logged)


def mark_read(
    connection: sqlite3.Connection, conversation: str, now: str
) -> Written[Conversation | None]:
    """Set a conversation's unread count to zero and log it (no event if already read).

    Answers the conversation as it is then; None if there is no such conversation.
    """
    changed = connection.execute(
        "UPDATE conversations SET unread = 0 WHERE id = ? AND unread > 0", (conversation,)
    ).rowcount
    events = []
    if changed:
        read = feed.ConversationRead(conversation_id=conversation)
        events.append(append_event(connection, read, now))
    return Written(conversation_of(connection, conversation), events)
