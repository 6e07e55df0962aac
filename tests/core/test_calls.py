"""A call's state only moves forward, whatever order its events arrive in: pure, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core import events as domain
from smsconsole.core.calls import ENDED, Call, advance_call, new_call, transferring
from smsconsole.core.clock import iso_utc

T0 = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
NOW = "2026-11-27T13:00:00.000Z"  # when an event without a time of its own reached us
OURS, THEIRS = "+19195550187", "+14155550123"


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def incoming(seconds: int | None = 0) -> domain.IncomingCallEvent:
    return domain.IncomingCallEvent(
        call_id="c-1", from_=THEIRS, to=OURS, time=None if seconds is None else at(seconds)
    )


def answer(seconds: int | None = 2) -> domain.AnswerEvent:
    return domain.AnswerEvent(call_id="c-1", time=None if seconds is None else at(seconds))


def hangup(seconds: int | None = 30, cause: str = "NORMAL_CLEARING") -> domain.HangupEvent:
    return domain.HangupEvent(
        call_id="c-1", cause=cause, time=None if seconds is None else at(seconds)
    )


def timeout(seconds: int = 60) -> domain.TimeoutEvent:
    return domain.TimeoutEvent(call_id="c-1", time=at(seconds))


def started(event: domain.CallEvent | None = None) -> Call:
    return new_call("call-1", event or incoming(), "in", THEIRS, OURS, NOW)


def replay(call: Call, history: list[domain.CallEvent]) -> Call:
    for event in history:
        call = advance_call(call, event, NOW)
    return call


def test_a_new_call_starts_at_the_providers_time_with_its_id() -> None:
    call = started()
    assert (call.id, call.provider_id, call.direction, call.from_, call.to) == (
        "call-1",
        "c-1",
        "in",
        THEIRS,
        OURS,
    )
    assert (call.state, call.start_time, call.active_time, call.end_time) == (
        "started",
        iso_utc(T0),
        None,
        None,
    )
    assert not call.ended


def test_a_new_call_without_a_provider_time_starts_when_we_heard_of_it() -> None:
    assert started(incoming(None)).start_time == NOW


def test_answer_makes_it_active_at_the_answer_time() -> None:
    call = advance_call(started(), answer(), NOW)
    assert (call.state, call.active_time, call.end_time) == ("active", iso_utc(at(2)), None)


def test_an_answer_without_a_time_takes_the_time_it_reached_us() -> None:
    assert advance_call(started(), answer(None), NOW).active_time == NOW


def test_hangup_completes_it_with_its_cause() -> None:
    call = replay(started(), [answer(), hangup()])
    assert (call.state, call.cause, call.end_time) == (
        "completed",
        "NORMAL_CLEARING",
        iso_utc(at(30)),
    )
    assert call.ended


def test_a_rejected_hangup_ends_it_rejected() -> None:
    call = advance_call(started(), hangup(cause=domain.REJECTED_CAUSE), NOW)
    assert (call.state, call.cause) == ("rejected", domain.REJECTED_CAUSE)
    assert call.active_time is None


def test_a_timeout_completes_an_unanswered_call_as_no_answer() -> None:
    call = advance_call(started(), timeout(), NOW)
    assert (call.state, call.cause, call.end_time) == ("completed", "NO_ANSWER", iso_utc(at(60)))


def test_hangup_before_answer_stays_ended_and_keeps_the_late_answer_time() -> None:
    # The pure rule tests/store/test_sqlite.py checks the store applies.
    call = replay(started(), [hangup(), answer()])
    assert (call.state, call.active_time, call.end_time) == (
        "completed",
        iso_utc(at(2)),
        iso_utc(at(30)),
    )


def test_an_ended_call_keeps_its_first_end_and_cause() -> None:
    call = replay(started(), [hangup(30), hangup(45, cause="USER_BUSY"), timeout(60)])
    assert (call.state, call.cause, call.end_time) == (
        "completed",
        "NORMAL_CLEARING",
        iso_utc(at(30)),
    )


def test_a_second_answer_keeps_the_first_answer_time() -> None:
    call = replay(started(), [answer(2), answer(9)])
    assert call.active_time == iso_utc(at(2))


@pytest.mark.parametrize(
    "event",
    [
        domain.SpeakEvent(call_id="c-1", status="started", time=at(5)),
        domain.PlaybackEvent(call_id="c-1", status="done", time=at(5)),
        domain.DtmfEvent(call_id="c-1", dtmf_digit="5", time=at(5)),
        domain.GatherEvent(call_id="c-1", digits="12", time=at(5)),
        domain.TransferCompleteEvent(call_id="c-1", time=at(5)),
        incoming(5),
    ],
    ids=lambda event: type(event).__name__,
)
def test_events_that_are_not_answer_or_end_leave_the_state(event: domain.CallEvent) -> None:
    call = advance_call(started(), answer(), NOW)
    assert advance_call(call, event, NOW) == call


def test_transferring_an_active_call() -> None:
    call = transferring(advance_call(started(), answer(), NOW))
    assert call.state == "transferring"
    assert advance_call(call, answer(3), NOW).state == "transferring"  # no step back
    assert advance_call(call, hangup(), NOW).state == "completed"


def test_transferring_an_ended_call_leaves_it_ended() -> None:
    call = advance_call(started(), hangup(), NOW)
    assert transferring(call) == call


@pytest.mark.parametrize("state", sorted(ENDED))
def test_every_ended_state_is_final(state: domain.CallState) -> None:
    call = Call(id="call-1", direction="in", from_=THEIRS, to=OURS, state=state)
    assert call.ended
    assert replay(call, [answer(), hangup(), timeout()]).state == state
    assert transferring(call).state == state


EVENTS = st.sampled_from(
    [
        answer(2),
        answer(None),
        hangup(30),
        hangup(31, cause=domain.REJECTED_CAUSE),
        timeout(60),
        domain.SpeakEvent(call_id="c-1", status="done", time=at(10)),
    ]
)
RANK = {"started": 0, "active": 1, "transferring": 2, "completed": 3, "rejected": 3, "error": 3}


@given(st.lists(EVENTS, max_size=8))
def test_the_state_never_moves_back_and_times_once_set_stay(
    history: list[domain.CallEvent],
) -> None:
    call = started()
    for event in history:
        after = advance_call(call, event, NOW)
        assert RANK[after.state] >= RANK[call.state]
        for field in ("start_time", "active_time", "end_time", "cause"):
            if getattr(call, field) is not None:
                assert getattr(after, field) == getattr(call, field)
        if call.ended:
            assert after.state == call.state
        call = after


@given(st.permutations([answer(2), hangup(30)]))
def test_answer_and_hangup_in_either_order_end_the_same(history: list[domain.CallEvent]) -> None:
    assert replay(started(), history) == replay(started(), [answer(2), hangup(30)])


@given(st.lists(EVENTS, min_size=1, max_size=8))
def test_an_end_in_the_history_means_an_ended_call(history: list[domain.CallEvent]) -> None:
    call = replay(started(), history)
    ends = any(isinstance(event, domain.HangupEvent | domain.TimeoutEvent) for event in history)
    assert call.ended == ends
    answered = any(isinstance(event, domain.AnswerEvent) for event in history)
    assert (call.active_time is not None) == answered
