"""The console's only way to the server: every ``/api`` route as a typed call, and the feed.

No Textual here, so the client can be tested alone and reused by scripts; and nothing of the
server, store or sandbox, because a console is only a client (DESIGN.md). The records it
reads are the pure structs of :mod:`smsconsole.core.records`, :mod:`smsconsole.core.messages` and
:mod:`smsconsole.core.calls`, decoded from the same JSON the server encodes them to.

The feed (``/ws``) is a loop of our own rather than websockets' auto-reconnecting iterator,
so the console can show each state: connecting, connected, reconnecting (with the next
delay), offline. It resumes from :attr:`ConsoleClient.last_seq`, so nothing is missed or
seen twice across a drop.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote

import httpx
import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from smsconsole.core import feed as protocol
from smsconsole.core.calls import Call
from smsconsole.core.feed import LogEvent
from smsconsole.core.messages import Message
from smsconsole.core.records import (
    Contact,
    Conversation,
    LoggedCallback,
    NumberRecord,
    Page,
    SearchHit,
)

T = TypeVar("T")

# The server refuses larger uploads with the same number (server/api.py MAX_MEDIA_BYTES); it
# is repeated here because the console may not import the server, and checking first spares
# the operator a 1.5 MB upload that can only fail. Reference §5.1: MMS media at most 1.5 MB.
MAX_MEDIA_BYTES: Final = 1_500_000
PING_AFTER: Final = 20.0  # seconds of silence before an application ping
DEFAULT_DELAYS: Final = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
REFUSED_TOKEN: Final = "the server refused the token"
_PING: Final = protocol.encode_frame(protocol.Ping()).decode()

ConnectionState = Literal["connecting", "connected", "reconnecting", "offline"]


class ConsoleError(Exception):
    """The server refused a request, or could not be reached.

    Attributes:
        status: The HTTP status, or None when the server was not reached (or sent no answer).
        message: What went wrong, in words fit to show: the server's ``error`` text, which
            carries the provider's own words when the provider refused.
        provider: The provider's error details (status, category, code, message), if any.
        record: For a failed send, the message as stored (state ``error``, with the reason).
    """

    def __init__(
        self,
        status: int | None,
        message: str,
        *,
        provider: dict[str, Any] | None = None,
        record: Message | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.provider = provider
        self.record = record


@dataclass(frozen=True)
class FeedState:
    """The feed's connection changed state.

    Attributes:
        state: ``connecting`` (first attempt), ``connected``, ``reconnecting`` (after a drop
            or a failed attempt) or ``offline`` (given up: the token was refused).
        detail: Why, in words fit for a status bar.
        retry_in: For ``reconnecting``, the seconds until the next attempt.
    """

    state: ConnectionState
    detail: str
    retry_in: float | None = None


@dataclass(frozen=True)
class FeedEvent:
    """One stored event, typed: its seq and the event (a :data:`~smsconsole.core.feed.LogEvent`)."""

    seq: int
    event: LogEvent

    @property
    def kind(self) -> str:
        """The event's kind, e.g. ``message.received``."""
        return protocol.kind_of(self.event)


@dataclass(frozen=True)
class FeedLive:
    """The replay is over: what follows happens now. ``seq`` is the server's latest."""

    seq: int


@dataclass(frozen=True)
class FeedReset:
    """The server does not have the events after our seq: reload everything from ``/api``."""


FeedItem = FeedState | FeedEvent | FeedLive | FeedReset


class _CallAnswer(msgspec.Struct, frozen=True):
    call: Call
    requested: str
    new_call_id: str | None = None


class _Uploaded(msgspec.Struct, frozen=True):
    url: str


class _AllRead(msgspec.Struct, frozen=True):
    read: list[str]


