from __future__ import annotations

import copy
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core import events
from smsconsole.providers.bandwidth.callbacks import (
    CallbackError,
    dedupe_key,
    parse_messaging_body,
)

APP = "93de2206-9669-4e07-948d-329f4b722ee2"
OURS, REMOTE = "+19195550187", "+14155550123"

# docs/bandwidth-v2.md §3.3, one event each.
RECEIVED: dict[str, Any] = {
    "type": "message-received",
    "time": "2026-12-02T07:30:16.000Z",
    "description": "Incoming message received",
    "to": OURS,
    "message": {
        "id": "1701418216000w8c2dpq6ye4ntzq5",
        "time": "2026-12-02T07:30:16.000Z",
        "to": [OURS],
        "from": REMOTE,
        "text": "Are you there?",
        "applicationId": APP,
        "owner": OURS,
        "direction": "in",
        "segmentCount": 1,
    },
}
OUTBOUND_MESSAGE: dict[str, Any] = {
    "id": "1701418022365x3fd6k2wq4ce7tbr",
    "owner": OURS,
    "applicationId": APP,
    "time": "2026-12-02T07:27:02.365Z",
    "segmentCount": 1,
    "direction": "out",
    "to": [REMOTE],
    "from": OURS,
    "text": "",
    "tag": "msg-42",
}
DELIVERED: dict[str, Any] = {
    "type": "message-delivered",
    "time": "2026-12-02T07:27:05.120Z",
    "description": "ok",
    "to": REMOTE,
    "message": OUTBOUND_MESSAGE,
}
SENDING: dict[str, Any] = DELIVERED | {
    "type": "message-sending",
    "time": "2026-12-02T07:27:03.000Z",
    "description": "Message is sending to carrier",
}
SENT: dict[str, Any] = DELIVERED | {
    "type": "message-sent",
    "time": "2026-12-02T07:27:04.000Z",
    "description": "Message sent to carrier",
}
# Quoted shape: the DOCS "Message Failed" example (a group MMS, one event per recipient).
FAILED: dict[str, Any] = {
    "type": "message-failed",
    "time": "2016-09-14T18:20:16Z",
    "description": "forbidden to country",
    "to": "+52345678903",
    "errorCode": 4432,
    "message": {
        "id": "14762070468292kw2fuqty55yp2b2",
        "time": "2016-09-14T18:20:16Z",
        "to": ["+12345678902", "+52345678903"],
        "from": "+12345678901",
        "text": "",
        "applicationId": APP,
        "media": ["https://dev.bandwidth.com/images/bandwidth-logo.png"],
        "owner": "+12345678901",
        "direction": "out",
        "segmentCount": 1,
    },
}
MEDIA = f"https://messaging.bandwidth.com/api/v2/users/9900000/media/{'m' * 8}/0/picture.jpg"


def body(*elements: dict[str, Any]) -> bytes:
    return json.dumps(list(elements)).encode()


def parse_one(element: dict[str, Any]) -> events.CallbackEvent:
    [event] = parse_messaging_body(body(element))
    return event


def with_message(element: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(element)
    changed["message"].update(fields)
    return changed


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- each type ------------------------------------------------------------------------------


def test_message_received_is_an_inbound_message() -> None:
    assert parse_one(RECEIVED) == events.MessageEvent(
        event_type="sms",
        direction="in",
        message_id="1701418216000w8c2dpq6ye4ntzq5",
        from_=REMOTE,
        to=OURS,
        text="Are you there?",
        state="received",
        segment_count=1,
        application_id=APP,
        time=at("2026-12-02T07:30:16+00:00"),
    )


def test_message_sending_is_an_outbound_message_being_sent() -> None:
    assert parse_one(SENDING) == events.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="1701418022365x3fd6k2wq4ce7tbr",
        from_=OURS,
        to=REMOTE,
        state="sending",
        segment_count=1,
        application_id=APP,
        time=at("2026-12-02T07:27:03+00:00"),
        tag="msg-42",
    )


def test_message_sent_is_sent_without_a_receipt() -> None:
    event = parse_one(SENT)
    assert isinstance(event, events.MessageEvent)
    assert (event.state, event.delivery_state, event.delivery_code) == ("sent", None, None)


def test_message_delivered_is_a_delivered_receipt() -> None:
    assert parse_one(DELIVERED) == events.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="1701418022365x3fd6k2wq4ce7tbr",
        from_=OURS,
        to=REMOTE,
        state="sent",
        delivery_state="delivered",
        delivery_description="ok",
        segment_count=1,
        application_id=APP,
        time=at("2026-12-02T07:27:05.120+00:00"),
        tag="msg-42",
    )


