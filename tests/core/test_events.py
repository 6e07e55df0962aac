from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import get_args

import msgspec
import pytest

from smsconsole.core import events

T0 = datetime(2016, 5, 3, 14, 5, 40, 112000, tzinfo=UTC)

ONE_OF_EACH: list[events.CallbackEvent] = [
    events.MessageEvent(
        event_type="mms",
        direction="in",
        message_id="m-1",
        from_="+14155550123",
        to="+19195550187",
        text="look",
        media=("https://x.test/a.jpg",),
        state="received",
        time=T0,
        segment_count=1,
        application_id="a-1",
        message_uri="https://x.test/m-1",
    ),
    events.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="m-2",
        from_="+19195550187",
        to="+14155550123",
        state="sent",
        delivery_state="not-delivered",
        delivery_code="775",
        delivery_description="Recipient opted out",
        tag="t",
    ),
    events.IncomingCallEvent(
        call_id="c-1",
        from_="+1",
        to="+2",
        call_state="active",
        diversion=events.Diversion(original_to="+3", reason="unconditional", counter=1),
    ),
    events.AnswerEvent(call_id="c-1", call_state="active"),
    events.TimeoutEvent(call_id="c-1", from_="+1", to="+2"),
    events.HangupEvent(call_id="c-1", cause="CALL_REJECTED", call_state="completed", time=T0),
    events.PlaybackEvent(call_id="c-1", status="done"),
    events.SpeakEvent(call_id="c-1", status="started", state="PLAYBACK_START"),
    events.DtmfEvent(call_id="c-1", dtmf_digit="#"),
    events.GatherEvent(call_id="c-1", digits="12", reason="max-digits", terminating_digit="#"),
    events.RecordingEvent(call_id="c-1", recording_id="rec-1", state="complete", end_time=T0),
    events.TranscriptionEvent(transcription_id="tr-1", state="completed", text="hi", text_size=2),
    events.TransferCompleteEvent(call_id="c-1", call_state="active"),
    events.RedirectEvent(call_id="c-1"),
    events.ConferenceEvent(conference_id="conf-1", status="created", created_time=T0),
    events.ConferenceMemberEvent(conference_id="conf-1", member_id="member-1", hold=True),
    events.ConferencePlaybackEvent(conference_id="conf-1", status="started"),
    events.ConferenceSpeakEvent(conference_id="conf-1", status="done"),
    events.UnknownEvent(event_type="error", raw={"eventType": "error", "n": [1, None]}),
]


def test_one_of_each_covers_the_union() -> None:
    assert {type(event) for event in ONE_OF_EACH} == set(get_args(events.CallbackEvent))


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda event: type(event).__name__)
def test_events_round_trip_through_json(event: events.CallbackEvent) -> None:
    assert events.decode_event(events.encode_event(event)) == event


def test_encoding_is_tagged_snake_case_with_from_spelled_out() -> None:
    encoded = json.loads(events.encode_event(ONE_OF_EACH[0]))
    assert encoded == {
        "type": "message",
        "event_type": "mms",
        "direction": "in",
        "message_id": "m-1",
        "from": "+14155550123",
        "to": "+19195550187",
        "text": "look",
        "media": ["https://x.test/a.jpg"],
        "state": "received",
        "segment_count": 1,
        "application_id": "a-1",
        "message_uri": "https://x.test/m-1",
        "time": "2016-05-03T14:05:40.112000Z",
    }


def test_event_tags_are_unique() -> None:
    tags = [kind.__struct_config__.tag for kind in get_args(events.CallbackEvent)]
    assert len(set(tags)) == len(tags)


def test_decoding_rejects_a_naive_time_and_an_unknown_tag() -> None:
    with pytest.raises(msgspec.ValidationError):
        events.decode_event(
            b'{"type": "dtmf", "call_id": "c-1", "dtmf_digit": "1", "time": "2016-05-03T14:05:40"}'
        )
    with pytest.raises(msgspec.ValidationError):
        events.decode_event(b'{"type": "fax", "call_id": "c-1"}')


def test_events_are_frozen() -> None:
    event = events.DtmfEvent(call_id="c-1", dtmf_digit="1")
    with pytest.raises(AttributeError):
        event.dtmf_digit = "2"  # type: ignore[misc]


def test_hangup_knows_a_rejection() -> None:
    assert events.HangupEvent(call_id="c-1", cause=events.REJECTED_CAUSE).rejected
    assert not events.HangupEvent(call_id="c-1", cause="USER_BUSY").rejected
    assert not events.HangupEvent(call_id="c-1").rejected


def test_state_vocabularies_match_the_reference() -> None:
    # §5.2 and §7.2.
    assert events.DIRECTIONS == ("in", "out")
    assert events.MESSAGE_STATES == ("received", "queued", "sending", "sent", "error")
    assert events.DELIVERY_STATES == ("waiting", "delivered", "not-delivered")
    assert events.CALL_STATES == (
        "started",
        "active",
        "rejected",
        "completed",
        "transferring",
        "error",
    )


# §5.2: every documented delivery code.
DOCUMENTED_CODES = ["0", "100", "187", "188", "189", "482", "600", "610", "620", "630", "650",
                    "700", "720", "740", "750", "751", "770", "775", "902", "999"]  # fmt: skip


@pytest.mark.parametrize("code", DOCUMENTED_CODES)
def test_every_documented_delivery_code_has_words(code: str) -> None:
    assert not events.delivery_code_meaning(code).startswith("unknown code")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("775", "recipient opted out"),
        ("0", "delivered to carrier"),
        (" 720 ", "invalid destination number"),
        ("0751", "rejected: message too large"),
        ("999", "unknown error"),
        ("123", "unknown code 123"),
        ("abc", "unknown code abc"),
        ("", "unknown code"),
    ],
)
def test_delivery_code_meaning(code: str, words: str) -> None:
    assert events.delivery_code_meaning(code) == words
