"""Run the callback server under uvicorn: ``smsconsole serve``."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Final

import uvicorn

from smsconsole.config import Settings
from smsconsole.server.app import create_app
from smsconsole.server.urls import public_base

GRACEFUL_SECONDS: Final = 10
# Feed frames are small; refuse anything large from a console.
WS_MAX_SIZE: Final = 1024 * 1024


def uvicorn_config(settings: Settings, **overrides: object) -> uvicorn.Config:
    """The uvicorn settings the server runs with (shared by ``serve``, ``demo`` and benchmarks).

    In-flight requests finish on shutdown (up to ``GRACEFUL_SECONDS``); the websocket layer
    pings every 20 s so dead consoles are noticed.
    """
    options: dict[str, object] = {
        "host": settings.server.host,
        "port": settings.server.port,
        "log_level": "info",
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        "ws_max_size": WS_MAX_SIZE,
        # Feed frames are small JSON; compressing each one cost a fifth of the server's CPU
        # in bench/ingest.py with ten consoles attached.
        "ws_per_message_deflate": False,
        # One line per callback at info level costs throughput; refusals are logged anyway.
        "access_log": False,
        "server_header": False,
    }
    options.update(overrides)
    return uvicorn.Config(create_app(settings), **options)  # type: ignore[arg-type]


def serve_forever(settings: Settings) -> None:
    """Serve until interrupted, logging to stderr."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    log = logging.getLogger("smsconsole")
    log.info("store: %s (durability %s)", settings.store.file, settings.store.durability)
    log.info("callbacks: %s/callbacks/messages and /callbacks/calls", public_base(settings.server))
    if settings.provider.missing:
        log.warning(
            "no provider credentials (%s): callbacks only", ", ".join(settings.provider.missing)
        )
    # uvicorn re-raises Ctrl-C after its graceful shutdown; it has been handled.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(uvicorn_config(settings)).run()
