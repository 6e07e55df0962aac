"""The demo's setup flow, through the provider seam, against the real sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from smsconsole.run.demo import SANDBOX_CREDENTIALS, demo_settings, provider_setup
from smsconsole.sandbox.app import create_sandbox_app


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
