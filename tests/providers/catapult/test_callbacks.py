from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core import events
from smsconsole.providers.catapult.callbacks import (
    CallbackError,
    dedupe_key,
    parse_callback,
    parse_json_body,
    parse_query,
)

FIXTURES = Path(__file__).parent / "fixtures"
U = "https://api.catapult.inetwork.com/v1/users/u-ujzdegxdncf32epf3dhodzd"
APP = "a-ocis2jhtlgmxgedn73u55xt"
REMOTE, OURS = "+14155550123", "+19195550187"
IN_CALL, OUT_CALL = "c-mpzom7wbbr6qmw4wxfogo6m", "c-6tfjgvq6kbnxjbtfqxkwovo"
CONF = "conf-mylouwcyehodinflp7kkfig"
REC = "rec-op5ximx7jqyvv5kivneglaj"
TR = "tr-4pwofmsp5q632mettriqg7n"

ListStyle = Literal["repeat", "bracket", "json"]


# Read once: the property tests' strategies draw fixtures thousands of times, and a file read
# per draw made Hypothesis's too_slow health check fail on a loaded machine.
FIXTURE_TEXTS = {path.stem: path.read_text() for path in FIXTURES.glob("*.json")}


def load(name: str) -> dict[str, Any]:
    """A fresh copy of one fixture's payload (callers change it)."""
    payload: dict[str, Any] = json.loads(FIXTURE_TEXTS[name])
    return payload


def query_pairs(payload: dict[str, Any], list_style: ListStyle = "repeat") -> list[tuple[str, str]]:
    """Send ``payload`` the way v1 does on a GET callback and read it back as a server would.

    Strings go as they are, numbers and booleans through ``str()``, objects as JSON (§8:
    ``diversion``), lists as repeated parameters, as ``[a, b]`` or as a JSON list (§6.4).
    """
    pairs: list[tuple[str, str]] = []
    for key, value in payload.items():
        if isinstance(value, list):
            if list_style == "repeat":
                pairs.extend((key, str(item)) for item in value)
            elif list_style == "bracket":
                pairs.append((key, "[" + ", ".join(value) + "]"))
            else:
                pairs.append((key, json.dumps(value)))
        elif isinstance(value, dict):
            pairs.append((key, json.dumps(value)))
        elif value is not None:
            pairs.append((key, str(value)))
    return parse_qsl(urlencode(pairs), keep_blank_values=True)


def call_uri(call_id: str) -> str:
    return f"{U}/calls/{call_id}"


