"""The SSH console end to end: ``smsconsole serve --ssh-port`` and ``sandbox`` as subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

asyncssh = pytest.importorskip("asyncssh", reason="the SSH console needs asyncssh (extra: ssh)")

TOKEN = "ssh-test-token"
REMOTE = "+14155550123"
ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()=>][0-9A-Za-z]?"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "smsconsole", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def until_up(url: str, seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds), httpx.AsyncClient(timeout=2) as http:
        while True:
            with contextlib.suppress(httpx.TransportError):
                await http.get(url)
                return
            await asyncio.sleep(0.1)


async def until_port(port: int, seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while True:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                await writer.wait_closed()
                return
            await asyncio.sleep(0.1)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float) -> None:
    """Poll ``check`` until it holds; fail after ``seconds``."""
    async with asyncio.timeout(seconds):
        while True:
            if await check():
                return
            await asyncio.sleep(0.1)


@dataclass
class Stack:
    """The sandbox and ``serve --ssh-port`` running, with our number and an authorized key."""

    sandbox: str
    server: str
    ssh_port: int
    number: str
    key: Any
    log: Path


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("ssh")
    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "authorized_keys").write_bytes(key.export_public_key())
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "store.db"}"\n\n'
        f'[ssh]\nauthorized_keys = "{tmp_path / "authorized_keys"}"\n'
        f'host_key = "{tmp_path / "host_key"}"\nmax_connections = 2\n',
        encoding="utf-8",
    )
    sandbox_port, port, ssh_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
    env |= {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "SMSCONSOLE_SERVER_TOKEN": TOKEN,
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "callback-secret",
        "SMSCONSOLE_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SMSCONSOLE_PROVIDER_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
        "SMSCONSOLE_PROVIDER_USER_ID": "u-sandbox",
        "SMSCONSOLE_PROVIDER_API_TOKEN": "t-sandbox",
        "SMSCONSOLE_PROVIDER_API_SECRET": "s-sandbox",
    }
    log = tmp_path / "serve.log"
    sandbox = spawn(["sandbox", "--port", str(sandbox_port)], env, tmp_path / "sandbox.log")
    serve = spawn(
        ["serve", "--config", str(config), "--port", str(port), "--ssh-port", str(ssh_port)],
        env,
        log,
    )
    try:
        number = asyncio.run(ready(sandbox_port, port, ssh_port))
        yield Stack(
            f"http://127.0.0.1:{sandbox_port}",
            f"http://127.0.0.1:{port}",
            ssh_port,
            number,
            key,
            log,
        )
    finally:
        stop(serve)
        stop(sandbox)


async def ready(sandbox_port: int, port: int, ssh_port: int) -> str:
    """Wait for both servers, then order a number through the server's /api."""
    await until_up(f"http://127.0.0.1:{sandbox_port}/sandbox/outbox")
    await until_up(f"http://127.0.0.1:{port}/")
    await until_port(ssh_port)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
        app = await api.post("/api/applications", json={"name": "ssh", "auto_answer": False})
        assert app.status_code == 201, app.text
        found = (await api.get("/api/available-numbers", params={"area_code": "919"})).json()
        number = found["items"][0]["number"]
        body = {"number": number, "application_id": app.json()["id"], "confirm": True}
        ordered = await api.post("/api/numbers", json=body)
        assert ordered.status_code == 201, ordered.text
        return str(number)


class Screen:
    """Everything the console has written, readable as text with the escapes removed."""

    def __init__(self) -> None:
        self.raw = bytearray()
        self.changed = asyncio.Event()

    @property
    def text(self) -> str:
        return ANSI.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    async def read(self, stdout: Any) -> None:
        while chunk := await stdout.read(65536):
            self.raw += chunk
            self.changed.set()

    async def until(self, condition: Callable[[str], bool], seconds: float = 15.0) -> None:
        async with asyncio.timeout(seconds):
            while not condition(self.text):
                self.changed.clear()
                await self.changed.wait()


