"""The SSH console end to end: ``smsconsole serve --ssh-port`` and ``sandbox`` as subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from loopback import free_port

asyncssh = pytest.importorskip("asyncssh", reason="the SSH console needs asyncssh (extra: ssh)")

TOKEN = "ssh-test-token"
# Every secret the server holds; none may reach a process started for an SSH session.
SECRETS = (TOKEN, "callback-secret", "t-sandbox", "s-sandbox")
REMOTE = "+14155550123"
ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()=>][0-9A-Za-z]?"
)


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
    serve_pid: int


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
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": SECRETS[1],
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
            serve.pid,
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


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # The command name, in parentheses, may hold spaces: the parent pid follows it.
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def proc_file(pid: int, name: str) -> bytes:
    return Path(f"/proc/{pid}/{name}").read_bytes()


def environment(pid: int) -> dict[str, str]:
    raw = proc_file(pid, "environ")
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {name.decode(): value.decode("utf-8", "replace") for name, _, value in pairs}


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_session_console_holds_no_secret_and_runs_no_editor(running: Stack) -> None:
    asyncio.run(inspect_session(running))


async def inspect_session(stack: Stack) -> None:
    async with (
        httpx.AsyncClient(timeout=10) as http,
        ssh_console(stack, stack.key) as (process, screen),
    ):
        await screen.until(lambda text: "connected" in text)

        async def one_console() -> bool:  # an earlier test's console may still be ending
            return len(descendants(stack.serve_pid)) == 1

        await eventually(one_console, 10)
        consoles = descendants(stack.serve_pid)
        for pid in consoles:
            raw = proc_file(pid, "environ") + proc_file(pid, "cmdline")
            for secret in SECRETS:
                assert secret.encode() not in raw, f"pid {pid} holds {secret!r}"
            assert b"--config" not in proc_file(pid, "cmdline")
            names = set(environment(pid))
            kept = ("SMSCONSOLE_PROVIDER_", "SMSCONSOLE_STORE_", "SMSCONSOLE_SERVER_CALLBACK")
            assert not {name for name in names if name.startswith(kept)}
        (console,) = consoles
        session_token = environment(console)["SMSCONSOLE_SERVER_TOKEN"]
        status = f"{stack.server}/api/status"
        bearer = {"Authorization": f"Bearer {session_token}"}
        assert (await http.get(status, headers=bearer)).status_code == 200

        # ctrl+g in a conversation: refused on screen, and no program started under the console.
        inbound = {"from": REMOTE, "to": stack.number, "text": "Can you call me?"}
        await http.post(f"{stack.sandbox}/sandbox/inbound/messages", json=inbound)
        await screen.until(lambda text: "Can you call me?" in text)
        process.stdin.write(b"\r")
        await asyncio.sleep(0.5)
        process.stdin.write(b"draft\x07")  # ctrl+g
        await screen.until(lambda text: "Not available over SSH" in text)
        assert descendants(console) == []

    async def revoked() -> bool:
        return (await http.get(status, headers=bearer)).status_code == 401

    async with httpx.AsyncClient(timeout=10) as http:
        await eventually(revoked, 10)


@dataclass
class Gatekeeper:
    """An SSH console in this process (no server behind it): only logins are tried."""

    console: Any
    key: Any
    idle: list[asyncio.StreamWriter]


@contextlib.asynccontextmanager
async def gatekeeper(tmp_path: Path, **limits: Any) -> AsyncIterator[Gatekeeper]:
    from smsconsole.server.auth import SessionTokens
    from smsconsole.server.ssh import SshOptions, start

    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "authorized_keys").write_bytes(key.export_public_key())
    options = SshOptions(
        host="127.0.0.1",
        port=0,
        server_url="http://127.0.0.1:9",
        tokens=SessionTokens(),
        authorized_keys=tmp_path / "authorized_keys",
        host_key=tmp_path / "host_key",
        **limits,
    )
    gate = Gatekeeper(await start(options), key, [])
    try:
        yield gate
    finally:
        for writer in gate.idle:
            writer.close()
        await gate.console.close()


async def idle(gate: Gatekeeper, source: str) -> asyncio.StreamReader:
    """A TCP connection from ``source`` that never says anything; its reader."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", gate.console.port, local_addr=(source, 0)
    )
    gate.idle.append(writer)
    return reader


