"""The websocket feed ``/ws``: replay from the client's last seq, then live events.

Protocol (DESIGN.md): the client sends ``{"type": "subscribe", "since": N}``; the server
sends every stored event with ``seq > N`` as ``{"type": "event", "seq", "event"}``, then
``{"type": "live", "seq": <latest>}``, then new events as they are committed. A client whose
``since`` is beyond what this server has (another server's seq, or a wiped store) gets
``{"type": "reset"}`` and reloads from ``/api``. The subscription to live events starts
before the final catch-up read, and anything at or below the last seq sent is skipped, so a
client misses nothing and sees nothing twice.

The frames are those of :mod:`smsconsole.core.feed`, the protocol the console shares; an
event's frame carries the bytes the store wrote for it, live and replayed alike (never
decoded here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from starlette.websockets import WebSocket, WebSocketDisconnect

from smsconsole.core.feed import (
    ClientFrame,
    FrameError,
    Live,
    Ping,
    Pong,
    Reset,
    Subscribe,
    decode_client_frame,
    encode_frame,
)
from smsconsole.server.auth import bearer_allowed
from smsconsole.server.hub import Hub, Subscriber, frame_of
from smsconsole.server.inputs import InvalidInput
from smsconsole.server.responses import error
from smsconsole.store.base import Store

log = logging.getLogger(__name__)

REPLAY_CHUNK: Final = 500
SUBSCRIBE_TIMEOUT: Final = 10.0
# Close codes: policy violation for a protocol error, "try again later" for a client that
# fell behind (it resumes with its last seq).
CLOSE_PROTOCOL: Final = 1008
CLOSE_TOO_SLOW: Final = 1013
EXPECTED_SUBSCRIBE: Final = 'expected {"type": "subscribe", "since": N}'
PONG: Final = encode_frame(Pong()).decode()


async def feed_endpoint(websocket: WebSocket) -> None:
    """Serve one console's feed."""
    state = websocket.app.state
    token, sessions = state.settings.server.token, state.session_tokens
    if not bearer_allowed(websocket.headers, websocket.query_params, token, sessions):
        # Refuse the handshake with HTTP 401, so clients know not to retry with this token.
        await websocket.send_denial_response(error(401, "missing or wrong bearer token"))
        return
    await websocket.accept()
    since = await _subscribe_message(websocket)
    if since is None:
        return
    store: Store = state.store
    hub: Hub = state.hub
    subscriber = hub.subscribe()
    try:
        await _serve(websocket, store, subscriber, since)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(subscriber)


async def _subscribe_message(websocket: WebSocket) -> int | None:
    try:
        frame = await asyncio.wait_for(_receive_frame(websocket), SUBSCRIBE_TIMEOUT)
        if not isinstance(frame, Subscribe):
            raise InvalidInput(EXPECTED_SUBSCRIBE)
        return frame.since
    except (TimeoutError, InvalidInput) as problem:
        reason = EXPECTED_SUBSCRIBE if isinstance(problem, TimeoutError) else str(problem)
        await _refuse(websocket, reason)
    except WebSocketDisconnect:
        pass
    return None


async def _receive_frame(websocket: WebSocket) -> ClientFrame | None:
    """The next frame, decoded (None: a JSON object of a type this server does not know);
    a binary frame, or text that is not a frame, is :class:`InvalidInput`.

    Raises:
        WebSocketDisconnect: the client went away.
    """
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    if text is None:
        raise InvalidInput("the feed takes JSON text frames, not binary")
    try:
        return decode_client_frame(text)
    except FrameError as problem:
        raise InvalidInput(str(problem)) from None


async def _refuse(websocket: WebSocket, reason: str) -> None:
    # A close reason is at most 123 bytes (RFC 6455 §5.5: control frames carry 125).
    shown = reason.encode()[:120].decode(errors="ignore")
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(CLOSE_PROTOCOL, shown)


async def _serve(websocket: WebSocket, store: Store, subscriber: Subscriber, since: int) -> None:
    latest = await store.latest_seq()
    if since > latest:
        await websocket.send_text(encode_frame(Reset()).decode())
        since = 0
    last = await _replay(websocket, store, since)
    await websocket.send_text(encode_frame(Live(seq=last)).decode())
    # Two tasks per connection, none per event: one sends, one reads (to notice a close).
    sender = asyncio.create_task(_live(websocket, subscriber, last))
    reader = asyncio.create_task(_read_until_closed(websocket))
    try:
        await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, reader):
            task.cancel()
        for task in (sender, reader):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _replay(websocket: WebSocket, store: Store, since: int) -> int:
    last = since
    while True:
        events = await store.events_since(last, REPLAY_CHUNK)
        for event in events:
            await websocket.send_text(frame_of(event).text)
            last = event.seq
        if len(events) < REPLAY_CHUNK:
            return last


async def _live(websocket: WebSocket, subscriber: Subscriber, last: int) -> None:
    queue = subscriber.queue
    while True:
        batch = [await queue.get()]
        while not queue.empty():
            batch.append(queue.get_nowait())
        if subscriber.overflowed.is_set():
            log.info("feed client fell behind; closing so it resumes")
            await websocket.close(CLOSE_TOO_SLOW, "too slow; resume with your last seq")
            return
        for frame in batch:
            if frame.seq > last:  # the catch-up read may already have sent it
                await websocket.send_text(frame.text)
                last = frame.seq


async def _read_until_closed(websocket: WebSocket) -> None:
    """Read what the client sends (pings) so a closed socket is noticed at once.

    A frame that is not JSON text closes the feed with 1008; a JSON frame of a type this
    server does not know is ignored (a newer console may send more).
    """
    while True:
        try:
            frame = await _receive_frame(websocket)
        except InvalidInput as problem:
            await _refuse(websocket, str(problem))
            return
        if isinstance(frame, Ping):
            await websocket.send_text(PONG)
