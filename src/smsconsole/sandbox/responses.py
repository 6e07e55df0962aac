"""HTTP conventions of v1 (reference §1): auth, absolute Location, Link paging, bodies, errors.

:func:`v1_endpoint` wraps every ``/v1`` handler: it checks Basic credentials and the path's
userId (401 ``access-denied``), applies optional rate limits, turns :class:`ApiError` into the
v1 error body, and holds callback events until the response has been sent (§9).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from smsconsole.providers.catapult import quirks
from smsconsole.sandbox.delivery import hold_events
from smsconsole.sandbox.errors import ApiError, validation_error
from smsconsole.sandbox.runtime import Sandbox

Handler = Callable[[Request], Awaitable[Response]]
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000


def sandbox_of(request: Request) -> Sandbox:
    """The sandbox serving this request."""
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON body with ``Content-Type: application/json``."""
    return Response(json.dumps(data), status, dict(headers or {}), "application/json")


def empty_response(status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """An empty body with no Content-Type (§1.4: the Python SDK would parse it as JSON)."""
    return Response(b"", status, dict(headers or {}))


def base_url(request: Request) -> str:
    """``scheme://host:port`` as the client called it (§1.5)."""
    return str(request.base_url).rstrip("/")


def account_url(request: Request) -> str:
    """``<base>/v1/users/{userId}``."""
    return f"{base_url(request)}/v1/users/{sandbox_of(request).config.user_id}"


def created(request: Request, path: str) -> Response:
    """201, empty, with the absolute ``Location`` of ``<account>/<path>`` (§1.4, §1.5)."""
    return empty_response(201, {"Location": f"{account_url(request)}/{path}"})


def error_response(request: Request, error: ApiError) -> Response:
    """The v1 error body ``{category, code, message, details}`` (§1.9)."""
    path = request.url.path
    details = {
        "requestMethod": request.method,
        "remoteAddress": request.client.host if request.client else "",
        "requestPath": path[4:] if path.startswith("/v1/") else path.lstrip("/"),
        **error.details,
    }
    body = {
        "category": error.category,
        "code": error.code,
        "message": error.message,
        "details": [{"name": name, "value": value} for name, value in details.items()],
    }
    return json_response(body, error.status, error.headers)


def page_params(request: Request) -> tuple[int, int]:
    """``page`` (0-based) and ``size`` (default 25, max 1000) (§1.8)."""
    query = request.query_params
    try:
        page = quirks.as_int(query.get("page", "0"), "page")
        size = quirks.as_int(query.get("size", str(DEFAULT_PAGE_SIZE)), "size")
    except ValueError as exc:
        raise validation_error(str(exc)) from exc
    if page < 0 or not 0 < size <= MAX_PAGE_SIZE:
        raise validation_error("page must be >= 0 and size between 1 and 1000")
    return page, size


def link_header(
    request: Request,
    filters: Mapping[str, str],
    first: dict[str, str],
    next_: dict[str, str] | None,
) -> str:
    """One ``Link`` header: ``rel="first"`` always, ``rel="next"`` when more (§1.8).

    Every filter is repeated in both URLs (the Node SDK rebuilds the next request from the
    next URL's query alone); ``urlencode`` escapes commas, which the Python/C# SDKs split on.
    """
    url = f"{base_url(request)}{request.url.path}"
    parts = [f'<{url}?{urlencode({**filters, **first})}>; rel="first"']
    if next_ is not None:
        parts.append(f'<{url}?{urlencode({**filters, **next_})}>; rel="next"')
    return ", ".join(parts)


def paged(request: Request, items: list[Any], filters: Mapping[str, str]) -> Response:
    """A page-number list (§1.8): the requested page as a JSON array plus ``Link``."""
    page, size = page_params(request)
    chunk = items[page * size : (page + 1) * size]
    more = len(items) > (page + 1) * size
    link = link_header(
        request,
        filters,
        {"page": "0", "size": str(size)},
        {"page": str(page + 1), "size": str(size)} if more else None,
    )
    return json_response(chunk, headers={"Link": link})


def _authorized(request: Request, sandbox: Sandbox) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        token, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    config = sandbox.config
    good_token = secrets.compare_digest(token, config.api_token)
    good_secret = secrets.compare_digest(secret, config.api_secret)
    user = request.path_params.get("user_id", config.user_id)
    return good_token and good_secret and user == config.user_id


def access_denied(request: Request) -> ApiError:
    """401 ``authorization``/``access-denied`` as captured on the wire (§1.2)."""
    return ApiError(
        401,
        "access-denied",
        "The authenticated user does not have sufficient permissions to access this resource",
        details={"userId": str(request.path_params.get("user_id", ""))},
    )


def v1_endpoint(handler: Handler, family: str) -> Handler:
    """Wrap a ``/v1`` handler with auth, rate limits, v1 errors and held callback events."""

    async def endpoint(request: Request) -> Response:
        sandbox = sandbox_of(request)
        sandbox.engine.base_url = base_url(request)
        with hold_events() as held:
            try:
                if not _authorized(request, sandbox):
                    raise access_denied(request)
                if sandbox.limiter is not None and not _is_send(request, family):
                    sandbox.limiter.check_resource(family)
                response = await handler(request)
            except ApiError as error:
                response = error_response(request, error)
        if held:
            response.background = BackgroundTask(sandbox.delivery.release, list(held))
        return response

    return endpoint


def _is_send(request: Request, family: str) -> bool:
    # §1.10: POST messages / POST calls have their own per-number 403 limits.
    return (
        request.method == "POST"
        and family in ("messages", "calls")
        and "call_id" not in request.path_params
        and "message_id" not in request.path_params
    )


async def json_body(request: Request) -> Any:
    """The parsed JSON body; 400 ``validation-error`` when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise validation_error("The request body is not valid JSON") from exc


async def json_object(request: Request) -> dict[str, Any]:
    """The JSON body, which must be an object."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise validation_error("The request body must be a JSON object")
    return body
