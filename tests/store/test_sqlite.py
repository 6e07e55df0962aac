from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from smsconsole.core import events as domain
from smsconsole.core import feed
from smsconsole.core.clock import iso_utc
from smsconsole.core.feed import Logged, kind_of
from smsconsole.core.records import MATCH_END, MATCH_START, NumberRecord
from smsconsole.store import sqlite as sqlite_module
from smsconsole.store import writes as writes_module
from smsconsole.store.base import CallbackRecord, StoreUnusable
from smsconsole.store.sqlite import SCHEMA_VERSION, SqliteStore, fts_query

OURS = "+19195550187"
THEIRS = "+14155550123"
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def record(body: str = "{}") -> CallbackRecord:
    return CallbackRecord(method="POST", path="/callbacks/messages", headers={}, body=body)


def inbound(provider_id: str, text: str = "hello", seconds: int = 0) -> domain.MessageEvent:
    return domain.MessageEvent(
        event_type="sms",
        direction="in",
        message_id=provider_id,
        from_=THEIRS,
        to=OURS,
        text=text,
        state="received",
        time=T0 + timedelta(seconds=seconds),
    )


def outbound(provider_id: str, text: str, **changes: Any) -> domain.MessageEvent:
    fields: dict[str, Any] = {
        "event_type": "sms",
        "direction": "out",
        "message_id": provider_id,
        "from_": OURS,
        "to": THEIRS,
        "text": text,
        "state": "sent",
        "time": T0,
    }
    fields.update(changes)
    return domain.MessageEvent(**fields)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store.db")
    await opened.open()
    yield opened
    await opened.close()


async def test_inbound_message_makes_an_unread_conversation_and_an_event(
    store: SqliteStore,
) -> None:
    heard: list[Logged] = []
    store.listen(heard.extend)
    result = await store.ingest(record(), inbound("m-1", "Example"), "k1")
    assert result.value == "stored"
    assert [kind_of(event.event) for event in result.events] == ["message.received"]
    assert heard == [event.logged for event in result.events]
    received = result.events[0].event
    assert isinstance(received, feed.MessageReceived)
    message = received.message
    assert message.from_ == THEIRS
    assert message.provider_id == "m-1"
    assert message.time == "2026-11-27T12:00:00.000Z"
    page = await store.conversations(None, 10)
    assert [(c.our_number, c.remote_number, c.unread, c.last_preview) for c in page.items] == [
        (OURS, THEIRS, 1, "Example")
    ]
    assert page.next is None


async def test_duplicate_delivery_is_stored_once_but_logged(store: SqliteStore) -> None:
    first = await store.ingest(record(), inbound("m-1"), "same")
    again = await store.ingest(record(), inbound("m-1"), "same")
    assert (first.value, again.value) == ("stored", "duplicate")
    assert again.events == []
    assert await store.latest_seq() == 1
    log = await store.callbacks(None, 10)
    assert [entry.outcome for entry in log.items] == ["duplicate", "stored"]


async def test_concurrent_duplicates_are_stored_once(store: SqliteStore) -> None:
    results = await asyncio.gather(
        *(store.ingest(record(), inbound("m-9"), "dup") for _ in range(20))
    )
    assert sorted(result.value for result in results).count("stored") == 1
    page = await store.messages((await store.conversations(None, 1)).items[0].id, None, 50)
    assert len(page.items) == 1


async def test_concurrent_writes_share_commits(store: SqliteStore) -> None:
    before = store.batches
    await asyncio.gather(*(store.ingest(record(), inbound(f"m-{i}"), f"k{i}") for i in range(200)))
    assert await store.latest_seq() == 200
    assert store.batches - before < 200


async def test_receipt_before_sent_never_moves_back(store: SqliteStore) -> None:
    receipt = outbound("m-5", "hi", delivery_state="delivered", delivery_code="0")
    await store.ingest(record(), receipt, "receipt")
    late_sent = await store.ingest(record(), outbound("m-5", "hi", state="sending"), "sending")
    assert late_sent.events == []
    conversation = (await store.conversations(None, 1)).items[0]
    [message] = (await store.messages(conversation.id, None, 5)).items
    assert (message.state, message.delivery_state, message.delivery_code) == (
        "sent",
        "delivered",
        "0",
    )


