from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import loopback
from smsconsole.server.limits import MAX_PIPELINED, HttpLimits
from smsconsole.server.run import uvicorn_config
from smsconsole.settings.config import load_settings

TOKEN = "console-token"
AUTH = "Basic " + base64.b64encode(b"bandwidth:callback-secret").decode()
# Short deadlines, so a slow client is cut off within the test's time.
QUICK = HttpLimits(head_seconds=1.0, body_seconds=1.0, max_connections=6)


@contextlib.asynccontextmanager
async def running(tmp_path: Path, limits: HttpLimits = QUICK) -> AsyncIterator[int]:
    """The server under its own uvicorn settings, on a free loopback port."""
    settings = load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": "bandwidth",
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "callback-secret",
            "SMSCONSOLE_STORE_PATH": str(tmp_path / "store.db"),
        }
    )
    config = uvicorn_config(settings, limits, host="127.0.0.1", port=0, log_level="warning")
    async with loopback.serve_config(config) as url:
        yield int(url.rsplit(":", 1)[1])


async def answer(reader: asyncio.StreamReader, seconds: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection."""
    async with asyncio.timeout(seconds):
        return await reader.read()


async def send_until_answered(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, chunk: bytes, total: int
) -> tuple[bytes, int]:
    """Write up to ``total`` bytes of ``chunk``s until the server answers and hangs up.

    Returns the answer and how many bytes went out first.
    """
    reading = asyncio.create_task(answer(reader))
    sent = 0
    with contextlib.suppress(ConnectionError):
        while sent < total and not reading.done():
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0)  # let the answer in
            sent += len(chunk)
    return await reading, sent


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


async def healthy(port: int) -> bool:
    async with httpx.AsyncClient(timeout=5) as http:
        return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200


async def test_an_oversized_header_gets_431_without_being_read(tmp_path: Path) -> None:
    async with running(tmp_path) as port:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
            response, sent = await send_until_answered(
                reader, writer, b"a" * 65536, 32 * 1024 * 1024
            )
            writer.close()
            assert status_of(response) == 431
            assert json.loads(response.split(b"\r\n\r\n", 1)[1])["error"]
            # Refused at the limit, not after reading the 32 MB (loopback buffers aside).
            assert sent < 16 * 1024 * 1024
        grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        assert grown_kb < 64 * 1024
        assert await healthy(port)


async def test_a_slowloris_head_is_cut_off_at_its_deadline(tmp_path: Path) -> None:
    async with running(tmp_path) as port:
        started = time.monotonic()
        partial = await asyncio.open_connection("127.0.0.1", port)
        silent = await asyncio.open_connection("127.0.0.1", port)
        partial[1].write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        cut_off = await answer(partial[0])
        assert status_of(cut_off) == 408
        assert await answer(silent[0]) == b""  # sent nothing: closed, owed no answer
        assert time.monotonic() - started < 4.0
        for _, writer in (partial, silent):
            writer.close()
        assert await healthy(port)


async def test_a_trickled_head_is_cut_off_too(tmp_path: Path) -> None:
    # Each byte resets no timer: the deadline is for the whole head.
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        reading = asyncio.create_task(answer(reader))
        with contextlib.suppress(ConnectionError):
            for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz":
                if reading.done():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.1)  # the attack is to send slowly
        assert status_of(await reading) == 408
        assert time.monotonic() - started < 4.0
        writer.close()


async def test_a_trickling_body_is_cut_off_and_nothing_stored(tmp_path: Path) -> None:
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        writer.write(
            b"POST /callbacks/messages HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200\r\n"
            b"Authorization: " + AUTH.encode() + b"\r\n\r\n" + b'{"eventType": "sms", '
        )
        await answer(reader)  # closed (the endpoint hears a disconnect), whatever it says
        assert time.monotonic() - started < 4.0
        writer.close()
        async with httpx.AsyncClient(timeout=5) as http:
            logged = await http.get(
                f"http://127.0.0.1:{port}/api/callbacks",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        assert logged.json()["items"] == []


async def test_a_body_over_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    async with running(tmp_path, HttpLimits(max_body_bytes=256 * 1024)) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Chunked, so no Content-Length lets a route refuse it up front.
        writer.write(
            b"POST /api/media?name=x.png HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"10000\r\n" + b"m" * 65536 + b"\r\n"
        response, sent = await send_until_answered(reader, writer, chunk, 64 * 1024 * 1024)
        writer.close()
        assert status_of(response) == 413
        assert sent < 32 * 1024 * 1024
        assert await healthy(port)


async def test_connections_over_the_limit_get_503_until_some_close(tmp_path: Path) -> None:
    limits = HttpLimits(max_connections=6, head_seconds=30.0)
    async with running(tmp_path, limits) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(6)]
        for _, writer in held:
            writer.write(b"GET /healthz HTTP/1.1\r\n")  # a head that never ends
            await writer.drain()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = await answer(reader)
        writer.close()
        assert status_of(refused) == 503
        for _, writer in held:
            writer.close()
        async with asyncio.timeout(5):
            while not await healthy(port):  # noqa: ASYNC110 - the server notices the closes
                await asyncio.sleep(0.05)


@pytest.mark.parametrize("path", ["/healthz", "/callbacks/messages"])
async def test_ordinary_requests_pass(tmp_path: Path, path: str) -> None:
    async with running(tmp_path) as port, httpx.AsyncClient(timeout=5) as http:
        response = await http.get(f"http://127.0.0.1:{port}{path}", headers={"X-Fine": "v" * 8000})
        assert response.status_code in (200, 401)
        assert response.headers["content-type"] == "application/json"


async def test_a_head_over_the_limit_in_one_write_with_its_body_gets_431(tmp_path: Path) -> None:
    # The whole head and its body in one read: the parser, not the bytes still pending,
    # sees the head is too large (many headers, each small).
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(200))
    body = b'{"x": 1}'
    request = (
        b"POST /callbacks/messages HTTP/1.1\r\nHost: x\r\n"
        + headers
        + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        response = await answer(reader)
        writer.close()
        assert status_of(response) == 431
        assert "head" in json.loads(response.split(b"\r\n\r\n", 1)[1])["error"]
        assert await healthy(port)


async def test_a_malformed_request_gets_a_json_400(tmp_path: Path) -> None:
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n")
        response = await answer(reader)
        writer.close()
        assert status_of(response) == 400
        assert json.loads(response.split(b"\r\n\r\n", 1)[1]) == {"error": "malformed HTTP request"}


async def test_pipelined_requests_are_answered_in_order_and_keep_their_deadlines(
    tmp_path: Path,
) -> None:
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        one = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        two = b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
        writer.write(one + two + one)
        statuses = []
        async with asyncio.timeout(5):
            while len(statuses) < 3:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                statuses.append(status_of(head))
        assert statuses == [200, 404, 200]
        # Then a head that trickles in on the same connection is still cut off.
        started = time.monotonic()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        assert status_of(await answer(reader)) == 408
        assert time.monotonic() - started < 4.0
        writer.close()


async def test_a_request_answered_before_its_body_arrived_does_not_hold_the_connection(
    tmp_path: Path,
) -> None:
    # The route answers (405) before reading the body; the body then completes. The next
    # request's head deadline must start: each byte that arrived cancelled the keep-alive
    # wait, so without it the connection held a slot for ever (500 of them: every other
    # client gets 503).
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert status_of(head) == 405
        writer.write(b"0123456789")
        started = time.monotonic()
        await answer(reader)  # the rest of the 405, then the close
        assert time.monotonic() - started < 4.0
        writer.close()


def _client_frame(opcode: int, payload: bytes) -> bytes:
    """One masked, final websocket frame (a client's), payload under 126 bytes."""
    mask = b"\x01\x02\x03\x04"
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


async def test_a_feed_client_that_pings_and_never_reads_is_cut_off(tmp_path: Path) -> None:
    # Each websocket ping is owed a pong (RFC 6455 §5.5.2); a client that floods pings and
    # reads none of the pongs must not have the server buffer them without bound.
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(b"0123456789abcdef")
        writer.write(
            b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\n\r\n"
        )
        assert b" 101 " in await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(_client_frame(0x1, b'{"type": "subscribe", "since": 0}'))
        writer.transport.pause_reading()  # from here on, nothing the server sends is read
        pings = _client_frame(0x9, b"p" * 125) * 1000
        sent, total = 0, 48 * 1024 * 1024
        with contextlib.suppress(ConnectionError):
            async with asyncio.timeout(30):
                while sent < total:
                    writer.write(pings)
                    await writer.drain()
                    sent += len(pings)
        writer.close()
        assert sent < total / 2  # loopback's buffers aside, cut off near the bound
        assert await healthy(port)


async def test_requests_pipelined_beyond_the_bound_get_a_429_in_turn(tmp_path: Path) -> None:
    # A thousand tiny requests in one write were each parsed and queued at once (a
    # RequestResponseCycle apiece: 100 connections of 256 KB took the server to 1.2 GB).
    # Past the bound, the next request's answer is a JSON 429, after those queued before it.
    async with running(tmp_path) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 1000)
        statuses, bodies = [], []
        async with asyncio.timeout(5):
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n")[0])
                bodies.append(await reader.readexactly(length))
                statuses.append(status_of(head))
                if statuses[-1] != 200:
                    break
            assert await reader.read() == b""  # and the connection closed
        writer.close()
        assert statuses == [200] * (1 + MAX_PIPELINED) + [429]
        assert "pipelined" in json.loads(bodies[-1])["error"]
        assert await healthy(port)


async def test_a_body_past_its_deadline_gets_a_json_408_when_unanswered(tmp_path: Path) -> None:
    # The application has not answered (it waits for the body): a 408 can still be sent,
    # and the route that heard the disconnect logs no traceback (one per slow client).
    errors: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append  # type: ignore[method-assign]
    async with running(tmp_path) as port:
        logging.getLogger("uvicorn.error").addHandler(handler)  # after uvicorn's dictConfig
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/media?name=x.png HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 1000\r\n\r\nab"
        )
        started = time.monotonic()
        response = await answer(reader)
        writer.close()
        assert time.monotonic() - started < 4.0
        assert status_of(response) == 408
        assert "body" in json.loads(response.split(b"\r\n\r\n", 1)[1])["error"]
        assert await healthy(port)
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert [record.getMessage() for record in errors] == []
