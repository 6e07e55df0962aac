"""The running v2 sandbox: its settings, the account, and the services that act on it.

Handlers reach it as ``request.app.state.sandbox`` (and a service as ``.messaging``,
``.voice``, ``.numbers``); tests may too (``.account`` holds the account's structure,
``.callback_log`` every callback attempt of every service).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from smsconsole.sandbox.bandwidth.account import Account


@dataclass(frozen=True)
class V2Config:
    """Settings of one v2 sandbox (see ``create_v2_sandbox_app`` for their meaning)."""

    account_id: str = "9900000"
    username: str = "bw-sandbox"
    password: str = "bw-sandbox-password"
    callback_timeout_cap: float = 10.0
    seed: int | None = None
    speed: float = 1.0


class Service(Protocol):
    """A part of the sandbox with its own records and background work."""

    def reset(self) -> None:
        """Forget every record (the account was reset)."""
        ...

    async def start(self) -> None:
        """Start background work."""
        ...

    async def stop(self) -> None:
        """Stop background work."""
        ...


class V2Sandbox:
    """One simulated Bandwidth account (Messaging v2, Voice v2, Numbers) and its world."""

    def __init__(self, config: V2Config) -> None:
        self.config = config
        self.account = Account.seeded(config.account_id)
        self.callback_log: list[dict[str, Any]] = []
        self.base_url = "http://127.0.0.1"  # learnt from each request (absolute Locations)
        self.http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.services: list[Service] = []

    def delay(self, seconds: float) -> float:
        """A simulated delay scaled by ``speed`` (1.0 realistic, 0.01 in tests)."""
        return seconds * self.config.speed

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background until it ends or the sandbox stops."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def client(self) -> httpx.AsyncClient:
        """The HTTP client callbacks are delivered with (open while the sandbox runs)."""
        if self.http is None:
            raise RuntimeError("the v2 sandbox is not running")
        return self.http

    def reset(self) -> None:
        """Forget everything: a fresh account and fresh services (``POST /sandbox/reset``)."""
        for task in self._tasks:
            task.cancel()
        self.account = Account.seeded(self.config.account_id)
        self.callback_log.clear()
        for service in self.services:
            service.reset()

    async def start(self) -> None:
        """Open the callback client and start the services."""
        self.http = httpx.AsyncClient(trust_env=False, follow_redirects=False)
        for service in self.services:
            await service.start()

    async def stop(self) -> None:
        """Stop the services and every background task; close the client."""
        for service in reversed(self.services):
            await service.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()
            self.http = None
