"""The SSH console: ``smsconsole serve --ssh-port PORT`` (the optional ``ssh`` extra).

Each SSH session gets its own console process (``smsconsole attach``) on a fresh pseudo-terminal,
attached to this server over loopback: one Textual app per process, never several in one
(textual-starlette-notes §2(c), option 2). Window-size changes are forwarded by hand, since
asyncssh's ``redirect()`` does not forward them.

The session's console is a remote user's, so it holds no secret and runs no program of theirs:
it starts ``attach --restricted`` (no $EDITOR, opener, file access or config file) with an
environment built from an allow-list, and a token minted for the session, revoked at logout,
instead of the server's.

asyncssh is imported only when the SSH console starts, so the rest of smsconsole runs without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from smsconsole.server.ssh_admission import Admission

if TYPE_CHECKING:
    import asyncssh

    from smsconsole.server.auth import SessionTokens

log = logging.getLogger("smsconsole.server.ssh")

READ_CHUNK: Final = 65536
KILL_GRACE_SECONDS: Final = 3.0
# What a session's console may inherit from the server's environment: nothing secret, only
# what finding Python, the locale and the user's data directory (the console's prefs) needs.
PASSED_ENVIRONMENT: Final = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "PYTHONPATH",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_CACHE_HOME",
    }
)
PASSED_PREFIXES: Final = ("LC_",)
# COLORTERM is taken from the client only when it says what Rich looks for.
CLIENT_COLORTERMS: Final = frozenset({"truecolor", "24bit"})
MAX_TERM_LENGTH: Final = 64


@dataclass(frozen=True)
class SshOptions:
    """Where the SSH console listens, who may log in, and which server its consoles attach to.

    Attributes:
        host: Address to bind.
        port: Port to listen on (0 picks a free one).
        server_url: The HTTP server the consoles attach to (loopback).
        tokens: Where each session's token is minted (and revoked); the server accepts them.
        authorized_keys: OpenSSH ``authorized_keys`` file, re-read at each login.
        host_key: The host key file; generated (ed25519, mode 600) when missing.
        max_connections: Logged-in sessions at once; a login beyond is told so and dropped.
        login_grace_seconds: How long a connection may take to log in before it is dropped.
        max_unauthenticated: Connections not logged in yet, at once; the oldest gives way.
        max_unauthenticated_per_address: Of those, from one address (IPv6: one /64).
        region: The phone region the consoles read numbers in.
    """

    host: str
    port: int
    server_url: str
    tokens: SessionTokens
    authorized_keys: Path
    host_key: Path
    max_connections: int = 8
    login_grace_seconds: float = 15.0
    max_unauthenticated: int = 32
    max_unauthenticated_per_address: int = 4
    region: str = "US"


def ensure_host_key(path: Path) -> None:
    """Generate an ed25519 host key at ``path`` (mode 600) unless one is already there."""
    import asyncssh

    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.export_private_key())
    log.info("generated SSH host key %s", path)


class SshConsole:
    """A running SSH console: its port, and a way to stop it with every session's console."""

    def __init__(self, options: SshOptions) -> None:
        self.options = options
        self.port = options.port
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.admission: Admission[asyncssh.SSHServerConnection] = Admission(
            max_sessions=options.max_connections,
            max_unauthenticated=options.max_unauthenticated,
            max_per_address=options.max_unauthenticated_per_address,
        )
        self.sessions: set[asyncio.Task[None]] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self) -> None:
        """Start accepting connections.

        Raises:
            OSError: The address cannot be bound or a key file cannot be read.
        """
        import asyncssh

        ensure_host_key(self.options.host_key)
        gate = _gate_factory(self.options, self.connections, self.admission)
        self._acceptor = await asyncssh.create_server(
            gate,
            self.options.host,
            self.options.port,
            server_host_keys=[str(self.options.host_key)],
            login_timeout=self.options.login_grace_seconds,
            process_factory=self._session,
            encoding=None,
            password_auth=False,
            kbdint_auth=False,
            agent_forwarding=False,
            allow_scp=False,
            x11_forwarding=False,
        )
        self.port = self._acceptor.get_port()
        log.info(
            "SSH console on %s:%s (keys from %s)",
            self.options.host,
            self.port,
            self.options.authorized_keys,
        )

    async def _session(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        # One connection may open many session channels: each is a console, so they are
        # bounded as well, by the same limit as logins.
        if len(self.sessions) >= self.options.max_connections:
            limit = self.options.max_connections
            process.stderr.write(
                f"smsconsole: too many SSH consoles (at most {limit}); try again later\r\n".encode()
            )
            process.exit(1)
            return
        task = asyncio.current_task()
        if task is not None:
            self.sessions.add(task)
            task.add_done_callback(self.sessions.discard)
        await _session(process, self.options)

    async def close(self) -> None:
        """Stop listening, close every connection and wait for the consoles to end."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        for conn in list(self.connections):
            conn.close()
        if self.sessions:
            await asyncio.wait(set(self.sessions), timeout=KILL_GRACE_SECONDS * 2 + 1)


async def start(options: SshOptions) -> SshConsole:
    """Start the SSH console; ``await console.close()`` stops it."""
    console = SshConsole(options)
    await console.start()
    return console


def _gate_factory(
    options: SshOptions,
    connections: set[asyncssh.SSHServerConnection],
    admission: Admission[asyncssh.SSHServerConnection],
) -> Callable[[], asyncssh.SSHServer]:
    """The per-connection policy: public keys from the file only, admission limits, logging."""
    import asyncssh

    class Gate(asyncssh.SSHServer):
        def __init__(self) -> None:
            self._options = options
            self._conn: asyncssh.SSHServerConnection | None = None
            self._fingerprint = ""
            self._since = 0.0

        def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
            self._conn = conn
            connections.add(conn)
            arrival = admission.arrive(conn, self._peer()[0])
            for older in arrival.evict:
                older.abort()
            if not arrival.admitted:
                # Before the key exchange there is no channel for a reason: just close.
                conn.abort()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._conn is not None:
                connections.discard(self._conn)
                admission.leave(self._conn)
            if self._since:
                log.info(
                    "SSH logout: %s key %s after %.0fs",
                    self._user(),
                    self._fingerprint,
                    time.monotonic() - self._since,
                )

        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return False

        def kbdint_auth_supported(self) -> bool:
            return False

        def public_key_auth_supported(self) -> bool:
            return True

        def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
            try:
                allowed = asyncssh.read_authorized_keys(str(self._options.authorized_keys))
            except (OSError, ValueError) as error:
                log.warning("SSH: cannot read %s: %s", self._options.authorized_keys, error)
                return False
            host, _port = self._peer()
            if allowed.validate(key, host, host) is None:
                return False
            if not admission.has_room():
                self._too_many()
                return False
            self._fingerprint = key.get_fingerprint()
            return True

        def auth_completed(self) -> None:
            if self._conn is None or not admission.log_in(self._conn):
                self._too_many()  # another login took the last slot meanwhile
                return
            self._since = time.monotonic()
            host, port = self._peer()
            log.info("SSH login: %s key %s from %s:%s", self._user(), self._fingerprint, host, port)

        def _too_many(self) -> None:
            if self._conn is not None:
                limit = self._options.max_connections
                self._conn.disconnect(
                    asyncssh.DISC_TOO_MANY_CONNECTIONS,
                    f"smsconsole: too many SSH connections (at most {limit}); try again later",
                )

        def _user(self) -> str:
            return str(self._conn.get_extra_info("username")) if self._conn else "?"

        def _peer(self) -> tuple[str, int]:
            peer = self._conn.get_extra_info("peername") if self._conn else None
            return (str(peer[0]), int(peer[1])) if peer else ("", 0)

    return Gate


def console_command(options: SshOptions) -> list[str]:
    """The session's console: restricted, and told only the server's address."""
    return [sys.executable, "-m", "smsconsole", "attach", "--restricted", options.server_url]


def session_environment(
    server: Mapping[str, str],
    client: Mapping[str, str],
    *,
    term: str,
    token: str,
    region: str,
) -> dict[str, str]:
    """The session console's whole environment.

    Args:
        server: The server's environment; only names in the allow-list pass.
        client: What the SSH client sent; only a COLORTERM Rich understands is taken.
        term: The client's terminal type.
        token: The session's own token.
        region: The phone region.
    """
    env = {
        name: value
        for name, value in server.items()
        if name in PASSED_ENVIRONMENT or name.startswith(PASSED_PREFIXES)
    }
    env["TERM"] = _safe_term(term)
    if client.get("COLORTERM") in CLIENT_COLORTERMS:
        env["COLORTERM"] = client["COLORTERM"]
    env["SMSCONSOLE_SERVER_TOKEN"] = token
    env["SMSCONSOLE_PHONE_DEFAULT_REGION"] = region
    return env


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _safe_term(term: str) -> str:
    # terminfo names are short and plain; anything else is not a terminal type.
    plain = term.isascii() and all(ch.isalnum() or ch in "-_.+" for ch in term)
    return term if plain and 0 < len(term) <= MAX_TERM_LENGTH else "xterm-256color"


def _set_size(fd: int, columns: int, lines: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


async def _session(process: asyncssh.SSHServerProcess[bytes], options: SshOptions) -> None:
    """Run one console on a new pty for this SSH session and pump bytes both ways."""
    term_type = process.get_terminal_type()
    if term_type is None:
        process.stderr.write(b"smsconsole: the console needs a terminal; connect with ssh -t\r\n")
        process.exit(1)
        return
    token = options.tokens.mint()
    try:
        await _run_console(process, options, term_type, token)
    finally:
        options.tokens.revoke(token)


async def _run_console(
    process: asyncssh.SSHServerProcess[bytes], options: SshOptions, term_type: str, token: str
) -> None:
    columns, lines, _, _ = process.get_terminal_size()
    master, slave = os.openpty()
    _set_size(master, columns or 80, lines or 24)
    client_env = {_text(name): _text(value) for name, value in process.env.items()}
    env = session_environment(
        os.environ, client_env, term=term_type, token=token, region=options.region
    )
    try:
        child = await asyncio.create_subprocess_exec(
            *console_command(options),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
    except OSError as error:
        os.close(master)
        os.close(slave)
        process.stderr.write(f"smsconsole: cannot start the console: {error}\r\n".encode())
        process.exit(1)
        return
    os.close(slave)
    try:
        status = await _pump(process, child, master)
    finally:
        await _stop(child)
        os.close(master)
    if status is not None:
        process.exit(status)


async def _pump(
    process: asyncssh.SSHServerProcess[bytes], child: asyncio.subprocess.Process, master: int
) -> int | None:
    """Copy bytes until the console exits (its status) or the client goes away (None)."""
    loop = asyncio.get_running_loop()
    output_done = asyncio.Event()

    def readable() -> None:
        try:
            data = os.read(master, READ_CHUNK)
        except OSError:  # EIO: the console closed its end of the pty
            data = b""
        if not data:
            loop.remove_reader(master)
            output_done.set()
            return
        process.stdout.write(data)

    loop.add_reader(master, readable)
    typing = asyncio.create_task(_forward_input(process, child, master))
    exited = asyncio.create_task(child.wait())
    try:
        await asyncio.wait({typing, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not exited.done():
            return None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1):
                await output_done.wait()  # the console's last frame
        code = exited.result()
        return code if code >= 0 else 128 - code
    finally:
        loop.remove_reader(master)
        typing.cancel()
        exited.cancel()


async def _forward_input(
    process: asyncssh.SSHServerProcess[bytes], child: asyncio.subprocess.Process, master: int
) -> None:
    """Keystrokes to the pty; window-size changes to the pty and SIGWINCH to the console."""
    import asyncssh

    while True:
        try:
            data = await process.stdin.read(READ_CHUNK)
        except asyncssh.TerminalSizeChanged as change:
            _set_size(master, change.width, change.height)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGWINCH)
            continue
        except (asyncssh.BreakReceived, asyncssh.SignalReceived):
            continue
        except (asyncssh.DisconnectError, BrokenPipeError, ConnectionError):
            return
        if not data:
            return
        os.write(master, data)


async def _stop(child: asyncio.subprocess.Process) -> None:
    """End the console's process group: SIGTERM, then SIGKILL after a grace period."""
    if child.returncode is not None:
        return
    for signum in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(KILL_GRACE_SECONDS):
                await child.wait()
                return
