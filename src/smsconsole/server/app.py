"""The callback server as a Starlette application.

``create_app`` wires the store, the fan-out hub and the provider; the same factory
serves ``smsconsole serve``, ``smsconsole demo`` and the tests. The server is the only
holder of provider credentials and of the store; consoles only use ``/ws`` and ``/api``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute, Route, WebSocketRoute

from smsconsole.providers.base import Provider
from smsconsole.providers.factory import callback_parser, open_provider
from smsconsole.server import api
from smsconsole.server.auth import SessionTokens
from smsconsole.server.callbacks import callback_endpoint
from smsconsole.server.feed import feed_endpoint
from smsconsole.server.hub import Hub
from smsconsole.server.method_route import MethodRoute
from smsconsole.server.responses import JSON, ApiError, error
from smsconsole.server.sync import catch_up
from smsconsole.settings.config import Settings
from smsconsole.store.base import Durability, Store
from smsconsole.store.sqlite import SqliteStore

log = logging.getLogger(__name__)


async def healthz(request: Request) -> JSON:
    """Liveness: the process answers."""
    return JSON({"status": "ok"})


async def readyz(request: Request) -> JSON:
    """Readiness: the store commits (not since a commit failed, until one succeeds again)."""
    store: Store = request.app.state.store
    if await store.writable():
        return JSON({"status": "ready"})
    return JSON({"status": "store not writable"}, status_code=503)


def routes() -> list[BaseRoute]:
    """Every route of the server."""
    return [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        # Callbacks ingest on GET too, so no implied HEAD (it would store what it carries).
        MethodRoute("/callbacks/messages", callback_endpoint, methods=["GET", "POST"]),
        MethodRoute("/callbacks/calls", callback_endpoint, methods=["GET", "POST"]),
        WebSocketRoute("/ws", feed_endpoint),
        *api.routes(),
    ]


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    provider: Provider | None = None,
    catch_up_on_start: bool = True,
    session_tokens: SessionTokens | None = None,
) -> Starlette:
    """Build the server.

    Args:
        settings: The effective configuration.
        store: The store to use (by default :func:`sqlite_store`); the app opens it unless
            it is open already, and closes it when the app stops.
        provider: The provider; by default the one ``settings.provider`` names, when it has
            credentials (the server then runs without provider actions otherwise). One given
            here is left open when the app stops.
        catch_up_on_start: Sync our numbers and record messages missed while down, at start.
        session_tokens: Tokens accepted on /api and /ws besides the server's (SSH sessions').

    Raises:
        ConfigError: ``provider.api`` names no provider smsconsole has.
    """
    callbacks = provider if provider is not None else callback_parser(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hub = Hub(asyncio.get_running_loop())
        opened = store or sqlite_store(settings)
        opened.listen(hub.publish_threadsafe)
        await opened.open()
        client = provider
        owned = client is None and not settings.provider.missing
        if owned:
            client = open_provider(settings)
        app.state.settings = settings
        app.state.store = opened
        app.state.hub = hub
        app.state.provider = client
        app.state.callbacks = callbacks
        app.state.session_tokens = session_tokens or SessionTokens()
        task = None
        if client is not None and catch_up_on_start:
            task = asyncio.create_task(_catch_up_logged(opened, client, settings))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if owned and client is not None:
                await client.aclose()
            await opened.close()

    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    # A path with a trailing slash is a 404 like any other unknown path, not a redirect
    # (a PUT to /api/contacts/ sent on to a route that only reads).
    app.router.redirect_slashes = False
    return app


def sqlite_store(settings: Settings) -> SqliteStore:
    """The server's store as configured: SQLite at ``settings.store.file``, not yet open."""
    return SqliteStore(settings.store.file, cast(Durability, settings.store.durability))


async def _api_error(request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> JSON:
    # Starlette's own refusals (no such route, a method the route does not take) in the
    # API's shape, instead of a plain-text body.
    assert isinstance(exc, HTTPException)
    response = error(exc.status_code, exc.detail)
    response.headers.update(exc.headers or {})
    return response


async def _catch_up_logged(store: Store, client: Provider, settings: Settings) -> None:
    try:
        report = await catch_up(store, client, settings)
    except Exception:
        log.exception("catching up with the provider failed; use POST /api/sync to retry")
    else:
        log.info("caught up with the provider: %s", report)
