"""The Numbers API (XML) under `/api/accounts/{accountId}/…`: available numbers, orders, in-service
numbers, sites and SIP peers, applications, disconnects (docs/bandwidth-v2.md §5).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute

from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox


class NumbersService:
    """The service's state and background work, on one :class:`V2Sandbox`."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox

    def reset(self) -> None:
        """Forget every record (the account was reset)."""

    async def start(self) -> None:
        """Start background work."""

    async def stop(self) -> None:
        """Stop background work."""


def numbers_of(request: Request) -> NumbersService:
    """The service serving this request."""
    sandbox_of(request)  # learns the base URL
    service: NumbersService = request.app.state.numbers
    return service


def routes() -> list[BaseRoute]:
    """The service's API routes and its simulation routes (`/sandbox/…`)."""
    return []
