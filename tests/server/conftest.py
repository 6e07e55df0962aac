"""A real callback server (uvicorn on loopback, SQLite on disk) for the server tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from catapult_provider import as_provider
from smsconsole.providers.base import Provider
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.server.app import create_app
from smsconsole.settings.config import Settings, load_settings

TOKEN = "console-token"
CALLBACK_AUTH = ("bandwidth", "callback-secret")

SEED_SMS: dict[str, Any] = {
    "eventType": "sms",
    "direction": "in",
    "messageId": "m-seed0000000000000000000",
    "messageUri": "https://api.catapult.inetwork.com/v1/users/u-x/messages/m-seed0000000000000000000",
    "from": "+13233326955",
    "to": "+13865245000",
    "text": "Example",
    "applicationId": "a-x",
    "time": "2012-11-14T16:13:06.076Z",
    "state": "received",
}


def server_settings(store_path: Path, **env: str) -> Settings:
    """Settings for a test server: a token, callback credentials, a store file."""
    environ = {
        "SMSCONSOLE_SERVER_TOKEN": TOKEN,
        "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
        "SMSCONSOLE_STORE_PATH": str(store_path),
        **env,
    }
    return load_settings(environ=environ)


@dataclass
class Running:
    """A running server: its base URL and clients for callbacks, the API and the feed."""

    url: str
    http: httpx.AsyncClient
    settings: Settings

    async def callback(
        self, payload: dict[str, Any], path: str = "/callbacks/messages"
    ) -> httpx.Response:
        return await self.http.post(path, json=payload, auth=CALLBACK_AUTH)

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return await self.http.request(method, path, headers=headers, **kwargs)

    @contextlib.asynccontextmanager
    async def feed(self, since: int = 0) -> AsyncIterator[ClientConnection]:
        url = self.url.replace("http://", "ws://") + f"/ws?token={TOKEN}"
        async with connect(url, open_timeout=5) as socket:
            await socket.send(json.dumps({"type": "subscribe", "since": since}))
            yield socket


async def receive(socket: ClientConnection, seconds: float = 5.0) -> dict[str, Any]:
    """The next frame of the feed, decoded."""
    async with asyncio.timeout(seconds):
        frame = await socket.recv()
    value = json.loads(frame)
    assert isinstance(value, dict)
    return value


@pytest.fixture
def receive_frame() -> Any:
    """``await receive_frame(socket)``: the next feed frame as a dict."""
    return receive


@contextlib.asynccontextmanager
async def running_server(
    serve: Any,
    store_path: Path,
    provider: CatapultClient | Provider | None = None,
    sock: socket.socket | None = None,
    **env: str,
) -> AsyncIterator[Running]:
    settings = server_settings(store_path, **env)
    app = create_app(settings, provider=as_provider(provider))
    async with serve(app, sock) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield Running(url, http, settings)


@pytest.fixture
async def server(serve: Any, tmp_path: Path) -> AsyncIterator[Running]:
    """A server with no provider account: callbacks, feed and the store-backed API."""
    async with running_server(serve, tmp_path / "store.db") as running:
        yield running


@pytest.fixture
def start_server(serve: Any) -> Any:
    """``async with start_server(path, provider=...) as running`` for custom servers."""

    def start(
        store_path: Path,
        provider: CatapultClient | Provider | None = None,
        sock: socket.socket | None = None,
        **env: str,
    ) -> Any:
        return running_server(serve, store_path, provider, sock, **env)

    return start


@pytest.fixture
def seed_sms() -> dict[str, Any]:
    """The getting-started page's inbound SMS, verbatim apart from its placeholder ids."""
    return dict(SEED_SMS)
