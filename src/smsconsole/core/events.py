"""The shared vocabulary of the pure core: the events a telephony provider reports.

A provider adapter (today ``providers.catapult.callbacks``) turns each callback it receives
into one of the frozen event structs below; the server, the store and the TUI work only with
these. Names are provider-neutral and snake_case; the values of the enumerations are the
plain words the provider uses. Every event is a tagged ``msgspec.Struct`` (tag field
``type``), so a ``CallbackEvent`` can be written to the event log as JSON and read back.
Times are timezone-aware and in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Literal, TypeAlias, get_args

import msgspec

# An event's times are always timezone-aware (UTC); decoding a naive time is an error.
Time: TypeAlias = Annotated[datetime, msgspec.Meta(tz=True)]

Direction: TypeAlias = Literal["in", "out"]
MessageState: TypeAlias = Literal["received", "queued", "sending", "sent", "error"]
# What a stored message can be in: the provider's states, and one of ours. ``unknown`` is a
# send whose exchange broke after the request may have reached the provider (v1 has no
# idempotency key, so asking again could send it twice) until the provider's callbacks say
# what became of it. No provider event carries it.
RecordedMessageState: TypeAlias = Literal[
    "received", "queued", "unknown", "sending", "sent", "error"
]
DeliveryState: TypeAlias = Literal["waiting", "delivered", "not-delivered"]
CallState: TypeAlias = Literal[
    "started", "active", "rejected", "completed", "transferring", "error"
]
MessageKind: TypeAlias = Literal["sms", "mms"]
AudioStatus: TypeAlias = Literal["started", "done"]
SpeechState: TypeAlias = Literal["PLAYBACK_START", "PLAYBACK_STOP"]
GatherState: TypeAlias = Literal["started", "created", "completed"]
GatherReason: TypeAlias = Literal[
    "max-digits", "terminating-digit", "inter-digit-timeout", "hung-up", "cancelled"
]
RecordingState: TypeAlias = Literal["recording", "saving", "complete", "error"]
TranscriptionState: TypeAlias = Literal["transcribing", "completed", "error"]
ConferenceStatus: TypeAlias = Literal["created", "completed"]
MemberState: TypeAlias = Literal["active", "completed"]

DIRECTIONS: Final[tuple[Direction, ...]] = get_args(Direction)
MESSAGE_STATES: Final[tuple[MessageState, ...]] = get_args(MessageState)
RECORDED_MESSAGE_STATES: Final[tuple[RecordedMessageState, ...]] = get_args(RecordedMessageState)
DELIVERY_STATES: Final[tuple[DeliveryState, ...]] = get_args(DeliveryState)
CALL_STATES: Final[tuple[CallState, ...]] = get_args(CallState)
MESSAGE_KINDS: Final[tuple[MessageKind, ...]] = get_args(MessageKind)
AUDIO_STATUSES: Final[tuple[AudioStatus, ...]] = get_args(AudioStatus)
SPEECH_STATES: Final[tuple[SpeechState, ...]] = get_args(SpeechState)
GATHER_STATES: Final[tuple[GatherState, ...]] = get_args(GatherState)
GATHER_REASONS: Final[tuple[GatherReason, ...]] = get_args(GatherReason)
RECORDING_STATES: Final[tuple[RecordingState, ...]] = get_args(RecordingState)
TRANSCRIPTION_STATES: Final[tuple[TranscriptionState, ...]] = get_args(TranscriptionState)
CONFERENCE_STATUSES: Final[tuple[ConferenceStatus, ...]] = get_args(ConferenceStatus)
MEMBER_STATES: Final[tuple[MemberState, ...]] = get_args(MemberState)

REJECTED_CAUSE: Final = "CALL_REJECTED"


class Event(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag_field="type"):
    """Fields every event has.

    Attributes:
        time: When the provider says the event happened (UTC), if it said.
        tag: The caller's own label, echoed back by the provider.
    """

    time: Time | None = None
    tag: str | None = None


class MessageEvent(Event, frozen=True, kw_only=True, tag="message"):
    """An inbound message arrived, or an outbound one changed state or got a delivery receipt.

    Attributes:
        event_type: ``sms`` or ``mms``.
        direction: ``in`` (received by one of our numbers) or ``out`` (sent by us).
        message_id: The provider's id of the message.
        from_: Sender's number (serialised as ``from``).
        to: Recipient's number.
        text: The text; empty for a media-only message.
        media: URLs of the attached media, in order.
        state: The message's state.
        delivery_state: Set on delivery receipts.
        delivery_code: The receipt's numeric code, as a string (see ``delivery_code_meaning``).
        delivery_description: The provider's words for the code.
        segment_count: How many segments the carrier billed, when known.
        application_id: The provider application that received it (inbound).
        message_uri: The provider's URL of the message resource.
    """

    event_type: MessageKind
    direction: Direction
    message_id: str
    from_: str = msgspec.field(name="from")
    to: str
    text: str = ""
    media: tuple[str, ...] = ()
    state: MessageState
    delivery_state: DeliveryState | None = None
    delivery_code: str | None = None
    delivery_description: str | None = None
    segment_count: int | None = None
    application_id: str | None = None
    message_uri: str | None = None


class Diversion(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Where a forwarded call was first headed (the SIP Diversion information).

    Attributes:
        original_to: The number originally dialled.
        reason: Why it was diverted (``unconditional``, ``user-busy``, ...).
        screen: Screening indicator, as given.
        privacy: Privacy indicator, as given.
        counter: How many times the call was diverted.
        limit: The most diversions allowed.
    """

    original_to: str | None = None
    reason: str | None = None
    screen: str | None = None
    privacy: str | None = None
    counter: int | None = None
    limit: int | None = None