EXPECTED: dict[str, events.CallbackEvent] = {
    "sms_inbound": events.MessageEvent(
        event_type="sms",
        direction="in",
        message_id="m-khvdgajgxbenyjqwx6hh756",
        message_uri=f"{U}/messages/m-khvdgajgxbenyjqwx6hh756",
        from_=REMOTE,
        to=OURS,
        text="STOP",
        application_id=APP,
        time=datetime(2016, 5, 3, 14, 5, 40, 112000, tzinfo=UTC),
        state="received",
        segment_count=1,
    ),
    "mms_inbound": events.MessageEvent(
        event_type="mms",
        direction="in",
        message_id="m-6ltm2qp7w2ntven5jn2dw25",
        message_uri=f"{U}/messages/m-6ltm2qp7w2ntven5jn2dw25",
        from_=REMOTE,
        to=OURS,
        text="Our new sign",
        media=(
            f"{U}/media/IMG_0412-m-6ltm2qp7w2ntven5jn2dw25.jpg",
            f"{U}/media/123_1-m-6ltm2qp7w2ntven5jn2dw25.smil",
        ),
        application_id=APP,
        time=datetime(2016, 5, 3, 14, 7, 12, 841000, tzinfo=UTC),
        state="received",
        segment_count=1,
    ),
    "sms_outbound_sent": events.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="m-lqsaj2xuid5zzzzg6zdmen4",
        message_uri=f"{U}/messages/m-lqsaj2xuid5zzzzg6zdmen4",
        from_=OURS,
        to=REMOTE,
        text="Your code is 4821",
        time=datetime(2016, 5, 3, 14, 2, 11, tzinfo=UTC),
        state="sent",
        tag="otp-7781",
        segment_count=1,
    ),
    "sms_delivery_receipt": events.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="m-lqsaj2xuid5zzzzg6zdmen4",
        message_uri=f"{U}/messages/m-lqsaj2xuid5zzzzg6zdmen4",
        from_=OURS,
        to=REMOTE,
        text="Your code is 4821",
        time=datetime(2016, 5, 3, 14, 2, 11, tzinfo=UTC),
        state="sent",
        delivery_state="not-delivered",
        delivery_code="720",
        delivery_description="Invalid destination number",
        tag="otp-7781",
        segment_count=1,
    ),
    "getting_started_sms": events.MessageEvent(
        event_type="sms",
        direction="in",
        message_id="{messageId}",
        message_uri="https://api.catapult.inetwork.com/v1/users/{userId}/messages/{messageId}",
        from_="+13233326955",
        to="+13865245000",
        text="Example",
        application_id="{appId}",
        time=datetime(2012, 11, 14, 16, 13, 6, 76000, tzinfo=UTC),
        state="received",
    ),
    "getting_started_incomingcall": events.IncomingCallEvent(
        call_id="{callId}",
        call_uri="https://api.catapult.inetwork.com/v1/users/{userId}/calls/{callId}",
        from_="+13233326955",
        to="+13865245000",
        call_state="active",
        application_id="{appId}",
        time=datetime(2012, 11, 14, 16, 21, 59, 616000, tzinfo=UTC),
    ),
    "incomingcall": events.IncomingCallEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        from_=REMOTE,
        to=OURS,
        call_state="active",
        application_id=APP,
        time=datetime(2016, 5, 3, 16, 10, 0, 120000, tzinfo=UTC),
    ),
    "incomingcall_diversion": events.IncomingCallEvent(
        call_id="c-hiuyvwmu32un2oncobqu2hv",
        call_uri=call_uri("c-hiuyvwmu32un2oncobqu2hv"),
        from_=REMOTE,
        to=OURS,
        call_state="active",
        application_id=APP,
        time=datetime(2018, 3, 12, 9, 30, 0, 250000, tzinfo=UTC),
        diversion=events.Diversion(
            original_to="+19195550100",
            reason="unconditional",
            screen="no",
            privacy="off",
            counter=1,
            limit=3,
        ),
    ),
    "answer": events.AnswerEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        from_=REMOTE,
        to=OURS,
        call_state="active",
        time=datetime(2016, 5, 3, 16, 10, 0, 480000, tzinfo=UTC),
    ),
    "timeout": events.TimeoutEvent(
        call_id=OUT_CALL,
        call_uri=call_uri(OUT_CALL),
        from_=OURS,
        to=REMOTE,
        tag="callback-request",
        time=datetime(2016, 5, 3, 15, 1, 1, tzinfo=UTC),
    ),
    "hangup": events.HangupEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        from_=REMOTE,
        to=OURS,
        cause="NORMAL_CLEARING",
        call_state="completed",
        time=datetime(2016, 5, 3, 16, 10, 40, 300000, tzinfo=UTC),
    ),
    "hangup_rejected": events.HangupEvent(
        call_id="c-42inktzmlw5ahvao2cn57d3",
        call_uri=call_uri("c-42inktzmlw5ahvao2cn57d3"),
        from_=REMOTE,
        to=OURS,
        cause="CALL_REJECTED",
        call_state="completed",
        time=datetime(2016, 5, 3, 16, 20, 3, 15000, tzinfo=UTC),
    ),
    "playback": events.PlaybackEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        status="done",
        tag="hold-music",
        time=datetime(2016, 5, 3, 16, 10, 20, 700000, tzinfo=UTC),
    ),
    "speak": events.SpeakEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        status="started",
        state="PLAYBACK_START",
        tag="greeting",
        time=datetime(2016, 5, 3, 16, 10, 1, 2000, tzinfo=UTC),
    ),
    "dtmf": events.DtmfEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        dtmf_digit="5",
        time=datetime(2016, 5, 3, 16, 10, 12, 404000, tzinfo=UTC),
    ),
    "gather": events.GatherEvent(
        call_id=OUT_CALL,
        call_uri=call_uri(OUT_CALL),
        gather_id="gtr-vn6a6wfhym6l3vfz5zfkkib",
        state="completed",
        digits="4821",
        reason="terminating-digit",
        tag="pin",
        time=datetime(2016, 5, 3, 15, 0, 27, tzinfo=UTC),
    ),
    "gather_bxml": events.GatherEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        state="completed",
        digits="12",
        reason="max-digits",
        terminating_digit="#",
        time=datetime(2016, 5, 3, 16, 10, 15, 20000, tzinfo=UTC),
    ),
    "recording": events.RecordingEvent(
        call_id=OUT_CALL,
        call_uri=call_uri(OUT_CALL),
        recording_id=REC,
        recording_uri=f"{U}/recordings/{REC}",
        state="complete",
        start_time=datetime(2016, 5, 3, 15, 0, 10, tzinfo=UTC),
        end_time=datetime(2016, 5, 3, 15, 1, 25, tzinfo=UTC),
        time=datetime(2016, 5, 3, 15, 1, 26, 118000, tzinfo=UTC),
    ),
    "transcription": events.TranscriptionEvent(
        transcription_id=TR,
        transcription_uri=f"{U}/recordings/{REC}/transcriptions/{TR}",
        recording_id=REC,
        state="completed",
        text="Hi, this is Sam, please call me back about the order.",
        text_size=52,
        text_url=f"{U}/media/{TR}.txt",
        time=datetime(2016, 5, 3, 15, 2, 40, tzinfo=UTC),
    ),
    "transfer_complete": events.TransferCompleteEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        from_=OURS,
        to="+13865245000",
        call_state="active",
        time=datetime(2016, 5, 3, 16, 12, 0, 900000, tzinfo=UTC),
    ),
    "redirect": events.RedirectEvent(
        call_id=IN_CALL,
        call_uri=call_uri(IN_CALL),
        from_=REMOTE,
        to=OURS,
        call_state="active",
        time=datetime(2016, 5, 3, 16, 10, 30, 10000, tzinfo=UTC),
    ),
    "conference": events.ConferenceEvent(
        conference_id=CONF,
        conference_uri=f"{U}/conferences/{CONF}",
        status="completed",
        created_time=datetime(2016, 5, 3, 17, 0, 0, tzinfo=UTC),
        completed_time=datetime(2016, 5, 3, 17, 45, 12, tzinfo=UTC),
        time=datetime(2016, 5, 3, 17, 45, 12, 330000, tzinfo=UTC),
    ),
    "conference_member": events.ConferenceMemberEvent(
        conference_id=CONF,
        member_id="member-bgluahrbldgnnm5l6ur54nz",
        member_uri=f"{U}/conferences/{CONF}/members/member-bgluahrbldgnnm5l6ur54nz",
        call_id="c-vavqkog3eilbvtq7kx537uk",
        state="active",
        hold=False,
        mute=True,
        active_members=2,
        time=datetime(2016, 5, 3, 17, 2, 31, 870000, tzinfo=UTC),
    ),
    "conference_playback": events.ConferencePlaybackEvent(
        conference_id=CONF,
        conference_uri=f"{U}/conferences/{CONF}",
        status="started",
        time=datetime(2016, 5, 3, 17, 1, 0, 50000, tzinfo=UTC),
    ),
    "conference_speak": events.ConferenceSpeakEvent(
        conference_id=CONF,
        conference_uri=f"{U}/conferences/{CONF}",
        status="done",
        time=datetime(2016, 5, 3, 17, 1, 4, 990000, tzinfo=UTC),
    ),
}
NAMES = sorted(EXPECTED)