async def test_final_receipt_is_not_replaced(store: SqliteStore) -> None:
    await store.ingest(
        record(), outbound("m-6", "x", delivery_state="not-delivered", delivery_code="775"), "a"
    )
    await store.ingest(
        record(), outbound("m-6", "x", delivery_state="delivered", delivery_code="0"), "b"
    )
    conversation = (await store.conversations(None, 1)).items[0]
    [message] = (await store.messages(conversation.id, None, 5)).items
    assert (message.delivery_state, message.delivery_code) == ("not-delivered", "775")


async def test_outbound_lifecycle_and_early_callback_matches_pending(store: SqliteStore) -> None:
    created = await store.create_outbound(OURS, THEIRS, "on my way", [])
    message = created.value
    assert message.state == "queued"
    assert [kind_of(event.event) for event in created.events] == ["message.sent"]
    # the provider's "sent" callback overtakes our recording of its id
    early = await store.ingest(record(), outbound("m-77", "on my way"), "sent")
    assert [kind_of(event.event) for event in early.events] == ["message.status"]
    accepted = (await store.outbound_accepted(message.id, "m-77")).value
    assert (accepted.id, accepted.provider_id, accepted.state) == (message.id, "m-77", "sent")
    page = await store.messages(message.conversation_id, None, 10)
    assert [m.id for m in page.items] == [message.id]


async def test_refused_send_keeps_the_providers_words(store: SqliteStore) -> None:
    message = (await store.create_outbound(OURS, THEIRS, "x" * 10, [])).value
    written = await store.outbound_failed(message.id, "number-access-denied", "not your number")
    failed = written.value
    assert (failed.state, failed.error_code, failed.error_message) == (
        "error",
        "number-access-denied",
        "not your number",
    )
    assert (await store.message(message.id)) == failed


async def test_a_later_failure_gets_the_providers_words_once(store: SqliteStore) -> None:
    message = (await store.create_outbound(OURS, THEIRS, "hi", [])).value
    await store.outbound_accepted(message.id, "m-90")
    assert (await store.failure_reason("m-90", "late", "too early")).events == []  # not failed
    await store.ingest(record(), outbound("m-90", "hi", state="error"), "error")
    written = await store.failure_reason("m-90", "message-delivery-failed", "could not deliver")
    assert [kind_of(event.event) for event in written.events] == ["message.status"]
    assert written.value is not None
    assert (written.value.error_code, written.value.error_message) == (
        "message-delivery-failed",
        "could not deliver",
    )
    again = await store.failure_reason("m-90", "other", "other words")
    assert again.events == []
    assert (await store.failure_reason("m-none", "x", "y")).value is None


async def test_messages_page_newest_first_with_keyset_cursor(store: SqliteStore) -> None:
    for i in range(25):
        await store.ingest(record(), inbound(f"m-{i}", f"n{i}", seconds=i), f"k{i}")
    conversation = (await store.conversations(None, 1)).items[0]
    seen: list[str] = []
    cursor = None
    while True:
        page = await store.messages(conversation.id, cursor, 10)
        seen.extend(message.text for message in page.items)
        if page.next is None:
            break
        cursor = page.next
    assert seen == [f"n{i}" for i in reversed(range(25))]


async def test_late_older_message_sorts_by_time(store: SqliteStore) -> None:
    await store.ingest(record(), inbound("m-new", "new", seconds=60), "a")
    await store.ingest(record(), inbound("m-old", "old", seconds=0), "b")
    conversation = (await store.conversations(None, 1)).items[0]
    assert conversation.last_preview == "new"
    page = await store.messages(conversation.id, None, 10)
    assert [m.text for m in page.items] == ["new", "old"]


async def test_conversations_newest_activity_first_paged(store: SqliteStore) -> None:
    for i in range(7):
        event = domain.MessageEvent(
            event_type="sms",
            direction="in",
            message_id=f"m-{i}",
            from_=f"+1415555010{i}",
            to=OURS,
            text=str(i),
            state="received",
            time=T0,
        )
        await store.ingest(record(), event, f"k{i}")
    first = await store.conversations(None, 4)
    second = await store.conversations(first.next, 4)
    assert [c.last_preview for c in first.items + second.items] == [
        str(i) for i in reversed(range(7))
    ]
    assert second.next is None


async def test_mark_read_once(store: SqliteStore) -> None:
    await store.ingest(record(), inbound("m-1"), "k1")
    await store.ingest(record(), inbound("m-2"), "k2")
    conversation = (await store.conversations(None, 1)).items[0]
    assert conversation.unread == 2
    read = (await store.mark_read(conversation.id)).value
    assert read is not None
    assert read.unread == 0
    seq = await store.latest_seq()
    assert feed.decode_event((await store.events_since(seq - 1, 10))[0].event) == (
        feed.ConversationRead(conversation_id=conversation.id)
    )
    await store.mark_read(conversation.id)
    assert await store.latest_seq() == seq
    assert (await store.mark_read("nope")).value is None


