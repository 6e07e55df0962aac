"""Loopback helpers the test directories share (importable: ``tests`` is on the path).

``serve`` runs any ASGI app under a real uvicorn on 127.0.0.1 (``serve_config`` runs a
given uvicorn config, such as the server's own ``uvicorn_config``); ``bound_socket`` gives a
socket whose port is known before the server starts (for callback URLs, or to bring a
server back on the same port); ``free_port`` a port for a server in another process;
``wait_for`` polls a condition with a deadline, ``eventually`` an HTTP listing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import uvicorn


def bound_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound on 127.0.0.1 (``port`` 0: a free one) for uvicorn to listen on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def free_port() -> int:
    """A port free on 127.0.0.1 just now (for a server started in another process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on loopback (on ``sock`` if given); yield its base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    async with serve_config(config, sock) as url:
        yield url


@contextlib.asynccontextmanager
async def serve_config(
    config: uvicorn.Config, sock: socket.socket | None = None
) -> AsyncIterator[str]:
    """Run uvicorn with ``config`` (its host and port, or ``sock``); yield its base URL."""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock] if sock else None))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()  # startup failed: raise why
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(15):
            await task


async def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll ``predicate`` until true; fail after ``seconds``."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - the state changes in other tasks
            await asyncio.sleep(0.01)


async def eventually(
    fetch: Callable[[], Awaitable[list[dict[str, Any]]]],
    done: Callable[[list[dict[str, Any]]], bool],
    seconds: float = 5.0,
) -> list[dict[str, Any]]:
    """Fetch until ``done`` holds for the result; fail with the last result after ``seconds``."""
    items: list[dict[str, Any]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while not done(items := await fetch()):  # noqa: ASYNC110 - polling over HTTP
                await asyncio.sleep(0.02)
    assert done(items), items
    return items