def test_every_fixture_file_has_an_expected_event() -> None:
    assert sorted(path.stem for path in FIXTURES.glob("*.json")) == NAMES


def test_fixtures_cover_every_event_class() -> None:
    covered = {type(event) for event in EXPECTED.values()}
    assert covered == set(get_args(events.CallbackEvent)) - {events.UnknownEvent}


@pytest.mark.parametrize("name", NAMES)
def test_fixture_parses_from_a_post_body(name: str) -> None:
    assert parse_json_body((FIXTURES / f"{name}.json").read_bytes()) == EXPECTED[name]


@pytest.mark.parametrize("list_style", ["repeat", "bracket", "json"])
@pytest.mark.parametrize("name", NAMES)
def test_fixture_parses_from_a_get_query(name: str, list_style: ListStyle) -> None:
    assert parse_query(query_pairs(load(name), list_style)) == EXPECTED[name]


def test_getting_started_placeholders_are_kept_as_strings() -> None:
    event = parse_json_body((FIXTURES / "getting_started_sms.json").read_bytes())
    assert isinstance(event, events.MessageEvent)
    assert (event.message_id, event.application_id) == ("{messageId}", "{appId}")


def test_rejection_is_a_hangup_that_says_so() -> None:
    rejected = parse_callback(load("hangup_rejected"))
    assert isinstance(rejected, events.HangupEvent)
    assert rejected.rejected
    assert not events.HangupEvent(call_id="c-x", cause="NORMAL_CLEARING").rejected


