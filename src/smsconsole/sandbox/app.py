"""The sandbox as a Starlette app, and a runner that serves it under uvicorn.

State for tests: ``app.state.sandbox`` is the :class:`~smsconsole.sandbox.runtime.Sandbox`;
``.world`` holds every record, ``.delivery.log`` every callback attempt, ``.engine`` the
lifecycles, ``.inventory`` the numbers still available.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox import api_account, api_calls, api_messages, api_numbers, simulation
from smsconsole.sandbox.contacts import Contacts
from smsconsole.sandbox.responses import Handler, v1_endpoint
from smsconsole.sandbox.runtime import Sandbox, SandboxConfig

USER = "/v1/users/{user_id}"


def _v1(path: str, handler: Handler, methods: list[str], family: str) -> Route:
    return Route(path, v1_endpoint(handler, family), methods=methods)


def _v1_routes() -> list[BaseRoute]:
    n, a, m, c = api_numbers, api_account, api_messages, api_calls
    call = f"{USER}/calls/{{call_id}}"
    return [
        _v1(f"{USER}/applications", n.list_applications, ["GET"], "applications"),
        _v1(f"{USER}/applications", n.create_application, ["POST"], "applications"),
        _v1(f"{USER}/applications/{{app_id}}", n.get_application, ["GET"], "applications"),
        _v1(f"{USER}/applications/{{app_id}}", n.update_application, ["POST"], "applications"),
        _v1(f"{USER}/applications/{{app_id}}", n.delete_application, ["DELETE"], "applications"),
        _v1("/v1/availableNumbers/{kind}", n.search_available, ["GET"], "availableNumbers"),
        _v1("/v1/availableNumbers/{kind}", n.order_available, ["POST"], "availableNumbers"),
        _v1(f"{USER}/phoneNumbers", n.list_numbers, ["GET"], "phoneNumbers"),
        _v1(f"{USER}/phoneNumbers", n.order_number, ["POST"], "phoneNumbers"),
        _v1(f"{USER}/phoneNumbers/{{number}}", n.get_number, ["GET"], "phoneNumbers"),
        _v1(f"{USER}/phoneNumbers/{{number}}", n.update_number, ["POST"], "phoneNumbers"),
        _v1(f"{USER}/phoneNumbers/{{number}}", n.release_number, ["DELETE"], "phoneNumbers"),
        _v1(f"{USER}/messages", m.send_messages, ["POST"], "messages"),
        _v1(f"{USER}/messages", m.list_messages, ["GET"], "messages"),
        _v1(f"{USER}/messages/{{message_id}}", m.get_message, ["GET"], "messages"),
        _v1(f"{USER}/messages/{{message_id}}", m.redact_message, ["PATCH"], "messages"),
        _v1(f"{USER}/calls", c.create_call, ["POST"], "calls"),
        _v1(f"{USER}/calls", c.list_calls, ["GET"], "calls"),
        _v1(call, c.get_call, ["GET"], "calls"),
        _v1(call, c.update_call, ["POST"], "calls"),
        _v1(f"{call}/audio", c.play_audio, ["POST"], "calls"),
        _v1(f"{call}/dtmf", c.send_dtmf, ["POST"], "calls"),
        _v1(f"{call}/gather", c.create_gather, ["POST"], "calls"),
        _v1(f"{call}/gather/{{gather_id}}", c.get_gather, ["GET"], "calls"),
        _v1(f"{call}/gather/{{gather_id}}", c.update_gather, ["POST"], "calls"),
        _v1(f"{call}/events", c.list_events, ["GET"], "calls"),
        _v1(f"{call}/events/{{event_id}}", c.get_event, ["GET"], "calls"),
        _v1(f"{call}/recordings", c.list_call_recordings, ["GET"], "calls"),
        _v1(f"{USER}/recordings", a.list_recordings, ["GET"], "recordings"),
        _v1(f"{USER}/recordings/{{recording_id}}", a.get_recording, ["GET"], "recordings"),
        _v1(f"{USER}/account", a.get_account, ["GET"], "account"),
        _v1(f"{USER}/errors", a.list_errors, ["GET"], "errors"),
        _v1(f"{USER}/errors/{{error_id}}", a.get_error, ["GET"], "errors"),
        _v1(f"{USER}/media", a.list_media, ["GET"], "media"),
        _v1(f"{USER}/media/{{name:path}}", a.put_media, ["PUT"], "media"),
        _v1(f"{USER}/media/{{name:path}}", a.get_media, ["GET"], "media"),
        _v1(f"{USER}/media/{{name:path}}", a.delete_media, ["DELETE"], "media"),
    ]


def _sim_routes() -> list[BaseRoute]:
    s = simulation
    return [
        Route("/sandbox/inbound/messages", s.sim_endpoint(s.inbound_message), methods=["POST"]),
        Route("/sandbox/inbound/calls", s.sim_endpoint(s.inbound_call), methods=["POST"]),
        Route("/sandbox/calls/{call_id}/remote", s.sim_endpoint(s.remote_action), methods=["POST"]),
        Route("/sandbox/numbers/taken", s.sim_endpoint(s.take_number), methods=["POST"]),
        Route("/sandbox/numbers", s.sim_endpoint(s.owned_numbers), methods=["GET"]),
        Route("/sandbox/outbox", s.sim_endpoint(s.outbox), methods=["GET"]),
        Route("/sandbox/callbacks", s.sim_endpoint(s.callbacks_log), methods=["GET"]),
        Route("/sandbox/reset", s.sim_endpoint(s.reset), methods=["POST"]),
    ]


def create_sandbox_app(
    *,
    user_id: str = "u-sandbox",
    api_token: str = "t-sandbox",
    api_secret: str = "s-sandbox",
    state_file: Path | None = None,
    rate_limits: bool = False,
    contacts: bool = False,
    callback_timeout_cap: float = 10.0,
    seed: int | None = None,
    speed: float = 1.0,
    contact_interval: float = 45.0,
) -> Starlette:
    """Build the Catapult v1 simulator.

    Args:
        user_id: The account's userId (in every ``/v1/users/{userId}`` path).
        api_token: Basic-auth user name.
        api_secret: Basic-auth password.
        state_file: JSON file keeping the world across restarts (None: memory only).
        rate_limits: Answer v1's 403 ``limit`` / 429 rate-limit errors (§1.10).
        contacts: Run simulated remote parties who text, reply and call.
        callback_timeout_cap: Upper bound, in seconds, on any callback timeout.
        seed: Seed for the inventory, ids and contacts (None: random ids).
        speed: Multiplier of every simulated delay (1.0 realistic, 0.01 for tests).
        contact_interval: Mean seconds between spontaneous contact texts (before ``speed``).

    Returns:
        The app; ``app.state.sandbox`` is its :class:`Sandbox`.
    """
    config = SandboxConfig(
        user_id=user_id,
        api_token=api_token,
        api_secret=api_secret,
        state_file=state_file,
        rate_limits=rate_limits,
        contacts=contacts,
        callback_timeout_cap=callback_timeout_cap,
        seed=seed,
        speed=speed,
        contact_interval=contact_interval,
    )
    sandbox = Sandbox(config)
    people = Contacts(sandbox) if contacts else None

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

    app = Starlette(routes=[*_v1_routes(), *_sim_routes()], lifespan=lifespan)
    app.state.sandbox = sandbox
    app.state.contacts = people
    return app


def run_sandbox(host: str = "127.0.0.1", port: int = 8900, **kwargs: Any) -> None:
    """Serve the sandbox under uvicorn, printing its base URL and credentials first.

    Args:
        host: Interface to bind.
        port: TCP port.
        **kwargs: Passed to :func:`create_sandbox_app`.
    """
    app = create_sandbox_app(**kwargs)
    config: SandboxConfig = app.state.sandbox.config
    print(f"Catapult v1 sandbox at http://{host}:{port}", flush=True)
    print(f"  user id:    {config.user_id}", flush=True)
    print(f"  api token:  {config.api_token}", flush=True)
    print(f"  api secret: {config.api_secret}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
