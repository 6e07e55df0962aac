"""Fixtures every test directory shares.

With ``--import-mode=importlib`` test modules cannot import each other, so shared helpers
reach tests as fixtures: ``serve`` runs any ASGI app under a real uvicorn on 127.0.0.1:0,
``wait_for`` polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn

Serve = Callable[[Any], contextlib.AbstractAsyncContextManager[str]]
WaitFor = Callable[..., Any]


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep every test away from the real user's config and data directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("SMSCONSOLE_CONFIG", raising=False)
    return home


def bound_socket() -> socket.socket:
    """A listening-ready TCP socket on 127.0.0.1 with a free port (uvicorn takes it over)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def _serve(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
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


@pytest.fixture
def serve() -> Serve:
    """Run an ASGI app under uvicorn on loopback: ``async with serve(app[, sock]) as url``.

    Without ``sock`` it listens on a free port; with one (from ``bound_socket``) the caller
    knew the port before building the app, e.g. to put it in the app's callback URLs.
    """
    return _serve


@pytest.fixture
def free_socket() -> Callable[[], socket.socket]:
    """Make a bound loopback socket whose port is known before the server starts."""
    return bound_socket


async def _wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110 - the state changes in other tasks
            await asyncio.sleep(0.01)


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """Poll ``predicate`` until true: ``await wait_for(lambda: ..., seconds=5)``."""
    return _wait_for
