"""BandwidthCallbacks: one parser object for a v2 account's messaging and voice callbacks,
and the answer (BXML or none) each callback expects."""

from __future__ import annotations

import inspect
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core import events
from smsconsole.providers.bandwidth import callbacks, voice_callbacks
from smsconsole.providers.bandwidth.parser import HOLD_SECONDS, RING_SECONDS, BandwidthCallbacks
from smsconsole.providers.base import CallbackError, CallbackParser, CallbackReply

APP = "93de2206-9669-4e07-948d-329f4b722ee2"
VOICE_APP = "7fc9698a-b04a-468b-9e8f-91238c0d0086"
OURS, REMOTE, FAR = "+19195550187", "+14155550123", "+19195550100"
A_LEG = "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"
B_LEG = "c-15ac29a2-1a31c52e-0e1c-4b39-9ed6-5d4b4f2a7a11"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

# docs/bandwidth-v2.md §3.3.
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
DELIVERED: dict[str, Any] = {
    "type": "message-delivered",
    "time": "2026-12-02T07:27:05.120Z",
    "description": "ok",
    "to": REMOTE,
    "message": {
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
    },
}
# docs/bandwidth-v2.md §4.6, and the other types on the same fields.
INITIATE: dict[str, Any] = {
    "eventType": "initiate",
    "eventTime": "2026-12-02T07:40:11.554Z",
    "accountId": "9900000",
    "applicationId": VOICE_APP,
    "from": REMOTE,
    "to": OURS,
    "direction": "inbound",
    "callId": A_LEG,
    "callUrl": f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/{A_LEG}",
    "startTime": "2026-12-02T07:40:10.234Z",
}
DISCONNECT = INITIATE | {
    "eventType": "disconnect",
    "eventTime": "2026-12-02T07:42:55.533Z",
    "answerTime": "2026-12-02T07:40:21.010Z",
    "endTime": "2026-12-02T07:42:54.123Z",
    "cause": "hangup",
}
ANSWER = INITIATE | {"eventType": "answer", "direction": "outbound", "tag": "call-7"}
REDIRECT = INITIATE | {"eventType": "redirect", "eventTime": "2026-12-02T07:41:00.000Z"}
GATHER = INITIATE | {"eventType": "gather", "digits": "12", "terminatingDigit": "#"}
B_LEG_FIELDS = {"callId": B_LEG, "parentCallId": A_LEG, "transferCallerId": OURS}
TRANSFER_ANSWER = INITIATE | B_LEG_FIELDS | {"eventType": "transferAnswer", "transferTo": FAR}
TRANSFER_COMPLETE = INITIATE | {"eventType": "transferComplete", "transferTo": FAR}
TRANSFER_DISCONNECT = TRANSFER_ANSWER | {"eventType": "transferDisconnect", "cause": "hangup"}

PARSER = BandwidthCallbacks()


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def one(payload: dict[str, Any]) -> events.CallbackEvent:
    [event] = PARSER.parse_json_body(body(payload))
    return event


def bxml(reply: CallbackReply | None) -> ET.Element:
    assert reply is not None
    assert reply.media_type == "application/xml; charset=utf-8"
    assert reply.body.startswith(DECLARATION + "\n")
    return ET.fromstring(reply.body.removeprefix(DECLARATION))


def test_it_is_a_callback_parser_with_the_protocols_signatures() -> None:
    assert isinstance(PARSER, CallbackParser)
    for name in ("parse_json_body", "parse_query", "dedupe_key", "callback_reply"):
        declared = inspect.signature(getattr(CallbackParser, name)).parameters
        assert list(inspect.signature(getattr(BandwidthCallbacks, name)).parameters) == list(
            declared
        )


def test_an_array_is_messaging_every_element_in_order() -> None:
    raw = body([RECEIVED, DELIVERED])
    parsed = PARSER.parse_json_body(raw)
    assert list(parsed) == callbacks.parse_messaging_body(raw)
    assert [type(e) for e in parsed] == [events.MessageEvent, events.MessageEvent]
    assert [e.direction for e in parsed if isinstance(e, events.MessageEvent)] == ["in", "out"]


def test_an_object_is_one_voice_event() -> None:
    for payload in (INITIATE, DISCONNECT, ANSWER, REDIRECT, GATHER, TRANSFER_COMPLETE):
        assert one(payload) == voice_callbacks.parse_voice_body(body(payload))


def test_a_query_string_is_a_voice_event() -> None:
    pairs = [(key, str(value)) for key, value in DISCONNECT.items()]
    assert list(PARSER.parse_query(pairs)) == [voice_callbacks.parse_voice_query(pairs)]


