from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core import events
from smsconsole.providers.bandwidth.voice_callbacks import (
    CallbackError,
    parse_voice_body,
    parse_voice_query,
    voice_dedupe_key,
)

APP = "7fc9698a-b04a-468b-9e8f-91238c0d0086"
OURS, REMOTE, FAR = "+19195550187", "+14155550123", "+19195550100"
A_LEG = "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"
B_LEG = "c-15ac29a2-1a31c52e-0e1c-4b39-9ed6-5d4b4f2a7a11"
CALL_URL = f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/{A_LEG}"
B_URL = f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/{B_LEG}"

# docs/bandwidth-v2.md §4.6: the two examples, and the other types built on the same fields.
INITIATE: dict[str, Any] = {
    "eventType": "initiate",
    "eventTime": "2026-12-02T07:40:11.554Z",
    "accountId": "9900000",
    "applicationId": APP,
    "from": REMOTE,
    "to": OURS,
    "direction": "inbound",
    "callId": A_LEG,
    "callUrl": CALL_URL,
    "startTime": "2026-12-02T07:40:10.234Z",
}
DISCONNECT: dict[str, Any] = INITIATE | {
    "eventType": "disconnect",
    "eventTime": "2026-12-02T07:42:55.533Z",
    "answerTime": "2026-12-02T07:40:21.010Z",
    "endTime": "2026-12-02T07:42:54.123Z",
    "cause": "hangup",
}
ANSWER: dict[str, Any] = INITIATE | {
    "eventType": "answer",
    "eventTime": "2026-12-02T07:40:21.100Z",
    "direction": "outbound",
    "from": OURS,
    "to": REMOTE,
    "answerTime": "2026-12-02T07:40:21.010Z",
    "tag": "call-7",
}
REDIRECT: dict[str, Any] = INITIATE | {
    "eventType": "redirect",
    "eventTime": "2026-12-02T07:41:00.000Z",
    "answerTime": "2026-12-02T07:40:21.010Z",
}
GATHER: dict[str, Any] = REDIRECT | {
    "eventType": "gather",
    "eventTime": "2026-12-02T07:41:30.000Z",
    "digits": "123",
    "terminatingDigit": "#",
}
TRANSFER_ANSWER: dict[str, Any] = INITIATE | {
    "eventType": "transferAnswer",
    "eventTime": "2026-12-02T07:41:40.000Z",
    "callId": B_LEG,
    "callUrl": B_URL,
    "parentCallId": A_LEG,
    "direction": "outbound",
    "from": OURS,
    "to": FAR,
    "transferCallerId": OURS,
    "transferTo": FAR,
    "answerTime": "2026-12-02T07:41:39.000Z",
}
TRANSFER_COMPLETE: dict[str, Any] = INITIATE | {
    "eventType": "transferComplete",
    "eventTime": "2026-12-02T07:42:10.000Z",
    "transferCallerId": OURS,
    "transferTo": FAR,
    "cause": "busy",
}
TRANSFER_DISCONNECT: dict[str, Any] = {
    k: v for k, v in TRANSFER_ANSWER.items() if k not in {"accountId", "applicationId"}
} | {
    "eventType": "transferDisconnect",
    "eventTime": "2026-12-02T07:42:09.000Z",
    "endTime": "2026-12-02T07:42:09.000Z",
    "cause": "hangup",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def parse(payload: dict[str, Any]) -> events.CallbackEvent:
    return parse_voice_body(json.dumps(payload).encode())


# --- each type ------------------------------------------------------------------------------


def test_initiate_is_an_incoming_call() -> None:
    assert parse(INITIATE) == events.IncomingCallEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:40:11.554+00:00"),
        from_=REMOTE,
        to=OURS,
        call_state="started",
        application_id=APP,
    )


def test_initiate_keeps_its_diversion() -> None:
    diverted = INITIATE | {
        "diversion": {"origTo": "+19195550111", "reason": "user-busy", "counter": "2"}
    }
    event = parse(diverted)
    assert isinstance(event, events.IncomingCallEvent)
    assert event.diversion == events.Diversion(
        original_to="+19195550111", reason="user-busy", counter=2
    )


