from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from smsconsole.core.feed import Logged
from smsconsole.server.hub import Hub


def sms(n: int) -> dict[str, Any]:
    return {
        "eventType": "sms",
        "direction": "in",
        "messageId": f"m-{n:04d}",
        "from": "+14155550123",
        "to": "+19195550187",
        "text": f"message {n}",
        "time": "2026-11-27T10:00:00Z",
        "state": "received",
    }


async def test_replay_then_live(server: Any, receive_frame: Any) -> None:
    for n in range(3):
        assert (await server.callback(sms(n))).status_code == 200
    async with server.feed(since=0) as socket:
        replayed = [await receive_frame(socket) for _ in range(3)]
        assert [frame["seq"] for frame in replayed] == [1, 2, 3]
        assert replayed[0]["type"] == "event"
        assert replayed[0]["event"]["kind"] == "message.received"
        assert replayed[0]["event"]["message"]["text"] == "message 0"
        assert await receive_frame(socket) == {"type": "live", "seq": 3}
        await server.callback(sms(3))
        live = await receive_frame(socket)
        assert (live["seq"], live["event"]["message"]["text"]) == (4, "message 3")


async def test_a_replayed_frame_is_the_live_frame_byte_for_byte(
    server: Any, receive_frame: Any
) -> None:
    async with server.feed(since=0) as socket:
        assert (await receive_frame(socket))["type"] == "live"
        await server.callback(sms(0))
        live = await asyncio.wait_for(socket.recv(), 5)
    async with server.feed(since=0) as socket:
        replayed = await asyncio.wait_for(socket.recv(), 5)
    assert replayed == live
    listed = (await server.api("GET", "/api/events?since=0")).content
    # /api/events holds the same stored bytes as the frames' "event".
    event = live.removeprefix('{"type":"event","seq":1,"event":').removesuffix("}")
    assert listed == ('{"items":[{"seq":1,"event":' + event + '}],"next":null}').encode()


async def test_since_skips_what_the_client_has(server: Any, receive_frame: Any) -> None:
    for n in range(4):
        await server.callback(sms(n))
    async with server.feed(since=2) as socket:
        assert [(await receive_frame(socket))["seq"] for _ in range(2)] == [3, 4]
        assert (await receive_frame(socket))["type"] == "live"


async def test_since_beyond_the_store_resets(server: Any, receive_frame: Any) -> None:
    await server.callback(sms(0))
    async with server.feed(since=99) as socket:
        assert await receive_frame(socket) == {"type": "reset"}
        assert (await receive_frame(socket))["seq"] == 1
        assert await receive_frame(socket) == {"type": "live", "seq": 1}


async def test_resume_after_a_drop_sees_every_event_exactly_once(
    server: Any, receive_frame: Any
) -> None:
    seen: list[int] = []
    async with server.feed(since=0) as socket:
        assert (await receive_frame(socket))["type"] == "live"
        for n in range(5):
            await server.callback(sms(n))
        while len(seen) < 5:
            seen.append((await receive_frame(socket))["seq"])
    # disconnected: events keep arriving
    await asyncio.gather(*(server.callback(sms(n)) for n in range(5, 15)))
    async with server.feed(since=seen[-1]) as socket:
        # and more arrive while it replays
        more = asyncio.gather(*(server.callback(sms(n)) for n in range(15, 25)))
        while len(seen) < 25:
            frame = await receive_frame(socket)
            if frame["type"] == "event":
                seen.append(frame["seq"])
        await more
    assert seen == list(range(1, 26))


async def test_feed_needs_the_token(server: Any) -> None:
    for query in ("?token=wrong", ""):
        url = server.url.replace("http://", "ws://") + "/ws" + query
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, open_timeout=5)
        assert refused.value.response.status_code == 401
        assert b"missing or wrong bearer token" in refused.value.response.body
    headers = {"Authorization": "Bearer console-token"}
    async with connect(
        server.url.replace("http://", "ws://") + "/ws", additional_headers=headers
    ) as ok:
        await ok.send(json.dumps({"type": "subscribe", "since": 0}))
        assert json.loads(await asyncio.wait_for(ok.recv(), 5)) == {"type": "live", "seq": 0}