def test_the_b_legs_answer_is_told_from_an_outbound_calls_answer() -> None:
    # Both are AnswerEvents; only the B-leg's (transferAnswer) is marked ``transferring``:
    # its answer must let the bridge proceed, where an answered call must be held.
    leg, call = one(TRANSFER_ANSWER), one(ANSWER)
    assert isinstance(leg, events.AnswerEvent)
    assert isinstance(call, events.AnswerEvent)
    assert (leg.call_id, leg.call_state) == (B_LEG, "transferring")
    assert call.call_state == "active"
    assert PARSER.dedupe_key(leg) != PARSER.dedupe_key(call)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[]", "no event"),
        (b"[1, 2]", "event 1 of 2 must be a JSON object"),
        (b'"initiate"', "array of events (Messaging v2) or one JSON object"),
        (b"null", "array of events (Messaging v2) or one JSON object"),
        (b'[{"type": "\xff"}]', "UTF-8"),
        (b'{"eventType": "initiate\xe9"}', "UTF-8"),
        (b"\xff\xfe[]", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"[" * 10_000, "JSON"),
        (body({"callId": A_LEG, "eventTime": INITIATE["eventTime"]}), "'eventType'"),
        (body([RECEIVED | {"type": None}]), "'type'"),
    ],
)
def test_what_is_no_callback_is_refused_with_a_reason(raw: bytes, fragment: str) -> None:
    with pytest.raises(CallbackError) as caught:
        PARSER.parse_json_body(raw)
    assert fragment in str(caught.value)


def test_a_query_without_event_type_is_refused() -> None:
    with pytest.raises(CallbackError) as caught:
        PARSER.parse_query([("callId", A_LEG)])
    assert caught.value.field == "eventType"


def test_dedupe_keys_are_the_modules_own() -> None:
    [received, delivered] = PARSER.parse_json_body(body([RECEIVED, DELIVERED]))
    assert PARSER.dedupe_key(received) == callbacks.dedupe_key(received)
    assert PARSER.dedupe_key(delivered) == callbacks.dedupe_key(delivered)
    for payload in (INITIATE, DISCONNECT, TRANSFER_ANSWER):
        event = one(payload)
        assert PARSER.dedupe_key(event) == voice_callbacks.voice_dedupe_key(event)
    [read] = PARSER.parse_json_body(body([RECEIVED | {"type": "message-read"}]))
    assert isinstance(read, events.UnknownEvent)
    assert PARSER.dedupe_key(read) == callbacks.dedupe_key(read)
    dtmf = one(INITIATE | {"eventType": "dtmf", "digit": "5"})
    assert isinstance(dtmf, events.UnknownEvent)
    assert PARSER.dedupe_key(dtmf) == voice_callbacks.voice_dedupe_key(dtmf)


@pytest.mark.parametrize("outcome", ["stored", "duplicate"])
def test_an_inbound_call_rings_unanswered_until_the_operator_decides(outcome: Any) -> None:
    root = bxml(PARSER.callback_reply(one(INITIATE), outcome))
    assert root.tag == "Response"
    [ring] = list(root)
    assert ring.tag == "Ring"
    assert ring.attrib == {"duration": str(RING_SECONDS), "answerCall": "false"}


@pytest.mark.parametrize("payload", [ANSWER, REDIRECT, GATHER, TRANSFER_COMPLETE])
def test_a_live_call_is_held_for_the_consoles_call_control(payload: dict[str, Any]) -> None:
    for outcome in ("stored", "duplicate"):
        root = bxml(PARSER.callback_reply(one(payload), outcome))  # type: ignore[arg-type]
        [pause] = list(root)
        assert (root.tag, pause.tag, pause.attrib) == (
            "Response",
            "Pause",
            {"duration": str(HOLD_SECONDS)},
        )


def test_the_b_leg_gets_an_empty_document_so_the_bridge_proceeds() -> None:
    root = bxml(PARSER.callback_reply(one(TRANSFER_ANSWER), "stored"))
    assert (root.tag, list(root), root.attrib) == ("Response", [], {})


def test_asynchronous_voice_events_get_an_empty_answer() -> None:
    dtmf = one(INITIATE | {"eventType": "dtmf", "digit": "5"})
    for event in (one(DISCONNECT), one(TRANSFER_DISCONNECT), dtmf):
        assert PARSER.callback_reply(event, "stored") == CallbackReply()


def test_messaging_events_leave_the_answer_to_the_server() -> None:
    raw = body([RECEIVED, DELIVERED, RECEIVED | {"type": "message-read"}])
    for event in PARSER.parse_json_body(raw):
        assert PARSER.callback_reply(event, "stored") is None


def test_ring_and_hold_are_within_bxml_bounds() -> None:
    # §4.9: Ring and Pause durations are 0.1-86400 s.
    assert 0.1 <= RING_SECONDS <= 86400
    assert 0.1 <= HOLD_SECONDS <= 86400


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(["eventType", "type", "callId", "eventTime", "time", "message", "to"])


@given(
    st.one_of(
        JSON_VALUES,
        st.dictionaries(FIELDS, JSON_VALUES).map(lambda d: INITIATE | d),
        st.lists(st.dictionaries(FIELDS, JSON_VALUES).map(lambda d: RECEIVED | d), max_size=3),
    )
)
def test_any_json_is_events_or_a_callback_error_never_a_crash(payload: object) -> None:
    try:
        parsed = PARSER.parse_json_body(body(payload))
    except CallbackError:
        return
    assert parsed
    for event in parsed:
        PARSER.dedupe_key(event)
        reply = PARSER.callback_reply(event, "stored")
        assert reply is None or isinstance(reply, CallbackReply)