# --- quirks (§1.3, §1.7, §1.11) ---------------------------------------------------------


def test_numbers_and_booleans_may_be_strings() -> None:
    payload = load("conference_member") | {"hold": "TRUE", "mute": "false", "activeMembers": "7"}
    event = parse_callback(payload)
    assert isinstance(event, events.ConferenceMemberEvent)
    assert (event.hold, event.mute, event.active_members) == (True, False, 7)
    sms = parse_callback(load("sms_inbound") | {"segmentCount": "3"})
    assert isinstance(sms, events.MessageEvent)
    assert sms.segment_count == 3


def test_enums_arrive_in_any_case_and_are_read_canonically() -> None:
    event = parse_callback(
        load("sms_inbound") | {"eventType": "SMS", "direction": "IN", "state": "Received"}
    )
    assert event == EXPECTED["sms_inbound"]
    speak = parse_callback(
        load("speak") | {"eventType": "Speak", "status": "STARTED", "state": "playback_start"}
    )
    assert speak == EXPECTED["speak"]
    transfer = parse_callback(load("transfer_complete") | {"eventType": "TRANSFERCOMPLETE"})
    assert transfer == EXPECTED["transfer_complete"]
    member = parse_callback(load("conference_member") | {"eventType": "Conference-Member"})
    assert member == EXPECTED["conference_member"]


def test_hangup_cause_is_upper_case() -> None:
    event = parse_callback(load("hangup") | {"cause": "normal_clearing"})
    assert isinstance(event, events.HangupEvent)
    assert event.cause == "NORMAL_CLEARING"


def test_nulls_are_not_supplied() -> None:
    # The Python SDK style: every optional field present as null.
    nulls = {"media": None, "tag": None, "deliveryState": None, "deliveryCode": None,
             "segmentCount": None, "applicationId": None, "time": None}  # fmt: skip
    event = parse_callback(load("sms_outbound_sent") | nulls)
    assert isinstance(event, events.MessageEvent)
    assert (event.media, event.tag, event.delivery_state, event.delivery_code) == (
        (),
        None,
        None,
        None,
    )
    assert (event.segment_count, event.application_id, event.time) == (None, None, None)


def test_blank_optional_strings_are_not_supplied_but_blank_text_is_text() -> None:
    event = parse_callback(load("sms_inbound") | {"tag": "", "text": "", "messageUri": "  "})
    assert isinstance(event, events.MessageEvent)
    assert (event.tag, event.text, event.message_uri) == (None, "", None)