async def test_contacts_name_conversations(store: SqliteStore) -> None:
    await store.ingest(record(), inbound("m-1"), "k1")
    await store.set_contact(THEIRS, "Ada")
    assert (await store.conversations(None, 1)).items[0].contact_name == "Ada"
    [named] = await store.events_since(await store.latest_seq() - 1, 5)
    assert msgspec.json.decode(named.event) == {
        "kind": "contact.updated",
        "contact": {"number": THEIRS, "name": "Ada"},
    }
    await store.set_contact(THEIRS, "")
    assert await store.contacts() == []


async def test_search_full_text(store: SqliteStore) -> None:
    await store.ingest(record(), inbound("m-1", "Meet at the café tomorrow"), "k1")
    await store.ingest(record(), inbound("m-2", "Nothing here"), "k2")
    hits = await store.search("cafe tomor", 10)
    assert [hit.message.provider_id for hit in hits] == ["m-1"]
    assert f"{MATCH_START}café{MATCH_END}" in hits[0].snippet
    assert await store.search('") OR NOT (', 10) == []
    assert fts_query('a "b" c*') == '"a" "b" "c"*'


def call_event(cls: type[domain.CallEvent], **fields: Any) -> domain.CallEvent:
    return cls(call_id="c-1", time=fields.pop("time", T0), **fields)


async def test_call_hangup_before_answer_stays_ended(store: SqliteStore) -> None:
    incoming = call_event(domain.IncomingCallEvent, from_=THEIRS, to=OURS, call_state="active")
    first = await store.ingest(record(), incoming, "i")
    assert isinstance(first.events[0].event, feed.CallIncoming)
    assert first.events[0].event.call.state == "started"
    hangup = call_event(
        domain.HangupEvent, cause="NORMAL_CLEARING", time=T0 + timedelta(seconds=30)
    )
    ended = await store.ingest(record(), hangup, "h")
    assert kind_of(ended.events[0].event) == "call.ended"
    answer = call_event(domain.AnswerEvent, time=T0 + timedelta(seconds=2))
    late = await store.ingest(record(), answer, "a")
    updated = late.events[0].event
    assert isinstance(updated, feed.CallUpdated)
    call = updated.call
    assert (call.state, call.active_time, call.end_time) == (
        "completed",
        "2026-11-27T12:00:02.000Z",
        "2026-11-27T12:00:30.000Z",
    )
    assert kind_of(late.events[0].event) == "call.updated"


async def test_rejected_call(store: SqliteStore) -> None:
    await store.ingest(record(), call_event(domain.IncomingCallEvent, from_=THEIRS, to=OURS), "i")
    await store.ingest(record(), call_event(domain.HangupEvent, cause="CALL_REJECTED"), "h")
    page = await store.calls(None, 10)
    assert [(c.state, c.cause, c.direction) for c in page.items] == [
        ("rejected", "CALL_REJECTED", "in")
    ]


async def test_sync_numbers_reports_changes_and_releases(store: SqliteStore) -> None:
    one = NumberRecord(id="n-1", number=OURS, application_id="a-1")
    two = NumberRecord(id="n-2", number="+19195550188")
    assert len((await store.sync_numbers([one, two])).events) == 2
    assert (await store.sync_numbers([one, two])).events == []
    moved = NumberRecord(id="n-1", number=OURS, application_id="a-2")
    events = [e.event for e in (await store.sync_numbers([moved])).events]
    assert all(isinstance(e, feed.NumberUpdated) for e in events)
    assert [e.number.id for e in events if isinstance(e, feed.NumberUpdated)] == ["n-1", "n-2"]
    assert isinstance(events[1], feed.NumberUpdated)
    assert events[1].number.number_state == "released"
    assert await store.numbers() == [moved]


async def test_reopen_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    first = SqliteStore(path)
    await first.open()
    await first.ingest(record(), inbound("m-1"), "k1")
    await first.close()
    second = SqliteStore(path, durability="normal")
    await second.open()
    assert await second.latest_seq() == 1
    assert await second.writable()
    await second.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    store = SqliteStore(path)
    with pytest.raises(StoreUnusable, match="newer smsconsole"):
        await store.open()


