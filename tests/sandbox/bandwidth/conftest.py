"""Fixtures for the v2 sandbox: the real app under uvicorn on loopback port 0.

The v1 fixtures of ``tests/sandbox/conftest.py`` (``receiver``, ``wait``, ``serve_app``) apply
here too. ``v2`` is a fast v2 sandbox with an authenticated client at its root;
``python_v2_sdk``, ``numbers_sdk`` and ``node_v2_sdk`` are Bandwidth's current SDKs, installed
once into the SDK cache (see ``tests/sdk_install.py``); run flows with
``sdk_install.run_flow``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import sdk_install
from loopback import serve
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app

ACCOUNT = "9900000"
AUTH = ("bw-sandbox", "bw-sandbox-password")


@dataclass
class V2:
    """A running v2 sandbox: its app, base URL, and a client with the account's credentials."""

    app: Any
    base: str
    client: httpx.AsyncClient

    @property
    def state(self) -> Any:
        """The ``V2Sandbox`` runtime (account, services, callback log)."""
        return self.app.state.sandbox

    def messaging(self, path: str) -> str:
        """``/api/v2/users/{a}/<path>``."""
        return f"/api/v2/users/{ACCOUNT}/{path}"

    def voice(self, path: str) -> str:
        """``/api/v2/accounts/{a}/<path>``."""
        return f"/api/v2/accounts/{ACCOUNT}/{path}"

    def numbers(self, path: str) -> str:
        """``/api/accounts/{a}/<path>``."""
        return f"/api/accounts/{ACCOUNT}/{path}"

    async def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call a simulation endpoint (no auth); return its JSON."""
        async with httpx.AsyncClient(base_url=self.base) as plain:
            response = await plain.request(method, f"/sandbox/{path}", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture
async def v2() -> AsyncIterator[V2]:
    """A fast v2 sandbox (delays x0.01, callback timeout cap 0.5 s, seed 7)."""
    app = create_v2_sandbox_app(seed=7, speed=0.01, callback_timeout_cap=0.5)
    async with serve(app) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        yield V2(app, base, client)


@pytest.fixture(scope="session")
def python_v2_sdk() -> Path:
    """The interpreter of a venv with PyPI ``bandwidth-sdk`` 23.3.1 (messages, media, calls)."""
    return sdk_install.python_sdk("py-v2", "bandwidth-sdk==23.3.1", "bandwidth")


@pytest.fixture(scope="session")
def numbers_sdk() -> Path:
    """The interpreter of a venv with PyPI ``bandwidth-numbers-sdk`` 1.2.0 (its own venv: it
    pins old versions of common packages)."""
    return sdk_install.python_sdk("py-numbers", "bandwidth-numbers-sdk==1.2.0", "bandwidth_numbers")


@pytest.fixture(scope="session")
def node_v2_sdk() -> Path:
    """The ``node_modules`` directory holding npm ``bandwidth-sdk`` 8.1.4."""
    return sdk_install.node_sdk("node-v2", "bandwidth-sdk", "8.1.4")
