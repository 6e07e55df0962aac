"""What the v2 sandbox's simulation routes (``/sandbox/…``) share: no auth, JSON in and out,
refusals as ``{"error": ...}`` with a 4xx status, bounded bodies."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.sandbox.bandwidth.http import json_response, sandbox_of

Handler = Callable[[Request], Awaitable[Response]]
MAX_BODY: Final = 64 * 1024
_NUMBER: Final = re.compile(r"\+?[0-9]{7,15}")


class SimulationError(Exception):
    """A simulation request that cannot be honoured (answered 4xx ``{"error": ...}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def sim_endpoint(handler: Handler) -> Handler:
    """Wrap a simulation handler: it learns the base URL; a refusal is a JSON 4xx."""

    async def endpoint(request: Request) -> Response:
        sandbox_of(request)  # learns the base URL
        try:
            return await handler(request)
        except SimulationError as error:
            return json_response({"error": str(error)}, error.status)

    return endpoint


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` when empty), read up to :data:`MAX_BODY` bytes.

    Raises:
        SimulationError: 413 over the bound, 400 when it is not a JSON object.
    """
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise SimulationError(413, f"the body is over {MAX_BODY} bytes")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise SimulationError(400, "the body must be JSON") from None
    if not isinstance(body, dict):
        raise SimulationError(400, "the body must be a JSON object")
    return body


def e164_field(body: dict[str, Any], key: str) -> str:
    """The E.164 number ``body[key]`` names (``+`` optional, 7 to 15 ASCII digits).

    Raises:
        SimulationError: 400 when it is not one.
    """
    value = body.get(key)
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        raise SimulationError(400, f"'{key}' must be an E.164 number")
    return "+" + value.strip().lstrip("+")
