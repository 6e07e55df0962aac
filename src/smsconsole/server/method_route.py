"""A route that answers only the HTTP methods it names.

Starlette's ``Route`` adds HEAD to every route that allows GET. That is right for a read,
but a callback route ingests on GET, so a HEAD (which may carry a body) would store a
message; a route with side effects must take exactly the methods it declares.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from smsconsole.server.responses import error


class MethodRoute(Route):
    """A ``Route`` limited to ``methods`` (no implied HEAD); others get a JSON 405."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], *, methods: Collection[str]
    ) -> None:
        super().__init__(path, endpoint, methods=methods)
        self.methods = {method.upper() for method in methods}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the endpoint for an allowed method; answer 405 with ``Allow`` otherwise."""
        allowed = sorted(self.methods or ())
        if scope["method"] in allowed:
            await super().handle(scope, receive, send)
            return
        refused = error(405, f"{scope['method']} is not allowed here; use {' or '.join(allowed)}")
        refused.headers["Allow"] = ", ".join(allowed)
        await refused(scope, receive, send)