def test_answer_is_an_active_call_with_its_tag() -> None:
    assert parse(ANSWER) == events.AnswerEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:40:21.100+00:00"),
        tag="call-7",
        from_=OURS,
        to=REMOTE,
        call_state="active",
    )


def test_disconnect_by_hangup_is_a_normal_clearing() -> None:
    event = parse(DISCONNECT)
    assert event == events.HangupEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:42:55.533+00:00"),
        from_=REMOTE,
        to=OURS,
        cause="NORMAL_CLEARING",
        call_state="completed",
    )
    assert not event.rejected


def test_disconnect_rejected_means_the_core_rejection() -> None:
    event = parse(DISCONNECT | {"cause": "rejected"})
    assert isinstance(event, events.HangupEvent)
    assert event.rejected
    assert event.cause == events.REJECTED_CAUSE
    assert event.call_state == "rejected"


@pytest.mark.parametrize(
    ("cause", "core", "state"),
    [
        ("busy", "USER_BUSY", "completed"),
        ("timeout", "NO_ANSWER", "completed"),
        ("cancel", "ORIGINATOR_CANCEL", "completed"),
        ("Hangup", "NORMAL_CLEARING", "completed"),
        ("callback-error", "CALLBACK_ERROR", "error"),
        ("invalid-bxml", "INVALID_BXML", "error"),
        ("application-error", "APPLICATION_ERROR", "error"),
        ("account-limit", "ACCOUNT_LIMIT", "error"),
        ("node-capacity-exceeded", "NODE_CAPACITY_EXCEEDED", "error"),
        ("error", "ERROR", "error"),
        ("unknown", "UNKNOWN", "error"),
        ("something-new", "SOMETHING_NEW", "completed"),
    ],
)
def test_disconnect_causes_in_core_words(cause: str, core: str, state: str) -> None:
    event = parse(DISCONNECT | {"cause": cause})
    assert isinstance(event, events.HangupEvent)
    assert (event.cause, event.call_state) == (core, state)


def test_disconnect_without_a_cause_has_none() -> None:
    event = parse({k: v for k, v in DISCONNECT.items() if k != "cause"})
    assert isinstance(event, events.HangupEvent)
    assert event.cause is None


def test_redirect_of_an_unanswered_call_is_a_redirect() -> None:
    unanswered = {k: v for k, v in REDIRECT.items() if k != "answerTime"}
    assert parse(unanswered) == events.RedirectEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:41:00+00:00"),
        from_=REMOTE,
        to=OURS,
    )


def test_redirect_of_an_answered_call_says_it_is_answered() -> None:
    # v2 sends no `answer` for an inbound call (§4.10): the redirect our answer ends with,
    # carrying answerTime, is how the core learns it; a repeated answer changes nothing.
    assert parse(REDIRECT) == events.AnswerEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:41:00+00:00"),
        from_=REMOTE,
        to=OURS,
        call_state="active",
    )


def test_gather_has_digits_and_terminating_digit() -> None:
    assert parse(GATHER) == events.GatherEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:41:30+00:00"),
        digits="123",
        terminating_digit="#",
        reason="terminating-digit",
        state="completed",
    )


def test_gather_timeout_has_empty_digits_and_no_terminating_digit() -> None:
    event = parse(GATHER | {"digits": "", "terminatingDigit": ""})
    assert isinstance(event, events.GatherEvent)
    assert (event.digits, event.terminating_digit, event.reason) == ("", None, None)


def test_transfer_answer_is_the_b_leg_answered() -> None:
    assert parse(TRANSFER_ANSWER) == events.AnswerEvent(
        call_id=B_LEG,
        call_uri=B_URL,
        time=at("2026-12-02T07:41:40+00:00"),
        from_=OURS,
        to=FAR,
        call_state="active",
    )


def test_transfer_complete_is_the_a_leg_transfer_ending() -> None:
    assert parse(TRANSFER_COMPLETE) == events.TransferCompleteEvent(
        call_id=A_LEG,
        call_uri=CALL_URL,
        time=at("2026-12-02T07:42:10+00:00"),
        from_=OURS,
        to=FAR,
        call_state="completed",
    )


