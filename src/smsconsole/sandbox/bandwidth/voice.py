"""Voice v2 under `/api/v2/accounts/{accountId}/calls…`: calls, their state machine, the webhooks
answered with BXML and a BXML interpreter (docs/bandwidth-v2.md §4).

The parts: ``bxml.py`` (documents), ``voice_calls.py`` (a call and its JSON),
``voice_webhooks.py`` (delivery), ``voice_engine.py`` (the far end and the interpreter),
``voice_api.py`` (the API routes), ``voice_simulation.py`` (the ``/sandbox/…`` routes).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute

from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox
from smsconsole.sandbox.bandwidth.voice_api import api_routes
from smsconsole.sandbox.bandwidth.voice_engine import VoiceEngine
from smsconsole.sandbox.bandwidth.voice_simulation import simulation_routes


class VoiceService:
    """The service's state and background work, on one :class:`V2Sandbox`."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox
        self.engine = VoiceEngine(sandbox)

    def reset(self) -> None:
        """Forget every call (the account was reset)."""
        self.engine.reset()

    async def start(self) -> None:
        """Start background work (none until a call exists)."""

    async def stop(self) -> None:
        """Cancel every call's work."""
        await self.engine.stop()


def voice_of(request: Request) -> VoiceService:
    """The service serving this request."""
    sandbox_of(request)  # learns the base URL
    service: VoiceService = request.app.state.voice
    return service


def routes() -> list[BaseRoute]:
    """The service's API routes and its simulation routes (`/sandbox/…`)."""
    return [*api_routes(), *simulation_routes()]
