"""Conversations and their messages: identity, records, and how state moves.

A conversation is the pair (one of our numbers, one remote number). Messages are recorded
as the records below; the provider's events only ever move a message forward: callbacks
can arrive late or out of order (a delivery receipt before "sent", reference §9), so a
state never goes back down the ladder, and between outcomes the provider's time decides.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Final

import msgspec

from smsconsole.core.clock import iso_utc
from smsconsole.core.events import DeliveryState, Direction, MessageEvent, RecordedMessageState

# The ladder a message climbs. Callbacks arrive late, twice, or out of order (a receipt
# before "sent", reference §9), so a status is ordered by its rank here and then by the
# time the provider gives it, never by when it reached us. "waiting" is a receipt saying
# the carrier has it but has not delivered it yet. The top rank is an outcome: delivered,
# not delivered, error, or received; between two outcomes the later event wins.
_STATE_RANK: Final[dict[str, int]] = {
    "queued": 0,
    "unknown": 1,
    "sending": 2,
    "sent": 3,
}
WAITING_RANK: Final = 4
OUTCOME_RANK: Final = 5
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
        status_time: The provider's time of the event that set ``state`` and the delivery
            fields (ISO-8601 UTC), when it gave one; orders events of equal rank.
    """

    id: str
    conversation_id: str
    direction: Direction
    from_: str = msgspec.field(name="from")
    to: str
    text: str = ""
    media: tuple[str, ...] = ()
    state: RecordedMessageState
    delivery_state: DeliveryState | None = None
    delivery_code: str | None = None
    delivery_description: str | None = None
    provider_id: str | None = None
    time: str
    error_code: str | None = None
    error_message: str | None = None
    status_time: str | None = None


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
        status_time=iso_utc(event.time) if event.time else None,
    )


def status_rank(state: str, delivery_state: str | None) -> int:
    """How far along the ladder a status is (state and delivery state together)."""
    if state in ("error", "received") or delivery_state in ("delivered", "not-delivered"):
        return OUTCOME_RANK
    if delivery_state == "waiting":
        return WAITING_RANK
    return _STATE_RANK.get(state, -1)


class Settled(msgspec.Struct, frozen=True):
    """What one event made of a message.

    Attributes:
        message: The message after the event (equal to the one before when it brought
            nothing new).
        contradicted: The event lost to what the message already had and said something
            else about its outcome (an error older than the delivery receipt, say): it is
            kept in the history, not applied.
    """

    message: Message
    contradicted: bool = False


def settle_message(current: Message, event: MessageEvent) -> Settled:
    """Apply ``event`` to ``current`` by the ladder and the event's time, never by arrival.

    The status (state and delivery fields) of the higher rank wins; at equal rank the later
    event time wins (an event with a time beats one without); on a tie what is there stays.
    Ids, text and media, once known, are kept.
    """
    event_time = iso_utc(event.time) if event.time else None
    ours = status_rank(current.state, current.delivery_state)
    theirs = status_rank(event.state, event.delivery_state)
    wins = theirs > ours or (
        theirs == ours
        and event_time is not None
        and (current.status_time is None or event_time > current.status_time)
    )
    settled = msgspec.structs.replace(
        current,
        provider_id=current.provider_id or event.message_id,
        text=current.text or event.text,
        media=current.media or event.media,
    )
    if not wins:
        contradicted = theirs == OUTCOME_RANK and (
            (event.state, event.delivery_state) != (current.state, current.delivery_state)
        )
        return Settled(settled, contradicted)
    # The winner's status is taken whole: mixing fields of two events is how a message
    # came to say "error" and "delivered" at once.
    return Settled(
        msgspec.structs.replace(
            settled,
            state=event.state,
            delivery_state=event.delivery_state,
            delivery_code=event.delivery_code,
            delivery_description=event.delivery_description,
            status_time=event_time,
        )
    )


def advance_message(current: Message, event: MessageEvent) -> Message:
    """Return ``current`` moved by ``event`` (see :func:`settle_message`).

    The result equals ``current`` when the event brings nothing new (a late or repeated
    event), so callers can compare to decide whether to record a change.
    """
    return settle_message(current, event).message


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
