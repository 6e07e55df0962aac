"""How much, how long and how many a client may push at the server's HTTP layer.

uvicorn bounds some of this itself (concurrent connections, the keep-alive wait, the listen
backlog) but not everything: its default parser, httptools, buffers a header of any size,
and it has no deadline for a request head or body that trickles in (a slowloris connection
stays open for ever). So the server runs on uvicorn's httptools protocol (a C parser: h11,
in Python, was the largest cost of a callback on the event loop) under a small subclass that
bounds the head and adds those deadlines and a cap on the body bytes it will read.

A refusal is a JSON ``{"error": ...}`` answer with ``Connection: close`` when one can still
be sent (431 head too large, 408 head or body too slow, 413 body too large, 429 too many
requests pipelined), else the connection is closed (the application's answer has begun).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import httptools
import msgspec
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

# The request line and headers together; a callback's or a console's head is under 2 KB.
MAX_HEAD_BYTES: Final = 16 * 1024
# Above the largest body a route takes (an MMS attachment, 1.5 MB; a callback, 64 KB).
MAX_BODY_BYTES: Final = 2 * 1024 * 1024
HEAD_SECONDS: Final = 10.0
BODY_SECONDS: Final = 30.0
# Beyond this many open connections (consoles' websockets included) a request gets a 503.
MAX_CONNECTIONS: Final = 500
BACKLOG: Final = 1024
KEEP_ALIVE_SECONDS: Final = 5
# After a refusal, what the client still sends is read and dropped for a moment, so its
# kernel does not discard the answer on a reset before the client has read it.
LINGER_SECONDS: Final = 2.0
LINGER_BYTES: Final = 1024 * 1024
# Requests parsed and waiting behind the one being answered; httptools parses all of a read.
MAX_PIPELINED: Final = 32
# What a websocket may leave unread in the server's write buffer. The feed's own sends wait
# for the buffer to drain; only what the protocol answers by itself (a pong per ping) does not.
MAX_WS_UNREAD_BYTES: Final = 1024 * 1024

_Phase = Literal["head", "body"]


@dataclass(frozen=True)
class HttpLimits:
    """The bounds one server runs with; the defaults are the constants above."""

    max_head_bytes: int = MAX_HEAD_BYTES
    max_body_bytes: int = MAX_BODY_BYTES
    head_seconds: float = HEAD_SECONDS
    body_seconds: float = BODY_SECONDS
    max_connections: int = MAX_CONNECTIONS
    backlog: int = BACKLOG
    keep_alive_seconds: int = KEEP_ALIVE_SECONDS


def uvicorn_options(limits: HttpLimits | None = None) -> dict[str, object]:
    """The ``uvicorn.Config`` keyword arguments that enforce ``limits``."""
    limits = limits or HttpLimits()
    protocol = type("BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"limits": limits})
    return {
        "http": protocol,
        # websockets' sans-I/O protocol: a send is a frame written, not a coroutine taking
        # a lock and draining; a third of the fan-out's cost per subscriber (bench/README.md);
        # a client that reads none of what it is sent is dropped (BoundedWebSocketProtocol).
        "ws": BoundedWebSocketProtocol,
        "limit_concurrency": limits.max_connections,
        "backlog": limits.backlog,
        "timeout_keep_alive": limits.keep_alive_seconds,
    }


def refusal(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 answer ``{"error": reason}`` that closes the connection."""
    phrase = {408: "Request Timeout", 413: "Content Too Large"}.get(status, "Bad Request")
    if status == 431:
        phrase = "Request Header Fields Too Large"
    body = msgspec.json.encode({"error": reason})
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _HeadTooLarge(Exception):
    """Raised in a parser callback to stop httptools at a head over the limit."""


class _PipelineFull(Exception):
    """Raised in a parser callback to stop httptools at a request pipelined past the bound."""


