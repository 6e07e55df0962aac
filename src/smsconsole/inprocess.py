"""Servers run inside the console's own process: for ``smsconsole demo`` and the all-in-one
``smsconsole`` against a real account.

The console owns the terminal, so these uvicorn servers log to a file, install no signal
handlers, and are stopped by the console when it quits. They run with the HTTP limits of
``smsconsole serve`` and the same redaction of secrets from their log lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn

from smsconsole.server import log_redaction
from smsconsole.server.limits import uvicorn_options


def bound_socket(port: int, host: str = "127.0.0.1") -> socket.socket:
    """A socket on ``host``:``port`` (0: any free port), or exit saying the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(
            f"smsconsole: port {port} is not free ({error.strerror}); pick another"
        ) from None
    return sock


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals alone: the console owns the terminal and quits
    on its own keys, then stops the servers itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(app: object, sock: socket.socket) -> AsyncIterator[None]:
    """Run ``app`` on ``sock`` until the block ends."""
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
        ws_ping_interval=20.0,
        **uvicorn_options(),  # type: ignore[arg-type]
    )
    log_redaction.install()
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
