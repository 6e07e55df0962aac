"""The ladder a message's status climbs: rank first, then the provider's time, never arrival."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core import events as domain
from smsconsole.core.clock import iso_utc
from smsconsole.core.messages import (
    Message,
    advance_message,
    message_from_event,
    settle_message,
    status_rank,
)

T0 = datetime(2016, 5, 3, 14, 5, 40, tzinfo=UTC)
OURS, THEIRS = "+19195550187", "+14155550123"


def event(
    state: domain.MessageState, seconds: int | None = 0, **fields: Any
) -> domain.MessageEvent:
    return domain.MessageEvent(
        event_type="sms",
        direction="out",
        message_id="m-1",
        from_=OURS,
        to=THEIRS,
        text="On my way",
        state=state,
        time=None if seconds is None else T0 + timedelta(seconds=seconds),
        **fields,
    )


def queued() -> Message:
    return Message(
        id="msg-1",
        conversation_id="c",
        direction="out",
        from_=OURS,
        to=THEIRS,
        text="On my way",
        state="queued",
        time=iso_utc(T0),
    )


def unknown() -> Message:
    return Message(
        id="msg-1",
        conversation_id="c",
        direction="out",
        from_=OURS,
        to=THEIRS,
        text="On my way",
        state="unknown",
        time=iso_utc(T0),
    )


def replay(start: Message, events: list[domain.MessageEvent]) -> Message:
    message = start
    for item in events:
        message = settle_message(message, item).message
    return message


def status(message: Message) -> tuple[Any, ...]:
    return (
        message.state,
        message.delivery_state,
        message.delivery_code,
        message.provider_id,
        message.status_time,
    )


def test_the_ladder() -> None:
    ranks = [
        status_rank("queued", None),
        status_rank("unknown", None),
        status_rank("sending", None),
        status_rank("sent", "waiting"),
        status_rank("sent", "delivered"),
    ]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert status_rank("error", None) == status_rank("sent", "delivered")
    assert status_rank("sent", "not-delivered") == status_rank("sent", "delivered")


def test_an_error_older_than_the_receipt_does_not_override_it() -> None:
    delivered = settle_message(
        queued(), event("sent", 5, delivery_state="delivered", delivery_code="0")
    )
    late = settle_message(delivered.message, event("error", 2, delivery_state="not-delivered"))
    assert late.message == delivered.message
    assert late.contradicted
    assert (late.message.state, late.message.delivery_state) == ("sent", "delivered")


def test_a_later_error_wins_and_says_all_of_the_outcome() -> None:
    delivered = settle_message(queued(), event("sent", 5, delivery_state="delivered")).message
    failed = settle_message(delivered, event("error", 9)).message
    assert (failed.state, failed.delivery_state) == ("error", None)


def test_ties_keep_the_first() -> None:
    first = settle_message(queued(), event("sent", 5, delivery_state="not-delivered")).message
    second = settle_message(first, event("sent", 5, delivery_state="delivered"))
    assert second.message == first
    assert second.contradicted


def test_an_event_with_a_time_beats_one_without_at_the_same_rank() -> None:
    untimed = settle_message(queued(), event("sent", None, delivery_state="delivered")).message
    timed = settle_message(untimed, event("error", 1)).message
    assert timed.state == "error"
    back = settle_message(timed, event("sent", None, delivery_state="delivered"))
    assert back.message == timed


def test_unknown_is_settled_by_any_news_from_the_provider() -> None:
    sending = settle_message(unknown(), event("sending", 1)).message
    assert (sending.state, sending.provider_id) == ("sending", "m-1")
    assert settle_message(sending, event("queued", 2)).message == sending


def test_a_stale_step_is_not_a_contradiction() -> None:
    delivered = settle_message(queued(), event("sent", 5, delivery_state="delivered")).message
    stale = settle_message(delivered, event("sending", 9))
    assert stale.message == delivered
    assert not stale.contradicted


def test_a_state_outside_the_ladder_ranks_below_it() -> None:
    assert status_rank("bogus", None) < status_rank("queued", None)
    assert status_rank("received", None) == status_rank("sent", "delivered")


def test_a_receipt_before_sent_never_moves_back() -> None:
    # The pure rule tests/store/test_sqlite.py checks the store applies.
    receipt = settle_message(queued(), event("sent", 5, delivery_state="delivered")).message
    late = advance_message(receipt, event("sending", 1))
    assert (late.state, late.delivery_state) == ("sent", "delivered")
    assert late == receipt


def test_a_final_receipt_is_not_replaced_by_a_later_arrival_of_the_same_time() -> None:
    failed = settle_message(
        queued(), event("sent", 5, delivery_state="not-delivered", delivery_code="775")
    ).message
    other = advance_message(failed, event("sent", 5, delivery_state="delivered", delivery_code="0"))
    assert (other.delivery_state, other.delivery_code) == ("not-delivered", "775")


def test_a_repeated_event_changes_nothing() -> None:
    once = advance_message(queued(), event("sent", 5))
    assert advance_message(once, event("sent", 5)) == once


def test_ids_text_and_media_once_known_are_kept() -> None:
    known = msgspec.structs.replace(queued(), provider_id="m-0", media=("https://m/1.png",))
    news = msgspec.structs.replace(event("sent", 5), text="other", media=("https://m/2.png",))
    after = advance_message(known, news)
    assert (after.provider_id, after.text, after.media) == (
        "m-0",
        "On my way",
        ("https://m/1.png",),
    )
    blank = msgspec.structs.replace(queued(), text="")
    assert advance_message(blank, event("sent", 5)).text == "On my way"


def test_a_message_first_heard_of_through_an_event() -> None:
    inbound = domain.MessageEvent(
        event_type="sms",
        direction="in",
        message_id="m-9",
        from_=THEIRS,
        to=OURS,
        text="hi",
        state="received",
        time=T0,
    )
    message = message_from_event("msg-9", inbound, "2030-01-01T00:00:00.000Z")
    assert (message.id, message.provider_id, message.direction, message.state) == (
        "msg-9",
        "m-9",
        "in",
        "received",
    )
    assert message.conversation_id == "19195550187-14155550123"  # (ours, theirs)
    assert (message.time, message.status_time) == (iso_utc(T0), iso_utc(T0))
    untimed = message_from_event("msg-9", msgspec.structs.replace(inbound, time=None), "later")
    assert (untimed.time, untimed.status_time) == ("later", None)


STATUSES: list[tuple[domain.MessageState, domain.DeliveryState | None, str | None]] = [
    ("queued", None, None),
    ("sending", None, None),
    ("sent", None, None),
    ("sent", "waiting", None),
    ("sent", "delivered", "0"),
    ("sent", "not-delivered", "775"),
    ("error", "not-delivered", "720"),
    ("error", None, None),
]


@st.composite
def histories(draw: st.DrawFn) -> list[domain.MessageEvent]:
    """Events about one message, each at its own provider time (or none, at most once a rank)."""
    chosen = draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=8))
    times = draw(
        st.lists(st.integers(0, 10_000), min_size=len(chosen), max_size=len(chosen), unique=True)
    )
    untimed_rank: set[int] = set()
    events = []
    for (state, delivery, code), seconds in zip(chosen, times, strict=True):
        rank = status_rank(state, delivery)
        when: int | None = seconds
        if draw(st.booleans()) and rank not in untimed_rank:
            untimed_rank.add(rank)
            when = None
        events.append(event(state, when, delivery_state=delivery, delivery_code=code))
    return events


@given(histories(), st.randoms(use_true_random=False), st.sampled_from([queued, unknown]))
def test_any_arrival_order_ends_in_the_same_status(
    events: list[domain.MessageEvent], shuffler: Any, start: Any
) -> None:
    in_order = replay(start(), events)
    shuffled = list(events)
    shuffler.shuffle(shuffled)
    assert status(replay(start(), shuffled)) == status(in_order)


@given(histories(), st.permutations(range(8)))
def test_the_outcome_never_contradicts_itself(
    events: list[domain.MessageEvent], order: list[int]
) -> None:
    arrival = [events[index] for index in order if index < len(events)]
    final = replay(queued(), arrival)
    # Never the reported defect: an error state beside a delivered receipt.
    assert not (final.state == "error" and final.delivery_state == "delivered")
    best = max(status_rank(item.state, item.delivery_state) for item in events)
    assert status_rank(final.state, final.delivery_state) == best
