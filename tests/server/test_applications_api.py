"""``/api/applications`` never answers the callback password (issue 10, item 3).

The callback URLs hold the password in their userinfo (Catapult v1 authenticates callbacks
no other way); the API shows them masked, and an edit that sends a masked URL back keeps
the real password at the provider.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.core.formatting import MASK
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app

SECRET = "callback-secret"  # tests/server/conftest.py's callback password
AUTH = ("t-sandbox", "s-sandbox")


@pytest.fixture
async def both(start_server: Any, serve: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    sandbox_app = create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(sandbox_app))
        provider = CatapultClient(
            url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
        )
        await stack.enter_async_context(provider)
        server = await stack.enter_async_context(
            start_server(tmp_path / "store.db", provider=provider)
        )
        sandbox = await stack.enter_async_context(
            httpx.AsyncClient(base_url=url, auth=AUTH, timeout=10)
        )
        yield server, sandbox


async def at_provider(sandbox: httpx.AsyncClient, app_id: str) -> dict[str, Any]:
    answer = await sandbox.get(f"/v1/users/u-sandbox/applications/{app_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_callback_password_is_masked_in_every_answer(both: tuple[Any, Any]) -> None:
    server, sandbox = both
    created = await server.api("POST", "/api/applications", json={"name": "front desk"})
    assert created.status_code == 201, created.text
    assert SECRET not in created.text
    app_id = created.json()["id"]
    assert created.json()["incoming_message_url"].startswith(f"http://bandwidth:{MASK}@")
    # The provider holds the real one: callbacks must still authenticate.
    assert f"bandwidth:{SECRET}@" in (await at_provider(sandbox, app_id))["incomingMessageUrl"]

    listed = await server.api("GET", "/api/applications")
    assert listed.status_code == 200
    assert SECRET not in listed.text
    assert listed.json()["items"][0]["incoming_call_url"].startswith(f"http://bandwidth:{MASK}@")

    # The console's edit form sends back what it was shown: the password stays as it was.
    shown = listed.json()["items"][0]
    edited = await server.api(
        "PATCH",
        f"/api/applications/{app_id}",
        json={"name": "front", "incoming_message_url": shown["incoming_message_url"]},
    )
    assert edited.status_code == 200, edited.text
    assert SECRET not in edited.text
    kept = await at_provider(sandbox, app_id)
    assert kept["name"] == "front"
    assert f"bandwidth:{SECRET}@" in kept["incomingMessageUrl"]


async def test_a_masked_url_for_another_address_is_refused(both: tuple[Any, Any]) -> None:
    server, sandbox = both
    created = await server.api("POST", "/api/applications", json={"name": "desk"})
    app_id = created.json()["id"]
    before = await at_provider(sandbox, app_id)
    moved = await server.api(
        "PATCH",
        f"/api/applications/{app_id}",
        json={"incoming_message_url": f"https://bandwidth:{MASK}@elsewhere.example/cb"},
    )
    assert moved.status_code == 400
    assert "incoming_message_url" in moved.json()["error"]
    assert await at_provider(sandbox, app_id) == before