def test_transfer_disconnect_is_the_b_leg_hanging_up() -> None:
    assert parse(TRANSFER_DISCONNECT) == events.HangupEvent(
        call_id=B_LEG,
        call_uri=B_URL,
        time=at("2026-12-02T07:42:09+00:00"),
        from_=OURS,
        to=FAR,
        cause="NORMAL_CLEARING",
        call_state="completed",
    )


@pytest.mark.parametrize("event_type", ["dtmf", "recordComplete", "conferenceCreated"])
def test_other_types_are_kept_whole(event_type: str) -> None:
    payload = REDIRECT | {"eventType": event_type, "extra": {"a": [1, 2]}}
    assert parse(payload) == events.UnknownEvent(
        event_type=event_type, raw=payload, time=at("2026-12-02T07:41:00+00:00")
    )


def test_event_type_is_read_in_any_case() -> None:
    assert isinstance(parse(INITIATE | {"eventType": "INITIATE"}), events.IncomingCallEvent)
    assert isinstance(parse(TRANSFER_ANSWER | {"eventType": "transferanswer"}), events.AnswerEvent)


# --- GET query form -------------------------------------------------------------------------


def test_a_query_string_reads_like_the_body() -> None:
    pairs = list(GATHER.items())
    assert parse_voice_query(pairs) == parse(GATHER)
    assert parse_voice_query(list(DISCONNECT.items())) == parse(DISCONNECT)


def test_a_query_missing_call_id_is_named() -> None:
    pairs = [(k, v) for k, v in INITIATE.items() if k != "callId"]
    with pytest.raises(CallbackError) as caught:
        parse_voice_query(pairs)
    assert caught.value.field == "callId"


def test_a_repeated_query_parameter_is_refused_and_named() -> None:
    pairs = [*INITIATE.items(), ("callId", B_LEG)]
    with pytest.raises(CallbackError) as caught:
        parse_voice_query(pairs)
    assert caught.value.field == "callId"


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (json.dumps([INITIATE]).encode(), "object"),
        (b'"initiate"', "object"),
        (b"null", "object"),
        (b"{not json", "not valid JSON"),
        (b'{"eventType": "initiate\xff"}', "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
        (b"", "JSON"),
    ],
)
def test_a_body_that_is_not_one_object_is_refused(raw: bytes, words: str) -> None:
    with pytest.raises(CallbackError, match=words) as caught:
        parse_voice_body(raw)
    assert caught.value.field is None


def test_deep_nesting_inside_an_object_is_refused_or_kept() -> None:
    raw = b'{"eventType":"x","callId":"c","eventTime":"2026-12-02T07:41:00Z","d":'
    raw += b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(CallbackError, match="nested too deeply"):
        parse_voice_body(raw)