def test_message_failed_is_a_not_delivered_receipt_with_code_and_words() -> None:
    assert parse_one(FAILED) == events.MessageEvent(
        event_type="mms",
        direction="out",
        message_id="14762070468292kw2fuqty55yp2b2",
        from_="+12345678901",
        to="+52345678903",
        media=("https://dev.bandwidth.com/images/bandwidth-logo.png",),
        state="error",
        delivery_state="not-delivered",
        delivery_code="4432",
        delivery_description="forbidden to country",
        segment_count=1,
        application_id=APP,
        time=at("2016-09-14T18:20:16+00:00"),
    )


def test_failed_with_4720_keeps_the_carrier_code() -> None:
    failed = FAILED | {"errorCode": 4720, "description": "invalid-destination-address"}
    event = parse_one(failed)
    assert isinstance(event, events.MessageEvent)
    assert event.delivery_code == "4720"
    assert event.delivery_description == "invalid-destination-address"


def test_inbound_mms_keeps_its_media_in_order() -> None:
    media = [MEDIA, MEDIA.replace("picture.jpg", "smil.xml"), MEDIA.replace("/0/", "/1/")]
    event = parse_one(with_message(RECEIVED, text="", media=media))
    assert isinstance(event, events.MessageEvent)
    assert (event.event_type, event.media, event.text) == ("mms", tuple(media), "")


def test_inbound_group_message_is_our_copy_from_the_sender() -> None:
    # §3.2: each owned recipient gets its own event; the event's `to` is that recipient.
    group = with_message(RECEIVED, to=[OURS, "+19195550100", "+13125550199"])
    event = parse_one(group)
    assert isinstance(event, events.MessageEvent)
    assert (event.from_, event.to, event.direction) == (REMOTE, OURS, "in")
    assert event.event_type == "mms"  # group messages travel as MMS


def test_to_may_be_a_single_string() -> None:
    # DOCS: "this can be a String, or an array".
    event = parse_one(with_message(RECEIVED, to=OURS))
    assert isinstance(event, events.MessageEvent)
    assert event.to == OURS


@pytest.mark.parametrize(
    "event_type", ["message-read", "requested-location-response", "suggestion-response", "x"]
)
def test_other_types_are_kept_whole(event_type: str) -> None:
    element = RECEIVED | {"type": event_type, "eventTime": "2026-12-02T07:31:00Z"}
    assert parse_one(element) == events.UnknownEvent(event_type=event_type, raw=element)


def test_an_array_of_several_events_is_read_in_order() -> None:
    parsed = parse_messaging_body(body(SENDING, RECEIVED, DELIVERED, FAILED, SENT))
    assert [(e.state, e.delivery_state) for e in parsed if isinstance(e, events.MessageEvent)] == [
        ("sending", None),
        ("received", None),
        ("sent", "delivered"),
        ("error", "not-delivered"),
        ("sent", None),
    ]


def test_an_empty_array_has_no_events() -> None:
    assert parse_messaging_body(b"[]") == []


def test_nulls_and_blank_optional_strings_are_not_supplied() -> None:
    event = parse_one(with_message(DELIVERED, tag="", media=None, segmentCount=None))
    assert isinstance(event, events.MessageEvent)
    assert (event.tag, event.media, event.segment_count) == (None, (), None)


@pytest.mark.parametrize(
    ("sent", "instant"),
    [
        ("2026-12-02T07:27:05Z", datetime(2026, 12, 2, 7, 27, 5, tzinfo=UTC)),
        ("2026-12-02T07:27:05.120Z", datetime(2026, 12, 2, 7, 27, 5, 120000, tzinfo=UTC)),
        ("2026-12-02T08:27:05+01:00", datetime(2026, 12, 2, 7, 27, 5, tzinfo=UTC)),
    ],
)
def test_times_are_utc_instants(sent: str, instant: datetime) -> None:
    event = parse_one(DELIVERED | {"time": sent})
    assert event.time == instant
    assert event.time is not None
    assert event.time.utcoffset() is not None


def test_direction_is_read_in_any_case() -> None:
    event = parse_one(with_message(RECEIVED, direction="IN"))
    assert isinstance(event, events.MessageEvent)
    assert event.direction == "in"


def test_fields_we_do_not_keep_may_be_absent() -> None:
    bare = with_message(DELIVERED)
    del bare["description"]
    for name in ("owner", "to", "applicationId", "segmentCount", "time", "text", "tag"):
        del bare["message"][name]
    event = parse_one(bare)
    assert isinstance(event, events.MessageEvent)
    assert (event.to, event.delivery_description, event.application_id) == (REMOTE, None, None)