@contextlib.asynccontextmanager
async def ssh_console(stack: Stack, key: Any) -> AsyncIterator[tuple[Any, Screen]]:
    async with asyncssh.connect(
        "127.0.0.1",
        stack.ssh_port,
        username="operator",
        client_keys=[key],
        known_hosts=None,
        agent_path=None,
    ) as conn:
        process = await conn.create_process(
            term_type="xterm-256color", term_size=(100, 30), encoding=None
        )
        screen = Screen()
        reader = asyncio.create_task(screen.read(process.stdout))
        try:
            yield process, screen
        finally:
            process.close()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncssh.Error):
                await reader


def test_ssh_console_receives_replies_and_resizes(running: Stack) -> None:
    asyncio.run(converse(running))
    log = running.log.read_text(encoding="utf-8")
    fingerprint = running.key.get_fingerprint()
    assert f"SSH login: operator key {fingerprint}" in log
    assert f"SSH logout: operator key {fingerprint}" in log


async def converse(stack: Stack) -> None:
    async with (
        httpx.AsyncClient(base_url=stack.sandbox, timeout=10) as sandbox,
        ssh_console(stack, stack.key) as (process, screen),
    ):
        await screen.until(lambda text: "connected" in text and "unread" in text)
        inbound = {"from": REMOTE, "to": stack.number, "text": "Parcel at the door?"}
        response = await sandbox.post("/sandbox/inbound/messages", json=inbound)
        assert response.status_code == 201, response.text
        await screen.until(lambda text: "Parcel at the door?" in text)

        process.stdin.write(b"\r")  # open the conversation; the composer takes the focus
        await asyncio.sleep(0.5)
        process.stdin.write(b"Leave it by the gate\r")

        async def sent() -> bool:
            outbox = (await sandbox.get("/sandbox/outbox")).json()
            return "Leave it by the gate" in [m["text"] for m in outbox]

        await eventually(sent, 15)

        await asyncio.sleep(0.5)
        before = len(screen.raw)
        process.change_terminal_size(120, 40)
        # Redrawn for 40 lines: the cursor is moved to line 40, which did not exist at 30.
        await screen.until(lambda _: b"\x1b[40;" in screen.raw[before:], seconds=10)
        assert b"\x1b[40;" not in screen.raw[:before]

    # The server noticed the logout once the channel closed.
    async def logged_out() -> bool:
        return "SSH logout" in stack.log.read_text(encoding="utf-8")

    await eventually(logged_out, 10)


def test_unknown_key_is_refused(running: Stack) -> None:
    stranger = asyncssh.generate_private_key("ssh-ed25519")

    async def attempt() -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            async with asyncio.timeout(10):
                await asyncssh.connect(
                    "127.0.0.1",
                    running.ssh_port,
                    username="operator",
                    client_keys=[stranger],
                    known_hosts=None,
                    agent_path=None,
                    password=None,
                )

    asyncio.run(attempt())
    assert stranger.get_fingerprint() not in running.log.read_text(encoding="utf-8")


def test_connections_beyond_the_limit_are_told_so(running: Stack) -> None:
    async def crowd() -> None:
        async with contextlib.AsyncExitStack() as stack, asyncio.timeout(15):
            for _ in range(2):  # max_connections = 2
                await stack.enter_async_context(
                    asyncssh.connect(
                        "127.0.0.1",
                        running.ssh_port,
                        username="operator",
                        client_keys=[running.key],
                        known_hosts=None,
                        agent_path=None,
                    )
                )
            with pytest.raises(asyncssh.DisconnectError, match="too many SSH connections"):
                await asyncssh.connect(
                    "127.0.0.1",
                    running.ssh_port,
                    username="operator",
                    client_keys=[running.key],
                    known_hosts=None,
                    agent_path=None,
                )

    asyncio.run(crowd())
