"""Parse Catapult v1 callbacks (messages §6, calls §8) into domain events. Pure: no I/O.

v1 delivers one event per request: a JSON object on POST, or the same fields as a query
string on GET (§9). Values are read leniently as the provider and its SDKs send them
(§1.3, via ``quirks``): ``null`` or a blank string means "not supplied", numbers and booleans
may be strings, enums come in any case, times in several forms (§1.7). A payload that lacks
what its event type always carries is rejected with ``CallbackError`` naming the field; an
event type we do not know becomes ``UnknownEvent`` with the payload kept whole.

Decisions where the reference leaves room:

* ``reject`` (JAVA/PHP enums only) is read as a ``hangup`` whose cause defaults to
  ``CALL_REJECTED`` — the documented shape of a rejection (§8).
* ``error`` (PHP enum only, no documented shape) is kept as ``UnknownEvent``.
* A delivery receipt in the older DEV ``howto/smsDLR`` shape (``state: "not-delivered"``,
  ``errorcode``, ``error``; §6.3) is read as ``state: "sent"`` plus the delivery fields.
* Transcription ``complete`` (BXML wording) is read as ``completed`` (REST wording, §8).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final, TypedDict, TypeVar

import msgspec

from smsconsole.core import events
from smsconsole.core.events import CallbackEvent
from smsconsole.providers.base import CallbackError, decode_json_body, json_kind
from smsconsole.providers.catapult.quirks import (
    as_bool,
    as_enum,
    as_int,
    as_str,
    as_time,
    drop_nulls,
)

__all__ = ["CallbackError", "dedupe_key", "parse_callback", "parse_json_body", "parse_query"]

_T = TypeVar("_T")
_L = TypeVar("_L", bound=str)


class Fields:
    """Typed, lenient access to one payload's fields; every failure is a ``CallbackError``."""

    def __init__(self, payload: Mapping[str, Any], event_type: str, prefix: str = "") -> None:
        self._payload = drop_nulls(payload)
        self._event_type = event_type
        self._prefix = prefix

    def raw(self, name: str) -> object | None:
        """The value as sent, or ``None`` when it was not supplied."""
        return self._get(name, required=False)

    def has(self, name: str) -> bool:
        return self.raw(name) is not None

    def _get(self, name: str, *, required: bool, blank_ok: bool = False) -> object | None:
        value = self._payload.get(name)
        wire = self._prefix + name
        if isinstance(value, str) and not blank_ok and not value.strip():
            if required:
                raise CallbackError(f"field '{wire}' is empty for {self._what}", wire)
            return None
        if value is None and required:
            raise CallbackError(f"missing field '{wire}' for {self._what}", wire)
        return value

    @property
    def _what(self) -> str:
        return f"eventType '{self._event_type}'"

    def _read(
        self,
        name: str,
        convert: Callable[[object, str], _T],
        *,
        required: bool = False,
        blank_ok: bool = False,
    ) -> _T | None:
        value = self._get(name, required=required, blank_ok=blank_ok)
        if value is None:
            return None
        wire = self._prefix + name
        try:
            return convert(value, wire)
        except ValueError as exc:
            raise CallbackError(str(exc), wire) from exc

    def required(self, name: str) -> str:
        value = self._read(name, as_str, required=True)
        assert value is not None  # _read raises for a missing required field
        return value

    def string(self, name: str, *, blank_ok: bool = False) -> str | None:
        return self._read(name, as_str, blank_ok=blank_ok)

    def integer(self, name: str) -> int | None:
        return self._read(name, as_int)

    def boolean(self, name: str) -> bool | None:
        return self._read(name, as_bool)

    def time(self, name: str) -> datetime | None:
        return self._read(name, as_time)

    def code(self, name: str) -> str | None:
        return self._read(name, _delivery_code)

    def enum(
        self,
        name: str,
        allowed: tuple[_L, ...],
        *,
        aliases: Mapping[str, _L] | None = None,
        required: bool = False,
    ) -> _L | None:
        def convert(value: object, wire: str) -> _L:
            if isinstance(value, str) and aliases and value.strip().lower() in aliases:
                return aliases[value.strip().lower()]
            found = as_enum(value, wire, allowed)
            return next(choice for choice in allowed if choice == found)

        return self._read(name, convert, required=required)

    def required_enum(
        self, name: str, allowed: tuple[_L, ...], *, aliases: Mapping[str, _L] | None = None
    ) -> _L:
        value = self.enum(name, allowed, aliases=aliases, required=True)
        assert value is not None  # _read raises for a missing required field
        return value

    def nested(self, name: str, convert: Callable[[Fields], _T]) -> _T | None:
        """Read an object-valued field, sent as an object or as a JSON string (§8 GET mode)."""
        value = self.raw(name)
        if value is None:
            return None
        wire = self._prefix + name
        if isinstance(value, str):
            value = _json_or_none(value)
        if not isinstance(value, Mapping):
            raise CallbackError(f"'{wire}' must be a JSON object", wire)
        return convert(Fields(value, self._event_type, prefix=f"{wire}."))

    def media(self, name: str) -> tuple[str, ...]:
        return self._read(name, _media_urls) or ()


