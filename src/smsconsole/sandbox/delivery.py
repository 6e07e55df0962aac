"""Callback delivery as Catapult v1 does it (reference §6.1, §8, §9).

One event per HTTP request: a JSON object on POST (``Content-Type: application/json;
charset=utf-8``) or the same fields as a query string on GET (a list such as MMS ``media`` is
sent as repeated parameters, a nested object as a JSON string). Basic credentials come from the
URL's userinfo, which is stripped from the URL. ``User-Agent: BandwidthAPI/v1``. A non-2xx
answer, a timeout or a connection error is recorded as a user error and the same event goes to
the fallback URL, once; there are no other retries (§9).

Events of one resource (a message, a call) are delivered in order by one worker per resource;
different resources deliver concurrently. Events raised while an API request is being handled
are held and released only after the response has been sent (:func:`hold_events`).
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from smsconsole.sandbox.state import World, iso_time

USER_AGENT = "BandwidthAPI/v1"
DEFAULT_TIMEOUT_MS = 10000

_HELD: contextvars.ContextVar[list[Outgoing] | None] = contextvars.ContextVar(
    "sandbox_held_events", default=None
)


@dataclass(frozen=True)
class Target:
    """Where and how to deliver: URL, ``post``/``get``, timeout in ms, fallback URL."""

    url: str
    method: str = "post"
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    fallback_url: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One event for one resource (``key`` orders deliveries: a message or call id)."""

    key: str
    target: Target
    payload: dict[str, Any]


@contextmanager
def hold_events() -> Iterator[list[Outgoing]]:
    """Collect events raised in this context instead of sending them (sent after a response)."""
    held: list[Outgoing] = []
    token = _HELD.set(held)
    try:
        yield held
    finally:
        _HELD.reset(token)


def detach_context() -> None:
    """Stop holding events in the current task (timers outlive the request that began them)."""
    _HELD.set(None)


def query_params(payload: dict[str, Any]) -> list[tuple[str, str | int | float | bool | None]]:
    """The GET form of an event (§6.4): lists repeat the parameter, objects become JSON."""
    params: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in payload.items():
        if isinstance(value, list):
            params.extend((key, str(item)) for item in value)
        elif isinstance(value, bool):
            params.append((key, "true" if value else "false"))
        elif isinstance(value, dict):
            params.append((key, json.dumps(value)))
        else:
            params.append((key, str(value)))
    return params


class Delivery:
    """Sends callback events with per-resource ordering and records failures in ``world``.

    Args:
        world: Where failures are recorded as user errors.
        timeout_cap: Upper bound on any callback timeout, in seconds.
        on_change: Called after the world changed (to persist it).
    """

    def __init__(
        self, world: World, timeout_cap: float, on_change: Callable[[], None] | None = None
    ) -> None:
        self.world = world
        self.timeout_cap = timeout_cap
        self.log: list[dict[str, Any]] = []
        self._on_change = on_change
        self._queues: dict[str, asyncio.Queue[Outgoing]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the HTTP client."""
        self._client = httpx.AsyncClient(trust_env=False, follow_redirects=False)

    async def stop(self) -> None:
        """Cancel pending deliveries and close the client."""
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def send(self, key: str, target: Target, payload: dict[str, Any]) -> None:
        """Deliver an event, or hold it until the current API response has been sent."""
        item = Outgoing(key, target, payload)
        held = _HELD.get()
        if held is not None:
            held.append(item)
        else:
            self._enqueue(item)

    async def release(self, items: list[Outgoing]) -> None:
        """Deliver events that were held during a request (a response background task)."""
        for item in items:
            self._enqueue(item)

    def idle(self) -> bool:
        """Whether nothing is queued or being delivered."""
        return not self._workers

    def _enqueue(self, item: Outgoing) -> None:
        queue = self._queues.setdefault(item.key, asyncio.Queue())
        queue.put_nowait(item)
        worker = self._workers.get(item.key)
        if worker is None or worker.done():
            self._workers[item.key] = asyncio.create_task(self._drain(item.key))

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        while not queue.empty():
            item = queue.get_nowait()
            await self._deliver(item)
        # No await between the emptiness check and these deletions: no event can slip in.
        self._queues.pop(key, None)
        self._workers.pop(key, None)

    async def _deliver(self, item: Outgoing) -> None:
        target = item.target
        if await self._attempt(target.url, target, item.payload, "primary"):
            return
        if target.fallback_url:
            await self._attempt(target.fallback_url, target, item.payload, "fallback")

    async def _attempt(self, url: str, target: Target, payload: dict[str, Any], role: str) -> bool:
        assert self._client is not None, "delivery not started"
        parsed = httpx.URL(url)
        headers = {"User-Agent": USER_AGENT}
        if parsed.username or parsed.password:
            raw = f"{parsed.username}:{parsed.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
            parsed = parsed.copy_with(username=None, password=None)
        timeout = min(target.timeout_ms / 1000, self.timeout_cap)
        method = target.method.upper()
        entry: dict[str, Any] = {
            "time": iso_time(),
            "url": str(parsed),
            "method": method,
            "role": role,
            "eventType": payload.get("eventType"),
            "payload": payload,
        }
        self.log.append(entry)
        try:
            if method == "GET":
                response = await self._client.get(
                    parsed,
                    params=httpx.QueryParams(list(query_params(payload))),
                    headers=headers,
                    timeout=timeout,
                )
            else:
                headers["Content-Type"] = "application/json; charset=utf-8"
                response = await self._client.post(
                    parsed, content=json.dumps(payload), headers=headers, timeout=timeout
                )
        except httpx.TimeoutException:
            entry["outcome"] = "timeout"
            self._failure("callback-server-timeout", "Callback server took too long", entry)
            return False
        except httpx.HTTPError as exc:
            entry["outcome"] = f"io-error: {exc.__class__.__name__}"
            self._failure("callback-io-error", f"Callback request failed: {exc!r}", entry)
            return False
        entry["status"] = response.status_code
        if 200 <= response.status_code < 300:
            entry["outcome"] = "ok"
            return True
        entry["outcome"] = "http-failure"
        self._failure(
            "callback-http-failure-status",
            f"Callback server answered HTTP {response.status_code}",
            entry,
            {"callbackStatusCode": str(response.status_code)},
        )
        return False

    def _failure(
        self, code: str, message: str, entry: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        details = {
            **(extra or {}),
            "callbackUrl": entry["url"],
            "callbackMethod": entry["method"],
            "callbackEvent": str(entry["eventType"]),
        }
        self.world.add_user_error(code, message, details)
        if self._on_change is not None:
            self._on_change()
