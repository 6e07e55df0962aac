"""The v2 sandbox as a Starlette app, and a runner that serves it under uvicorn.

State for tests: ``app.state.sandbox`` is the :class:`~.runtime.V2Sandbox` (``.account`` holds
the account's structure, ``.callback_log`` every callback attempt); ``app.state.messaging``,
``.voice`` and ``.numbers`` are its services.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth import messaging, numbers, voice
from smsconsole.sandbox.bandwidth.contacts import V2Contacts
from smsconsole.sandbox.bandwidth.http import json_response, sandbox_of
from smsconsole.sandbox.bandwidth.runtime import Service, V2Config, V2Sandbox


async def _owned_numbers(request: Request) -> Response:
    """``GET /sandbox/numbers``: the account's numbers in service, E.164, sorted."""
    return json_response(sorted(sandbox_of(request).account.numbers))


async def _callbacks_log(request: Request) -> Response:
    """``GET /sandbox/callbacks``: every callback attempt so far, oldest first."""
    return json_response(sandbox_of(request).callback_log)


async def _reset(request: Request) -> Response:
    """``POST /sandbox/reset``: a fresh account (its seeded site and peer), nothing else."""
    sandbox_of(request).reset()
    return json_response({"reset": True})


def _common_routes() -> list[BaseRoute]:
    return [
        Route("/sandbox/numbers", _owned_numbers, methods=["GET"]),
        Route("/sandbox/callbacks", _callbacks_log, methods=["GET"]),
        Route("/sandbox/reset", _reset, methods=["POST"]),
    ]


def create_v2_sandbox_app(
    *,
    account_id: str = "9900000",
    username: str = "bw-sandbox",
    password: str = "bw-sandbox-password",
    callback_timeout_cap: float = 10.0,
    seed: int | None = None,
    speed: float = 1.0,
    contacts: bool = False,
    contact_interval: float = 45.0,
) -> Starlette:
    """Build the Bandwidth v2 simulator.

    Args:
        account_id: The account id (digits) in every ``/accounts/{id}`` and ``/users/{id}`` path.
        username: Basic-auth user name.
        password: Basic-auth password.
        callback_timeout_cap: Upper bound, in seconds, on any callback timeout.
        seed: Seed for the inventory and ids (None: random).
        speed: Multiplier of every simulated delay (1.0 realistic, 0.01 for tests).
        contacts: Run simulated remote parties who text, reply and call.
        contact_interval: Mean seconds between spontaneous contact actions (before ``speed``).

    Returns:
        The app; ``app.state.sandbox`` is its :class:`V2Sandbox`.
    """
    config = V2Config(
        account_id=account_id,
        username=username,
        password=password,
        callback_timeout_cap=callback_timeout_cap,
        seed=seed,
        speed=speed,
    )
    sandbox = V2Sandbox(config)
    services_messaging = messaging.MessagingService(sandbox)
    services_voice = voice.VoiceService(sandbox)
    services: dict[str, Service] = {
        "numbers": numbers.NumbersService(sandbox),
        "messaging": services_messaging,
        "voice": services_voice,
    }
    sandbox.services.extend(services.values())
    people = (
        V2Contacts(sandbox, services_messaging, services_voice.engine, interval=contact_interval)
        if contacts
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await sandbox.start()
        if people is not None:
            people.start()
        try:
            yield
        finally:
            if people is not None:
                await people.stop()
            await sandbox.stop()

    routes = [*messaging.routes(), *voice.routes(), *numbers.routes(), *_common_routes()]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = sandbox
    app.state.contacts = people
    for name, service in services.items():
        setattr(app.state, name, service)
    return app


def run_v2_sandbox(host: str = "127.0.0.1", port: int = 8900, **kwargs: Any) -> None:
    """Serve the v2 sandbox under uvicorn, printing its base URL, credentials and how to point
    Bandwidth's SDKs at it first.

    Args:
        host: Interface to bind.
        port: TCP port.
        **kwargs: Passed to :func:`create_v2_sandbox_app`.
    """
    app = create_v2_sandbox_app(**kwargs)
    config: V2Config = app.state.sandbox.config
    base = f"http://{host}:{port}"
    print(f"Bandwidth v2 sandbox at {base}", flush=True)
    print(f"  account id: {config.account_id}", flush=True)
    print(f"  username:   {config.username}", flush=True)
    print(f"  password:   {config.password}", flush=True)
    print(f"  messaging_url = {base}/api/v2   voice_url = {base}/api/v2", flush=True)
    print(f"  numbers_url   = {base}/api", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
