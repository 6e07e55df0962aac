"""The console's client against a real server on loopback (and the sandbox as its provider):
every /api call decoded into records, errors in the server's words, and the feed's replay,
live events, resume after a drop, reset, refusal and backoff."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import ServerConnection, serve

from smsconsole.core import feed as protocol
from smsconsole.core.calls import Call
from smsconsole.core.messages import Message
from smsconsole.core.records import Contact, Conversation, LoggedCallback, NumberRecord, Page
from smsconsole.tui.client import (
    MAX_MEDIA_BYTES,
    ConsoleClient,
    ConsoleError,
    FeedEvent,
    FeedItem,
    FeedLive,
    FeedReset,
    FeedState,
)

OURS = "+19195550187"
REMOTE = "+14155550123"
OTHER = "+14155550999"

Console = Callable[..., ConsoleClient]
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
READ = {"kind": "conversation.read", "conversation_id": "c-1"}


def conversation_read(conversation_id: str) -> protocol.ConversationRead:
    return protocol.ConversationRead(conversation_id=conversation_id)


async def pull(feed: AsyncIterator[FeedItem], seconds: float = 5.0) -> FeedItem:
    """The feed's next item, or fail after ``seconds``."""
    async with asyncio.timeout(seconds):
        return await anext(feed)


async def pull_until_live(feed: AsyncIterator[FeedItem]) -> list[FeedItem]:
    items = [await pull(feed)]
    while not isinstance(items[-1], FeedLive):
        items.append(await pull(feed))
    return items


def seqs(items: list[FeedItem]) -> list[int]:
    return [item.seq for item in items if isinstance(item, FeedEvent)]


def states(items: list[FeedItem]) -> list[str]:
    return [item.state for item in items if isinstance(item, FeedState)]


async def eventually_call(client: ConsoleClient, state: str, seconds: float = 5.0) -> Call:
    async with asyncio.timeout(seconds):
        while True:
            calls = (await client.calls()).items
            if calls and calls[0].state == state:
                return calls[0]
            await asyncio.sleep(0.02)


# -- the inbox ---------------------------------------------------------------------------------


async def test_inbox_calls_decode_into_records(
    server: Any, console: Console, inbound_sms: Any
) -> None:
    await server.callback(inbound_sms(1, "hello from Ann"))
    await server.callback(inbound_sms(2, "are you there?"))
    await server.callback(inbound_sms(3, "hello from Bob", remote=OTHER))
    client = console(server.url)

    first = await client.conversations(limit=1)
    assert isinstance(first, Page)
    [bob] = first.items
    assert isinstance(bob, Conversation)
    assert (bob.remote_number, bob.our_number, bob.unread) == (OTHER, OURS, 1)
    assert first.next is not None
    rest = await client.conversations(cursor=first.next, limit=10)
    [ann] = rest.items
    assert (ann.remote_number, ann.unread, ann.last_preview) == (REMOTE, 2, "are you there?")
    assert rest.next is None

    newest = await client.messages(ann.id, limit=1)
    [message] = newest.items
    assert isinstance(message, Message)
    assert (message.from_, message.to, message.text, message.direction) == (
        REMOTE,
        OURS,
        "are you there?",
        "in",
    )
    older = await client.messages(ann.id, before=newest.next, limit=10)
    assert [m.text for m in older.items] == ["hello from Ann"]

    read = await client.mark_read(ann.id)
    assert isinstance(read, Conversation)
    assert (read.id, read.unread) == (ann.id, 0)

    hits = await client.search("hello")
    assert sorted(hit.message.text for hit in hits) == ["hello from Ann", "hello from Bob"]
    assert all("hello" in hit.snippet.lower() for hit in hits)
    assert [h.message.from_ for h in await client.search("Bob", limit=5)] == [OTHER]