async def _too_many_pipelined(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a request pipelined past ``MAX_PIPELINED``, sent in its turn."""
    body = msgspec.json.encode(
        {"error": f"over {MAX_PIPELINED} requests pipelined; send more after their answers"}
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded head, deadlines for a request's head and
    body, and a body cap.

    The head deadline runs from when the connection is ready for a request (opened, or the
    previous answer sent) until the head is complete; the body deadline from then until the
    body is complete. While the application works on an answer no deadline runs. The head is
    bounded twice: the bytes that arrived while it was incomplete (httptools buffers a header
    that trickles in, of any size), and what its callbacks were given (a head that arrived
    whole, in one read, with its body).
    """

    limits: ClassVar[HttpLimits] = HttpLimits()

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._phase: _Phase | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0  # bytes read while the head was incomplete
        self._head_parsed = 0  # the target's and headers' bytes the parser gave us
        self._body_bytes = 0
        self._refusal: tuple[int, str] | None = None  # why a callback stopped the parser
        self._discarded: int | None = None  # bytes dropped after a refusal
        self._pipeline_full = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the head deadline: a connection that sends nothing is closed too."""
        super().connection_made(transport)
        self._enter("head")

    def data_received(self, data: bytes) -> None:
        """Count what arrives against the phase's bound, then feed httptools."""
        if self._discarded is not None:
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self.transport.close()
            return
        if self._phase == "head":
            self._head_bytes += len(data)
        elif self._phase == "body":
            self._body_bytes += len(data)
            if self._body_bytes > self.limits.max_body_bytes:
                self._refuse(413, f"the body is over the {self.limits.max_body_bytes}-byte limit")
                return
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError:
            if self._pipeline_full:
                self._discarded = 0  # the queued 429 closes the connection
                return
            refusal, self._refusal = self._refusal, None
            self._refuse(*(refusal or (400, "malformed HTTP request")))
            return
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            self._stop()  # closed, or upgraded to a websocket (which has its own pings)
        elif self._phase == "head" and self._head_bytes > self.limits.max_head_bytes:
            self._refuse(431, self._head_too_large())

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the deadlines with the connection."""
        self._stop()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """A request's head begins (after a previous one's answer, or pipelined behind it)."""
        super().on_message_begin()
        self._head_parsed = 0
        if self._phase is None:
            self._enter("head")

    def on_url(self, url: bytes) -> None:
        """Count the request target against the head's bound."""
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count a header against the head's bound."""
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is complete: the body's deadline starts.

        Past ``MAX_PIPELINED`` requests waiting, this one is queued with a 429 for its
        answer and the parser stopped: what follows is dropped.
        """
        if len(self.pipeline) < MAX_PIPELINED:
            super().on_headers_complete()
            self._enter("body")
            return
        app, self.app = self.app, _too_many_pipelined
        try:
            super().on_headers_complete()  # queued: its answer follows those before it
        finally:
            self.app = app
        self._stop()
        self._phase = None
        self._pipeline_full = True
        raise _PipelineFull

    def on_message_complete(self) -> None:
        """The body is complete: the application owns the request; no deadline runs.

        Unless it has answered already (before reading the body): then the connection is
        ready for the next request, and its head deadline starts here, as nothing else
        would close it (each byte of that body cancelled uvicorn's keep-alive wait).
        """
        super().on_message_complete()
        answered = self.cycle is not None and self.cycle.response_complete
        self._enter("head" if answered and not self.transport.is_closing() else None)

    def on_response_complete(self) -> None:
        """The connection is ready for the next request: its head deadline starts.

        Unless a pipelined request starts now instead: the application owns it.
        """
        pipelined = bool(self.pipeline)
        super().on_response_complete()
        if not self.transport.is_closing() and self._phase is None and not pipelined:
            self._enter("head")

    def send_400_response(self, msg: str) -> None:
        """Refuse a request httptools could not parse with a JSON 400."""
        self._refuse(400, "malformed HTTP request")

    def _count_head(self, size: int) -> None:
        self._head_parsed += size
        if self._head_parsed > self.limits.max_head_bytes:
            self._refusal = (431, self._head_too_large())
            raise _HeadTooLarge

    def _head_too_large(self) -> str:
        return f"the request head is over the {self.limits.max_head_bytes}-byte limit"

    def _enter(self, phase: _Phase | None) -> None:
        self._stop()
        self._phase = phase
        if phase == "head":
            self._head_bytes = 0
        elif phase == "body":
            self._body_bytes = 0
        if phase is not None:
            seconds = self.limits.head_seconds if phase == "head" else self.limits.body_seconds
            self._deadline = self.loop.call_later(seconds, self._expired, phase)

    def _stop(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None

    def _expired(self, phase: _Phase) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if phase == "head" and self._head_bytes == 0:
            self.transport.close()  # an idle connection is owed no answer
        elif phase == "head":
            seconds = self.limits.head_seconds
            self._refuse(408, f"the request head did not arrive within {seconds:g} s")
        else:
            # The application hears a disconnect; unless it has begun its answer, this is it.
            seconds = self.limits.body_seconds
            self._refuse(408, f"the request body did not arrive within {seconds:g} s")

    def _refuse(self, status: int, reason: str) -> None:
        """Answer ``status`` unless the request's own answer has begun, and hang up."""
        self._stop()
        cycle = self.cycle
        in_body = self._phase == "body" and cycle is not None
        self._phase = None
        if in_body and not cycle.response_complete:
            # The application hears a disconnect and writes nothing after this answer.
            cycle.disconnected = True
            cycle.message_event.set()
        if in_body and cycle.response_started:
            self.transport.close()
            return
        self.transport.write(refusal(status, reason))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._discarded = 0
        self.flow.resume_reading()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets sans-I/O protocol that drops a client which stops reading.

    Each ping is owed a pong (RFC 6455 §5.5.2), written without waiting for the client to
    read; a client that floods pings and reads nothing would have them buffered without
    bound. Past ``MAX_WS_UNREAD_BYTES`` waiting to be sent, the connection is aborted (a
    close frame would only join the queue the client does not read).
    """

    def data_received(self, data: bytes) -> None:
        """Handle ``data``, then abort if what the client has not read is over the bound."""
        super().data_received(data)
        if self.transport.get_write_buffer_size() > MAX_WS_UNREAD_BYTES:
            self.logger.warning("websocket client does not read what it is sent; dropped")
            self.transport.abort()
