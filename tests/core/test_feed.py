"""The feed protocol with no socket: every frame and event kind round-trips, unknown tags are
refused clearly, and a replayed frame is the live one byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import msgspec
import pytest

from smsconsole.core import events as provider
from smsconsole.core import feed
from smsconsole.core.calls import Call
from smsconsole.core.messages import Message
from smsconsole.core.records import Contact, Conversation, NumberRecord

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
MESSAGE = Message(
    id="msg-1",
    conversation_id="19195550187-14155550123",
    direction="in",
    from_="+14155550123",
    to="+19195550187",
    text="hello",
    media=("https://example.test/a.png",),
    state="received",
    provider_id="m-1",
    time="2026-11-27T12:00:00.000Z",
)
CONVERSATION = Conversation(
    id=MESSAGE.conversation_id,
    our_number=MESSAGE.to,
    remote_number=MESSAGE.from_,
    contact_name="Ada",
    last_message_id=MESSAGE.id,
    last_time=MESSAGE.time,
    last_direction="in",
    last_preview="hello",
    unread=3,
    activity=42,
)
CALL = Call(id="call-1", direction="in", from_="+14155550123", to="+19195550187", state="active")
DETAILS: list[feed.CallDetail] = [
    provider.IncomingCallEvent(call_id="c-1", from_=CALL.from_, to=CALL.to, time=T0),
    provider.AnswerEvent(call_id="c-1", time=T0),
    provider.TimeoutEvent(call_id="c-1"),
    provider.HangupEvent(call_id="c-1", cause="NORMAL_CLEARING"),
    provider.PlaybackEvent(call_id="c-1", status="done"),
    provider.SpeakEvent(call_id="c-1", status="started", state="PLAYBACK_START"),
    provider.DtmfEvent(call_id="c-1", dtmf_digit="5"),
    provider.GatherEvent(call_id="c-1", digits="12", reason="max-digits"),
    provider.RecordingEvent(call_id="c-1", recording_id="r-1", state="complete"),
    provider.TransferCompleteEvent(call_id="c-1", to="+14155550999"),
    provider.RedirectEvent(call_id="c-1"),
]
EVENTS: list[feed.LogEvent] = [
    feed.MessageReceived(message=MESSAGE, conversation=CONVERSATION),
    feed.MessageSent(message=MESSAGE, conversation=CONVERSATION),
    feed.MessageStatus(message=MESSAGE, conversation=CONVERSATION),
    feed.MessageReceived(message=MESSAGE),  # as logged before events carried the row
    *(feed.CallIncoming(call=CALL, detail=detail) for detail in DETAILS),
    feed.CallUpdated(call=CALL, detail=DETAILS[1]),
    feed.CallEnded(call=CALL, detail=DETAILS[3]),
    feed.ConversationRead(conversation_id=MESSAGE.conversation_id),
    feed.ConversationArchived(conversation_id=MESSAGE.conversation_id, activity=7),
    feed.NumberUpdated(number=NumberRecord(id="n-1", number="+19195550187", city="CARY")),
    feed.ContactUpdated(contact=Contact("+14155550123", "Ada")),
]


def test_every_kind_the_protocol_has_is_tested() -> None:
    assert {feed.kind_of(event) for event in EVENTS} == set(feed.kinds())
    assert len(feed.kinds()) == len(get_args(feed.LogEvent))


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: feed.kind_of(event))
def test_every_event_kind_round_trips(event: feed.LogEvent) -> None:
    data = feed.encode_event(event)
    assert feed.decode_event(data) == event
    assert data.startswith(b'{"kind":"' + feed.kind_of(event).encode() + b'"')


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: feed.kind_of(event))
def test_an_event_frame_round_trips_with_the_stored_bytes_spliced_in(
    event: feed.LogEvent,
) -> None:
    stored = feed.encode_event(event)
    frame = feed.event_frame(7, stored)
    assert feed.decode_server_frame(frame) == feed.EventFrame(seq=7, event=event)
    assert frame == b'{"type":"event","seq":7,"event":' + stored + b"}"


@pytest.mark.parametrize(
    "frame",
    [
        feed.Subscribe(since=0),
        feed.Subscribe(since=feed.MAX_SEQ),
        feed.Ping(),
    ],
    ids=repr,
)
def test_every_client_frame_round_trips(frame: feed.ClientFrame) -> None:
    assert feed.decode_client_frame(feed.encode_frame(frame)) == frame


@pytest.mark.parametrize(
    "frame",
    [feed.Live(seq=3), feed.Reset(), feed.Pong(), feed.EventFrame(seq=1, event=EVENTS[-1])],
    ids=repr,
)
def test_every_server_frame_round_trips(frame: feed.ServerFrame) -> None:
    assert feed.decode_server_frame(feed.encode_frame(frame)) == frame


def test_the_wire_is_what_design_says() -> None:
    # DESIGN.md, "Websocket feed": the field names and frame types.
    assert msgspec.json.decode(feed.encode_frame(feed.Subscribe(since=5))) == {
        "type": "subscribe",
        "since": 5,
    }
    assert msgspec.json.decode(feed.encode_frame(feed.Live(seq=3))) == {"type": "live", "seq": 3}
    assert msgspec.json.decode(feed.encode_frame(feed.Reset())) == {"type": "reset"}
    assert msgspec.json.decode(feed.encode_frame(feed.Ping())) == {"type": "ping"}
    assert msgspec.json.decode(feed.encode_frame(feed.Pong())) == {"type": "pong"}
    wire = msgspec.json.decode(feed.encode_event(EVENTS[0]))
    assert set(wire) == {"kind", "message", "conversation"}
    assert set(wire["message"]) == {
        "id",
        "conversation_id",
        "direction",
        "from",
        "to",
        "text",
        "media",
        "state",
        "delivery_state",
        "delivery_code",
        "delivery_description",
        "provider_id",
        "time",
        "error_code",
        "error_message",
        "status_time",
    }
    call = msgspec.json.decode(feed.encode_event(EVENTS[4]))
    assert set(call) == {"kind", "call", "detail"}
    assert call["detail"]["type"] == "incoming_call"
    assert msgspec.json.decode(feed.encode_event(EVENTS[-1])) == {
        "kind": "contact.updated",
        "contact": {"number": "+14155550123", "name": "Ada"},
    }


def test_replayed_bytes_are_the_live_bytes() -> None:
    # Live: the hub frames the bytes a write made. Replay: the bytes read back from the row
    # (as text, like SQLite gives them). Both splice, neither decodes: the same frame.
    event = EVENTS[0]
    written = feed.encode_event(event)
    row_text = written.decode()
    live = feed.event_frame(9, written)
    replayed = feed.event_frame(9, msgspec.Raw(row_text.encode()))
    assert replayed == live
    listed = msgspec.json.encode(feed.Logged(9, msgspec.Raw(row_text.encode())))
    assert listed == b'{"seq":9,"event":' + written + b"}"
    assert feed.decode_entries(b"[" + listed + b"]") == [feed.Entry(9, event)]


def test_an_unknown_event_kind_is_refused_clearly() -> None:
    with pytest.raises(feed.FrameError, match=r"not an event: .*'call\.teleported'"):
        feed.decode_event(b'{"kind": "call.teleported", "call": {}}')
    frame = b'{"type": "event", "seq": 12, "event": {"kind": "call.teleported"}}'
    with pytest.raises(feed.FrameError, match=r"call\.teleported.*\$\.event\.kind") as refused:
        feed.decode_server_frame(frame)
    # What a console needs to step over it: the frame's type and seq.
    assert (refused.value.type, refused.value.seq) == ("event", 12)


def test_an_unknown_frame_type_is_refused_by_the_console_and_ignored_by_the_server() -> None:
    with pytest.raises(feed.FrameError, match="'hello'") as refused:
        feed.decode_server_frame(b'{"type": "hello", "seq": 1}')
    assert (refused.value.type, refused.value.seq) == ("hello", 1)
    # A newer console may send more: the server ignores what it does not know.
    assert feed.decode_client_frame(b'{"type": "hello"}') is None


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'"\\ud800"',
        b"9" * 5000,
        b"[" * 200_000 + b"]" * 200_000,
        b'{"since": 0}',
        b'{"type": "subscribe"}',
        b'{"type": "subscribe", "since": -1}',
        b'{"type": "subscribe", "since": 1.5}',
        b'{"type": "subscribe", "since": true}',
        b'{"type": "subscribe", "since": "0"}',
        b'{"type": "subscribe", "since": 9223372036854775808}',
    ],
    ids=lambda data: data[:40].decode(),
)
def test_what_is_not_a_client_frame_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(feed.FrameError) as refused:
        feed.decode_client_frame(data)
    assert str(refused.value).startswith("not a feed frame: ")
    assert refused.value.seq is None


def test_a_frame_is_decoded_straight_into_typed_records() -> None:
    frame = feed.decode_server_frame(feed.event_frame(1, feed.encode_event(EVENTS[4])))
    assert isinstance(frame, feed.EventFrame)
    assert isinstance(frame.event, feed.CallIncoming)
    assert isinstance(frame.event.call, Call)
    assert isinstance(frame.event.detail, provider.IncomingCallEvent)
    assert frame.event.detail.time == T0


def test_unknown_fields_are_ignored_for_a_newer_peer() -> None:
    data: dict[str, Any] = {"type": "live", "seq": 1, "lag": 0}
    assert feed.decode_server_frame(msgspec.json.encode(data)) == feed.Live(seq=1)
