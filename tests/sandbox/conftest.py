"""Fixtures: the real sandbox and a callback receiver, both under uvicorn on loopback port 0.

With ``--import-mode=importlib`` test modules cannot import this file, so helpers reach the
tests as fixtures: ``sandbox``, ``receiver``, ``serve`` (run any ASGI app on port 0) and
``wait_for`` (poll a predicate with a timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loopback import serve, wait_for
from smsconsole.sandbox.app import create_sandbox_app

USER = "u-sandbox"
AUTH = ("t-sandbox", "s-sandbox")


@dataclass
class Sandbox:
    """A running sandbox: its app, base URL, and an authenticated client on ``/v1``."""

    app: Starlette
    base: str
    client: httpx.AsyncClient

    @property
    def state(self) -> Any:
        """The ``Sandbox`` runtime (world, delivery log...)."""
        return self.app.state.sandbox

    def user(self, path: str) -> str:
        """``/v1/users/{u}/<path>``."""
        return f"/v1/users/{USER}/{path}"

    async def create_app(self, **fields: Any) -> str:
        """Create an application; return its id."""
        body = {"name": "test", **fields}
        response = await self.client.post(self.user("applications"), json=body)
        assert response.status_code == 201, response.text
        return str(response.headers["location"].rsplit("/", 1)[1])

    async def order(self, app_id: str | None = None, **query: str) -> dict[str, Any]:
        """Search-and-order one local number (default Raleigh NC); assign it to ``app_id``."""
        params = query or {"state": "NC", "city": "Raleigh"}
        response = await self.client.post("/v1/availableNumbers/local", params=params)
        assert response.status_code == 201, response.text
        number: dict[str, Any] = response.json()[0]
        number["id"] = number["location"].rsplit("/", 1)[1]
        if app_id is not None:
            update = {"applicationId": app_id}
            updated = await self.client.post(self.user(f"phoneNumbers/{number['id']}"), json=update)
            assert updated.status_code == 200
        return number

    async def sim(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a simulation endpoint; return its JSON."""
        async with httpx.AsyncClient(base_url=self.base) as plain:
            response = await plain.post(f"/sandbox/{path}", json=body)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def event(self) -> dict[str, Any]:
        """The event: the JSON body (POST) or the query string (GET; lists repeat)."""
        if self.method == "POST":
            data: dict[str, Any] = json.loads(self.body)
            return data
        result: dict[str, Any] = {}
        for key, value in self.query:
            if key == "media":
                result.setdefault(key, []).append(value)
            else:
                result[key] = value
        return result


@dataclass
class Receiver:
    """A callback receiver: records requests; per-path behaviour ``ok``/``fail``/``slow``."""

    base: str = ""
    requests: list[Received] = field(default_factory=list)
    behaviour: dict[str, str] = field(default_factory=dict)

    def at(self, path: str) -> list[Received]:
        """Requests received on ``path``."""
        return [r for r in self.requests if r.path == path]

    def events(self, path: str) -> list[dict[str, Any]]:
        """Events received on ``path``, in arrival order."""
        return [r.event() for r in self.at(path)]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A fast sandbox (delays x0.01, callback timeout cap 0.5 s)."""
    app = create_sandbox_app(seed=7, speed=0.01, callback_timeout_cap=0.5)
    async with serve(app) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        yield Sandbox(app, base, client)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A loopback callback receiver."""
    state = Receiver()

    async def record(request: Request) -> Response:
        body = await request.body()
        state.requests.append(
            Received(
                request.method,
                request.url.path,
                list(request.query_params.multi_items()),
                dict(request.headers),
                body,
            )
        )
        mode = state.behaviour.get(request.url.path, "ok")
        if mode == "fail":
            return Response("boom", 500)
        if mode == "slow":
            await asyncio.sleep(1)
        return Response("")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    async with serve(app) as base:
        state.base = base
        yield state


@pytest.fixture
def serve_app() -> Callable[[Any], contextlib.AbstractAsyncContextManager[str]]:
    """``async with serve_app(app) as base_url``: any ASGI app on loopback port 0."""
    return serve


@pytest.fixture
def wait() -> Callable[..., Any]:
    """``await wait(predicate, seconds=5)``."""
    return wait_for


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def realtime_sandbox() -> AsyncIterator[Sandbox]:
    """One sandbox at real speed shared by a module (tests must mark loop_scope="module")."""
    app = create_sandbox_app(seed=11, speed=1.0, callback_timeout_cap=0.5)
    async with serve(app) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        yield Sandbox(app, base, client)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_fast_sandbox() -> AsyncIterator[Sandbox]:
    """One fast sandbox (delays x0.01, random ids) shared by a module.

    Tests must mark ``loop_scope="module"``; reset it between tests with
    ``await shared_fast_sandbox.sim("reset", {})``. Ids are random (no seed) so a reset world
    never reuses an id a lifecycle of an earlier test still holds.
    """
    app = create_sandbox_app(speed=0.01, callback_timeout_cap=0.5)
    async with serve(app) as base, httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        yield Sandbox(app, base, client)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_receiver() -> AsyncIterator[Receiver]:
    """A callback receiver shared by a module (like ``receiver``; clear it between tests)."""
    state = Receiver()

    async def record(request: Request) -> Response:
        body = await request.body()
        query = list(request.query_params.multi_items())
        headers = dict(request.headers)
        state.requests.append(Received(request.method, request.url.path, query, headers, body))
        if state.behaviour.get(request.url.path, "ok") == "fail":
            return Response("boom", 500)
        return Response("")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    async with serve(app) as base:
        state.base = base
        yield state
