from __future__ import annotations

from typing import Any

import msgspec
import pytest

from smsconsole.core import events as provider
from smsconsole.core import feed
from smsconsole.core.calls import Call
from smsconsole.core.messages import Message
from smsconsole.core.records import Contact, Conversation, NumberRecord
from smsconsole.tui.state import Change, Inbox

OURS = "+19195550187"
ADA = "+13125550142"
BEN = "+16175550123"


def message(
    mid: str, remote: str, text: str, time: str, direction: str = "in", **extra: Any
) -> Message:
    ours_first = direction == "out"
    fields = {
        "id": mid,
        "conversation_id": f"{OURS[1:]}-{remote[1:]}",
        "direction": direction,
        "from": OURS if ours_first else remote,
        "to": remote if ours_first else OURS,
        "text": text,
        "media": [],
        "state": "sent" if ours_first else "received",
        "time": time,
        **extra,
    }
    return msgspec.convert(fields, Message)


def summary(
    item: Message, activity: int, unread: int, preview: str | None = None, **extra: Any
) -> Conversation:
    """The conversation as the server sends it with a message event (its rule, not ours)."""
    remote = item.to if item.direction == "out" else item.from_
    return Conversation(
        id=item.conversation_id,
        our_number=OURS,
        remote_number=remote,
        last_message_id=item.id,
        last_time=item.time,
        last_direction=item.direction,
        last_preview=item.text if preview is None else preview,
        unread=unread,
        activity=activity,
        **extra,
    )


def received(seq: int, inbox: Inbox, unread: int, preview: str | None = None, **fields: Any) -> Any:
    item = message(**fields)
    event = feed.MessageReceived(message=item, conversation=summary(item, seq, unread, preview))
    return inbox.apply(seq, event)


