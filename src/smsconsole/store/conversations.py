"""The operator's writes on whole conversations: mark every one read, archive one.

Kept apart from the message-insert path (:mod:`.writes`): these run on the writer thread
like any write, but never while a callback is being stored.

An archived conversation keeps the ``activity`` it had when it was archived in
``conversations.archived``; it is archived while that is still its activity. A new message
moves the activity on, so the conversation comes back to the list with no write of its own.
"""

from __future__ import annotations

import sqlite3

from smsconsole.core import feed
from smsconsole.core.records import Conversation
from smsconsole.store.base import StoredEvent, Written
from smsconsole.store.rows import append_event, conversation_of


def mark_all_read(connection: sqlite3.Connection, now: str) -> Written[list[str]]:
    """Set every unread conversation's count to zero; a ``conversation.read`` for each.

    Answers the ids of the conversations that were unread (none: nothing logged).
    """
    ids = [
        row[0]
        for row in connection.execute("SELECT id FROM conversations WHERE unread > 0 ORDER BY id")
    ]
    connection.execute("UPDATE conversations SET unread = 0 WHERE unread > 0")
    events: list[StoredEvent] = [
        append_event(connection, feed.ConversationRead(conversation_id=cid), now) for cid in ids
    ]
    return Written(ids, events)


def archive(
    connection: sqlite3.Connection, conversation: str, now: str
) -> Written[Conversation | None]:
    """Take a conversation out of the list until its next message; log it once.

    Answers the conversation as it is then; None if there is no such conversation.
    """
    row = connection.execute(
        "UPDATE conversations SET archived = activity"
        " WHERE id = ? AND (archived IS NULL OR archived < activity) RETURNING activity",
        (conversation,),
    ).fetchone()
    events = []
    if row is not None:
        archived = feed.ConversationArchived(conversation_id=conversation, activity=row[0])
        events.append(append_event(connection, archived, now))
    return Written(conversation_of(connection, conversation), events)