async def test_contacts_events_callbacks_and_an_empty_call_log(
    server: Any, console: Console, inbound_sms: Any
) -> None:
    await server.callback(inbound_sms(1))
    client = console(server.url)
    named = await client.set_contact(REMOTE, "Ann")
    assert named == Contact(REMOTE, "Ann")
    assert await client.contacts() == [Contact(REMOTE, "Ann")]
    [conversation] = (await client.conversations()).items
    assert conversation.contact_name == "Ann"

    events = await client.events(since=0)
    assert [event.kind for event in events.items] == ["message.received", "contact.updated"]
    status = await client.status()
    assert (status["seq"], status["provider"]) == (events.items[-1].seq, False)
    received = events.items[0].event
    assert isinstance(received, protocol.MessageReceived)
    assert received.message.from_ == REMOTE
    assert (await client.events(since=events.items[-1].seq)).items == []

    logged = await client.callbacks(limit=5)
    assert [type(entry) for entry in logged.items] == [LoggedCallback]
    assert logged.items[0].path == "/callbacks/messages"

    assert (await client.calls()).items == []
    assert await client.numbers() == []


async def test_refusals_carry_the_servers_words(server: Any, console: Console) -> None:
    with pytest.raises(ConsoleError) as wrong_token:
        await console(server.url, token="wrong").conversations()
    assert wrong_token.value.status == 401
    assert "bearer token" in wrong_token.value.message

    client = console(server.url)
    with pytest.raises(ConsoleError) as missing:
        await client.mark_read("no-such-id")
    assert (missing.value.status, missing.value.message) == (404, "no such conversation")
    with pytest.raises(ConsoleError) as not_ours:
        await client.send(OURS, REMOTE, "hi")
    assert not_ours.value.status == 400
    assert "not one of this account's numbers" in not_ours.value.message
    assert not_ours.value.record is None
    with pytest.raises(ConsoleError) as no_account:
        await client.applications()
    assert no_account.value.status == 503
    assert "no provider account" in str(no_account.value)


async def test_send_while_the_server_is_down_is_refused_clearly(
    console: Console, free_socket: Any
) -> None:
    sock = free_socket()  # bound, never listening: connections are refused
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with pytest.raises(ConsoleError) as down:
            await console(url).send(OURS, REMOTE, "are you there?")
    finally:
        sock.close()
    assert down.value.status is None
    assert down.value.message.startswith(f"cannot reach the server at {url}: ")


async def test_upload_over_the_mms_limit_is_refused_before_any_request(
    console: Console, tmp_path: Path
) -> None:
    requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(201, json={"url": "https://media/x", "size": 1})

    client = console("http://127.0.0.1:9", transport=httpx.MockTransport(record))
    big = tmp_path / "holiday.jpg"
    big.write_bytes(b"\0" * (MAX_MEDIA_BYTES + 1))
    with pytest.raises(ConsoleError) as refused:
        await client.upload_media(big)
    assert refused.value.message == (
        "holiday.jpg is 1,500,001 bytes; an MMS can carry at most 1,500,000 bytes (1.5 MB)"
    )
    with pytest.raises(ConsoleError, match="cannot read"):
        await client.upload_media(tmp_path / "missing.png")
    assert requests == []

    small = tmp_path / "ok.png"
    small.write_bytes(b"\x89PNG")
    assert await client.upload_media(small, name="map.png") == "https://media/x"
    [sent] = requests
    assert (sent.url.params["name"], sent.headers["content-type"]) == ("map.png", "image/png")


# -- the provider's setup flow, sending and calls (against the sandbox) --------------------