async def test_a_version_1_store_gains_the_status_time_and_keeps_its_messages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v1.db"
    schema = (Path(sqlite_module.__file__).parent / "schema.sql").read_text("utf-8")
    with sqlite3.connect(path) as connection:
        connection.executescript(f"BEGIN;\n{schema}\nPRAGMA user_version = 1;\nCOMMIT;")
        connection.execute(
            "INSERT INTO messages (id, conversation_id, direction, from_number, to_number,"
            " state, provider_id, time) VALUES ('msg-1', 'c', 'out', ?, ?, 'sent', 'm-1', ?)",
            (OURS, THEIRS, "2016-05-03T14:05:40.112Z"),
        )
    store = SqliteStore(path)
    await store.open()
    try:
        await store.ingest(
            record(), outbound("m-1", "", delivery_state="delivered", delivery_code="0"), "k"
        )
        message = await store.message("msg-1")
        assert message is not None
        assert (message.delivery_state, message.status_time) == ("delivered", iso_utc(T0))
    finally:
        await store.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


@pytest.mark.parametrize(
    "cursor", [str(2**63), "9" * 5000, "٣", "²", "-1", " 1", "1_0", "1e3", "0x10"]
)
async def test_an_int_cursor_out_of_range_or_not_ascii_digits_is_a_value_error(
    store: SqliteStore, cursor: str
) -> None:
    for listing in (store.conversations, store.calls, store.callbacks):
        with pytest.raises(ValueError, match="not a cursor of this list") as raised:
            await listing(cursor, 10)
        assert len(str(raised.value)) < 100  # a huge cursor is not echoed back
    assert (await store.conversations(str(2**63 - 1), 10)).items == []


async def test_a_thread_cursor_that_is_too_long_is_a_value_error(store: SqliteStore) -> None:
    with pytest.raises(ValueError, match="not a cursor of this list"):
        await store.messages("c-1", "2026|" + "x" * 5000, 10)


async def test_events_since_a_seq_past_sqlite_integers_is_a_value_error(
    store: SqliteStore,
) -> None:
    with pytest.raises(ValueError, match="beyond any seq"):
        await store.events_since(2**63, 10)
    assert await store.events_since(2**63 - 1, 10) == []


# -- the conversation each message event carries (the rule the console no longer repeats) --


def summary_of(written: Any) -> Any:
    [stored] = written.events
    assert isinstance(stored.event, feed.MessageReceived | feed.MessageSent | feed.MessageStatus)
    assert stored.event.conversation is not None
    return stored.seq, stored.event.conversation


async def test_message_events_carry_the_conversation_as_stored(store: SqliteStore) -> None:
    seq, first = summary_of(await store.ingest(record(), inbound("m-1", "hi"), "k1"))
    assert (first.unread, first.last_preview, first.last_direction, first.activity) == (
        1,
        "hi",
        "in",
        seq,
    )
    seq, second = summary_of(await store.ingest(record(), inbound("m-2", "again", 5), "k2"))
    assert (second.unread, second.last_preview, second.activity) == (2, "again", seq)
    assert (await store.conversations(None, 1)).items == [second]


async def test_a_late_message_counts_but_does_not_replace_the_newest(store: SqliteStore) -> None:
    await store.ingest(record(), inbound("m-new", "newer", seconds=60), "a")
    seq, late = summary_of(await store.ingest(record(), inbound("m-old", "older"), "b"))
    assert (late.unread, late.last_preview, late.activity) == (2, "newer", seq)


async def test_outbound_and_status_do_not_count_as_unread(store: SqliteStore) -> None:
    await store.set_contact(THEIRS, "Ada")
    _, sent = summary_of(await store.create_outbound(OURS, THEIRS, "hey", []))
    assert (sent.unread, sent.last_direction, sent.contact_name) == (0, "out", "Ada")
    sent_seq = sent.activity
    receipt = outbound("m-1", "hey", delivery_state="delivered", delivery_code="0")
    _, status = summary_of(await store.ingest(record(), receipt, "r"))
    # A status changes the message, not its conversation: the same row, the same activity.
    assert (status.unread, status.activity) == (0, sent_seq)