def test_whole_numbers_may_be_decimal_strings() -> None:
    event = parse_one(with_message(FAILED | {"errorCode": "4720"}, segmentCount="2"))
    assert isinstance(event, events.MessageEvent)
    assert (event.delivery_code, event.segment_count) == ("4720", 2)


# --- malformed bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "not valid JSON"),
        (b"[{", "not valid JSON"),
        (b'[{"type": "message-received", "text": "\xff"}]', "not valid UTF-8"),
        (json.dumps(RECEIVED).encode(), "an object"),
        (b'"message-received"', "a string"),
        (b"42", "a number"),
        (b"null", "null"),
        (b"[" * 5000 + b"]" * 5000, "nested"),
    ],
)
def test_a_body_that_is_not_an_array_of_objects_is_refused(raw: bytes, words: str) -> None:
    with pytest.raises(CallbackError, match=words) as caught:
        parse_messaging_body(raw)
    assert caught.value.field is None


@pytest.mark.parametrize("element", [42, "message-received", None, [RECEIVED], True])
def test_an_element_that_is_not_an_object_is_refused(element: object) -> None:
    with pytest.raises(CallbackError, match=r"event 2 .*object") as caught:
        parse_messaging_body(json.dumps([RECEIVED, element]).encode())
    assert caught.value.field is None


@pytest.mark.parametrize(
    ("element", "field"),
    [
        ({k: v for k, v in RECEIVED.items() if k != "type"}, "type"),
        ({k: v for k, v in RECEIVED.items() if k != "to"}, "to"),
        ({k: v for k, v in RECEIVED.items() if k != "time"}, "time"),
        ({k: v for k, v in RECEIVED.items() if k != "message"}, "message"),
        ({k: v for k, v in FAILED.items() if k != "errorCode"}, "errorCode"),
        ({**RECEIVED, "to": ""}, "to"),
        ({**RECEIVED, "message": {k: v for k, v in RECEIVED["message"].items() if k != "id"}},
         "message.id"),
        ({**DELIVERED, "message": {k: v for k, v in OUTBOUND_MESSAGE.items() if k != "from"}},
         "message.from"),
        ({**DELIVERED, "message": {k: v for k, v in OUTBOUND_MESSAGE.items()
                                   if k != "direction"}}, "message.direction"),
    ],
)  # fmt: skip
def test_a_missing_field_is_named(element: dict[str, Any], field: str) -> None:
    with pytest.raises(CallbackError, match=f"'{re.escape(field)}'") as caught:
        parse_messaging_body(body(DELIVERED, element))
    assert caught.value.field == field
    assert "event 2" in str(caught.value)


@pytest.mark.parametrize(
    ("element", "field"),
    [
        (RECEIVED | {"type": 7}, "type"),
        (RECEIVED | {"to": ["+1", "+2"]}, "to"),
        (RECEIVED | {"time": "yesterday"}, "time"),
        (RECEIVED | {"time": "2026-12-02T07:30:16"}, "time"),  # no zone
        (RECEIVED | {"time": 1701418216000}, "time"),
        (RECEIVED | {"message": "hello"}, "message"),
        (FAILED | {"errorCode": "forty"}, "errorCode"),
        (FAILED | {"errorCode": True}, "errorCode"),
        (FAILED | {"errorCode": 47.5}, "errorCode"),
        (RECEIVED | {"description": 5}, "description"),
        (with_message(RECEIVED, id=12345), "message.id"),
        (with_message(RECEIVED, segmentCount="one"), "message.segmentCount"),
        (with_message(RECEIVED, segmentCount="{0} {''}"), "message.segmentCount"),
        (with_message(RECEIVED, segmentCount=-1), "message.segmentCount"),
        (with_message(RECEIVED, segmentCount=2**70), "message.segmentCount"),
        (with_message(RECEIVED, segmentCount="9" * 5000), "message.segmentCount"),
        (with_message(RECEIVED, text=["a"]), "message.text"),
        (with_message(RECEIVED, media="https://x/y.png"), "message.media"),
        (with_message(RECEIVED, media=[MEDIA, 3]), "message.media"),
        (with_message(RECEIVED, to=[OURS, None]), "message.to"),
        (with_message(RECEIVED, direction="sideways"), "message.direction"),
        (with_message(RECEIVED, direction="out"), "message.direction"),
        (with_message(DELIVERED, direction="in"), "message.direction"),
        (with_message(RECEIVED, tag={"a": 1}), "message.tag"),
    ],
)
def test_a_value_of_the_wrong_kind_is_named(element: dict[str, Any], field: str) -> None:
    with pytest.raises(CallbackError, match=f"'{re.escape(field)}'") as caught:
        parse_messaging_body(body(element))
    assert caught.value.field == field