class CallEvent(Event, frozen=True, kw_only=True):
    """Fields every event about one call has.

    Attributes:
        call_id: The provider's id of the call.
        call_uri: The provider's URL of the call resource.
    """

    call_id: str
    call_uri: str | None = None


class IncomingCallEvent(CallEvent, frozen=True, kw_only=True, tag="incoming_call"):
    """A remote party is calling one of our numbers."""

    from_: str = msgspec.field(name="from")
    to: str
    call_state: CallState | None = None
    application_id: str | None = None
    diversion: Diversion | None = None


class AnswerEvent(CallEvent, frozen=True, kw_only=True, tag="answer"):
    """The call was answered (by the far end, or by us for an inbound call)."""

    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    call_state: CallState | None = None
    diversion: Diversion | None = None


class TimeoutEvent(CallEvent, frozen=True, kw_only=True, tag="timeout"):
    """An outbound call was not answered in time."""

    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None


class HangupEvent(CallEvent, frozen=True, kw_only=True, tag="hangup"):
    """The call ended: hung up by either side, rejected, or failed.

    Attributes:
        cause: Why, upper-case (``NORMAL_CLEARING``, ``CALL_REJECTED``, ``USER_BUSY``, ...).
        call_state: The state the call ended in, when given.
    """

    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    cause: str | None = None
    call_state: CallState | None = None

    @property
    def rejected(self) -> bool:
        """Whether the call ended because it was rejected."""
        return self.cause == REJECTED_CAUSE


class PlaybackEvent(CallEvent, frozen=True, kw_only=True, tag="playback"):
    """Playback of an audio file into the call started or finished."""

    status: AudioStatus


class SpeakEvent(CallEvent, frozen=True, kw_only=True, tag="speak"):
    """Text-to-speech into the call started or finished.

    Attributes:
        status: ``started`` or ``done``.
        state: The same news as the engine words it (``PLAYBACK_START``/``PLAYBACK_STOP``).
    """

    status: AudioStatus
    state: SpeechState | None = None


class DtmfEvent(CallEvent, frozen=True, kw_only=True, tag="dtmf"):
    """The far end pressed a key (one event per key)."""

    dtmf_digit: str


class GatherEvent(CallEvent, frozen=True, kw_only=True, tag="gather"):
    """A digit collection finished.

    Attributes:
        gather_id: The provider's id of the gather, when it had one.
        digits: The digits collected (may be empty).
        reason: Why collection stopped.
        state: The gather's state.
        terminating_digit: The key that ended collection, when reported.
    """

    gather_id: str | None = None
    digits: str = ""
    reason: GatherReason | None = None
    state: GatherState | None = None
    terminating_digit: str | None = None


class RecordingEvent(CallEvent, frozen=True, kw_only=True, tag="recording"):
    """A recording of the call was saved, or failed."""

    recording_id: str
    recording_uri: str | None = None
    state: RecordingState
    start_time: Time | None = None
    end_time: Time | None = None


class TranscriptionEvent(Event, frozen=True, kw_only=True, tag="transcription"):
    """A transcription of a recording finished, or failed.

    Attributes:
        transcription_id: The provider's id of the transcription.
        transcription_uri: The provider's URL of it.
        recording_id: The recording it transcribes.
        state: ``completed``, ``error`` (or ``transcribing``).
        text: The start of the text (the provider crops it).
        text_size: The length of the full text.
        text_url: Where the full text is.
        call_id: The call, when the provider says (it usually does not).
    """

    transcription_id: str
    transcription_uri: str | None = None
    recording_id: str | None = None
    state: TranscriptionState
    text: str | None = None
    text_size: int | None = None
    text_url: str | None = None
    call_id: str | None = None