async def test_setup_flow_sending_and_media(
    provider_server: Any, console: Console, sandbox_url: str, tmp_path: Path
) -> None:
    client = console(provider_server.url)
    application = await client.create_application("console")
    assert application["incoming_message_url"].endswith("/callbacks/messages")
    assert [a["id"] for a in await client.applications()] == [application["id"]]
    renamed = await client.update_application(application["id"], name="front desk")
    assert renamed["name"] == "front desk"

    found = await client.available_numbers(state="NC", city="Cary")
    assert found
    assert found[0]["city"].lower() == "cary"
    with pytest.raises(ConsoleError, match="confirm") as unconfirmed:
        await client.order_numbers(numbers=[found[0]["number"]])
    assert unconfirmed.value.status == 400
    [ordered] = await client.order_numbers(
        numbers=[found[0]["number"]],
        total_monthly_cost="0.35",
        application_id=application["id"],
        confirm=True,
    )
    assert isinstance(ordered, NumberRecord)
    assert ordered.application_id == application["id"]
    [offer] = await client.available_numbers(area_code="910", quantity=1)
    [extra] = await client.order_numbers(numbers=[offer["number"]], confirm=True)
    assert {n.number for n in await client.numbers(refresh=True)} == {
        ordered.number,
        extra.number,
    }
    detached = await client.assign_number(extra.id, None)
    assert detached["number"]["application_id"] is None
    assigned = await client.assign_number(extra.id, application["id"])
    assert assigned["number"]["application_id"] == application["id"]
    released = await client.release_number(extra.id)
    assert released["released"]["number"] == extra.number

    sent = await client.send(ordered.number, REMOTE, "Yes, until 6.")
    assert isinstance(sent, Message)
    assert (sent.from_, sent.to, sent.direction) == (ordered.number, REMOTE, "out")
    assert sent.provider_id is not None

    picture = tmp_path / "map.png"
    picture.write_bytes(b"\x89PNG" + b"\0" * 100)
    url = await client.upload_media(picture)
    assert url.startswith(sandbox_url)
    mms = await client.send(ordered.number, REMOTE, "", media=[url])
    assert mms.media == (url,)

    with pytest.raises(ConsoleError) as failed:
        await client.send(ordered.number, REMOTE, "see this", media=[url + "-gone"])
    assert failed.value.status == 422
    assert "does not exist" in failed.value.message
    assert failed.value.provider is not None
    assert failed.value.provider["code"] == "media-invalid-url"
    stored = failed.value.record
    assert stored is not None
    assert (stored.state, stored.text) == ("error", "see this")
    thread = await client.messages(stored.conversation_id)
    assert stored.id in [m.id for m in thread.items]

    report = await client.sync()
    assert report["numbers"] == 1
    gone = await client.delete_application(application["id"])
    assert gone["deleted"] == application["id"]


async def test_calls_are_answered_spoken_to_transferred_and_hung_up(
    provider_server: Any, console: Console, sandbox_url: str
) -> None:
    client = console(provider_server.url)
    application = await client.create_application("calls", auto_answer=False)
    [offer] = await client.available_numbers(area_code="910", quantity=1)
    [number] = await client.order_numbers(
        numbers=[offer["number"]], application_id=application["id"], confirm=True
    )
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=5) as sandbox:

        async def ring() -> Call:
            response = await sandbox.post(
                "/sandbox/inbound/calls", json={"from": REMOTE, "to": number.number}
            )
            assert response.status_code == 201, response.text
            provider_id = response.json()["id"]
            async with asyncio.timeout(5):
                while True:
                    calls = (await client.calls()).items
                    if calls and calls[0].provider_id == provider_id:
                        return calls[0]
                    await asyncio.sleep(0.02)

        first = await ring()
        assert isinstance(await client.reject(first.id), Call)
        assert (await eventually_call(client, "rejected")).id == first.id

        second = await ring()
        assert (await client.answer(second.id)).id == second.id
        await eventually_call(client, "active")
        assert (await client.speak(second.id, "Hello there")).id == second.id
        with pytest.raises(ConsoleError) as empty:
            await client.speak(second.id, "   ")
        assert empty.value.status == 400
        await client.hangup(second.id)
        assert (await eventually_call(client, "completed")).end_time is not None

        third = await ring()
        await client.answer(third.id)
        await eventually_call(client, "active")
        new_leg = await client.transfer(third.id, OTHER)
        assert new_leg.startswith("c-")
        assert new_leg != third.provider_id


# -- the feed ------------------------------------------------------------------------------


