"""The feed protocol: every frame of ``/ws`` and every kind of event in the log, as typed structs.

Sans-I/O, like websockets' protocol core: bytes in, structs out, and back; no socket, no
database. The server and the console share it, so the two ends cannot drift apart.

An event is encoded once, when the store logs it (:func:`encode_event`); those bytes are
the event row, the ``event`` of a feed frame (:func:`event_frame` splices them in, live or
replayed, without decoding them) and the ``event`` of an ``/api/events`` item. The console
decodes a frame once (:func:`decode_server_frame`), straight into a typed :data:`LogEvent`.

Wire shapes (DESIGN.md, "Websocket feed"): frames are JSON objects tagged by ``type``
(``subscribe``, ``ping`` from the console; ``event``, ``live``, ``reset``, ``pong`` from the
server); events are objects tagged by ``kind`` (``message.received``, ``call.ended``, ...).
A message event carries the conversation as the server left it (unread count, last
message, preview, activity), so no console recomputes the rule.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypeAlias, TypeVar, get_args

import msgspec

from smsconsole.core import events as provider
from smsconsole.core.calls import Call
from smsconsole.core.messages import Message
from smsconsole.core.records import Contact, Conversation, NumberRecord

T = TypeVar("T")

MAX_SEQ: Final = 2**63 - 1  # SQLite's largest integer: no seq is beyond it
Seq: TypeAlias = Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]


class FrameError(ValueError):
    """Bytes that are not a frame (or an event) of this protocol.

    Attributes:
        type: The frame's ``type`` when the bytes were a JSON object that has one.
        seq: The frame's ``seq`` when it has a whole number there (so a console can step
            over an event of a kind it does not know, as it would over one it ignores).
    """

    def __init__(self, problem: str, *, type: str | None = None, seq: int | None = None) -> None:
        super().__init__(problem)
        self.type = type
        self.seq = seq


# -- event kinds ---------------------------------------------------------------------------


class _Kind(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """What every event of the log is: a struct tagged by ``kind``."""


class MessageReceived(_Kind, frozen=True, kw_only=True, tag="message.received"):
    """A message from a remote party was stored.

    Attributes:
        message: The stored message.
        conversation: Its conversation after it (unread count, last message, preview,
            activity), as the server computed it; None only in events logged before
            summaries were carried.
    """

    message: Message
    conversation: Conversation | None = None


class MessageSent(_Kind, frozen=True, kw_only=True, tag="message.sent"):
    """An outbound message was created (queued for the provider, or reported by it)."""

    message: Message
    conversation: Conversation | None = None


class MessageStatus(_Kind, frozen=True, kw_only=True, tag="message.status"):
    """A stored message changed: state, delivery state, code or description, provider id."""

    message: Message
    conversation: Conversation | None = None


# The provider events that move a call (every ``CallEvent`` of the core), as ``detail``.
CallDetail: TypeAlias = (
    provider.IncomingCallEvent
    | provider.AnswerEvent
    | provider.TimeoutEvent
    | provider.HangupEvent
    | provider.PlaybackEvent
    | provider.SpeakEvent
    | provider.DtmfEvent
    | provider.GatherEvent
    | provider.RecordingEvent
    | provider.TransferCompleteEvent
    | provider.RedirectEvent
)


class CallIncoming(_Kind, frozen=True, kw_only=True, tag="call.incoming"):
    """A remote party is calling one of our numbers (the first event of an inbound call).

    Attributes:
        call: The call as stored after the event.
        detail: The provider's event, tagged by ``type`` (``incoming_call``, ...).
    """

    call: Call
    detail: CallDetail


class CallUpdated(_Kind, frozen=True, kw_only=True, tag="call.updated"):
    """Something happened on a call that did not end it (answer, speak, dtmf, gather, ...)."""

    call: Call
    detail: CallDetail


class CallEnded(_Kind, frozen=True, kw_only=True, tag="call.ended"):
    """A call ended (hung up, rejected, not answered, failed)."""

    call: Call
    detail: CallDetail


class ConversationRead(_Kind, frozen=True, kw_only=True, tag="conversation.read"):
    """A conversation was marked read (its unread count is now zero)."""

    conversation_id: str


class ConversationArchived(_Kind, frozen=True, kw_only=True, tag="conversation.archived"):
    """A conversation was archived: out of the list until a message after ``activity``.

    Attributes:
        conversation_id: The conversation.
        activity: Its activity when it was archived; a message with a later one brings it
            back (that message's event carries the conversation, no longer archived).
    """

    conversation_id: str
    activity: int


class NumberUpdated(_Kind, frozen=True, kw_only=True, tag="number.updated"):
    """One of our numbers appeared or changed (``number_state`` ``released``: it is gone)."""

    number: NumberRecord


class ContactUpdated(_Kind, frozen=True, kw_only=True, tag="contact.updated"):
    """A number was named (an empty ``name``: its name was removed)."""

    contact: Contact


MessageChange: TypeAlias = MessageReceived | MessageSent | MessageStatus
CallChange: TypeAlias = CallIncoming | CallUpdated | CallEnded
LogEvent: TypeAlias = (
    MessageReceived
    | MessageSent
    | MessageStatus
    | CallIncoming
    | CallUpdated
    | CallEnded
    | ConversationRead
    | ConversationArchived
    | NumberUpdated
    | ContactUpdated
)


def kind_of(event: LogEvent) -> str:
    """The ``kind`` tag of an event (``message.received``, ...)."""
    tag = event.__struct_config__.tag
    assert isinstance(tag, str)  # every kind is tagged with its name
    return tag


def kinds() -> tuple[str, ...]:
    """Every event kind, in the order of :data:`LogEvent`."""
    return tuple(str(member.__struct_config__.tag) for member in get_args(LogEvent))


# -- frames ------------------------------------------------------------------------------


class _Frame(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """What every frame is: a JSON object tagged by ``type``."""


class Subscribe(_Frame, frozen=True, kw_only=True, tag="subscribe"):
    """Console → server, first: send what was stored after ``since`` (0: everything)."""

    since: Seq


class Ping(_Frame, frozen=True, kw_only=True, tag="ping"):
    """Console → server after a silence: are you there? (answered by :class:`Pong`)."""


class Pong(_Frame, frozen=True, kw_only=True, tag="pong"):
    """Server → console: the answer to a :class:`Ping`."""


class EventFrame(_Frame, frozen=True, kw_only=True, tag="event"):
    """Server → console: one stored event and its seq."""

    seq: Seq
    event: LogEvent


class Live(_Frame, frozen=True, kw_only=True, tag="live"):
    """Server → console: the replay is over; ``seq`` is the latest event sent."""

    seq: Seq


class Reset(_Frame, frozen=True, kw_only=True, tag="reset"):
    """Server → console: it does not have what the console saw; reload from ``/api``."""


ClientFrame: TypeAlias = Subscribe | Ping
ServerFrame: TypeAlias = EventFrame | Live | Reset | Pong


class Logged(msgspec.Struct, frozen=True):
    """An entry of the event log in its encoded form: its seq and its event's JSON.

    What the replay reads, what the feed splices into an ``event`` frame and what
    ``/api/events`` lists (``{"seq", "event"}``), with the bytes written once by the store.
    """

    seq: int
    event: msgspec.Raw


class Entry(msgspec.Struct, frozen=True):
    """An ``/api/events`` item as the console decodes it: a seq and its typed event."""

    seq: Seq
    event: LogEvent


class _EventFrameOut(msgspec.Struct, frozen=True, tag_field="type", tag="event"):
    # The encoding side of EventFrame: the event as the bytes the store wrote.
    seq: int
    event: msgspec.Raw


class _Envelope(msgspec.Struct, frozen=True):
    # Read only when a frame failed to decode, to say what it was.
    type: str | None = None
    seq: Any = None


_ENCODER: Final = msgspec.json.Encoder()
_CLIENT_FRAME: Final[msgspec.json.Decoder[ClientFrame]] = msgspec.json.Decoder(ClientFrame)
_SERVER_FRAME: Final[msgspec.json.Decoder[ServerFrame]] = msgspec.json.Decoder(ServerFrame)
_EVENT: Final[msgspec.json.Decoder[LogEvent]] = msgspec.json.Decoder(LogEvent)
_ENTRIES: Final = msgspec.json.Decoder(list[Entry])
_ENVELOPE: Final = msgspec.json.Decoder(_Envelope)


def encode_event(event: LogEvent) -> bytes:
    """An event as the log keeps it and the feed sends it (compact JSON, ``kind`` first)."""
    return _ENCODER.encode(event)


def decode_event(data: bytes | str) -> LogEvent:
    """Read an event written by :func:`encode_event`.

    Raises:
        FrameError: Not an event of a kind this side knows, or not JSON.
    """
    return _decode(_EVENT, data, "an event")


def encode_frame(frame: ClientFrame | ServerFrame) -> bytes:
    """A frame as JSON text's bytes (``subscribe``, ``ping``, ``live``, ``reset``, ``pong``)."""
    return _ENCODER.encode(frame)


def event_frame(seq: int, event: bytes | msgspec.Raw) -> bytes:
    """The ``event`` frame of a logged event, its stored bytes spliced in as they are."""
    raw = event if isinstance(event, msgspec.Raw) else msgspec.Raw(event)
    return _ENCODER.encode(_EventFrameOut(seq, raw))


def decode_client_frame(data: bytes | str) -> ClientFrame | None:
    """What a console sent: a frame, or None for a JSON object of a type this server does
    not know (a newer console may send more; it is ignored).

    Raises:
        FrameError: Not JSON, not an object, or a known frame with wrong fields (the
            message says which, fit for a close reason).
    """
    try:
        return _decode(_CLIENT_FRAME, data, "a feed frame")
    except FrameError as problem:
        if problem.type is not None and problem.type not in ("subscribe", "ping"):
            return None
        raise


def decode_server_frame(data: bytes | str) -> ServerFrame:
    """What the server sent, decoded once into a typed frame (and its typed event).

    Raises:
        FrameError: Not a frame of this protocol (an unknown ``type`` or event ``kind``
            included); ``type`` and ``seq`` say what it was, where it said.
    """
    return _decode(_SERVER_FRAME, data, "a feed frame")


def decode_entries(data: bytes | str) -> list[Entry]:
    """A list of ``{"seq", "event"}`` items (the ``items`` of ``/api/events``).

    Raises:
        FrameError: An item is not an event of a kind this side knows.
    """
    return _decode(_ENTRIES, data, "a list of events")


def _decode(decoder: msgspec.json.Decoder[T], data: bytes | str, what: str) -> T:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as error:
        type_, seq = _envelope(data)
        raise FrameError(f"not {what}: {error}", type=type_, seq=seq) from None
    except (msgspec.DecodeError, RecursionError, UnicodeError) as error:
        # RecursionError: JSON nested deeper than the decoder recurses.
        raise FrameError(f"not {what}: not valid JSON ({_words(error)})") from None


def _envelope(data: bytes | str) -> tuple[str | None, int | None]:
    """The ``type`` and whole ``seq`` of what failed to decode, where it has them."""
    try:
        envelope = _ENVELOPE.decode(data)
    except (msgspec.DecodeError, RecursionError, UnicodeError):
        return None, None
    seq = envelope.seq
    if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq <= MAX_SEQ:
        return envelope.type, seq
    return envelope.type, None


def _words(error: BaseException) -> str:
    return str(error).split("\n", 1)[0] or type(error).__name__