@pytest.mark.parametrize(
    ("code", "expected"), [(720, "720"), (0, "0"), (775.0, "775"), (" 902 ", "902")]
)
def test_delivery_code_as_number_or_string(code: object, expected: str) -> None:
    event = parse_callback(load("sms_delivery_receipt") | {"deliveryCode": code})
    assert isinstance(event, events.MessageEvent)
    assert event.delivery_code == expected


def test_older_receipt_shape_puts_the_delivery_state_in_state() -> None:
    # DEV howto/smsDLR (§6.3): "state":"not-delivered", "errorcode", "error".
    payload = load("sms_outbound_sent") | {
        "state": "not-delivered",
        "errorcode": "720",
        "error": "Invalid Service Type",
    }
    event = parse_callback(payload)
    assert isinstance(event, events.MessageEvent)
    assert (event.state, event.delivery_state) == ("sent", "not-delivered")
    assert (event.delivery_code, event.delivery_description) == ("720", "Invalid Service Type")


@pytest.mark.parametrize(
    ("sent", "instant"),
    [
        ("2015-09-14T21:28:35Z", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        ("2013-02-08T13:15:47.587Z", datetime(2013, 2, 8, 13, 15, 47, 587000, tzinfo=UTC)),
        ("2015-10-05T20:37:39.0000000Z", datetime(2015, 10, 5, 20, 37, 39, tzinfo=UTC)),
        ("2015-09-14T23:28:35+02:00", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        ("2015-09-14T21:28:35", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        ("2015-09-14 21:28:35", datetime(2015, 9, 14, 21, 28, 35, tzinfo=UTC)),
        (1419032854964, datetime(2014, 12, 19, 23, 47, 34, 964000, tzinfo=UTC)),
        ("1419032854964", datetime(2014, 12, 19, 23, 47, 34, 964000, tzinfo=UTC)),
    ],
)
def test_times_in_every_form_are_utc_instants(sent: object, instant: datetime) -> None:
    event = parse_callback(load("dtmf") | {"time": sent})
    assert event.time == instant
    assert event.time is not None
    assert event.time.tzinfo is UTC


def test_an_unreadable_time_names_the_field() -> None:
    with pytest.raises(CallbackError) as caught:
        parse_callback(load("dtmf") | {"time": "yesterday"})
    assert str(caught.value) == "'time' is not a valid ISO-8601 time: 'yesterday'"
    assert caught.value.field == "time"


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ("https://x.test/a.jpg", ("https://x.test/a.jpg",)),
        (
            '["https://x.test/a.jpg", "https://x.test/b.smil"]',
            ("https://x.test/a.jpg", "https://x.test/b.smil"),
        ),
        (
            "[https://x.test/a.jpg, https://x.test/b.smil]",
            ("https://x.test/a.jpg", "https://x.test/b.smil"),
        ),
        ("[]", ()),
        ([], ()),
    ],
)
def test_media_in_every_list_form(media: object, expected: tuple[str, ...]) -> None:
    event = parse_callback(load("mms_inbound") | {"media": media})
    assert isinstance(event, events.MessageEvent)
    assert event.media == expected


@pytest.mark.parametrize("media", [[1, 2], "[https://x.test/a.jpg", {"url": "x"}])
def test_unreadable_media_is_rejected(media: object) -> None:
    with pytest.raises(CallbackError) as caught:
        parse_callback(load("mms_inbound") | {"media": media})
    assert caught.value.field == "media"


def test_diversion_may_be_a_json_string_in_a_body_too() -> None:
    payload = load("incomingcall_diversion")
    payload["diversion"] = json.dumps(payload["diversion"])
    assert parse_callback(payload) == EXPECTED["incomingcall_diversion"]


@pytest.mark.parametrize(
    ("diversion", "field"),
    [("not json", "diversion"), ([1], "diversion"), ({"counter": "many"}, "diversion.counter")],
)
def test_unreadable_diversion_names_the_field(diversion: object, field: str) -> None:
    with pytest.raises(CallbackError) as caught:
        parse_callback(load("incomingcall") | {"diversion": diversion})
    assert caught.value.field == field


def test_transcription_complete_means_completed() -> None:
    # §8 [conflict]: the BXML page says complete, REST says completed.
    event = parse_callback(load("transcription") | {"state": "complete", "status": "complete"})
    assert isinstance(event, events.TranscriptionEvent)
    assert event.state == "completed"


def test_recording_state_alone_will_do() -> None:
    payload = load("recording")
    del payload["status"]
    assert parse_callback(payload) == EXPECTED["recording"]


def test_reject_event_type_reads_as_a_rejected_hangup() -> None:
    payload = load("hangup_rejected") | {"eventType": "reject"}
    del payload["cause"]
    assert parse_callback(payload) == EXPECTED["hangup_rejected"]


def test_empty_query_values_are_not_supplied() -> None:
    pairs = [*query_pairs(load("sms_inbound")), ("tag", ""), ("deliveryState", "")]
    assert parse_query(pairs) == EXPECTED["sms_inbound"]


def test_a_repeated_scalar_query_parameter_is_rejected() -> None:
    with pytest.raises(CallbackError) as caught:
        parse_query([*query_pairs(load("sms_inbound")), ("from", "+15555550100")])
    assert caught.value.field == "from"


# --- unknown and invalid ------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["message-delivered", "error", "Playback2"])
def test_unknown_event_type_is_kept_whole(event_type: str) -> None:
    payload = {"eventType": event_type, "callId": "c-x", "extra": {"nested": [1, None]}, "n": None}
    assert parse_callback(payload) == events.UnknownEvent(event_type=event_type, raw=payload)
    from_query = parse_query([("eventType", event_type), ("a", "1"), ("a", "2")])
    assert from_query == events.UnknownEvent(
        event_type=event_type, raw={"eventType": event_type, "a": ["1", "2"]}
    )


@pytest.mark.parametrize(
    "payload", [{}, {"eventType": None}, {"eventType": "  "}, {"messageId": "m-x"}]
)
def test_missing_event_type_is_rejected(payload: dict[str, object]) -> None:
    with pytest.raises(CallbackError, match="missing field 'eventType'") as caught:
        parse_callback(payload)
    assert caught.value.field == "eventType"


def test_event_type_must_be_a_string() -> None:
    with pytest.raises(CallbackError) as caught:
        parse_callback({"eventType": ["sms"]})
    assert caught.value.field == "eventType"


REQUIRED = [
    ("sms_inbound", ("messageId",), "messageId"),
    ("sms_inbound", ("from",), "from"),
    ("sms_inbound", ("to",), "to"),
    ("sms_inbound", ("direction",), "direction"),
    ("sms_inbound", ("state",), "state"),
    ("mms_inbound", ("messageId",), "messageId"),
    ("incomingcall", ("callId",), "callId"),
    ("incomingcall", ("from",), "from"),
    ("incomingcall", ("to",), "to"),
    ("answer", ("callId",), "callId"),
    ("timeout", ("callId",), "callId"),
    ("hangup", ("callId",), "callId"),
    ("playback", ("callId",), "callId"),
    ("playback", ("status",), "status"),
    ("speak", ("status",), "status"),
    ("dtmf", ("callId",), "callId"),
    ("dtmf", ("dtmfDigit",), "dtmfDigit"),
    ("gather", ("callId",), "callId"),
    ("recording", ("callId",), "callId"),
    ("recording", ("recordingId",), "recordingId"),
    ("recording", ("state", "status"), "status"),
    ("transcription", ("transcriptionId",), "transcriptionId"),
    ("transcription", ("state", "status"), "status"),
    ("transfer_complete", ("callId",), "callId"),
    ("redirect", ("callId",), "callId"),
    ("conference", ("conferenceId",), "conferenceId"),
    ("conference", ("status",), "status"),
    ("conference_member", ("conferenceId",), "conferenceId"),
    ("conference_member", ("memberId",), "memberId"),
    ("conference_playback", ("conferenceId",), "conferenceId"),
    ("conference_playback", ("status",), "status"),
    ("conference_speak", ("conferenceId",), "conferenceId"),
    ("conference_speak", ("status",), "status"),
]


@pytest.mark.parametrize(("name", "removed", "field"), REQUIRED)
def test_a_missing_required_field_is_named(name: str, removed: tuple[str, ...], field: str) -> None:
    payload = {key: value for key, value in load(name).items() if key not in removed}
    with pytest.raises(CallbackError) as caught:
        parse_callback(payload)
    assert caught.value.field == field
    assert str(caught.value) == f"missing field '{field}' for eventType '{payload['eventType']}'"
    with pytest.raises(CallbackError) as from_query:
        parse_query(query_pairs(payload))
    assert from_query.value.field == field


def test_a_blank_required_field_is_named() -> None:
    with pytest.raises(CallbackError, match="field 'messageId' is empty for eventType 'sms'"):
        parse_callback(load("sms_inbound") | {"messageId": " "})


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("sms_inbound", "direction", "sideways"),
        ("sms_inbound", "state", "lost"),
        ("sms_inbound", "segmentCount", "many"),
        ("sms_delivery_receipt", "deliveryState", "maybe"),
        ("speak", "status", "paused"),
        ("speak", "state", "PLAYBACK_PAUSE"),
        ("conference_member", "hold", "perhaps"),
        ("transcription", "textSize", 1.5),
        ("hangup", "callState", "complete"),
        ("gather", "reason", "bored"),
        ("dtmf", "dtmfDigit", ["1", "2"]),
    ],
)
def test_an_unreadable_value_is_named(name: str, field: str, value: object) -> None:
    with pytest.raises(CallbackError) as caught:
        parse_callback(load(name) | {field: value})
    assert caught.value.field == field
    assert f"'{field}'" in str(caught.value)


