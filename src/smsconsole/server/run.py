"""Run the callback server under uvicorn: ``smsconsole serve``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import TYPE_CHECKING, Final

import uvicorn

from smsconsole.config import Settings
from smsconsole.server import log_redaction
from smsconsole.server.app import create_app
from smsconsole.server.auth import SessionTokens
from smsconsole.server.limits import HttpLimits, uvicorn_options
from smsconsole.server.urls import public_base

if TYPE_CHECKING:
    from smsconsole.ssh import SshOptions

GRACEFUL_SECONDS: Final = 10
# Feed frames are small; refuse anything large from a console.
WS_MAX_SIZE: Final = 1024 * 1024


def uvicorn_config(
    settings: Settings,
    limits: HttpLimits | None = None,
    *,
    session_tokens: SessionTokens | None = None,
    **overrides: object,
) -> uvicorn.Config:
    """The uvicorn settings the server runs with (shared by ``serve``, ``demo`` and benchmarks).

    What a client may push (head and body size, time to send them, connections) is bounded
    by ``limits`` (:mod:`smsconsole.server.limits`; its defaults unless given). In-flight
    requests finish on shutdown (up to ``GRACEFUL_SECONDS``); the websocket layer pings
    every 20 s so dead consoles are noticed. Tokens and passwords in request targets
    are redacted from every log line (:mod:`smsconsole.server.log_redaction`).
    ``session_tokens`` are accepted on /api and /ws besides the server's token (the SSH
    consoles').
    """
    options: dict[str, object] = {
        "host": settings.server.host,
        "port": settings.server.port,
        "log_level": "info",
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        "ws_max_size": WS_MAX_SIZE,
        # Feed frames are small JSON; compressing each one cost a fifth of the server's CPU
        # in bench/ingest.py with ten consoles attached.
        "ws_per_message_deflate": False,
        # One line per callback at info level costs throughput; refusals are logged anyway.
        "access_log": False,
        "server_header": False,
        **uvicorn_options(limits),
    }
    options.update(overrides)
    app = create_app(settings, session_tokens=session_tokens)
    config = uvicorn.Config(app, **options)  # type: ignore[arg-type]
    # After the Config: building it applies uvicorn's logging config to its loggers.
    log_redaction.install()
    return config


def serve_forever(settings: Settings, ssh_port: int | None = None) -> None:
    """Serve until interrupted, logging to stderr; with ``ssh_port``, the SSH console too."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    log = logging.getLogger("smsconsole")
    log.info("store: %s (durability %s)", settings.store.file, settings.store.durability)
    log.info("callbacks: %s/callbacks/messages and /callbacks/calls", public_base(settings.server))
    if settings.provider.missing:
        log.warning(
            "no provider credentials (%s): callbacks only", ", ".join(settings.provider.missing)
        )
    # uvicorn re-raises Ctrl-C after its graceful shutdown; it has been handled.
    with contextlib.suppress(KeyboardInterrupt):
        if ssh_port is None:
            uvicorn.Server(uvicorn_config(settings)).run()
        else:
            asyncio.run(_serve_with_ssh(settings, ssh_port))


async def _serve_with_ssh(settings: Settings, ssh_port: int) -> None:
    """uvicorn and the SSH console in one event loop; the consoles end before the server does."""
    from smsconsole import ssh

    # One registry, two users: the SSH console mints a token per session, the app accepts it.
    tokens = SessionTokens()
    server = uvicorn.Server(uvicorn_config(settings, session_tokens=tokens))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # it could not start; uvicorn has said why
            return
        await asyncio.sleep(0.05)
    try:
        console = await ssh.start(ssh_options(settings, ssh_port, _bound_port(server), tokens))
    except OSError as error:
        logging.getLogger("smsconsole").error("SSH console: %s", error)
        server.should_exit = True
        await serving
        raise SystemExit(1) from None
    try:
        # uvicorn's signal handler sets should_exit; close the SSH sessions first so their
        # consoles do not keep reconnecting to a server that is going away.
        while not server.should_exit:
            done, _ = await asyncio.wait({serving}, timeout=0.1)
            if done:
                break
    finally:
        await console.close()
        await serving


def _bound_port(server: uvicorn.Server) -> int:
    for listener in server.servers:
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    return 0


def ssh_options(
    settings: Settings, ssh_port: int, http_port: int, tokens: SessionTokens
) -> SshOptions:
    """The SSH console's options: its consoles attach to this server over loopback.

    Each console is given the server's address, a token of its session's from ``tokens`` and
    the phone region; never the config file, which may hold secrets.
    """
    from smsconsole.ssh import SshOptions

    host = settings.server.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return SshOptions(
        host=settings.server.host,
        port=ssh_port,
        server_url=f"http://{host}:{http_port}",
        tokens=tokens,
        authorized_keys=settings.ssh.authorized_keys_file,
        host_key=settings.ssh.host_key_file,
        max_connections=settings.ssh.max_connections,
        login_grace_seconds=settings.ssh.login_grace_seconds,
        region=settings.phone.default_region,
    )
