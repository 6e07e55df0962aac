"""Real servers (uvicorn on loopback, SQLite on disk) and the sandbox, for the console tests.

The console may only talk to a server over HTTP and the websocket, so these fixtures run the
real thing: ``start_server(store, port=...)`` can bring a server back on the same store file
and the same port, which is how a dropped feed is tested.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from loopback import bound_socket
from smsconsole.catapult.client import CatapultClient
from smsconsole.config import load_settings
from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.server.app import create_app
from smsconsole.tui.client import ConsoleClient

TOKEN = "console-token"
CALLBACK_AUTH = ("bandwidth", "callback-secret")
OURS = "+19195550187"
REMOTE = "+14155550123"


@dataclass
class Running:
    """A running server: its address, and a way to deliver callbacks to it."""

    url: str
    port: int
    http: httpx.AsyncClient

    async def callback(self, payload: dict[str, Any], path: str = "/callbacks/messages") -> None:
        response = await self.http.post(path, json=payload, auth=CALLBACK_AUTH)
        assert response.is_success, response.text


@contextlib.asynccontextmanager
async def running_server(
    serve: Any, store: Path, port: int = 0, provider: CatapultClient | None = None
) -> AsyncIterator[Running]:
    sock = bound_socket(port)
    port = sock.getsockname()[1]
    settings = load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_SERVER_PORT": str(port),
            "SMSCONSOLE_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SMSCONSOLE_STORE_PATH": str(store),
        }
    )
    try:
        async with (
            serve(create_app(settings, provider=provider), sock) as url,
            httpx.AsyncClient(base_url=url, timeout=10) as http,
        ):
            yield Running(url, port, http)
    finally:
        sock.close()


@pytest.fixture
def start_server(serve: Any) -> Callable[..., Any]:
    """``async with start_server(store, port=0, provider=None) as running``."""

    def start(store: Path, port: int = 0, provider: CatapultClient | None = None) -> Any:
        return running_server(serve, store, port, provider)

    return start


@pytest.fixture
async def server(start_server: Any, tmp_path: Path) -> AsyncIterator[Running]:
    """A server with a store and no provider account."""
    async with start_server(tmp_path / "store.db") as running:
        yield running


@pytest.fixture
def inbound_sms() -> Callable[..., dict[str, Any]]:
    """``inbound_sms(n, text=..., remote=...)``: a v1 inbound SMS callback (reference §5.3)."""

    def make(n: int, text: str | None = None, remote: str = REMOTE) -> dict[str, Any]:
        return {
            "eventType": "sms",
            "direction": "in",
            "messageId": f"m-{n:04d}",
            "from": remote,
            "to": OURS,
            "text": text if text is not None else f"message {n}",
            "time": f"2026-11-27T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
            "state": "received",
        }

    return make


@pytest.fixture
async def console() -> AsyncIterator[Callable[..., ConsoleClient]]:
    """``console(url, token=TOKEN, **options)``: a client with short delays, closed after."""
    made: list[ConsoleClient] = []

    def make(url: str, token: str = TOKEN, **options: Any) -> ConsoleClient:
        options.setdefault("reconnect_delays", (0.05, 0.1))
        options.setdefault("timeout", 5)
        client = ConsoleClient(url, token, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def sandbox_url(serve: Any) -> AsyncIterator[str]:
    """The Catapult v1 simulator, fast."""
    async with serve(create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)) as url:
        yield url


@pytest.fixture
async def provider_server(
    start_server: Any, tmp_path: Path, sandbox_url: str
) -> AsyncIterator[Running]:
    """A server whose provider is the sandbox."""
    client = CatapultClient(
        sandbox_url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
    )
    async with client, start_server(tmp_path / "store.db", provider=client) as running:
        yield running


# -- a server on a thread of its own, for the synchronous snapshot tests --------------------


@dataclass
class ThreadedServer:
    """A server running on its own thread and event loop, and a synchronous client of it."""

    url: str
    http: httpx.Client

    def callback(self, payload: dict[str, Any], path: str = "/callbacks/messages") -> None:
        """Deliver a provider callback, as the provider would (reference §5.3, §8)."""
        response = self.http.post(path, json=payload, auth=CALLBACK_AUTH)
        assert response.is_success, response.text

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Call ``/api`` as the console does, with the bearer token."""
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return self.http.request(method, path, headers=headers, **options)


@contextlib.contextmanager
def server_in_thread(store: Path) -> Iterator[ThreadedServer]:
    """Run uvicorn in a daemon thread (its own event loop) until the block ends."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    settings = load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_SERVER_PORT": str(port),
            "SMSCONSOLE_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SMSCONSOLE_STORE_PATH": str(store),
        }
    )
    config = uvicorn.Config(
        create_app(settings), lifespan="on", log_level="warning", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "the server thread died while starting"
            assert time.monotonic() < deadline, "the server did not start within 10 s"
            time.sleep(0.01)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=10) as http:
            yield ThreadedServer(url, http)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the server thread did not stop within 15 s"


@pytest.fixture
def threaded_server(tmp_path: Path) -> Iterator[ThreadedServer]:
    """A server with an empty store, on a thread: for tests that are not async (snapshots)."""
    with server_in_thread(tmp_path / "store.db") as running:
        yield running