def test_deep_nesting_inside_an_unknown_event_is_kept_or_refused() -> None:
    deep: Any = "bottom"
    for _ in range(200):
        deep = {"d": deep}
    element = {"type": "message-read", "extra": deep}
    [event] = parse_messaging_body(body(element))
    assert isinstance(event, events.UnknownEvent)
    assert events.decode_event(events.encode_event(event)) == event


def test_ten_thousand_events_are_read_well_within_the_ten_second_answer() -> None:
    # v2 waits 10 s for the answer (§3.1); a big array must not eat that budget.
    many = [with_message(DELIVERED, id=f"1701418022365{n:016d}") for n in range(10_000)]
    raw = json.dumps(many).encode()
    started = time.perf_counter()
    parsed = parse_messaging_body(raw)
    assert time.perf_counter() - started < 5
    assert len(parsed) == 10_000
    assert len({dedupe_key(event) for event in parsed}) == 10_000


# --- dedupe_key -----------------------------------------------------------------------------


def test_a_redelivery_has_the_same_key() -> None:
    for element in (RECEIVED, SENDING, DELIVERED, FAILED, SENT):
        first = parse_one(element)
        again = parse_one(json.loads(json.dumps(element)))
        assert dedupe_key(first) == dedupe_key(again)
        assert dedupe_key(first).startswith("message:")


def test_the_same_instant_in_another_form_is_the_same_delivery() -> None:
    keys = {
        dedupe_key(parse_one(DELIVERED | {"time": sent}))
        for sent in ("2026-12-02T07:27:05.120Z", "2026-12-02T08:27:05.120+01:00")
    }
    assert len(keys) == 1


def test_a_retry_with_new_time_or_words_is_still_the_same_event() -> None:
    # §3.3: the event is (type, message id, recipient, error code); a restamp is no news.
    retried = FAILED | {"time": "2016-09-14T18:25:00Z", "description": "Forbidden to country"}
    assert dedupe_key(parse_one(retried)) == dedupe_key(parse_one(FAILED))


def test_distinct_events_of_one_message_have_distinct_keys() -> None:
    group = [FAILED, FAILED | {"to": "+12345678902"}, FAILED | {"errorCode": 4720}]
    elements = [SENDING, SENT, DELIVERED, DELIVERED | {"to": "+13125550199"}, *group]
    keys = [dedupe_key(parse_one(element)) for element in elements]
    assert len(set(keys)) == len(keys)


def test_unknown_events_dedupe_on_their_content_whatever_the_key_order() -> None:
    [first] = parse_messaging_body(b'[{"type": "x", "a": 1, "b": [2]}]')
    [again] = parse_messaging_body(b'[{"b": [2], "a": 1, "type": "x"}]')
    [other] = parse_messaging_body(b'[{"type": "x", "a": 2, "b": [2]}]')
    assert dedupe_key(first) == dedupe_key(again) != dedupe_key(other)


# --- properties -----------------------------------------------------------------------------

TYPES = ["message-received", "message-sending", "message-sent", "message-delivered",
         "message-failed", "message-read", "MESSAGE-RECEIVED"]  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "in", "out", "4720", "2026-12-02T07:27:05Z", *TYPES]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def elements(draw: st.DrawFn) -> object:
    """A documented event with some fields replaced or removed, or any JSON value."""
    if draw(st.booleans()):
        return draw(json_values)
    element = copy.deepcopy(draw(st.sampled_from([RECEIVED, SENDING, SENT, DELIVERED, FAILED])))
    for key in draw(st.lists(st.sampled_from([*element, "errorCode"]), max_size=3, unique=True)):
        if draw(st.booleans()):
            element.pop(key, None)
        else:
            element[key] = draw(st.sampled_from(TYPES) if key == "type" else json_values)
    for key in draw(st.lists(st.sampled_from([*sorted(OUTBOUND_MESSAGE), "media"]), max_size=3)):
        if isinstance(element.get("message"), dict):
            element["message"][key] = draw(json_values)
    return element


@given(st.lists(elements(), max_size=4))
def test_any_array_parses_or_raises_callback_error(array: list[object]) -> None:
    try:
        parsed = parse_messaging_body(json.dumps(array).encode())
    except CallbackError:
        return
    assert len(parsed) == len(array)
    for event in parsed:
        assert events.decode_event(events.encode_event(event)) == event
        assert dedupe_key(event) == dedupe_key(event)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_callback_error(raw: bytes) -> None:
    try:
        parse_messaging_body(raw)
    except CallbackError:
        return
