"""Messaging v2 (JSON) under `/api/v2/users/{accountId}/…`: messages, media, and the callbacks a
messaging application gets (docs/bandwidth-v2.md §2, §3).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute

from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox


class MessagingService:
    """The service's state and background work, on one :class:`V2Sandbox`."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox

    def reset(self) -> None:
        """Forget every record (the account was reset)."""

    async def start(self) -> None:
        """Start background work."""

    async def stop(self) -> None:
        """Stop background work."""


def messaging_of(request: Request) -> MessagingService:
    """The service serving this request."""
    sandbox_of(request)  # learns the base URL
    service: MessagingService = request.app.state.messaging
    return service


def routes() -> list[BaseRoute]:
    """The service's API routes and its simulation routes (`/sandbox/…`)."""
    return []
