"""Conversations and their messages: identity, records, and how state moves.

A conversation is the pair (one of our numbers, one remote number). Messages are recorded
as the records below; the provider's events only ever move a message forward: callbacks
can arrive late or out of order (a delivery receipt before "sent", reference §9), so a
state never goes back to an earlier one and delivery details, once known, are kept.
Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import msgspec

from smsconsole.domain import DeliveryState, Direction, MessageEvent, MessageState

# How far along each state is; an update never moves to a lower rank.
_STATE_RANK: Final[dict[str, int]] = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "error": 3,
    "received": 3,
}
PREVIEW_LENGTH: Final = 80


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """A message as smsconsole stores it and the API and feed show it.

    Attributes:
        id: Our id of the message (stable even before the provider knows it).
        conversation_id: The conversation it belongs to.
        provider_id: The provider's id, once it has one.
        time: When it was created, ISO-8601 UTC.
        error_code: For a send the provider refused: its error code.
        error_message: For a send the provider refused: its words.
    """

    id: str
    conversation_id: str
    direction: Direction
    from_: str = msgspec.field(name="from")
    to: str
    text: str = ""
    media: tuple[str, ...] = ()
    state: MessageState
    delivery_state: DeliveryState | None = None
    delivery_code: str | None = None
    delivery_description: str | None = None
    provider_id: str | None = None
    time: str
    error_code: str | None = None
    error_message: str | None = None


def parties(direction: Direction, from_: str, to: str) -> tuple[str, str]:
    """Return (our number, remote number) of a message or call in ``direction``."""
    return (to, from_) if direction == "in" else (from_, to)


def conversation_id(our_number: str, remote_number: str) -> str:
    """Return the id of the conversation between ``our_number`` and ``remote_number``.

    Made of the numbers' digits so it is readable and safe in a URL path without escaping;
    anything else in a remote address (a short code's letters, a SIP URI) is kept after
    percent-free normalisation.
    """
    return f"{_token(our_number)}-{_token(remote_number)}"


def _token(number: str) -> str:
    if number.startswith("+") and number[1:].isdigit():
        return number[1:]
    return "".join(char if char.isalnum() else "_" for char in number.lower())


def message_from_event(message_id: str, event: MessageEvent, received_at: str) -> Message:
    """Build the record of a message first heard of through ``event``."""
    our, remote = parties(event.direction, event.from_, event.to)
    time = iso_utc(event.time) if event.time else received_at
    return Message(
        id=message_id,
        conversation_id=conversation_id(our, remote),
        direction=event.direction,
        from_=event.from_,
        to=event.to,
        text=event.text,
        media=event.media,
        state=event.state,
        delivery_state=event.delivery_state,
        delivery_code=event.delivery_code,
        delivery_description=event.delivery_description,
        provider_id=event.message_id,
        time=time,
    )


def advance_message(current: Message, event: MessageEvent) -> Message:
    """Return ``current`` moved forward by ``event``; never backward, nothing forgotten.

    The result equals ``current`` when the event brings nothing new (a late or repeated
    event), so callers can compare to decide whether to record a change.
    """
    state = current.state
    if _STATE_RANK.get(event.state, -1) > _STATE_RANK.get(state, -1):
        state = event.state
    delivery_state = current.delivery_state
    code, description = current.delivery_code, current.delivery_description
    # A final receipt (delivered / not-delivered) is never replaced by a later one.
    if event.delivery_state is not None and delivery_state in (None, "waiting"):
        delivery_state = event.delivery_state
        code = event.delivery_code or code
        description = event.delivery_description or description
    return msgspec.structs.replace(
        current,
        state=state,
        delivery_state=delivery_state,
        delivery_code=code,
        delivery_description=description,
        provider_id=current.provider_id or event.message_id,
        text=current.text or event.text,
        media=current.media or event.media,
    )


def thread_cursor(message: Message) -> str:
    """The cursor of a thread's page of messages older than ``message`` (keyset, not offset)."""
    return f"{message.time}|{message.id}"


def preview(message: Message) -> str:
    """One line that stands for the message in a conversation list."""
    text = " ".join(message.text.split())
    if not text and message.media:
        count = len(message.media)
        text = f"[{count} attachment{'s' if count != 1 else ''}]"
    if len(text) > PREVIEW_LENGTH:
        text = text[: PREVIEW_LENGTH - 1] + "…"
    return text


def iso_utc(moment: datetime) -> str:
    """Write a time as ISO-8601 UTC with milliseconds (``2016-05-03T14:05:40.112Z``).

    One fixed width, so stored times sort correctly as text.
    """
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now_utc() -> str:
    """The current time as :func:`iso_utc` writes it."""
    return iso_utc(datetime.now(UTC))
