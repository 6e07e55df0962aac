"""Voice v2 under `/api/v2/accounts/{accountId}/calls…`: calls, their state machine, the webhooks
answered with BXML and a BXML interpreter (docs/bandwidth-v2.md §4).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute

from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox


class VoiceService:
    """The service's state and background work, on one :class:`V2Sandbox`."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox

    def reset(self) -> None:
        """Forget every record (the account was reset)."""

    async def start(self) -> None:
        """Start background work."""

    async def stop(self) -> None:
        """Stop background work."""


def voice_of(request: Request) -> VoiceService:
    """The service serving this request."""
    sandbox_of(request)  # learns the base URL
    service: VoiceService = request.app.state.voice
    return service


def routes() -> list[BaseRoute]:
    """The service's API routes and its simulation routes (`/sandbox/…`)."""
    return []
