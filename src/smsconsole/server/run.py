"""Run the callback server under uvicorn: ``smsconsole serve``.

The store is opened before uvicorn starts, so a store that cannot be used is refused with
:class:`~smsconsole.store.base.StoreUnusable` (one line for the command line to print) before
anything listens, rather than as a traceback from uvicorn's failed start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import TYPE_CHECKING, Final

import uvicorn

from smsconsole.server import log_redaction
from smsconsole.server.app import create_app, sqlite_store
from smsconsole.server.auth import SessionTokens
from smsconsole.server.limits import HttpLimits, uvicorn_options
from smsconsole.server.urls import public_base
from smsconsole.settings.config import Settings
from smsconsole.store.base import Store

if TYPE_CHECKING:
    from smsconsole.server.ssh import SshOptions

GRACEFUL_SECONDS: Final = 10
# Feed frames are small; refuse anything large from a console.
WS_MAX_SIZE: Final = 1024 * 1024


def uvicorn_config(
    settings: Settings,
    limits: HttpLimits | None = None,
    *,
    store: Store | None = None,
    session_tokens: SessionTokens | None = None,
    **overrides: object,
) -> uvicorn.Config:
    """The uvicorn settings the server runs with (shared by ``serve``, ``demo`` and benchmarks).

    What a client may push (head and body size, time to send them, connections) is bounded
    by ``limits`` (:mod:`smsconsole.server.limits`; its defaults unless given). In-flight
    requests finish on shutdown (up to ``GRACEFUL_SECONDS``); the websocket layer pings
    every 20 s so dead consoles are noticed. Tokens and passwords in request targets
    are redacted from every log line (:mod:`smsconsole.server.log_redaction`).
    ``store`` and ``session_tokens`` (accepted on /api and /ws besides the server's token:
    the SSH consoles') are passed to ``create_app``.
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
    app = create_app(settings, store=store, session_tokens=session_tokens)
    config = uvicorn.Config(app, **options)  # type: ignore[arg-type]
    # After the Config: building it applies uvicorn's logging config to its loggers.
    log_redaction.install()
    return config


def serve_forever(settings: Settings, ssh_port: int | None = None) -> None:
    """Serve until interrupted, logging to stderr; with ``ssh_port``, the SSH console too.

    Raises:
        StoreUnusable: The store cannot be used; nothing was started.
    """
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    store = sqlite_store(settings)
    # One registry, two users: the SSH console mints a token per session, the app accepts it.
    tokens = SessionTokens() if ssh_port is not None else None
    config = uvicorn_config(settings, store=store, session_tokens=tokens)
    # uvicorn's own loop choice (uvloop when installed), as uvicorn.Server.run makes it.
    loop_factory = config.get_loop_factory() if ssh_port is None else None
    # uvicorn re-raises Ctrl-C after its graceful shutdown; it has been handled.
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=loop_factory) as run:
        run.run(_serve(settings, store, config, ssh_port, tokens))


async def _serve(
    settings: Settings,
    store: Store,
    config: uvicorn.Config,
    ssh_port: int | None,
    tokens: SessionTokens | None,
) -> None:
    # The app's lifespan sees the store open, uses it and closes it when the server stops.
    await store.open()
    try:
        await _serve_on(store, settings, config, ssh_port, tokens)
    finally:
        await store.close()  # already closed by the lifespan, unless uvicorn never started it


async def _serve_on(
    store: Store,
    settings: Settings,
    config: uvicorn.Config,
    ssh_port: int | None,
    tokens: SessionTokens | None,
) -> None:
    log = logging.getLogger("smsconsole")
    log.info("store: %s (durability %s)", settings.store.file, settings.store.durability)
    log.info("callbacks: %s/callbacks/messages and /callbacks/calls", public_base(settings.server))
    if settings.provider.missing:
        log.warning(
            "no provider credentials (%s): callbacks only", ", ".join(settings.provider.missing)
        )
    server = uvicorn.Server(config)
    if ssh_port is None or tokens is None:
        await server.serve()
    else:
        await _serve_with_ssh(server, settings, ssh_port, tokens)


async def _serve_with_ssh(
    server: uvicorn.Server, settings: Settings, ssh_port: int, tokens: SessionTokens
) -> None:
    """uvicorn and the SSH console in one event loop; the consoles end before the server does."""
    from smsconsole.server import ssh

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
    from smsconsole.server.ssh import SshOptions

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