class TransferCompleteEvent(CallEvent, frozen=True, kw_only=True, tag="transfer_complete"):
    """The far leg of a transfer ended; ``from_``/``to`` are that leg's numbers."""

    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    call_state: CallState | None = None


class RedirectEvent(CallEvent, frozen=True, kw_only=True, tag="redirect"):
    """A call-flow document redirected the call."""

    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    call_state: CallState | None = None


class ConferenceEvent(Event, frozen=True, kw_only=True, tag="conference"):
    """A conference was created or completed."""

    conference_id: str
    conference_uri: str | None = None
    status: ConferenceStatus
    created_time: Time | None = None
    completed_time: Time | None = None


class ConferenceMemberEvent(Event, frozen=True, kw_only=True, tag="conference_member"):
    """A conference member joined, left, or was muted or held.

    Attributes:
        active_members: How many members the conference has now.
    """

    conference_id: str
    member_id: str
    member_uri: str | None = None
    call_id: str | None = None
    state: MemberState | None = None
    hold: bool | None = None
    mute: bool | None = None
    active_members: int | None = None


class ConferencePlaybackEvent(Event, frozen=True, kw_only=True, tag="conference_playback"):
    """Playback of an audio file into a conference started or finished."""

    conference_id: str
    conference_uri: str | None = None
    status: AudioStatus


class ConferenceSpeakEvent(Event, frozen=True, kw_only=True, tag="conference_speak"):
    """Text-to-speech into a conference started or finished."""

    conference_id: str
    conference_uri: str | None = None
    status: AudioStatus


class UnknownEvent(Event, frozen=True, kw_only=True, tag="unknown"):
    """An event of a type we do not know, kept whole so nothing the provider says is lost.

    Attributes:
        event_type: The provider's name for the event, as sent.
        raw: The payload exactly as received.
    """

    event_type: str
    raw: dict[str, Any]


CallbackEvent: TypeAlias = (
    MessageEvent
    | IncomingCallEvent
    | AnswerEvent
    | TimeoutEvent
    | HangupEvent
    | PlaybackEvent
    | SpeakEvent
    | DtmfEvent
    | GatherEvent
    | RecordingEvent
    | TranscriptionEvent
    | TransferCompleteEvent
    | RedirectEvent
    | ConferenceEvent
    | ConferenceMemberEvent
    | ConferencePlaybackEvent
    | ConferenceSpeakEvent
    | UnknownEvent
)

_EVENT_DECODER: Final[msgspec.json.Decoder[CallbackEvent]] = msgspec.json.Decoder(CallbackEvent)


def encode_event(event: CallbackEvent) -> bytes:
    """Serialise an event as JSON (tagged with ``type``), e.g. for the event log."""
    return msgspec.json.encode(event)


def decode_event(data: bytes | str) -> CallbackEvent:
    """Read back an event written by ``encode_event``.

    Raises:
        msgspec.ValidationError: The JSON is not an event.
        msgspec.DecodeError: The data is not JSON.
    """
    return _EVENT_DECODER.decode(data)


_DELIVERY_CODES: Final[dict[str, str]] = {
    "0": "delivered to carrier",
    "100": "not delivered to carrier",
    "187": "rejected as spam (statistical)",
    "188": "rejected as spam (keyword)",
    "189": "rejected as spam",
    "482": "message loop detected",
    "600": "destination carrier queue full",
    "610": "could not submit to carrier",
    "620": "destination application error",
    "630": "carrier refused the message",
    "650": "destination failure",
    "700": "invalid service type",
    "720": "invalid destination number",
    "740": "invalid source number",
    "750": "rejected by destination",
    "751": "rejected: message too large",
    "770": "rejected as spam",
    "775": "recipient opted out",
    "902": "expired before delivery",
    "999": "unknown error",
}


def delivery_code_meaning(code: str) -> str:
    """Say in plain words what a delivery-receipt code means.

    Args:
        code: The numeric code as a string (``"775"``; leading zeros and spaces are fine).

    Returns:
        A short lower-case phrase, e.g. ``"recipient opted out"``; for a code not in the
        provider's table, ``"unknown code <code>"``.
    """
    text = code.strip()
    if text.isascii() and text.isdigit():
        text = str(int(text))
    if text in _DELIVERY_CODES:
        return _DELIVERY_CODES[text]
    return f"unknown code {text}" if text else "unknown code"