async def test_feed_replays_then_goes_live(server: Any, console: Console, inbound_sms: Any) -> None:
    await server.callback(inbound_sms(1))
    await server.callback(inbound_sms(2))
    client = console(server.url)
    assert client.state.state == "offline"
    feed = client.feed()
    items = await pull_until_live(feed)
    assert states(items) == ["connecting", "connected"]
    assert seqs(items) == [1, 2]
    assert items[-1] == FeedLive(2)
    assert client.connected
    assert client.last_seq == 2

    await server.callback(inbound_sms(3, "live one"))
    live = await pull(feed)
    assert isinstance(live, FeedEvent)
    assert isinstance(live.event, protocol.MessageReceived)
    assert (live.seq, live.kind, live.event.message.text) == (
        3,
        "message.received",
        "live one",
    )
    assert client.last_seq == 3
    await feed.aclose()
    assert client.state.state == "offline"
    assert not client.connected


async def test_feed_resumes_after_a_drop_with_every_event_exactly_once(
    start_server: Any, console: Console, inbound_sms: Any, tmp_path: Path
) -> None:
    store = tmp_path / "store.db"
    items: list[FeedItem] = []
    async with start_server(store) as first:
        port = first.port
        for n in (1, 2, 3):
            await first.callback(inbound_sms(n))
        client = console(first.url)
        feed = client.feed()
        items += await pull_until_live(feed)
        await first.callback(inbound_sms(4))
        items.append(await pull(feed))
    # The server is gone: the feed says so, and keeps trying with the next delay.
    dropped = await pull(feed)
    assert isinstance(dropped, FeedState)
    assert (dropped.state, dropped.retry_in) == ("reconnecting", 0.05)
    refused = await pull(feed)
    assert isinstance(refused, FeedState)
    assert (refused.state, refused.retry_in) == ("reconnecting", 0.1)
    assert "cannot reach the server" in refused.detail
    items += [dropped, refused]
    assert client.state == refused

    async with start_server(store, port=port) as second:
        for n in (5, 6):  # while the console is away
            await second.callback(inbound_sms(n))
        items += await pull_until_live(feed)
        await second.callback(inbound_sms(7))
        items.append(await pull(feed))
    assert seqs(items) == [1, 2, 3, 4, 5, 6, 7]
    assert states(items) == ["connecting", "connected", "reconnecting", "reconnecting", "connected"]
    assert client.last_seq == 7
    # A successful connection started the backoff again from its first delay.
    again = await pull(feed)
    assert isinstance(again, FeedState)
    assert (again.state, again.retry_in) == ("reconnecting", 0.05)
    await feed.aclose()

    async with start_server(store, port=port) as third:
        resumed = console(third.url)
        resumed.last_seq = 5
        later = await pull_until_live(resumed.feed())
        assert seqs(later) == [6, 7]


async def test_feed_resets_when_the_server_has_less_than_we_saw(
    server: Any, console: Console, inbound_sms: Any
) -> None:
    await server.callback(inbound_sms(1))
    client = console(server.url)
    client.last_seq = 99
    items = await pull_until_live(client.feed())
    assert [type(item) for item in items] == [
        FeedState,
        FeedState,
        FeedReset,
        FeedEvent,
        FeedLive,
    ]
    assert client.last_seq == 1


async def test_feed_with_a_wrong_token_goes_offline_and_stops(
    server: Any, console: Console
) -> None:
    client = console(server.url, token="wrong")
    feed = client.feed()
    assert await pull(feed) == FeedState("connecting", f"connecting to {server.url}")
    assert await pull(feed) == FeedState("offline", "the server refused the token")
    with pytest.raises(StopAsyncIteration):
        await pull(feed)
    assert client.state == FeedState("offline", "the server refused the token")


