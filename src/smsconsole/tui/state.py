"""What the console knows: conversations in activity order, calls, numbers — and how a feed
event changes them. Pure: no Textual, no I/O, so the rules are tested in milliseconds.

The console loads a first page from ``/api`` and then applies feed events. A message event
carries its conversation as the server computed it (unread count, last message, preview,
activity), and the console takes it as it is: the rule is the server's, written once. It is
taken only when it is newer than the row the console has (a higher ``activity``), so a load
that races the feed cannot move a row back or count a message twice.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection
from dataclasses import dataclass, field

import msgspec

from smsconsole.core import feed
from smsconsole.core.calls import Call
from smsconsole.core.messages import Message, conversation_id
from smsconsole.core.records import Conversation, NumberRecord


@dataclass(frozen=True)
class Change:
    """What one feed event changed, for the widgets to show.

    Attributes:
        conversation_id: The conversation whose row changed, if any.
        message: The new or updated message, if the event was about one.
        new_inbound: A message arrived from a remote party (notify).
        call: The call the event was about, if any.
        incoming_call: A call started ringing (prompt the operator).
        numbers_changed: Our list of numbers changed.
        renamed: Conversations whose contact name changed.
    """

    conversation_id: str | None = None
    message: Message | None = None
    new_inbound: bool = False
    call: Call | None = None
    incoming_call: bool = False
    numbers_changed: bool = False
    renamed: tuple[str, ...] = ()


@dataclass
class Inbox:
    """Conversations (newest activity first), calls and numbers, as the console shows them."""

    conversations: dict[str, Conversation] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    calls: dict[str, Call] = field(default_factory=dict)
    numbers: dict[str, NumberRecord] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)

    def load(self, conversations: list[Conversation], *, replace: bool = False) -> None:
        """Add a page of conversations from the API (replacing everything if asked)."""
        if replace:
            self.conversations.clear()
        for conversation in conversations:
            self.conversations[conversation.id] = conversation
        self._sort()

    def load_calls(self, calls: list[Call]) -> None:
        """Add calls from the API."""
        for call in calls:
            self.calls[call.id] = call

    def load_numbers(self, numbers: list[NumberRecord]) -> None:
        """Replace our numbers."""
        self.numbers = {number.number: number for number in numbers}

    def _sort(self) -> None:
        self.order = sorted(
            self.conversations, key=lambda cid: self.conversations[cid].activity, reverse=True
        )

    @property
    def unread_total(self) -> int:
        """Unread messages over every conversation in the list (archived ones are not)."""
        return sum(c.unread for c in self.conversations.values() if not c.archived)

    def name_of(self, number: str) -> str | None:
        """The operator's name for ``number``, if any."""
        return self.contacts.get(number)

    def apply(self, seq: int, event: feed.LogEvent) -> Change:
        """Apply one feed event (``seq`` is its place in the log); answer what changed."""
        match event:
            case feed.MessageReceived() | feed.MessageSent() | feed.MessageStatus():
                return self._message(event)
            case feed.ConversationRead(conversation_id=conversation):
                return self._read(conversation)
            case feed.ConversationArchived(conversation_id=conversation, activity=activity):
                return self._archived(conversation, activity)
            case feed.CallIncoming() | feed.CallUpdated() | feed.CallEnded():
                self.calls[event.call.id] = event.call
                return Change(call=event.call, incoming_call=isinstance(event, feed.CallIncoming))
            case feed.ContactUpdated(contact=contact):
                return Change(renamed=tuple(self.set_contact(contact.number, contact.name)))
            case feed.NumberUpdated(number=number):
                if number.number_state == "released":
                    self.numbers.pop(number.number, None)
                else:
                    self.numbers[number.number] = number
                return Change(numbers_changed=True)
        return Change()  # pragma: no cover - every kind is matched above

    def _message(self, event: feed.MessageChange) -> Change:
        message, summary = event.message, event.conversation
        current = self.conversations.get(message.conversation_id)
        # The server's row after this event; taken when it is news to this console. An
        # event logged before events carried it changes only the thread.
        newer = summary is not None and (current is None or summary.activity > current.activity)
        if newer and summary is not None:
            self.conversations[message.conversation_id] = summary
            self._place(message.conversation_id)
        arrived = newer and isinstance(event, feed.MessageReceived)
        return Change(
            conversation_id=message.conversation_id,
            message=message,
            new_inbound=arrived,
        )

    def _place(self, conversation: str) -> None:
        """Put a conversation where its activity sorts it (newest first)."""
        if conversation in self.order:
            self.order.remove(conversation)
        activity = self.conversations[conversation].activity
        if not self.order or activity >= self.conversations[self.order[0]].activity:
            self.order.insert(0, conversation)  # news: nearly always the newest
            return
        keys = [-self.conversations[cid].activity for cid in self.order]
        self.order.insert(bisect.bisect_left(keys, -activity), conversation)

    def _read(self, conversation: str) -> Change:
        current = self.conversations.get(conversation)
        if current is None or current.unread == 0:
            return Change()
        self.conversations[conversation] = msgspec.structs.replace(current, unread=0)
        return Change(conversation_id=conversation)

    def _archived(self, conversation: str, activity: int) -> Change:
        current = self.conversations.get(conversation)
        # A message after the archive already brought it back: the archive is history.
        if current is None or current.archived or current.activity > activity:
            return Change()
        self.conversations[conversation] = msgspec.structs.replace(current, archived=True)
        return Change(conversation_id=conversation)

    def mark_read_locally(self, conversation: str) -> None:
        """Show a conversation as read at once (the server confirms through the feed)."""
        self._read(conversation)

    def set_contact(self, number: str, name: str) -> list[str]:
        """Name a number; answer the conversations whose row changed."""
        if name:
            self.contacts[number] = name
        else:
            self.contacts.pop(number, None)
        changed = []
        for cid, conversation in self.conversations.items():
            if conversation.remote_number == number:
                self.conversations[cid] = msgspec.structs.replace(
                    conversation, contact_name=name or None
                )
                changed.append(cid)
        return changed

    def matching(self, text: str, found_in_messages: Collection[str] = ()) -> list[str]:
        """Conversation ids in list order whose name, number or last message contain ``text``,
        or that are in ``found_in_messages`` (the server's search of every message).

        Archived conversations are not in the list, whatever the text.
        """
        needle = text.strip().lower()
        listed = [cid for cid in self.order if not self.conversations[cid].archived]
        if not needle:
            return listed
        digits = "".join(ch for ch in needle if ch.isdigit())
        found = []
        for cid in listed:
            c = self.conversations[cid]
            if cid in found_in_messages:
                found.append(cid)
                continue
            haystack = f"{c.contact_name or ''} {c.remote_number} {c.last_preview}".lower()
            if needle in haystack or (digits and digits in c.remote_number):
                found.append(cid)
        return found

    def next_unread(self, after: str | None) -> str | None:
        """The first unread conversation after ``after`` in list order (wrapping)."""
        if not self.order:
            return None
        start = self.order.index(after) + 1 if after in self.order else 0
        for offset in range(len(self.order)):
            cid = self.order[(start + offset) % len(self.order)]
            if self.conversations[cid].unread and not self.conversations[cid].archived:
                return cid
        return None


def conversation_for(our_number: str, remote_number: str) -> str:
    """The id of the conversation between one of our numbers and a remote number."""
    return conversation_id(our_number, remote_number)
