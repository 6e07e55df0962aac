"""What every ``/api`` route shares: authentication, reading input, and provider errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, Final, TypeVar

from starlette.requests import Request

from smsconsole.catapult.client import CatapultClient
from smsconsole.catapult.errors import DEADLINE_EXCEEDED, CatapultError
from smsconsole.config import Settings
from smsconsole.phone import InvalidPhoneNumber, parse_e164
from smsconsole.records import Page
from smsconsole.server.auth import bearer_allowed
from smsconsole.server.responses import JSON, ApiError
from smsconsole.store.base import Store

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[JSON]]

MAX_JSON: Final = 64 * 1024
DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 500


def authorized(endpoint: Endpoint) -> Endpoint:
    """Refuse the request unless it carries the console bearer token."""

    @wraps(endpoint)
    async def guarded(request: Request) -> JSON:
        sessions = request.app.state.session_tokens
        if not bearer_allowed(request.headers, None, settings(request).server.token, sessions):
            raise ApiError(401, "missing or wrong bearer token")
        return await endpoint(request)

    return guarded


def settings(request: Request) -> Settings:
    """The server's settings."""
    value: Settings = request.app.state.settings
    return value


def store(request: Request) -> Store:
    """The server's store."""
    value: Store = request.app.state.store
    return value


def provider(request: Request) -> CatapultClient:
    """The provider client, or a 503 when no account is configured."""
    client: CatapultClient | None = request.app.state.provider
    if client is None:
        raise ApiError(503, "no provider account is configured (set the [provider] credentials)")
    return client


async def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body, which must be an object."""
    body = await request.body()
    if len(body) > MAX_JSON:
        raise ApiError(413, f"the body is over the {MAX_JSON}-byte limit")
    try:
        value = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, "the body must be a JSON object")
    return value


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string field of a JSON body."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string")
    return value


def phone_field(request: Request, body: dict[str, Any], name: str) -> str:
    """A phone-number field, read in the configured region and returned in E.164."""
    value = text_field(body, name, required=True)
    assert value is not None  # required
    try:
        return parse_e164(value, settings(request).phone.default_region)
    except InvalidPhoneNumber as problem:
        raise ApiError(400, f"'{name}': {problem}") from None


def limit_param(request: Request) -> int:
    """The ``limit`` query parameter, bounded."""
    raw = request.query_params.get("limit", "")
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


async def paged(
    request: Request,
    fetch: Callable[[str | None, int], Awaitable[Page[Any]]],
    cursor_param: str = "cursor",
) -> JSON:
    """A list route: ``fetch(cursor, limit)`` from the query, answered as ``{items, next}``.

    A cursor the store cannot read (made up, or from another list) is a 400.
    """
    try:
        result = await fetch(request.query_params.get(cursor_param), limit_param(request))
    except ValueError as problem:
        raise ApiError(400, str(problem)) from None
    return JSON({"items": result.items, "next": result.next})


def provider_failure(error: CatapultError, doing: str) -> ApiError:
    """The answer for a provider error: its words, and whether to retry.

    The provider refusing a request (4xx) is the client's to fix: 422, or 404 for an
    unknown resource. A provider that did not answer within the deadline is 504; any other
    outage or network failure is 502.
    """
    if error.code == DEADLINE_EXCEEDED:
        status = 504
    elif error.status == 404:
        status = 404
    elif error.status is not None and 400 <= error.status < 500:
        status = 422
    else:
        status = 502
    reason = f"{doing}: {error.message}"
    if error.outcome_unknown:
        reason += " (the outcome is unknown: check before trying again)"
    return ApiError(
        status,
        reason,
        provider={
            "status": error.status,
            "category": error.category,
            "code": error.code,
            "message": error.message,
        },
    )


async def on_provider(doing: str, work: Awaitable[T]) -> T:
    """Await ``work``; a :class:`CatapultError` becomes the matching API error."""
    try:
        return await work
    except CatapultError as error:
        raise provider_failure(error, doing) from error