def test_a_json_array_body_is_rejected_as_the_v2_shape() -> None:
    with pytest.raises(CallbackError, match=r"JSON array.*v2") as caught:
        parse_json_body(json.dumps([load("sms_inbound")]).encode())
    assert caught.value.field is None


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "not valid JSON"),
        (b"eventType=sms", "not valid JSON"),
        (b'{"eventType": "sms",', "not valid JSON"),
        (b'"sms"', "not a string"),
        (b"42", "not a number"),
        (b"null", "not null"),
        (b'{"eventType": "sms", "text": "\xff"}', "not valid UTF-8"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_rejected(body: bytes, words: str) -> None:
    with pytest.raises(CallbackError, match=words) as caught:
        parse_json_body(body)
    assert caught.value.field is None


# --- dedupe_key -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_redelivery_has_the_same_key_by_post_or_get(name: str) -> None:
    body = (FIXTURES / f"{name}.json").read_bytes()
    key = dedupe_key(parse_json_body(body))
    assert dedupe_key(parse_json_body(body)) == key
    assert dedupe_key(parse_query(query_pairs(load(name)))) == key


def test_the_same_instant_in_another_form_is_the_same_delivery() -> None:
    keys = {
        dedupe_key(parse_callback(load("dtmf") | {"time": sent}))
        for sent in ("2016-05-03T16:10:12.404Z", "2016-05-03T18:10:12.404+02:00", 1462291812404)
    }
    assert len(keys) == 1


def test_distinct_events_of_one_message_have_distinct_keys() -> None:
    sent = load("sms_outbound_sent")
    receipts = [
        sent,
        sent | {"deliveryState": "waiting"},
        sent | {"deliveryState": "delivered", "deliveryCode": "0"},
        sent | {"deliveryState": "not-delivered", "deliveryCode": "720"},
        sent | {"deliveryState": "not-delivered", "deliveryCode": "775"},
        sent | {"state": "error"},
    ]
    keys = [dedupe_key(parse_callback(payload)) for payload in receipts]
    assert len(set(keys)) == len(keys)
    assert all(key.startswith("message:m-lqsaj2xuid5zzzzg6zdmen4:") for key in keys)


def test_distinct_call_events_have_distinct_keys() -> None:
    keys = {dedupe_key(parse_callback(load(name))) for name in NAMES}
    assert len(keys) == len(NAMES)
    digits = {dedupe_key(parse_callback(load("dtmf") | {"dtmfDigit": d})) for d in "1234"}
    assert len(digits) == 4


def test_unknown_events_dedupe_on_their_content_whatever_the_key_order() -> None:
    first = parse_json_body(b'{"eventType": "x", "a": 1, "b": [2]}')
    again = parse_json_body(b'{"b": [2], "a": 1, "eventType": "x"}')
    other = parse_json_body(b'{"eventType": "x", "a": 2, "b": [2]}')
    assert dedupe_key(first) == dedupe_key(again) != dedupe_key(other)


# --- properties -----------------------------------------------------------------------------

EVENT_TYPES = sorted({load(name)["eventType"] for name in NAMES} | {"reject", "error", "SMS"})
FIELDS = sorted(
    {key for name in NAMES for key in load(name)} | {"errorcode", "error", "deliveryCode"}
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
wire_strings = st.sampled_from(
    ["", " ", "true", "False", "0", "1.5", "-3", "1419032854964", "2016-05-03T14:05:40Z",
     "[a, b]", '["a"]', "[", "{}", '{"counter": "x"}', "in", "OUT", "sent", "not-delivered",
     "started", "done", "complete", "PLAYBACK_START", "hung-up", "9" * 5000]
)  # fmt: skip
wire_values = json_values | wire_strings


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    """A fixture with some fields replaced, removed or added — or a random object."""
    if draw(st.booleans()):
        return draw(
            st.dictionaries(st.sampled_from(["eventType", *FIELDS]) | st.text(), wire_values)
        )
    payload = load(draw(st.sampled_from(NAMES)))
    for key in draw(st.lists(st.sampled_from(["eventType", *FIELDS]), max_size=4, unique=True)):
        if draw(st.booleans()):
            payload.pop(key, None)
        else:
            payload[key] = draw(st.sampled_from(EVENT_TYPES) if key == "eventType" else wire_values)
    return payload


def check_event(event: events.CallbackEvent) -> None:
    """What a parsed event must always allow: serialising, reading back, keying."""
    assert events.decode_event(events.encode_event(event)) == event
    assert dedupe_key(event) == dedupe_key(event)


@given(payloads())
def test_any_object_parses_or_raises_callback_error(payload: dict[str, Any]) -> None:
    try:
        event = parse_callback(payload)
    except CallbackError:
        return
    check_event(event)


@given(payloads())
def test_any_json_body_parses_or_raises_callback_error(payload: dict[str, Any]) -> None:
    try:
        event = parse_json_body(json.dumps(payload).encode())
    except CallbackError:
        return
    check_event(event)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_callback_error(body: bytes) -> None:
    try:
        event = parse_json_body(body)
    except CallbackError:
        return
    check_event(event)


@given(
    payloads(),
    st.sampled_from(["repeat", "bracket", "json"]),
    st.lists(
        st.tuples(st.sampled_from(FIELDS) | st.text(max_size=8), st.text(max_size=20)), max_size=4
    ),
)
def test_any_query_parses_or_raises_callback_error(
    payload: dict[str, Any], list_style: ListStyle, extra: list[tuple[str, str]]
) -> None:
    try:
        pairs = query_pairs(payload, list_style)
    except TypeError:  # a list of non-strings has no bracket form
        pairs = query_pairs(payload, "repeat")
    try:
        event = parse_query(pairs + extra)
    except CallbackError:
        return
    check_event(event)


def test_a_lone_surrogate_in_embedded_json_never_reaches_an_event() -> None:
    # An event holding one could not be encoded, so neither stored nor keyed.
    with pytest.raises(CallbackError) as caught:
        parse_callback(load("incomingcall") | {"diversion": '{"origTo": "\\ud800"}'})
    assert caught.value.field == "diversion"
    event = parse_callback(load("mms_inbound") | {"media": '["\\ud800"]'})
    assert isinstance(event, events.MessageEvent)
    assert all(url.encode() for url in event.media)
    assert dedupe_key(event).startswith("message:")