def _delivery_code(value: object, field: str) -> str:
    # deliveryCode is a numeric string on the wire, but CS models it as an int (§1.11).
    if isinstance(value, float):
        return str(as_int(value, field))
    return as_str(value, field).strip()


def _json_or_none(text: str) -> object:
    # msgspec, unlike json.loads, refuses lone surrogates, which no event could be stored with.
    try:
        return msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return None


def _media_urls(value: object, field: str) -> tuple[str, ...]:
    """Read the MMS media list from a JSON list, or any form a GET query may use.

    §6.4 leaves the query encoding open (open question 17): repeated ``media=`` parameters,
    a JSON list string, or the ``[url1, url2]`` the docs render are all accepted.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            return (text,)
        decoded = _json_or_none(text)
        if isinstance(decoded, list):
            value = decoded
        elif text.endswith("]"):
            value = text[1:-1].split(",")
        else:
            raise ValueError(f"'{field}' must be a list of URLs, not {value!r}")
    if not isinstance(value, list | tuple):
        raise ValueError(f"'{field}' must be a list of URLs, not {value!r}")
    urls = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"'{field}' must be a list of URLs, not {value!r}")
        if item.strip():
            urls.append(item.strip())
    return tuple(urls)


class _Delivery(TypedDict):
    state: events.MessageState
    delivery_state: events.DeliveryState | None
    delivery_code: str | None
    delivery_description: str | None


def _delivery(f: Fields) -> _Delivery:
    state = f.raw("state")
    if (
        not f.has("deliveryState")
        and isinstance(state, str)
        and state.strip().lower() in events.DELIVERY_STATES
    ):
        # §6.3: the older DEV howto/smsDLR receipt put the delivery state in `state` and the
        # code in `errorcode`/`error`; a receipt only follows a message that was sent.
        code = f.code("deliveryCode")
        description = f.string("deliveryDescription")
        return {
            "state": "sent",
            "delivery_state": f.enum("state", events.DELIVERY_STATES),
            "delivery_code": code if code is not None else f.code("errorcode"),
            "delivery_description": description if description is not None else f.string("error"),
        }
    return {
        "state": f.required_enum("state", events.MESSAGE_STATES),
        "delivery_state": f.enum("deliveryState", events.DELIVERY_STATES),
        "delivery_code": f.code("deliveryCode"),
        "delivery_description": f.string("deliveryDescription"),
    }


def _message(f: Fields, kind: events.MessageKind) -> events.MessageEvent:
    return events.MessageEvent(
        event_type=kind,
        direction=f.required_enum("direction", events.DIRECTIONS),
        message_id=f.required("messageId"),
        from_=f.required("from"),
        to=f.required("to"),
        text=f.string("text", blank_ok=True) or "",
        media=f.media("media"),
        **_delivery(f),
        segment_count=f.integer("segmentCount"),
        application_id=f.string("applicationId"),
        message_uri=f.string("messageUri"),
        time=f.time("time"),
        tag=f.string("tag"),
    )


class _CallCommon(TypedDict):
    call_id: str
    call_uri: str | None
    time: datetime | None
    tag: str | None


def _call(f: Fields) -> _CallCommon:
    # §8: eventType, callId, callUri, time on every call event; tag when the call had one.
    return {
        "call_id": f.required("callId"),
        "call_uri": f.string("callUri"),
        "time": f.time("time"),
        "tag": f.string("tag"),
    }


class _Legs(TypedDict):
    from_: str | None
    to: str | None
    call_state: events.CallState | None


def _legs(f: Fields) -> _Legs:
    return {
        "from_": f.string("from"),
        "to": f.string("to"),
        "call_state": f.enum("callState", events.CALL_STATES),
    }


def _diversion(f: Fields) -> events.Diversion:
    return events.Diversion(
        original_to=f.string("origTo"),
        reason=f.string("reason"),
        screen=f.string("screen"),
        privacy=f.string("privacy"),
        counter=f.integer("counter"),
        limit=f.integer("limit"),
    )


def _incoming_call(f: Fields) -> events.IncomingCallEvent:
    return events.IncomingCallEvent(
        **_call(f),
        from_=f.required("from"),
        to=f.required("to"),
        call_state=f.enum("callState", events.CALL_STATES),
        application_id=f.string("applicationId"),
        diversion=f.nested("diversion", _diversion),
    )


def _answer(f: Fields) -> events.AnswerEvent:
    return events.AnswerEvent(**_call(f), **_legs(f), diversion=f.nested("diversion", _diversion))


def _timeout(f: Fields) -> events.TimeoutEvent:
    return events.TimeoutEvent(**_call(f), from_=f.string("from"), to=f.string("to"))


def _hangup(f: Fields, default_cause: str | None = None) -> events.HangupEvent:
    cause = f.string("cause")
    return events.HangupEvent(
        **_call(f),
        **_legs(f),
        cause=cause.strip().upper() if cause is not None else default_cause,
    )


def _status(f: Fields, allowed: tuple[_L, ...], aliases: Mapping[str, _L] | None = None) -> _L:
    # §8: recording and transcription events list both `state` and `status`; examples carry
    # only `status`. Either will do; `status` wins when both are sent.
    name = "state" if f.has("state") and not f.has("status") else "status"
    return f.required_enum(name, allowed, aliases=aliases)


def _recording(f: Fields) -> events.RecordingEvent:
    return events.RecordingEvent(
        **_call(f),
        recording_id=f.required("recordingId"),
        recording_uri=f.string("recordingUri"),
        state=_status(f, events.RECORDING_STATES),
        start_time=f.time("startTime"),
        end_time=f.time("endTime"),
    )


def _transcription(f: Fields) -> events.TranscriptionEvent:
    return events.TranscriptionEvent(
        transcription_id=f.required("transcriptionId"),
        transcription_uri=f.string("transcriptionUri"),
        recording_id=f.string("recordingId"),
        # §8 [conflict]: REST says `completed`, the BXML page `complete`.
        state=_status(f, events.TRANSCRIPTION_STATES, {"complete": "completed"}),
        text=f.string("text", blank_ok=True),
        text_size=f.integer("textSize"),
        text_url=f.string("textUrl"),
        call_id=f.string("callId"),
        time=f.time("time"),
        tag=f.string("tag"),
    )


def _gather(f: Fields) -> events.GatherEvent:
    return events.GatherEvent(
        **_call(f),
        gather_id=f.string("gatherId"),
        digits=f.string("digits", blank_ok=True) or "",
        reason=f.enum("reason", events.GATHER_REASONS),
        state=f.enum("state", events.GATHER_STATES),
        terminating_digit=f.string("terminatingDigit"),
    )


def _conference(f: Fields) -> events.ConferenceEvent:
    return events.ConferenceEvent(
        conference_id=f.required("conferenceId"),
        conference_uri=f.string("conferenceUri"),
        status=f.required_enum("status", events.CONFERENCE_STATUSES),
        created_time=f.time("createdTime"),
        completed_time=f.time("completedTime"),
        time=f.time("time"),
        tag=f.string("tag"),
    )


def _conference_member(f: Fields) -> events.ConferenceMemberEvent:
    return events.ConferenceMemberEvent(
        conference_id=f.required("conferenceId"),
        member_id=f.required("memberId"),
        member_uri=f.string("memberUri"),
        call_id=f.string("callId"),
        state=f.enum("state", events.MEMBER_STATES),
        hold=f.boolean("hold"),
        mute=f.boolean("mute"),
        active_members=f.integer("activeMembers"),
        time=f.time("time"),
        tag=f.string("tag"),
    )


def _conference_audio(
    kind: type[events.ConferencePlaybackEvent | events.ConferenceSpeakEvent],
) -> Callable[[Fields], CallbackEvent]:
    def parse(f: Fields) -> CallbackEvent:
        return kind(
            conference_id=f.required("conferenceId"),
            conference_uri=f.string("conferenceUri"),
            status=f.required_enum("status", events.AUDIO_STATUSES),
            time=f.time("time"),
            tag=f.string("tag"),
        )

    return parse


# Keyed by the lower-cased eventType (§1.3: enums arrive in any case).
_PARSERS: Final[dict[str, Callable[[Fields], CallbackEvent]]] = {
    "sms": lambda f: _message(f, "sms"),
    "mms": lambda f: _message(f, "mms"),
    "incomingcall": _incoming_call,
    "answer": _answer,
    "timeout": _timeout,
    "hangup": _hangup,
    # §8 [conflict]: a rejection is documented as hangup/CALL_REJECTED; JAVA/PHP know `reject`.
    "reject": lambda f: _hangup(f, default_cause=events.REJECTED_CAUSE),
    "playback": lambda f: events.PlaybackEvent(
        **_call(f), status=f.required_enum("status", events.AUDIO_STATUSES)
    ),
    "speak": lambda f: events.SpeakEvent(
        **_call(f),
        status=f.required_enum("status", events.AUDIO_STATUSES),
        state=f.enum("state", events.SPEECH_STATES),
    ),
    "dtmf": lambda f: events.DtmfEvent(**_call(f), dtmf_digit=f.required("dtmfDigit")),
    "gather": _gather,
    "recording": _recording,
    "transcription": _transcription,
    "transfercomplete": lambda f: events.TransferCompleteEvent(**_call(f), **_legs(f)),
    "redirect": lambda f: events.RedirectEvent(**_call(f), **_legs(f)),
    "conference": _conference,
    "conference-member": _conference_member,
    "conference-playback": _conference_audio(events.ConferencePlaybackEvent),
    "conference-speak": _conference_audio(events.ConferenceSpeakEvent),
}


def parse_callback(payload: Mapping[str, object]) -> CallbackEvent:
    """Turn one decoded callback payload into a domain event.

    Args:
        payload: The event's fields by their wire names, from a JSON body or a query string.

    Returns:
        The typed event; ``UnknownEvent`` (payload kept whole) for an eventType we do not know.

    Raises:
        CallbackError: ``eventType`` is missing, or a field the event type always carries is
            missing, or a value cannot be read; ``field`` names the culprit.
    """
    raw_type = payload.get("eventType")
    if raw_type is None or (isinstance(raw_type, str) and not raw_type.strip()):
        raise CallbackError("missing field 'eventType'", "eventType")
    try:
        event_type = as_str(raw_type, "eventType").strip()
    except ValueError as exc:
        raise CallbackError(str(exc), "eventType") from exc
    parser = _PARSERS.get(event_type.lower())
    if parser is None:
        return events.UnknownEvent(event_type=event_type, raw=dict(payload))
    return parser(Fields(payload, event_type))


def parse_json_body(body: bytes) -> CallbackEvent:
    """Parse the body of a POST callback: one JSON object (§9).

    Raises:
        CallbackError: The body is not UTF-8, not JSON, or not a JSON object (a JSON array —
            the v2 messaging shape — is called out as such), or ``parse_callback`` rejects it.
    """
    payload = decode_json_body(body)
    if isinstance(payload, list):
        raise CallbackError(
            "the body is a JSON array, but Catapult v1 sends one event object per request "
            "(an array of events is the Bandwidth v2 messaging format)"
        )
    if not isinstance(payload, dict):
        kind = json_kind(payload)
        raise CallbackError(f"the body must be a JSON object, not {kind}")
    return parse_callback(payload)


def parse_query(pairs: Iterable[tuple[str, str]]) -> CallbackEvent:
    """Parse a GET callback from its decoded query parameters (§6.4, §8 GET mode).

    A parameter given more than once (MMS ``media``) becomes a list, in order; every value is
    a string and is read with the same leniency as JSON.

    Raises:
        CallbackError: As ``parse_callback``.
    """
    payload: dict[str, object] = {}
    for key, value in pairs:
        if key not in payload:
            payload[key] = value
            continue
        previous = payload[key]
        if isinstance(previous, list):
            previous.append(value)
        else:
            payload[key] = [previous, value]
    return parse_callback(payload)


def dedupe_key(event: CallbackEvent) -> str:
    """A key equal for every delivery of the same event and different between events.

    v1 documents no duplicate handling (§9); we key on everything the event says — its
    type, subject id, states, codes and time — so two receipts for one message differ (their
    delivery fields differ) while a re-delivery of the same payload, by POST or GET, collides.
    Times are compared as instants, whatever form they arrived in.

    Returns:
        ``<type>:<subject id>:<digest>``, at most about 140 characters.
    """
    encoded = msgspec.json.encode(event, order="deterministic")
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    return f"{type(event).__struct_config__.tag}:{_subject(event)[:96]}:{digest}"


def _subject(event: CallbackEvent) -> str:
    if isinstance(event, events.MessageEvent):
        return event.message_id
    if isinstance(event, events.TranscriptionEvent):
        return event.transcription_id
    if isinstance(
        event,
        events.ConferenceEvent
        | events.ConferenceMemberEvent
        | events.ConferencePlaybackEvent
        | events.ConferenceSpeakEvent,
    ):
        return event.conference_id
    if isinstance(event, events.UnknownEvent):
        return "-"
    return event.call_id