@pytest.mark.parametrize(
    "first", ['{"type": "hello"}', "not json", '{"type": "subscribe", "since": -1}']
)
async def test_feed_needs_a_subscribe_message(server: Any, first: str) -> None:
    url = server.url.replace("http://", "ws://") + "/ws?token=console-token"
    async with connect(url, open_timeout=5) as socket:
        await socket.send(first)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


async def test_ping_gets_pong(server: Any, receive_frame: Any) -> None:
    async with server.feed(since=0) as socket:
        assert (await receive_frame(socket))["type"] == "live"
        await socket.send(json.dumps({"type": "ping"}))
        assert await receive_frame(socket) == {"type": "pong"}


async def test_a_slow_subscriber_is_dropped_not_waited_for() -> None:
    hub = Hub(asyncio.get_running_loop(), limit=3)
    slow = hub.subscribe()
    events = [Logged(n, msgspec.Raw(b'{"kind":"x"}')) for n in range(1, 6)]
    hub.publish(events)
    assert slow.overflowed.is_set()
    assert slow.queue.qsize() == 3
    fast = hub.subscribe()
    hub.publish_threadsafe(events[:2])
    await asyncio.sleep(0)
    assert fast.queue.qsize() == 2
    hub.unsubscribe(slow)
    assert hub.subscribers == 1


DEEP = "[" * 200_000 + "]" * 200_000


@pytest.fixture
def app_errors() -> Iterator[list[logging.LogRecord]]:
    """Errors uvicorn logs (an exception raised in the app), collected."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


async def closed_by_server(socket: Any) -> tuple[int, str]:
    """Read until the server closes; its close code and reason (fails on a dropped socket)."""

    async def drain() -> None:
        while True:
            await socket.recv()

    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(drain(), 5)
    assert closed.value.rcvd is not None, "the server dropped the socket without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def still_serving(server: Any, receive_frame: Any) -> None:
    async with server.feed(since=0) as other:
        assert (await receive_frame(other))["type"] in ("event", "live")
    assert (await server.http.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(DEEP, id="nested-200000"),
        pytest.param('{"type": "subscribe", "since": ' + DEEP + "}", id="since-nested"),
        pytest.param(b'{"type": "subscribe", "since": 0}', id="binary"),
        pytest.param(json.dumps({"type": "subscribe", "since": 2**63}), id="since-2^63"),
        pytest.param('{"type": "subscribe", "since": ' + "9" * 5000 + "}", id="since-5000-digits"),
        pytest.param('{"type": "subscribe", "since": 1.5}', id="since-float"),
        pytest.param('{"type": "subscribe", "since": true}', id="since-bool"),
        pytest.param('{"type": "subscribe", "since": "0"}', id="since-string"),
        pytest.param('"\\ud800"', id="lone-surrogate"),
        pytest.param(b"\xff\xfe", id="binary-not-utf8"),
    ],
)
async def test_a_bad_subscribe_frame_is_closed_with_1008_and_a_reason(
    server: Any, receive_frame: Any, app_errors: list[logging.LogRecord], first: str | bytes
) -> None:
    url = server.url.replace("http://", "ws://") + "/ws?token=console-token"
    async with connect(url, open_timeout=5) as socket:
        await socket.send(first)
        code, reason = await closed_by_server(socket)
    assert code == 1008
    assert reason
    await still_serving(server, receive_frame)
    assert [record.getMessage() for record in app_errors] == []


@pytest.mark.parametrize(
    "later",
    [
        pytest.param(b'{"type": "ping"}', id="binary"),
        pytest.param(DEEP, id="nested-200000"),
        pytest.param("not json", id="not-json"),
        pytest.param("9" * 5000, id="5000-digits"),
    ],
)
async def test_a_bad_frame_after_live_is_closed_with_1008_and_a_reason(
    server: Any, receive_frame: Any, app_errors: list[logging.LogRecord], later: str | bytes
) -> None:
    async with server.feed(since=0) as socket:
        assert (await receive_frame(socket))["type"] == "live"
        await socket.send(later)
        code, reason = await closed_by_server(socket)
    assert code == 1008
    assert reason
    await still_serving(server, receive_frame)
    assert [record.getMessage() for record in app_errors] == []