def test_new_conversations_go_to_the_top_with_unread_counts() -> None:
    inbox = Inbox()
    change = received(1, inbox, 1, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    assert change.new_inbound
    received(2, inbox, 1, mid="m2", remote=BEN, text="yo", time="2026-11-27T10:01:00.000Z")
    received(3, inbox, 2, mid="m3", remote=ADA, text="again", time="2026-11-27T10:02:00.000Z")
    assert [inbox.conversations[c].remote_number for c in inbox.order] == [ADA, BEN]
    assert inbox.conversations[inbox.order[0]].unread == 2
    assert inbox.conversations[inbox.order[0]].last_preview == "again"
    assert inbox.unread_total == 3


def test_replayed_last_message_is_not_counted_twice() -> None:
    inbox = Inbox()
    received(1, inbox, 1, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    again = received(1, inbox, 1, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    assert not again.new_inbound
    assert inbox.unread_total == 1


def test_late_message_counts_but_does_not_replace_the_newest() -> None:
    # The server counted it and kept the newest as the last message (tests/store): the
    # console shows the row it was sent.
    inbox = Inbox()
    received(1, inbox, 1, mid="m2", remote=ADA, text="newer", time="2026-11-27T10:05:00.000Z")
    late = received(
        2, inbox, 2, "newer", mid="m1", remote=ADA, text="older", time="2026-11-27T10:00:00.000Z"
    )
    assert late.new_inbound
    [conversation] = inbox.conversations.values()
    assert (conversation.unread, conversation.last_preview) == (2, "newer")


def test_outbound_and_status_do_not_count_as_unread() -> None:
    inbox = Inbox()
    sent = message("m1", ADA, "hey", "2026-11-27T10:00:00.000Z", "out")
    row = summary(sent, 1, 0)
    inbox.apply(1, feed.MessageSent(message=sent, conversation=row))
    delivered = message(
        "m1", ADA, "hey", "2026-11-27T10:00:00.000Z", "out", delivery_state="delivered"
    )
    status = inbox.apply(2, feed.MessageStatus(message=delivered, conversation=row))
    assert status.message is not None
    assert status.message.delivery_state == "delivered"
    assert not status.new_inbound
    assert inbox.unread_total == 0
    assert inbox.conversations[inbox.order[0]].last_direction == "out"


def test_a_row_older_than_the_one_loaded_is_not_taken() -> None:
    inbox = Inbox()
    first = message("m1", ADA, "hi", "2026-11-27T10:00:00.000Z")
    loaded = summary(first, 7, 0, "later text")  # the page loaded after the feed's seq
    inbox.load([loaded])
    change = inbox.apply(5, feed.MessageReceived(message=first, conversation=summary(first, 5, 1)))
    assert not change.new_inbound
    assert change.message == first  # the thread still sees it
    assert inbox.conversations[first.conversation_id] == loaded


def test_an_event_logged_without_its_row_changes_only_the_thread() -> None:
    inbox = Inbox()
    item = message("m1", ADA, "hi", "2026-11-27T10:00:00.000Z")
    change = inbox.apply(1, feed.MessageReceived(message=item))
    assert (change.conversation_id, change.message, change.new_inbound) == (
        item.conversation_id,
        item,
        False,
    )
    assert inbox.conversations == {}


def test_rows_are_placed_by_activity() -> None:
    inbox = Inbox()
    received(3, inbox, 1, mid="m3", remote=ADA, text="a", time="2026-11-27T10:00:00.000Z")
    # A status for a conversation this console had not loaded: its row, placed by activity.
    old = message("m1", BEN, "b", "2026-11-27T09:00:00.000Z", "out")
    inbox.apply(4, feed.MessageStatus(message=old, conversation=summary(old, 1, 0)))
    assert [inbox.conversations[c].remote_number for c in inbox.order] == [ADA, BEN]


def test_read_event_clears_the_badge() -> None:
    inbox = Inbox()
    received(1, inbox, 1, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    cid = inbox.order[0]
    change = inbox.apply(2, feed.ConversationRead(conversation_id=cid))
    assert change.conversation_id == cid
    assert inbox.unread_total == 0
    assert inbox.apply(3, feed.ConversationRead(conversation_id=cid)).conversation_id is None


def test_archive_takes_a_conversation_out_of_the_list_until_a_newer_message() -> None:
    inbox = Inbox()
    received(1, inbox, 1, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    received(2, inbox, 1, mid="m2", remote=BEN, text="yo", time="2026-11-27T10:01:00.000Z")
    ada, ben = inbox.order[1], inbox.order[0]
    assert inbox.apply(3, feed.ConversationArchived(conversation_id=ada, activity=1)) == Change(
        conversation_id=ada
    )
    assert inbox.matching("") == [ben]
    assert inbox.matching("hi") == []
    assert inbox.matching("hi", found_in_messages={ada}) == []
    assert inbox.next_unread(None) == ben
    assert inbox.unread_total == 1
    received(4, inbox, 2, mid="m3", remote=ADA, text="back", time="2026-11-27T10:02:00.000Z")
    assert inbox.matching("") == [ada, ben]
    # an archive the console hears after a newer message (a replay) is history
    assert inbox.apply(3, feed.ConversationArchived(conversation_id=ada, activity=1)) == Change()
    assert inbox.matching("") == [ada, ben]


def test_the_filter_takes_the_servers_search_of_every_message() -> None:
    inbox = Inbox()
    received(1, inbox, 1, mid="m1", remote=ADA, text="ok", time="2026-11-27T10:00:00.000Z")
    received(2, inbox, 1, mid="m2", remote=BEN, text="yo", time="2026-11-27T10:01:00.000Z")
    ada = inbox.order[1]
    assert inbox.matching("pizza") == []
    assert inbox.matching("pizza", found_in_messages={ada}) == [ada]


def test_calls_and_numbers() -> None:
    inbox = Inbox()
    call = Call(id="call-1", direction="in", from_=ADA, to=OURS, state="started")
    ring = provider.IncomingCallEvent(call_id="c-1", from_=ADA, to=OURS)
    change = inbox.apply(1, feed.CallIncoming(call=call, detail=ring))
    assert change.incoming_call
    assert change.call is not None
    assert change.call.from_ == ADA
    hangup = provider.HangupEvent(call_id="c-1", cause="NORMAL_CLEARING")
    completed = msgspec.structs.replace(call, state="completed")
    ended = inbox.apply(2, feed.CallEnded(call=completed, detail=hangup))
    assert not ended.incoming_call
    assert inbox.calls["call-1"].state == "completed"
    number = NumberRecord(id="n-1", number=OURS)
    assert inbox.apply(3, feed.NumberUpdated(number=number)).numbers_changed
    assert OURS in inbox.numbers
    released = msgspec.structs.replace(number, number_state="released")
    inbox.apply(4, feed.NumberUpdated(number=released))
    assert OURS not in inbox.numbers
    # A kind this console does not know never reaches the inbox: it is refused when decoded.
    with pytest.raises(feed.FrameError, match=r"something\.new"):
        feed.decode_event(b'{"kind": "something.new"}')
    assert inbox.apply(5, feed.ConversationRead(conversation_id="none")) == Change()


def test_filter_next_unread_and_contact_names() -> None:
    inbox = Inbox()
    received(
        1,
        inbox,
        1,
        mid="m1",
        remote=ADA,
        text="about the invoice",
        time="2026-11-27T10:00:00.000Z",
    )
    received(2, inbox, 1, mid="m2", remote=BEN, text="lunch?", time="2026-11-27T10:01:00.000Z")
    ada, ben = inbox.order[1], inbox.order[0]
    assert inbox.matching("invoice") == [ada]
    assert inbox.matching("617 555") == [ben]
    assert inbox.matching("") == [ben, ada]
    assert inbox.set_contact(ADA, "Ada Park") == [ada]
    assert inbox.matching("ada") == [ada]
    assert inbox.next_unread(None) == ben
    assert inbox.next_unread(ben) == ada
    inbox.mark_read_locally(ada)
    inbox.mark_read_locally(ben)
    assert inbox.next_unread(ben) is None


def test_load_orders_by_activity() -> None:
    inbox = Inbox()
    older = Conversation(id="a", our_number=OURS, remote_number=ADA, last_time="t", activity=1)
    newer = Conversation(id="b", our_number=OURS, remote_number=BEN, last_time="t", activity=5)
    inbox.load([older, newer])
    assert inbox.order == ["b", "a"]
    inbox.load([older], replace=True)
    assert inbox.order == ["a"]


def test_contact_event_renames_rows() -> None:
    inbox = Inbox()
    received(1, inbox, 1, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    change = inbox.apply(2, feed.ContactUpdated(contact=Contact(ADA, "Ada")))
    assert change.renamed == (inbox.order[0],)
    assert inbox.conversations[inbox.order[0]].contact_name == "Ada"
    inbox.apply(3, feed.ContactUpdated(contact=Contact(ADA, "")))
    assert inbox.conversations[inbox.order[0]].contact_name is None
