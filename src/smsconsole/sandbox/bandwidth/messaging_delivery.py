"""Messaging v2 callbacks as Bandwidth delivers them (docs/bandwidth-v2.md §3.1).

Each event is ``POST``ed alone as a one-element JSON **array** with ``Content-Type:
application/json; charset=utf-8``, ``User-Agent: BandwidthAPI/v2`` and the application's
Basic credentials, with a timeout of ``min(10 s, callback_timeout_cap)``. A non-2xx answer, a
timeout or a connection error is retried: Bandwidth retries for 24 hours; the sandbox makes
:data:`MAX_ATTEMPTS` attempts, waiting :data:`RETRY_BASE` × 2ⁿ seconds (scaled by the
sandbox's speed) between them, then gives the event up. Every attempt is appended to
``sandbox.callback_log``.

Events of one message are delivered in order, one at a time (a retried event holds back the
later ones); different messages deliver concurrently. :class:`Faults` switch on duplicates
(every event delivered twice) for tests; the out-of-order switch is applied by the lifecycle,
which knows a message's events (``messaging_service.py``).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from smsconsole.sandbox.bandwidth.account import Credentials
from smsconsole.sandbox.bandwidth.messaging_records import iso_ms, now
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox

USER_AGENT = "BandwidthAPI/v2"
CONTENT_TYPE = "application/json; charset=utf-8"
TIMEOUT = 10.0  # "a 10 second timeout for callbacks" (§3.1)
MAX_ATTEMPTS = 8  # stands for Bandwidth's 24 hours of retries
RETRY_BASE = 1.0  # seconds before the 2nd attempt; doubled before each later one


@dataclass
class Faults:
    """Test switches (``POST /sandbox/messaging/faults``): deliver every event twice
    (``duplicate``), deliver a message's events newest first (``reorder``)."""

    duplicate: bool = False
    reorder: bool = False


@dataclass(frozen=True)
class Callback:
    """One event for one URL: where, with which credentials, and the body sent."""

    url: str
    creds: Credentials | None
    body: str

    @classmethod
    def of(cls, url: str, creds: Credentials | None, event: dict[str, Any]) -> Callback:
        """The callback carrying ``event`` (as a one-element array)."""
        return cls(url, creds, json.dumps([event]))


class CallbackDelivery:
    """Per-message ordered delivery with retries, through the sandbox's HTTP client."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox
        self.faults = Faults()
        self._queues: dict[str, deque[Callback]] = {}

    def reset(self) -> None:
        """Forget queued callbacks (their workers were cancelled with the sandbox's tasks)."""
        self._queues.clear()
        self.faults = Faults()

    def idle(self) -> bool:
        """Whether nothing is queued or being delivered."""
        return not self._queues

    def send(self, key: str, callback: Callback) -> None:
        """Deliver ``callback`` after the earlier ones of ``key`` (a message id)."""
        copies = 2 if self.faults.duplicate else 1
        queue = self._queues.get(key)
        if queue is not None:
            queue.extend([callback] * copies)
            return
        self._queues[key] = deque([callback] * copies)
        self.sandbox.spawn(self._drain(key))

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        while queue:
            await self._deliver(queue[0])
            queue.popleft()
        # No await between the emptiness check and this deletion: nothing can slip in.
        if self._queues.get(key) is queue:
            del self._queues[key]

    async def _deliver(self, callback: Callback) -> bool:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if await self._attempt(callback, attempt):
                return True
            if attempt < MAX_ATTEMPTS:
                await asyncio.sleep(self.sandbox.delay(RETRY_BASE * 2 ** (attempt - 1)))
        return False

    async def _attempt(self, callback: Callback, attempt: int) -> bool:
        headers = {"User-Agent": USER_AGENT, "Content-Type": CONTENT_TYPE}
        if callback.creds is not None:
            raw = f"{callback.creds.username}:{callback.creds.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        entry: dict[str, Any] = {
            "service": "messaging",
            "method": "POST",
            "url": callback.url,
            "attempt": attempt,
            "status": None,
            "error": None,
            "body": callback.body,
            "time": iso_ms(now()),
        }
        timeout = min(TIMEOUT, self.sandbox.config.callback_timeout_cap)
        try:
            response = await self.sandbox.client().post(
                callback.url, content=callback.body, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            entry["error"] = "timeout"
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # a URL httpx cannot use
            entry["error"] = f"connection error: {exc.__class__.__name__}"
        else:
            entry["status"] = response.status_code
            if not 200 <= response.status_code < 300:
                entry["error"] = f"HTTP {response.status_code}"
        self.sandbox.callback_log.append(entry)
        return entry["error"] is None
