"""The real sandbox (or any app) on loopback in a background thread, for synchronous callers.

``CliRunner.invoke`` runs a command to completion on the test's thread, and the command runs
its own event loop; the sandbox therefore needs a loop of its own, in another thread.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn

from loopback import bound_socket
from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app

USER_ID = "u-sandbox"
AUTH = ("t-sandbox", "s-sandbox")


@contextlib.contextmanager
def sandbox_in_thread(**options: Any) -> Iterator[str]:
    """Serve a fresh sandbox (seeded, fast) on 127.0.0.1; yield its base URL."""
    with app_in_thread(create_sandbox_app(seed=7, speed=0.01, **options)) as url:
        yield url


@contextlib.contextmanager
def v2_sandbox_in_thread(**options: Any) -> Iterator[str]:
    """Serve a fresh Bandwidth v2 sandbox (seeded, fast) on 127.0.0.1; yield its base URL."""
    with app_in_thread(create_v2_sandbox_app(seed=7, speed=0.01, **options)) as url:
        yield url


def v2_account_env(base_url: str) -> dict[str, str]:
    """The environment that points smsconsole at the v2 sandbox, as the README says."""
    return {
        "SMSCONSOLE_PROVIDER_API": "bandwidth-v2",
        "SMSCONSOLE_PROVIDER_ACCOUNT_ID": "9900000",
        "SMSCONSOLE_PROVIDER_USERNAME": "bw-sandbox",
        "SMSCONSOLE_PROVIDER_PASSWORD": "bw-sandbox-password",
        "SMSCONSOLE_PROVIDER_MESSAGING_URL": f"{base_url}/api/v2",
        "SMSCONSOLE_PROVIDER_VOICE_URL": f"{base_url}/api/v2",
        "SMSCONSOLE_PROVIDER_NUMBERS_URL": f"{base_url}/api",
        "SMSCONSOLE_SERVER_PUBLIC_URL": "https://console.example.com",
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "cb-secret",
    }


@contextlib.contextmanager
def app_in_thread(app: Any, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve any ASGI app under uvicorn on 127.0.0.1, on a loop of its own; yield its URL.

    ``sock`` (from ``bound_socket``) when the app must know its port before it starts.
    """
    sock = sock or bound_socket()
    config = uvicorn.Config(app, lifespan="on", log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def account_env(base_url: str) -> dict[str, str]:
    """The environment that points smsconsole at the sandbox, as the docs tell users to."""
    return {
        "SMSCONSOLE_PROVIDER_BASE_URL": base_url,
        "SMSCONSOLE_PROVIDER_USER_ID": USER_ID,
        "SMSCONSOLE_PROVIDER_API_TOKEN": AUTH[0],
        "SMSCONSOLE_PROVIDER_API_SECRET": AUTH[1],
        "SMSCONSOLE_SERVER_PUBLIC_URL": "https://console.example.com",
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "cb-secret",
    }


class Terminal(io.BytesIO):
    """Input typed at a terminal: what a person answers (stdin reports a TTY)."""

    def isatty(self) -> bool:
        """A terminal, so commands that ask will ask."""
        return True


def sandbox_get(base_url: str, path: str, **params: str) -> Any:
    """GET ``/v1/users/u-sandbox/<path>`` from the sandbox as the account, decoded."""
    response = httpx.get(
        f"{base_url}/v1/users/{USER_ID}/{path}", params=params, auth=AUTH, timeout=10
    )
    response.raise_for_status()
    return response.json()