async def closed(reader: asyncio.StreamReader) -> None:
    """Wait until the server has closed the connection (whatever it sent before)."""
    while await reader.read(4096):
        pass


async def login(gate: Gatekeeper) -> None:
    async with asyncssh.connect(
        "127.0.0.1",
        gate.console.port,
        username="operator",
        client_keys=[gate.key],
        known_hosts=None,
        agent_path=None,
    ):
        pass


def test_idle_connections_lock_no_key_out(tmp_path: Path) -> None:
    async def crowd() -> None:
        async with gatekeeper(tmp_path, max_connections=2, login_grace_seconds=60) as gate:
            sources = [f"127.0.0.{n}" for n in range(2, 12)]
            crowd = [await idle(gate, source) for source in sources for _ in range(3)]
            async with asyncio.timeout(5):
                await login(gate)
                await login(gate)
            assert len(crowd) == 30

    asyncio.run(crowd())


def test_connections_that_never_log_in_are_dropped_after_the_grace_time(tmp_path: Path) -> None:
    async def linger() -> None:
        async with gatekeeper(tmp_path, login_grace_seconds=1) as gate:
            readers = [await idle(gate, "127.0.0.2") for _ in range(2)]
            async with asyncio.timeout(8):
                await asyncio.gather(*(closed(reader) for reader in readers))

    asyncio.run(linger())


def test_one_address_holds_at_most_its_share_of_unauthenticated_connections(
    tmp_path: Path,
) -> None:
    async def hog() -> None:
        async with gatekeeper(
            tmp_path, login_grace_seconds=60, max_unauthenticated_per_address=3
        ) as gate:
            readers = [await idle(gate, "127.0.0.2") for _ in range(5)]
            async with asyncio.timeout(5):
                await asyncio.gather(*(closed(reader) for reader in readers[3:]))
            assert not any(reader.at_eof() for reader in readers[:3])
            async with asyncio.timeout(5):
                await login(gate)  # another address is not held back

    asyncio.run(hog())


def test_when_every_unauthenticated_slot_is_taken_the_oldest_makes_room(tmp_path: Path) -> None:
    async def flood() -> None:
        async with gatekeeper(
            tmp_path,
            login_grace_seconds=60,
            max_unauthenticated=4,
            max_unauthenticated_per_address=2,
        ) as gate:
            oldest = await idle(gate, "127.0.0.2")
            rest = [await idle(gate, source) for source in ("127.0.0.2", "127.0.0.3", "127.0.0.3")]
            newest = await idle(gate, "127.0.0.4")
            async with asyncio.timeout(5):
                await closed(oldest)
                await login(gate)
            assert not newest.at_eof()
            assert len(rest) == 3

    asyncio.run(flood())


def test_session_environment_passes_only_the_allow_list() -> None:
    from smsconsole.server.ssh import session_environment

    server = {
        "PATH": "/usr/bin",
        "HOME": "/home/op",
        "LANG": "en_GB.UTF-8",
        "LC_TIME": "C",
        "SMSCONSOLE_PROVIDER_API_SECRET": "s",
        "SMSCONSOLE_SERVER_TOKEN": "server-token",
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "p",
        "SMSCONSOLE_STORE_PATH": "/var/store.db",
        "SMSCONSOLE_CONFIG": "/etc/smsconsole.toml",
        "SSH_AUTH_SOCK": "/tmp/agent",
        "EDITOR": "vi",
        "TEXTUAL": "devtools",
        "AWS_SECRET_ACCESS_KEY": "k",
    }
    client = {"COLORTERM": "truecolor", "LD_PRELOAD": "/tmp/x.so", "PATH": "/tmp"}
    env = session_environment(server, client, term="xterm-kitty", token="session", region="GB")
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/op",
        "LANG": "en_GB.UTF-8",
        "LC_TIME": "C",
        "TERM": "xterm-kitty",
        "COLORTERM": "truecolor",
        "SMSCONSOLE_SERVER_TOKEN": "session",
        "SMSCONSOLE_PHONE_DEFAULT_REGION": "GB",
    }
    odd = session_environment({}, {"COLORTERM": "x\x1b"}, term="a\x1b]0;b", token="t", region="US")
    assert odd["TERM"] == "xterm-256color"
    assert "COLORTERM" not in odd
