"""What every ``/api`` route shares: authentication, reading input, and provider errors.

Every piece of client input (body, query parameter) is read through the helpers here, which
check it with :mod:`smsconsole.server.inputs` and answer a refusal with a 400 naming the
field, before anything is stored or the provider is asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, Final, TypeVar

from starlette.requests import ClientDisconnect, Request

from smsconsole.core.phone import InvalidPhoneNumber, parse_e164
from smsconsole.core.records import Page
from smsconsole.providers.base import Provider, ProviderError
from smsconsole.server.auth import bearer_allowed
from smsconsole.server.inputs import InvalidInput, checked_text, decode_json, whole_number
from smsconsole.server.responses import JSON, ApiError
from smsconsole.settings.config import Settings
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
        try:
            return await endpoint(request)
        except ClientDisconnect:
            # Gone before its body arrived (or cut off at the body's deadline): no one hears
            # this answer, but without it each such client logged a traceback.
            raise ApiError(400, "the client disconnected before its body arrived") from None

    return guarded


def settings(request: Request) -> Settings:
    """The server's settings."""
    value: Settings = request.app.state.settings
    return value


def store(request: Request) -> Store:
    """The server's store."""
    value: Store = request.app.state.store
    return value


def provider(request: Request) -> Provider:
    """The provider, or a 503 when no account is configured."""
    client: Provider | None = request.app.state.provider
    if client is None:
        raise ApiError(503, "no provider account is configured (set the [provider] credentials)")
    return client


async def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body, which must be an object."""
    body = await request.body()
    if len(body) > MAX_JSON:
        raise ApiError(413, f"the body is over the {MAX_JSON}-byte limit")
    try:
        value = decode_json(body or b"{}")
    except InvalidInput as problem:
        raise ApiError(400, f"the body is {problem}") from None
    if not isinstance(value, dict):
        raise ApiError(400, "the body must be a JSON object")
    return value


def checked(value: str, name: str, *, multiline: bool = False) -> str:
    """``value`` if it is text (see :func:`~smsconsole.server.inputs.checked_text`); else 400."""
    try:
        return checked_text(value, name, multiline=multiline)
    except InvalidInput as problem:
        raise ApiError(400, str(problem)) from None


def text_field(
    body: dict[str, Any], name: str, *, required: bool = False, multiline: bool = False
) -> str | None:
    """A string field of a JSON body: one line of text unless ``multiline``."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string")
    return checked(value, name, multiline=multiline)


def provider_id(value: str, name: str) -> str:
    """An id the client names that goes into the provider's path as one segment.

    Empty, ``.`` and ``..`` are refused: the client would resolve them as dot segments,
    and ``/applications/..`` would be another resource of the account.
    """
    value = checked(value, name)
    if value.strip(" .") == "":
        raise ApiError(400, f"'{name}' is not an id")
    return value


def id_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A body field holding a provider id (empty or absent: None, unless ``required``)."""
    value = text_field(body, name, required=required)
    if not value and not required:
        return None
    return provider_id(value or "", name)


def text_list(body: dict[str, Any], name: str) -> list[str]:
    """A field holding a list of one-line strings (absent or null: empty)."""
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, f"'{name}' must be a list of strings")
    return [checked(item, name) for item in value]


def query_text(request: Request, name: str, default: str = "") -> str:
    """A query parameter as one line of text."""
    return checked(request.query_params.get(name, default), name)


def number_param(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    """A query parameter holding a whole number from ``low`` to ``high``."""
    raw = request.query_params.get(name, "")
    if not raw:
        return default
    try:
        return whole_number(raw, name, low=low, high=high)
    except InvalidInput as problem:
        raise ApiError(400, str(problem)) from None


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
    return number_param(request, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)


async def paged(
    request: Request,
    fetch: Callable[[str | None, int], Awaitable[Page[Any]]],
    cursor_param: str = "cursor",
) -> JSON:
    """A list route: ``fetch(cursor, limit)`` from the query, answered as ``{items, next}``.

    A cursor the store cannot read (made up, or from another list) is a 400.
    """
    cursor = request.query_params.get(cursor_param)
    limit = limit_param(request)
    try:
        result = await fetch(cursor and checked(cursor, cursor_param), limit)
    except ValueError as problem:
        raise ApiError(400, f"'{cursor_param}': {problem}") from None
    return JSON({"items": result.items, "next": result.next})


def provider_failure(error: ProviderError, doing: str) -> ApiError:
    """The answer for a provider error: its words, and whether to retry.

    The provider refusing a request (4xx) is the client's to fix: 422, or 404 for an
    unknown resource. A provider that did not answer within the deadline is 504; any other
    outage or network failure is 502.
    """
    if error.timed_out:
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
    """Await ``work``; a :class:`ProviderError` becomes the matching API error."""
    try:
        return await work
    except ProviderError as error:
        raise provider_failure(error, doing) from error
