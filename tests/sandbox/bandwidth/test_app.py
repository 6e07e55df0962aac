"""The v2 sandbox's shared routes and its command."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import httpx
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from loopback import free_port
from smsconsole.cli import main
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app
from smsconsole.sandbox.bandwidth.http import authorized


async def test_a_fresh_sandbox_has_no_numbers_and_a_ready_site_and_peer(v2) -> None:
    assert await v2.sim("GET", "numbers") == []
    assert await v2.sim("GET", "callbacks") == []
    account = v2.state.account
    assert [site.id for site in account.sites.values()] == ["2001"]
    assert [(p.id, p.site_id, p.is_default) for p in account.peers.values()] == [
        ("3001", "2001", True)
    ]


async def test_reset_forgets_the_numbers(v2) -> None:
    from smsconsole.sandbox.bandwidth.account import Number

    v2.state.account.numbers["+19195550100"] = Number("+19195550100", "2001", "3001")
    assert await v2.sim("GET", "numbers") == ["+19195550100"]
    assert await v2.sim("POST", "reset") == {"reset": True}
    assert await v2.sim("GET", "numbers") == []


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("header", "path", "allowed"),
    [
        (_basic("bw-sandbox", "bw-sandbox-password"), "/accounts/9900000", True),
        (_basic("bw-sandbox", "bw-sandbox-password"), "/plain", True),
        (_basic("bw-sandbox", "bw-sandbox-password"), "/accounts/9900001", False),
        (_basic("bw-sandbox", "wrong"), "/accounts/9900000", False),
        (_basic("other", "bw-sandbox-password"), "/accounts/9900000", False),
        ("Basic !!!not-base64", "/plain", False),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "/plain", False),
        ("Basic " + base64.b64encode(b"\xff:\xfe").decode(), "/plain", False),
        ("Bearer abc", "/plain", False),
        (None, "/plain", False),
    ],
)
def test_authorized_needs_the_account_credentials_and_its_id(
    header: str | None, path: str, allowed: bool
) -> None:
    async def check(request: Request) -> Response:
        return Response("yes" if authorized(request) else "no")

    sandbox = create_v2_sandbox_app()
    app = Starlette(routes=[Route("/accounts/{account_id}", check), Route("/plain", check)])
    app.state.sandbox = sandbox.state.sandbox
    headers = {} if header is None else {"authorization": header}
    with TestClient(app) as client:
        assert client.get(path, headers=headers).text == ("yes" if allowed else "no")


def test_the_command_serves_the_v2_sandbox_and_prints_how_to_reach_it() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "smsconsole", "sandbox", "--api", "bandwidth-v2", "--port",
         str(port), "--account-id", "5551234", "--username", "me", "--password", "pw"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(6)]
        assert printed[0] == f"Bandwidth v2 sandbox at http://127.0.0.1:{port}\n"
        assert "account id: 5551234" in printed[1]
        assert "username:   me" in printed[2]
        assert "password:   pw" in printed[3]
        assert f"numbers_url   = http://127.0.0.1:{port}/api" in printed[5]
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/sandbox/numbers", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        assert answer.json() == []
    finally:
        process.kill()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--api", "bandwidth-v2", "--user-id", "u"],
            "--user-id: not an option",
        ),
        (["--api", "bandwidth-v2", "--contacts"], "--contacts: not an option of the bandwidth-v2"),
        (["--api", "bandwidth-v2", "--state", "w.json"], "--state: not an option"),
        (["--username", "x"], "--username: not an option of the catapult-v1 sandbox"),
        (["--api", "bandwidth-v2", "--account-id", "12a"], "--account-id: must be digits"),
        (["--api", "bandwidth-v2", "--account-id", "١٢"], "--account-id: must be digits"),
        (["--api", "bandwidth-v2", "--username", "a:b"], "--username: Basic auth forbids"),
        (["--api", "bandwidth-v3"], "'bandwidth-v3' is not one of"),
    ],
)
def test_the_command_refuses_options_of_the_other_api(args: list[str], said: str) -> None:
    result = CliRunner().invoke(main, ["sandbox", *args])
    assert result.exit_code == 2
    assert said in " ".join(result.output.split()).replace("'--", "--").replace("':", ":")
