from __future__ import annotations

from typing import Any

from smsconsole.core.records import Conversation
from smsconsole.tui.inbox import Change, Inbox

OURS = "+19195550187"
ADA = "+13125550142"
BEN = "+16175550123"


def message(
    mid: str, remote: str, text: str, time: str, direction: str = "in", **extra: Any
) -> dict[str, Any]:
    ours_first = direction == "out"
    return {
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


def received(seq: int, inbox: Inbox, **fields: Any) -> Any:
    return inbox.apply(seq, {"kind": "message.received", "message": message(**fields)})


def test_new_conversations_go_to_the_top_with_unread_counts() -> None:
    inbox = Inbox()
    change = received(1, inbox, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    assert change.new_inbound
    received(2, inbox, mid="m2", remote=BEN, text="yo", time="2026-11-27T10:01:00.000Z")
    received(3, inbox, mid="m3", remote=ADA, text="again", time="2026-11-27T10:02:00.000Z")
    assert [inbox.conversations[c].remote_number for c in inbox.order] == [ADA, BEN]
    assert inbox.conversations[inbox.order[0]].unread == 2
    assert inbox.conversations[inbox.order[0]].last_preview == "again"
    assert inbox.unread_total == 3


def test_replayed_last_message_is_not_counted_twice() -> None:
    inbox = Inbox()
    received(1, inbox, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    again = received(1, inbox, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    assert not again.new_inbound
    assert inbox.unread_total == 1


def test_late_message_counts_but_does_not_replace_the_newest() -> None:
    inbox = Inbox()
    received(1, inbox, mid="m2", remote=ADA, text="newer", time="2026-11-27T10:05:00.000Z")
    late = received(2, inbox, mid="m1", remote=ADA, text="older", time="2026-11-27T10:00:00.000Z")
    assert late.new_inbound
    [conversation] = inbox.conversations.values()
    assert (conversation.unread, conversation.last_preview) == (2, "newer")


def test_outbound_and_status_do_not_count_as_unread() -> None:
    inbox = Inbox()
    inbox.apply(
        1,
        {
            "kind": "message.sent",
            "message": message("m1", ADA, "hey", "2026-11-27T10:00:00.000Z", "out"),
        },
    )
    status = inbox.apply(
        2,
        {
            "kind": "message.status",
            "message": message(
                "m1", ADA, "hey", "2026-11-27T10:00:00.000Z", "out", delivery_state="delivered"
            ),
        },
    )
    assert status.message is not None
    assert status.message.delivery_state == "delivered"
    assert inbox.unread_total == 0
    assert inbox.conversations[inbox.order[0]].last_direction == "out"


def test_read_event_clears_the_badge() -> None:
    inbox = Inbox()
    received(1, inbox, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    cid = inbox.order[0]
    change = inbox.apply(2, {"kind": "conversation.read", "conversation_id": cid})
    assert change.conversation_id == cid
    assert inbox.unread_total == 0
    assert (
        inbox.apply(3, {"kind": "conversation.read", "conversation_id": cid}).conversation_id
        is None
    )


def test_calls_and_numbers() -> None:
    inbox = Inbox()
    call = {"id": "call-1", "direction": "in", "from": ADA, "to": OURS, "state": "started"}
    change = inbox.apply(1, {"kind": "call.incoming", "call": call, "detail": {}})
    assert change.incoming_call
    assert change.call is not None
    assert change.call.from_ == ADA
    ended = inbox.apply(
        2, {"kind": "call.ended", "call": call | {"state": "completed"}, "detail": {}}
    )
    assert not ended.incoming_call
    assert inbox.calls["call-1"].state == "completed"
    number = {"id": "n-1", "number": OURS}
    assert inbox.apply(3, {"kind": "number.updated", "number": number}).numbers_changed
    assert OURS in inbox.numbers
    inbox.apply(4, {"kind": "number.updated", "number": number | {"number_state": "released"}})
    assert OURS not in inbox.numbers
    assert inbox.apply(5, {"kind": "something.new"}) == Change()


def test_filter_next_unread_and_contact_names() -> None:
    inbox = Inbox()
    received(
        1, inbox, mid="m1", remote=ADA, text="about the invoice", time="2026-11-27T10:00:00.000Z"
    )
    received(2, inbox, mid="m2", remote=BEN, text="lunch?", time="2026-11-27T10:01:00.000Z")
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
    received(1, inbox, mid="m1", remote=ADA, text="hi", time="2026-11-27T10:00:00.000Z")
    change = inbox.apply(2, {"kind": "contact.updated", "contact": {"number": ADA, "name": "Ada"}})
    assert change.renamed == (inbox.order[0],)
    assert inbox.conversations[inbox.order[0]].contact_name == "Ada"
    inbox.apply(3, {"kind": "contact.updated", "contact": {"number": ADA, "name": ""}})
    assert inbox.conversations[inbox.order[0]].contact_name is None
