"""What every Messaging v2 API route shares: Basic auth, the method check, bounded bodies,
and refusals in the family's words (``{type, description}``, §2.5) — never a 500 for what a
client sent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.convertors import PathConvertor, register_url_convertor
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from smsconsole.sandbox.bandwidth.http import authorized, json_response, sandbox_of
from smsconsole.sandbox.bandwidth.messaging_request import MessagingError

Handler = Callable[[Request], Awaitable[Response]]
PREFIXES = ("/api/v2/users/{account_id}", "/api/v2//users/{account_id}")  # PYSDK: host/ → //
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
UNAUTHORIZED = MessagingError(401, "unauthorized", "Authentication Failed")
ANY_PATH = "messaging_any_path"  # the convertor of media ids and unknown paths


class AnyPathConvertor(PathConvertor):
    """Like ``path`` but also across control characters (``%0A`` decodes to a newline, which
    ``path``'s ``.*`` does not match: the request would miss every route and get a text 404)."""

    regex = r"[\s\S]*"


register_url_convertor(ANY_PATH, AnyPathConvertor())


def api_endpoint(handlers: Mapping[str, Handler]) -> Handler:
    """One path of the API: auth first, then the handler of the method, errors as JSON."""

    async def endpoint(request: Request) -> Response:
        sandbox_of(request)  # learns the base URL
        try:
            if not authorized(request):
                raise UNAUTHORIZED
            handler = handlers.get(request.method)
            if handler is None:
                raise MessagingError(
                    405, "method-not-allowed", f"Request method '{request.method}' is not supported"
                )
            return await handler(request)
        except MessagingError as error:
            return json_response(error.body(), error.status)

    return endpoint


async def bounded_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 beyond ``limit`` bytes (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise MessagingError(400, "request-validation", "The request body was cut short") from exc
    return b"".join(chunks)


def too_large(limit: int) -> MessagingError:
    """The 413 refusal of a body over ``limit`` bytes."""
    return MessagingError(
        413, "request-entity-too-large", f"The request body is larger than {limit} bytes"
    )


async def json_body(request: Request, limit: int) -> Any:
    """A JSON request body: 415 unless labelled ``application/json``, 400 unless JSON."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        shown = content_type or "(none)"
        raise MessagingError(
            415,
            "unsupported-content-type",
            f"Content type '{shown[:100]}' not supported. Please use 'application/json'",
        )
    raw = await bounded_body(request, limit)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise MessagingError(
            400, "request-validation", "Your request could not be accepted: malformed JSON"
        ) from exc