def _dedupe_plan(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {writes_module.SEEN_SQL}", ("k",)).fetchall()
    return " | ".join(str(row[-1]) for row in rows)


async def test_the_dedupe_lookup_uses_an_index_not_a_scan_of_the_callback_log(
    store: SqliteStore,
) -> None:
    # Every callback asks whether its key was seen; a scan made ingest slower as the store
    # grew (0.07x a bare endpoint under wrk, three quarters of the writer's time).
    await store.ingest(record(), inbound("m-1"), "k1")
    plan = _dedupe_plan(store.path)
    assert plan == "SEARCH callbacks USING INDEX callbacks_seen (dedupe_key=?)"


async def test_a_version_2_store_gains_the_dedupe_index_and_still_dedupes(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    first = SqliteStore(path)
    await first.open()
    await first.ingest(record(), inbound("m-1"), "k1")
    await first.close()
    with sqlite3.connect(path) as connection:  # as a version-2 store left it
        connection.executescript(
            "BEGIN;\nDROP INDEX callbacks_seen;\n"
            "ALTER TABLE conversations DROP COLUMN archived;\nPRAGMA user_version = 2;\nCOMMIT;"
        )
    assert _dedupe_plan(path) == "SCAN callbacks"
    again = SqliteStore(path)
    await again.open()
    try:
        assert (await again.ingest(record(), inbound("m-1"), "k1")).value == "duplicate"
    finally:
        await again.close()
    assert _dedupe_plan(path) == "SEARCH callbacks USING INDEX callbacks_seen (dedupe_key=?)"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


async def test_mark_all_read_is_one_write_with_a_read_event_per_unread_conversation(
    store: SqliteStore,
) -> None:
    await store.ingest(record(), inbound("m-1"), "k1")
    other = msgspec.structs.replace(inbound("m-2"), from_="+14155550999")
    await store.ingest(record(), other, "k2")
    await store.ingest(record(), outbound("m-3", "from us"), "k3")
    before = await store.latest_seq()
    done = await store.mark_all_read()
    ids = {c.id for c in (await store.conversations(None, 10)).items}
    assert set(done.value) == ids
    assert [e.event for e in done.events] == [
        feed.ConversationRead(conversation_id=cid) for cid in sorted(ids)
    ]
    assert all(c.unread == 0 for c in (await store.conversations(None, 10)).items)
    assert await store.latest_seq() == before + 2
    again = await store.mark_all_read()
    assert (again.value, again.events) == ([], [])


async def test_archive_lasts_until_the_next_message_and_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SqliteStore(path)
    await store.open()
    try:
        await store.ingest(record(), inbound("m-1"), "k1")
        await store.ingest(record(), outbound("m-2", "x", state="sent"), "k2")
        conversation = (await store.conversations(None, 1)).items[0]
        assert not conversation.archived
        done = await store.archive(conversation.id)
        assert done.value is not None
        assert done.value.archived
        assert [e.event for e in done.events] == [
            feed.ConversationArchived(
                conversation_id=conversation.id, activity=conversation.activity
            )
        ]
        assert (await store.archive(conversation.id)).events == []  # logged once
        assert (await store.archive("nope")).value is None
        # a delivery receipt of an older message is no new message: still archived
        receipt = outbound("m-2", "x", delivery_state="delivered", delivery_code="0")
        assert (await store.ingest(record(), receipt, "k3")).value == "stored"
        assert (await store.conversation(conversation.id)).archived  # type: ignore[union-attr]
    finally:
        await store.close()
    again = SqliteStore(path)
    await again.open()
    try:
        assert (await again.conversation(conversation.id)).archived  # type: ignore[union-attr]
        received = await again.ingest(record(), inbound("m-4", "back"), "k4")
        event = received.events[0].event
        assert isinstance(event, feed.MessageReceived)
        assert event.conversation is not None
        assert not event.conversation.archived
        assert not (await again.conversations(None, 1)).items[0].archived
    finally:
        await again.close()


async def test_a_version_3_store_gains_the_archive_and_keeps_its_conversations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v3.db"
    first = SqliteStore(path)
    await first.open()
    await first.ingest(record(), inbound("m-1", "kept"), "k1")
    await first.close()
    with sqlite3.connect(path) as connection:  # as a version-3 store left it
        connection.executescript(
            "BEGIN;\nALTER TABLE conversations DROP COLUMN archived;\n"
            "PRAGMA user_version = 3;\nCOMMIT;"
        )
    again = SqliteStore(path)
    await again.open()
    try:
        [conversation] = (await again.conversations(None, 10)).items
        assert (conversation.last_preview, conversation.archived) == ("kept", False)
        assert (await again.archive(conversation.id)).value.archived  # type: ignore[union-attr]
    finally:
        await again.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
