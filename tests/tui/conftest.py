"""Real servers (uvicorn on loopback, SQLite on disk) and the sandbox, for the console tests.

The console may only talk to a server over HTTP and the websocket, so these fixtures run the
real thing: ``start_server(store, port=...)`` can bring a server back on the same store file
and the same port, which is how a dropped feed is tested.
"""

from __future__ import annotations

import asyncio
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

from catapult_provider import as_provider
from console_helpers import Wired, provision
from loopback import bound_socket
from loopback import serve as serve_loopback
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.server.app import create_app
from smsconsole.settings.config import load_settings
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
            serve(create_app(settings, provider=as_provider(provider)), sock) as url,
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


@pytest.fixture
async def wired(provider_server: Running, sandbox_url: str) -> AsyncIterator[Wired]:
    """The server and sandbox the console tests text, call and attach through."""
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as sandbox:
        yield Wired(sandbox, provider_server.url, await provision(provider_server.url))


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


# -- the provider's setup flow: the sandbox as provider, an empty account ---------------------

SANDBOX_AUTH = ("t-sandbox", "s-sandbox")


@dataclass
class Account:
    """The sandbox (with its v1 credentials), a server wired to it, and the server's /api."""

    sandbox: httpx.AsyncClient
    server: Running
    api: httpx.AsyncClient

    async def owned(self) -> list[dict[str, Any]]:
        """The numbers the sandbox says the account owns (reference §4), by its own v1 API."""
        response = await self.sandbox.get("/v1/users/u-sandbox/phoneNumbers", params={"size": 100})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items

    async def v1_applications(self) -> list[dict[str, Any]]:
        """The account's applications, by the sandbox's v1 API (§2)."""
        response = await self.sandbox.get("/v1/users/u-sandbox/applications", params={"size": 100})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items

    async def create_application(self, name: str, **fields: Any) -> str:
        """Create an application through the server's /api; answers its id."""
        created = await self.api.post("/api/applications", json={"name": name, **fields})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def order(self, area_code: str, application_id: str | None = None) -> str:
        """Order the first number found in an area code through /api; answers the number."""
        found = await self.api.get("/api/available-numbers", params={"area_code": area_code})
        number = str(found.json()["items"][0]["number"])
        body = {"number": number, "application_id": application_id, "confirm": True}
        ordered = await self.api.post("/api/numbers", json=body)
        assert ordered.status_code == 201, ordered.text
        return number


@pytest.fixture
async def account(start_server: Any, tmp_path: Path, sandbox_url: str) -> AsyncIterator[Account]:
    """An empty sandbox account (no numbers, no applications) behind a real server."""
    client = CatapultClient(
        sandbox_url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
    )
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        client,
        start_server(tmp_path / "store.db", provider=client) as running,
        httpx.AsyncClient(base_url=sandbox_url, auth=SANDBOX_AUTH, timeout=10) as sandbox,
        httpx.AsyncClient(base_url=running.url, headers=headers, timeout=10) as api,
    ):
        yield Account(sandbox, running, api)


@contextlib.contextmanager
def provider_server_in_thread(store: Path, public_url: str) -> Iterator[ThreadedServer]:
    """The sandbox and a server wired to it, on a thread's own event loop (for snapshots).

    ``public_url`` is fixed so the callback URLs a snapshot shows do not carry a port.
    """
    started = threading.Event()
    stop = threading.Event()
    found: dict[str, Any] = {}

    async def run() -> None:
        sock = bound_socket()
        port = sock.getsockname()[1]
        settings = load_settings(
            environ={
                "SMSCONSOLE_SERVER_TOKEN": TOKEN,
                "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
                "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
                "SMSCONSOLE_SERVER_PORT": str(port),
                "SMSCONSOLE_SERVER_PUBLIC_URL": public_url,
                "SMSCONSOLE_STORE_PATH": str(store),
            }
        )
        sandbox_app = create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)
        async with serve_loopback(sandbox_app) as sandbox:
            client = CatapultClient(
                sandbox, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
            )
            app = create_app(settings, provider=as_provider(client))
            async with client, serve_loopback(app, sock) as url:
                found["url"] = url
                started.set()
                await asyncio.to_thread(stop.wait)
        sock.close()

    def target() -> None:
        try:
            asyncio.run(run())
        except BaseException as error:  # shown by the waiting test
            found["error"] = error
            started.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        assert started.wait(15), "the sandbox and server did not start within 15 s"
        assert "error" not in found, found.get("error")
        with httpx.Client(base_url=found["url"], timeout=10) as http:
            yield ThreadedServer(found["url"], http)
    finally:
        stop.set()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the server thread did not stop within 20 s"


@pytest.fixture
def provider_in_thread() -> Callable[[Path, str], Any]:
    """``with provider_in_thread(store, public_url) as server``: see provider_server_in_thread."""
    return provider_server_in_thread
