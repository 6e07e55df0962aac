"""Servers run inside the console's own process: for ``smsconsole demo`` and the all-in-one
``smsconsole`` against a real account.

The console owns the terminal, so these uvicorn servers log to a file, install no signal
handlers, and are stopped when the operator quits the console. They run with the HTTP limits
of ``smsconsole serve`` and the same redaction of secrets from their log lines. A console that
fails does not take the server down with it (:func:`run_console`): the provider keeps getting
its callbacks acknowledged, and the operator is told what failed and how to go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TextIO

import uvicorn
from textual.app import App

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


async def wait_for_enter() -> bool:
    """Wait for the operator to press enter (True). With no terminal to read, wait forever:
    the server keeps serving until the process is stopped (ctrl+c, SIGTERM)."""
    loop = asyncio.get_running_loop()
    pressed: asyncio.Future[bool] = loop.create_future()
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, ValueError, OSError):
        return await pressed  # never set: serve until stopped

    def readable() -> None:
        data = os.read(fd, 1024)
        if not data:
            loop.remove_reader(fd)  # end of input: nobody to ask, keep serving
        elif b"\n" in data and not pressed.done():
            pressed.set_result(True)

    loop.add_reader(fd, readable)
    try:
        return await pressed
    finally:
        loop.remove_reader(fd)


async def run_console(
    make_app: Callable[[], App[None]],
    *,
    server_url: str,
    again: Callable[[], Awaitable[bool]] = wait_for_enter,
    out: TextIO | None = None,
    headless: bool = False,
) -> None:
    """Run the console until the operator quits it; if it fails, keep the server running.

    Textual prints the failure's traceback as the app exits; then the operator reads that the
    server is still up, and can start a fresh console (enter) or stop everything (ctrl+c).

    Args:
        make_app: Builds a new console (with its own client) for each start.
        server_url: Where the server in this process listens, to say so.
        again: Waits for the operator's answer: True starts the console again.
        out: Where to say it (default: stderr).
        headless: Run the console without a terminal (scripted runs, tests).
    """
    while True:
        app = make_app()
        await app.run_async(headless=headless)
        if not app.return_code:  # the operator quit (or the terminal went away)
            return
        print(
            f"\nsmsconsole: the console stopped on an error (shown above).\n"
            f"  The server at {server_url} is still running and acknowledging callbacks.\n"
            "  Press enter to start the console again, or ctrl+c to stop the server.",
            file=out or sys.stderr,
            flush=True,
        )
        if not await again():
            return
