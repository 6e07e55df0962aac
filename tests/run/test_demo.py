"""The demo's setup flow, through the provider seam, against the real sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from smsconsole.run.demo import SANDBOX_CREDENTIALS, demo_settings, provider_setup
from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app


async def test_the_demo_sets_up_an_application_and_a_number_pointing_at_it(
    serve: Any, tmp_path: Path
) -> None:
    said: list[str] = []
    async with serve(create_sandbox_app(seed=3, speed=0.01)) as sandbox_url:
        settings = demo_settings(tmp_path, 8123, sandbox_url, "US")
        number = await provider_setup(settings, said.append)
        user, token, secret = SANDBOX_CREDENTIALS
        async with httpx.AsyncClient(
            base_url=f"{sandbox_url}/v1/users/{user}", auth=(token, secret), timeout=10
        ) as sandbox:
            [application] = (await sandbox.get("/applications")).json()
            [owned] = (await sandbox.get("/phoneNumbers")).json()
    password = settings.server.callback_password
    assert application["name"] == "smsconsole demo"
    assert application["incomingMessageUrl"] == (
        f"http://bandwidth:{password}@127.0.0.1:8123/callbacks/messages"
    )
    assert application["autoAnswer"] is False
    assert owned["number"] == number
    assert owned["applicationId"] == application["id"]
    assert said[0] == "creating an application pointing at this server's callbacks"
    assert said[-1].startswith("assigning ")


async def test_the_v2_demo_sets_up_two_v2_applications_a_peer_and_a_number_on_it(
    serve: Any, tmp_path: Path
) -> None:
    said: list[str] = []
    app = create_v2_sandbox_app(seed=3, speed=0.01)
    async with serve(app) as sandbox_url:
        settings = demo_settings(tmp_path, 8123, sandbox_url, "US", "bandwidth-v2")
        number = await provider_setup(settings, said.append)
    account = app.state.sandbox.account
    password = settings.server.callback_password
    [peer] = [p for p in account.peers.values() if not p.is_default]
    messaging = account.applications[peer.messaging_app_id]
    voice = account.applications[peer.voice_app_id]
    assert messaging.name == voice.name == "smsconsole demo"
    # v2 takes the credentials in their own fields, never in the URL.
    assert messaging.inbound_url == "http://127.0.0.1:8123/callbacks/messages"
    assert messaging.outbound_url == messaging.inbound_url
    assert (messaging.inbound_creds.username, messaging.inbound_creds.password) == (
        "bandwidth",
        password,
    )
    assert voice.initiated_url == "http://127.0.0.1:8123/callbacks/calls"
    assert voice.callback_creds.password == password
    assert account.numbers[number].peer_id == peer.id
    assert "SIP peer" in said[0]
    assert "waiting for the order to complete" in said[2]
    assert said[-1].startswith("moving ")
