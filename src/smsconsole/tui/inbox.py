"""What the console knows: conversations in activity order, calls, numbers — and how a feed
event changes them. Pure: no Textual, no I/O, so the rules are tested in milliseconds.

The console loads a first page from ``/api`` and then applies feed events. Applying is
idempotent for what the list shows (an event already reflected in a loaded page — the same
last message — does not count twice), so a load that races the feed cannot double-count
unread messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from smsconsole.core.calls import Call
from smsconsole.core.messages import Message, conversation_id, parties, preview
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
        """Unread messages over every conversation."""
        return sum(conversation.unread for conversation in self.conversations.values())

    def name_of(self, number: str) -> str | None:
        """The operator's name for ``number``, if any."""
        return self.contacts.get(number)

    def apply(self, seq: int, body: dict[str, Any]) -> Change:
        """Apply one feed event; answer what changed."""
        kind = body.get("kind", "")
        if kind in ("message.received", "message.sent", "message.status"):
            message = msgspec.convert(body["message"], Message)
            return self._message(seq, message, new=kind != "message.status")
        if kind == "conversation.read":
            return self._read(str(body.get("conversation_id", "")))
        if kind.startswith("call."):
            call = msgspec.convert(body["call"], Call)
            self.calls[call.id] = call
            return Change(call=call, incoming_call=kind == "call.incoming")
        if kind == "contact.updated":
            contact = body.get("contact") or {}
            changed = self.set_contact(str(contact.get("number", "")), str(contact.get("name", "")))
            return Change(renamed=tuple(changed))
        if kind == "number.updated":
            number = msgspec.convert(body["number"], NumberRecord)
            if number.number_state == "released":
                self.numbers.pop(number.number, None)
            else:
                self.numbers[number.number] = number
            return Change(numbers_changed=True)
        return Change()

    def _message(self, seq: int, message: Message, *, new: bool) -> Change:
        current = self.conversations.get(message.conversation_id)
        if current is None:
            our, remote = parties(message.direction, message.from_, message.to)
            current = Conversation(
                id=message.conversation_id,
                our_number=our,
                remote_number=remote,
                contact_name=self.contacts.get(remote),
                last_time=message.time,
                activity=0,
            )
        arrived = new and current.last_message_id != message.id
        updated = current
        if arrived:
            updated = msgspec.structs.replace(
                current,
                unread=current.unread + (1 if message.direction == "in" else 0),
                activity=max(seq, current.activity),
            )
            # A late message (caught up after an outage) counts, but does not become the
            # conversation's last message unless it is the newest.
            if message.time >= current.last_time:
                updated = msgspec.structs.replace(
                    updated,
                    last_message_id=message.id,
                    last_time=message.time,
                    last_direction=message.direction,
                    last_preview=preview(message),
                )
        self.conversations[message.conversation_id] = updated
        if updated.activity != current.activity or current.id not in self.order:
            self._move_to_front(message.conversation_id)
        return Change(
            conversation_id=message.conversation_id,
            message=message,
            new_inbound=arrived and message.direction == "in",
        )

    def _move_to_front(self, conversation: str) -> None:
        if conversation in self.order:
            self.order.remove(conversation)
        self.order.insert(0, conversation)

    def _read(self, conversation: str) -> Change:
        current = self.conversations.get(conversation)
        if current is None or current.unread == 0:
            return Change()
        self.conversations[conversation] = msgspec.structs.replace(current, unread=0)
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

    def matching(self, text: str) -> list[str]:
        """Conversation ids in order whose name, number or preview contain ``text``."""
        needle = text.strip().lower()
        if not needle:
            return list(self.order)
        digits = "".join(ch for ch in needle if ch.isdigit())
        found = []
        for cid in self.order:
            c = self.conversations[cid]
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
            if self.conversations[cid].unread:
                return cid
        return None


def conversation_for(our_number: str, remote_number: str) -> str:
    """The id of the conversation between one of our numbers and a remote number."""
    return conversation_id(our_number, remote_number)