async def test_feed_backs_off_and_repeats_the_last_delay(
    console: Console, free_socket: Any
) -> None:
    sock = free_socket()
    try:
        client = console(f"http://127.0.0.1:{sock.getsockname()[1]}", reconnect_delays=(0.01, 0.02))
        feed = client.feed()
        items = [await pull(feed) for _ in range(4)]
        await feed.aclose()
    finally:
        sock.close()
    assert [(i.state, i.retry_in) for i in items if isinstance(i, FeedState)] == [
        ("connecting", None),
        ("reconnecting", 0.01),
        ("reconnecting", 0.02),
        ("reconnecting", 0.02),
    ]
    assert client.state.state == "offline"


async def test_feed_pings_after_silence_and_ignores_pongs(console: Console) -> None:
    received: list[dict[str, Any]] = []

    async def fake_server(socket: ServerConnection) -> None:
        # The edge of the system: a feed server that only answers pings, then sends one event.
        async for raw in socket:
            frame = json.loads(raw)
            received.append(frame)
            if frame["type"] == "subscribe":
                await socket.send(json.dumps({"type": "live", "seq": 4}))
            elif frame["type"] == "ping":
                await socket.send(json.dumps({"type": "pong"}))
                if len(received) == 3:
                    event = {"type": "event", "seq": 5, "event": READ}
                    await socket.send(json.dumps(event))

    async with serve(fake_server, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        client = console(f"http://127.0.0.1:{port}", ping_after=0.05)
        client.last_seq = 4  # resuming
        feed = client.feed()
        assert states([await pull(feed), await pull(feed)]) == ["connecting", "connected"]
        assert await pull(feed) == FeedLive(4)
        assert await pull(feed) == FeedEvent(5, conversation_read("c-1"))
        await feed.aclose()
    assert received == [{"type": "subscribe", "since": 4}, {"type": "ping"}, {"type": "ping"}]
    assert client.last_seq == 5


async def test_feed_steps_over_frames_it_cannot_read(console: Console) -> None:
    # A newer server: an event of a kind this console does not know, a frame type it does
    # not know, and text that is not JSON. None reaches the consumer; the unknown event's
    # seq still counts, so a resume does not ask for it again.
    async def fake_server(socket: ServerConnection) -> None:
        await socket.recv()  # subscribe
        await socket.send(json.dumps({"type": "event", "seq": 1, "event": {"kind": "x.new"}}))
        await socket.send(json.dumps({"type": "hello", "seq": 9}))
        await socket.send("not json")
        await socket.send(json.dumps({"type": "event", "seq": 2, "event": READ}))
        await socket.send(json.dumps({"type": "live", "seq": 2}))
        await socket.wait_closed()

    async with serve(fake_server, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        client = console(f"http://127.0.0.1:{port}")
        feed = client.feed()
        items = await pull_until_live(feed)
        await feed.aclose()
    assert items[2:] == [FeedEvent(2, conversation_read("c-1")), FeedLive(2)]
    assert client.last_seq == 2


async def test_a_cancelled_feed_drops_its_socket_at_once_even_to_a_silent_server(
    console: Console,
) -> None:
    # A server that completes the upgrade and then never reads again, so it never answers
    # the closing handshake: the console quitting must not wait for it (nor leave the
    # socket open when its loop ends, which a second cancellation used to do).
    closed = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        key = next(
            line.split(":", 1)[1].strip()
            for line in head.split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            while await reader.read(65536):  # the subscribe frame, then the close frame
                pass
        except ConnectionError:
            pass
        closed.set()  # EOF or reset: the console dropped the connection
        writer.close()

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    async with listener:
        port = listener.sockets[0].getsockname()[1]
        client = console(f"http://127.0.0.1:{port}")
        feed = client.feed()

        connected = asyncio.Event()

        async def consume() -> None:
            async for item in feed:
                if isinstance(item, FeedState) and item.state == "connected":
                    connected.set()

        task = asyncio.create_task(consume())
        async with asyncio.timeout(5):
            await connected.wait()
        started = asyncio.get_running_loop().time()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(5):
            await closed.wait()
        assert asyncio.get_running_loop().time() - started < 1.0  # close_timeout is 2 s
        assert client.state.state == "offline"