class ConsoleClient:
    """A client of one smsconsole server: its ``/api`` and its ``/ws`` feed.

    Args:
        base_url: The server's address, ``http://host:port`` (or ``https://``).
        token: The server's bearer token.
        transport: An httpx transport for the API calls (the feed always uses the network).
        reconnect_delays: Seconds to wait before each reconnection attempt; the last one
            repeats. A successful connection starts again from the first.
        timeout: Seconds to wait for an API answer, and for the feed's handshake.
        ping_after: Seconds of silence on the feed before the client pings the server.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        reconnect_delays: Sequence[float] = DEFAULT_DELAYS,
        timeout: float = 15,
        ping_after: float = PING_AFTER,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the server address must start with http:// or https://: {base_url}")
        if not reconnect_delays:
            raise ValueError("reconnect_delays must hold at least one delay")
        self.base_url = base_url.rstrip("/")
        self.last_seq = 0
        self._token = token
        self._delays = tuple(float(delay) for delay in reconnect_delays)
        self._timeout = timeout
        self._ping_after = ping_after
        self._state = FeedState("offline", "the feed has not started")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=timeout,
        )

    async def __aenter__(self) -> ConsoleClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connections (a running feed is closed by closing its iterator)."""
        await self._http.aclose()

    @property
    def ws_url(self) -> str:
        """The feed's address."""
        return "ws" + self.base_url.removeprefix("http") + "/ws"

    @property
    def state(self) -> FeedState:
        """The feed's latest connection state."""
        return self._state

    @property
    def connected(self) -> bool:
        """Whether the feed is connected now."""
        return self._state.state == "connected"

    # -- the inbox -------------------------------------------------------------------------

    async def conversations(
        self, cursor: str | None = None, limit: int | None = None
    ) -> Page[Conversation]:
        """Conversations, newest activity first, with their unread counts."""
        params = {"cursor": cursor, "limit": limit}
        return await self._call("GET", "/api/conversations", Page[Conversation], params=params)

    async def messages(
        self, conversation_id: str, before: str | None = None, limit: int | None = None
    ) -> Page[Message]:
        """A conversation's messages, newest first; ``before`` is the previous page's ``next``."""
        path = f"/api/conversations/{_segment(conversation_id)}/messages"
        params = {"before": before, "limit": limit}
        return await self._call("GET", path, Page[Message], params=params)

    async def mark_read(self, conversation_id: str) -> Conversation:
        """Mark a conversation read, for every attached console."""
        path = f"/api/conversations/{_segment(conversation_id)}/read"
        return await self._call("POST", path, Conversation)

    async def mark_all_read(self) -> list[str]:
        """Mark every conversation read in one request; the ids of those that were unread."""
        return (await self._call("POST", "/api/conversations/read", _AllRead)).read

    async def archive(self, conversation_id: str) -> Conversation:
        """Archive a conversation until its next message, for every attached console."""
        path = f"/api/conversations/{_segment(conversation_id)}/archive"
        return await self._call("POST", path, Conversation)

    async def send(self, from_: str, to: str, text: str, media: Sequence[str] = ()) -> Message:
        """Send a text (or an MMS with media URLs) from one of our numbers.

        Raises:
            ConsoleError: Refused (with ``record`` set to the stored, failed message when the
                provider refused it), or the server is unreachable: never dropped silently.
        """
        body: dict[str, Any] = {"from": from_, "to": to, "text": text}
        if media:
            body["media"] = list(media)
        return await self._call("POST", "/api/messages", Message, body=body)

    async def upload_media(self, path: Path, name: str | None = None) -> str:
        """Upload a file to the provider's media store for an MMS; answers its URL.

        Raises:
            ConsoleError: The file cannot be read or is over the MMS limit (checked before
                anything is sent), or the server refused the upload.
        """
        content = await asyncio.to_thread(_read_media, path)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        uploaded = await self._call(
            "POST",
            "/api/media",
            _Uploaded,
            params={"name": name or path.name},
            content=content,
            headers={"Content-Type": content_type},
        )
        return uploaded.url

    async def search(self, q: str, limit: int | None = None) -> list[SearchHit]:
        """Full-text search over every message."""
        params = {"q": q, "limit": limit}
        return (await self._call("GET", "/api/search", Page[SearchHit], params=params)).items

    async def contacts(self) -> list[Contact]:
        """Every named number."""
        return (await self._call("GET", "/api/contacts", Page[Contact])).items

    async def set_contact(self, number: str, name: str) -> Contact:
        """Name a number (an empty name removes the name)."""
        path = f"/api/contacts/{_segment(number)}"
        return await self._call("PUT", path, Contact, body={"name": name})

    async def callbacks(
        self, cursor: str | None = None, limit: int | None = None
    ) -> Page[LoggedCallback]:
        """The raw callback log, newest first."""
        params = {"cursor": cursor, "limit": limit}
        return await self._call("GET", "/api/callbacks", Page[LoggedCallback], params=params)

    async def events(self, since: int = 0, limit: int | None = None) -> Page[FeedEvent]:
        """The event log after ``since``, as the feed replays it, decoded into typed events.

        Raises:
            ConsoleError: The server is unreachable or refused, or an event is of a kind
                this console does not know (the server is newer).
        """
        params = {"since": since, "limit": limit}
        logged = await self._call("GET", "/api/events", Page[protocol.Entry], params=params)
        return Page([FeedEvent(item.seq, item.event) for item in logged.items], logged.next)

    async def check_callbacks(self, application_id: str) -> dict[str, Any]:
        """Ask the server to call an application's callback URLs as the provider would.

        Answers ``{"messages": {...}, "calls": {...}}``, each with ``ok``, ``url``, ``detail``.
        """
        body = {"application_id": application_id}
        return await self._call("POST", "/api/check-callbacks", dict[str, Any], body=body)

    async def status(self) -> dict[str, Any]:
        """Where the server's event log stands: ``{"seq", "provider", "api", "default_region"}``.

        A console reads ``seq`` before loading from ``/api``, sets :attr:`last_seq` to it,
        then follows the feed: what changes meanwhile is replayed, not lost.
        """
        return await self._call("GET", "/api/status", dict[str, Any])

    async def sync(self) -> dict[str, Any]:
        """Have the server sync our numbers and record messages it missed while down."""
        return await self._call("POST", "/api/sync", dict[str, Any])

    # -- calls -----------------------------------------------------------------------------

    async def calls(self, cursor: str | None = None, limit: int | None = None) -> Page[Call]:
        """Calls, newest activity first."""
        params = {"cursor": cursor, "limit": limit}
        return await self._call("GET", "/api/calls", Page[Call], params=params)

    async def answer(self, call_id: str) -> Call:
        """Answer an incoming call; the change arrives on the feed."""
        return await self._control(call_id, "answer")

    async def reject(self, call_id: str) -> Call:
        """Reject an incoming call."""
        return await self._control(call_id, "reject")

    async def hangup(self, call_id: str) -> Call:
        """Hang up a call."""
        return await self._control(call_id, "hangup")

    async def speak(
        self,
        call_id: str,
        sentence: str,
        *,
        gender: str | None = None,
        locale: str | None = None,
        voice: str | None = None,
    ) -> Call:
        """Speak a sentence to the far end of a call."""
        body = _present(sentence=sentence, gender=gender, locale=locale, voice=voice)
        return await self._control(call_id, "speak", body)

    async def transfer(self, call_id: str, to: str) -> str:
        """Transfer a call to a number; answers the new leg's provider call id."""
        path = f"/api/calls/{_segment(call_id)}/transfer"
        answer = await self._call("POST", path, _CallAnswer, body={"to": to})
        if answer.new_call_id is None:
            raise ConsoleError(202, "the server did not say which call the transfer created")
        return answer.new_call_id

    async def place_call(
        self, from_: str, to: str, mode: str, sentence: str | None = None
    ) -> dict[str, Any]:
        """Place a call (it costs money): ``ring_me`` (my phone, then them) or ``speak``."""
        body = _present(mode=mode, to=to, sentence=sentence, confirm=True) | {"from": from_}
        placed: dict[str, Any] = await self._call("POST", "/api/calls", dict[str, Any], body=body)
        return placed

    async def _control(self, call_id: str, action: str, body: dict[str, Any] | None = None) -> Call:
        path = f"/api/calls/{_segment(call_id)}/{action}"
        return (await self._call("POST", path, _CallAnswer, body=body or {})).call

    # -- numbers and applications ------------------------------------------------------------

    async def numbers(self, refresh: bool = False) -> list[NumberRecord]:
        """Our numbers; ``refresh`` has the server sync them from the provider first."""
        params = {"refresh": "1" if refresh else None}
        return (await self._call("GET", "/api/numbers", Page[NumberRecord], params=params)).items

    async def available_numbers(
        self, *, kind: str = "local", quantity: int | None = None, **criteria: str
    ) -> list[dict[str, Any]]:
        """Numbers to buy: ``kind`` local (``state``, ``city``, ``zip``, ``area_code``,
        ``pattern``...) or tollfree (``pattern``)."""
        params = {"kind": kind, "quantity": quantity, **criteria}
        found = await self._call(
            "GET", "/api/available-numbers", Page[dict[str, Any]], params=params
        )
        return found.items

    async def order_numbers(
        self,
        *,
        numbers: Sequence[str],
        total_monthly_cost: str | None = None,
        application_id: str | None = None,
        name: str | None = None,
        confirm: bool = False,
    ) -> list[NumberRecord]:
        """Order exactly ``numbers`` (as searched), at the ``total_monthly_cost`` shown.

        Ordering spends money: the server refuses unless ``confirm`` is true, which the
        console sets only after the operator agreed. If any number is gone, or the total is
        not the one shown, nothing is ordered (409, the server's words name what changed).
        """
        body: dict[str, Any] = _present(
            application_id=application_id, name=name, total_monthly_cost=total_monthly_cost
        )
        body["confirm"] = confirm
        body["numbers"] = list(numbers)
        return (await self._call("POST", "/api/numbers", Page[NumberRecord], body=body)).items

    async def assign_number(self, number_id: str, application_id: str | None) -> dict[str, Any]:
        """Assign one of our numbers to an application (None detaches it).

        Answers ``{"number": <record>, "previous_application_id": ...}``.
        """
        path = f"/api/numbers/{_segment(number_id)}"
        body = {"application_id": application_id}
        return await self._call("PATCH", path, dict[str, Any], body=body)

    async def release_number(self, number_id: str) -> dict[str, Any]:
        """Release one of our numbers for good; answers ``{"released": <record>}``."""
        return await self._call("DELETE", f"/api/numbers/{_segment(number_id)}", dict[str, Any])

    async def applications(self) -> list[dict[str, Any]]:
        """The account's applications, with snake_case field names."""
        return (await self._call("GET", "/api/applications", Page[dict[str, Any]])).items

    async def create_application(
        self,
        name: str,
        *,
        incoming_call_url: str | None = None,
        incoming_message_url: str | None = None,
        callback_http_method: str | None = None,
        auto_answer: bool | None = None,
    ) -> dict[str, Any]:
        """Create an application; its callback URLs default to the server's own."""
        body = _present(
            name=name,
            incoming_call_url=incoming_call_url,
            incoming_message_url=incoming_message_url,
            callback_http_method=callback_http_method,
            auto_answer=auto_answer,
        )
        return await self._call("POST", "/api/applications", dict[str, Any], body=body)

    async def update_application(
        self,
        application_id: str,
        *,
        name: str | None = None,
        incoming_call_url: str | None = None,
        incoming_message_url: str | None = None,
        callback_http_method: str | None = None,
        auto_answer: bool | None = None,
    ) -> dict[str, Any]:
        """Change an application's name, callback URLs, method or auto-answer."""
        body = _present(
            name=name,
            incoming_call_url=incoming_call_url,
            incoming_message_url=incoming_message_url,
            callback_http_method=callback_http_method,
            auto_answer=auto_answer,
        )
        path = f"/api/applications/{_segment(application_id)}"
        return await self._call("PATCH", path, dict[str, Any], body=body)

    async def delete_application(self, application_id: str) -> dict[str, Any]:
        """Delete an application; answers the numbers that still point at it."""
        path = f"/api/applications/{_segment(application_id)}"
        return await self._call("DELETE", path, dict[str, Any])

    # -- HTTP --------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        answer: type[T],
        *,
        params: Mapping[str, object] | None = None,
        body: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> T:
        query = {name: str(value) for name, value in (params or {}).items() if value is not None}
        try:
            response = await self._http.request(
                method, path, params=query, json=body, content=content, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise ConsoleError(None, self._unreachable(error)) from error
        except httpx.TimeoutException as error:
            raise ConsoleError(
                None,
                f"the server at {self.base_url} did not answer within {self._timeout:g} s; "
                "the outcome is unknown",
            ) from error
        except httpx.TransportError as error:
            raise ConsoleError(
                None, f"lost the connection to the server at {self.base_url}: {_words(error)}"
            ) from error
        if response.is_error:
            raise _refusal(response)
        try:
            return msgspec.json.decode(response.content, type=answer)
        except msgspec.DecodeError as error:
            raise ConsoleError(
                response.status_code,
                f"the server's answer to {method} {path} was not understood: {error}",
            ) from error

    def _unreachable(self, error: BaseException) -> str:
        return f"cannot reach the server at {self.base_url}: {_words(error)}"

    # -- the feed ----------------------------------------------------------------------------

    async def feed(self) -> AsyncGenerator[FeedItem, None]:
        """The server's events, from :attr:`last_seq` on, with the connection's states.

        Replays what the server stored after ``last_seq`` (``FeedEvent``s, then ``FeedLive``),
        then yields events as they happen. ``last_seq`` follows every event handed over, so
        after a drop the client resumes from there: nothing missed, nothing twice. Runs
        until the consumer closes it, or the server refuses the token (``offline``).
        """
        failures = 0
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            yield self._enter(FeedState("connecting", f"connecting to {self.base_url}"))
            while True:
                try:
                    async with connect(
                        self.ws_url,
                        additional_headers=headers,
                        open_timeout=self._timeout,
                        close_timeout=2,
                    ) as socket:
                        try:
                            subscribe = protocol.Subscribe(since=self.last_seq)
                            await socket.send(protocol.encode_frame(subscribe).decode())
                            failures = 0
                            yield self._enter(
                                FeedState("connected", f"connected to {self.base_url}")
                            )
                            while True:
                                item = self._item(await self._frame(socket))
                                if item is not None:
                                    yield item
                        except (asyncio.CancelledError, GeneratorExit):
                            # Closed by the consumer (the console quitting): drop the
                            # connection now rather than wait on a closing handshake that
                            # a second cancellation could cut short, leaving it open.
                            socket.transport.abort()
                            raise
                except InvalidStatus as error:
                    status = error.response.status_code
                    if status in (401, 403):
                        yield self._enter(FeedState("offline", REFUSED_TOKEN))
                        return
                    reason = f"the server answered HTTP {status} to the feed"
                except ConnectionClosed as error:
                    reason = f"lost the connection: {_words(error)}"
                except (OSError, TimeoutError, WebSocketException) as error:
                    reason = self._unreachable(error)
                delay = self._delays[min(failures, len(self._delays) - 1)]
                failures += 1
                yield self._enter(FeedState("reconnecting", reason, retry_in=delay))
                await asyncio.sleep(delay)
        finally:
            if self._state.state != "offline":
                self._state = FeedState("offline", "the feed was closed")

    def _enter(self, state: FeedState) -> FeedState:
        self._state = state
        return state

    async def _frame(self, socket: ClientConnection) -> protocol.ServerFrame:
        """The next frame that means something, decoded once; pinging after a silence."""
        while True:
            try:
                async with asyncio.timeout(self._ping_after):
                    raw = await socket.recv()  # cancelling recv() loses nothing
            except TimeoutError:
                await socket.send(_PING)
                continue
            try:
                frame = protocol.decode_server_frame(raw)
            except protocol.FrameError as problem:
                self._step_over(problem)
                continue
            if not isinstance(frame, protocol.Pong):
                return frame

    def _step_over(self, problem: protocol.FrameError) -> None:
        """A frame this console cannot read: skipped. An event of a kind it does not know
        (a newer server) is passed over like one it would ignore, so its seq counts."""
        if problem.type == "event" and problem.seq is not None and problem.seq > self.last_seq:
            self.last_seq = problem.seq

    def _item(self, frame: protocol.ServerFrame) -> FeedItem | None:
        """The item a frame stands for; None for what the console need not see."""
        if isinstance(frame, protocol.Reset):
            self.last_seq = 0
            return FeedReset()
        if isinstance(frame, protocol.Live):
            return FeedLive(frame.seq)
        if isinstance(frame, protocol.EventFrame) and frame.seq > self.last_seq:
            # Set as the event is handed over: the consumer has it once it sees the item.
            self.last_seq = frame.seq
            return FeedEvent(frame.seq, frame.event)
        return None


def _segment(value: str) -> str:
    """A value as one path segment (numbers start with '+', ids may hold anything)."""
    return quote(value, safe="")


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that were given."""
    return {name: value for name, value in fields.items() if value is not None}


def _read_media(path: Path) -> bytes:
    """A file's bytes, refused before reading when it is over the MMS limit."""
    try:
        size = path.stat().st_size
        if size > MAX_MEDIA_BYTES:
            raise ConsoleError(
                None,
                f"{path.name} is {size:,} bytes; an MMS can carry at most "
                f"{MAX_MEDIA_BYTES:,} bytes (1.5 MB)",
            )
        return path.read_bytes()
    except OSError as error:
        raise ConsoleError(None, f"cannot read {path}: {error.strerror or error}") from error


def _words(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _refusal(response: httpx.Response) -> ConsoleError:
    """The error an error answer stands for, with the server's words."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        text = response.text.strip()[:200] or response.reason_phrase
        return ConsoleError(
            response.status_code, f"the server answered {response.status_code}: {text}"
        )
    provider = body.get("provider")
    record = None
    if isinstance(body.get("message"), dict):
        try:
            record = msgspec.convert(body["message"], Message)
        except msgspec.ValidationError:
            record = None
    return ConsoleError(
        response.status_code,
        body["error"],
        provider=provider if isinstance(provider, dict) else None,
        record=record,
    )