@pytest.mark.parametrize("field", ["callId", "eventType", "eventTime"])
@pytest.mark.parametrize("payload", [INITIATE, DISCONNECT, REDIRECT | {"eventType": "dtmf"}])
def test_a_missing_common_field_is_named(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(CallbackError) as caught:
        parse({k: v for k, v in payload.items() if k != field})
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize(("payload", "field"), [(INITIATE, "from"), (INITIATE, "to")])
def test_a_missing_number_of_an_incoming_call_is_named(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(CallbackError) as caught:
        parse({k: v for k, v in payload.items() if k != field})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (INITIATE | {"callId": 42}, "callId"),
        (INITIATE | {"eventType": ["initiate"]}, "eventType"),
        (INITIATE | {"eventTime": 1701502811}, "eventTime"),
        (INITIATE | {"eventTime": "yesterday"}, "eventTime"),
        (INITIATE | {"eventTime": "2026-12-02T07:40:11"}, "eventTime"),
        (INITIATE | {"from": {"number": REMOTE}}, "from"),
        (INITIATE | {"callUrl": True}, "callUrl"),
        (INITIATE | {"diversion": "user-busy"}, "diversion"),
        (INITIATE | {"diversion": {"counter": 10**30}}, "diversion.counter"),
        (INITIATE | {"diversion": {"limit": "9" * 400}}, "diversion.limit"),
        (INITIATE | {"diversion": {"counter": -1}}, "diversion.counter"),
        (DISCONNECT | {"cause": 16}, "cause"),
        (ANSWER | {"tag": 7}, "tag"),
        (GATHER | {"digits": 123}, "digits"),
        (GATHER | {"terminatingDigit": ["#"]}, "terminatingDigit"),
        (TRANSFER_COMPLETE | {"transferTo": 19195550100}, "transferTo"),
        (TRANSFER_ANSWER | {"parentCallId": 7}, "parentCallId"),
        (TRANSFER_DISCONNECT | {"transferCallerId": False}, "transferCallerId"),
    ],
)
def test_a_value_of_the_wrong_kind_is_named(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(CallbackError) as caught:
        parse(payload)
    assert caught.value.field == field


def test_a_number_beyond_a_float_is_refused_as_the_body() -> None:
    raw = json.dumps(INITIATE).encode()[:-1] + b', "diversion": {"counter": 1e400}}'
    with pytest.raises(CallbackError, match="out of range") as caught:
        parse_voice_body(raw)
    assert caught.value.field is None


def test_a_huge_whole_number_is_refused_and_named() -> None:
    raw = json.dumps(INITIATE).encode()[:-1] + b', "diversion": {"counter": ' + b"9" * 300 + b"}}"
    with pytest.raises(CallbackError) as caught:
        parse_voice_body(raw)
    assert caught.value.field == "diversion.counter"


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_callback_error(raw: bytes) -> None:
    with contextlib.suppress(CallbackError):
        parse_voice_body(raw)


@given(
    st.dictionaries(
        st.sampled_from(["eventType", "callId", "eventTime", "from", "to", "cause", "digits"]),
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    )
)
def test_any_object_parses_or_raises_callback_error(payload: dict[str, Any]) -> None:
    with contextlib.suppress(CallbackError):
        parse(payload)


# --- dedupe key -----------------------------------------------------------------------------


def test_a_redelivery_has_the_same_key() -> None:
    assert voice_dedupe_key(parse(DISCONNECT)) == voice_dedupe_key(parse(dict(DISCONNECT)))


def test_a_redelivery_by_get_has_the_same_key() -> None:
    by_get = parse_voice_query(list(GATHER.items()))
    assert voice_dedupe_key(by_get) == voice_dedupe_key(parse(GATHER))


def test_the_same_instant_in_another_form_is_the_same_delivery() -> None:
    other = DISCONNECT | {"eventTime": "2026-12-02T02:42:55.533-05:00"}
    assert voice_dedupe_key(parse(other)) == voice_dedupe_key(parse(DISCONNECT))


def test_a_retry_with_other_fields_restamped_is_still_the_same_event() -> None:
    retried = DISCONNECT | {"endTime": "2026-12-02T07:42:59.000Z", "errorMessage": "x"}
    assert voice_dedupe_key(parse(retried)) == voice_dedupe_key(parse(DISCONNECT))


def test_distinct_events_have_distinct_keys() -> None:
    payloads = [
        INITIATE,
        ANSWER,
        DISCONNECT,
        REDIRECT,
        GATHER,
        GATHER | {"eventTime": "2026-12-02T07:41:31.000Z"},
        TRANSFER_ANSWER,
        TRANSFER_COMPLETE,
        TRANSFER_DISCONNECT,
        REDIRECT | {"eventType": "dtmf"},
        REDIRECT | {"eventType": "recordComplete"},
        INITIATE | {"callId": B_LEG},
    ]
    keys = {voice_dedupe_key(parse(p)) for p in payloads}
    assert len(keys) == len(payloads)


def test_the_key_is_short_and_names_the_call() -> None:
    key = voice_dedupe_key(parse(INITIATE | {"callId": "c" * 5000}))
    assert len(key) <= 160
    assert ":" + "c" * 10 in key
