"""``/v1/users/{u}/messages`` handlers (§5): send one or many, list with a cursor, get, redact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.providers.catapult import quirks
from smsconsole.sandbox import validation
from smsconsole.sandbox.errors import ApiError, not_found, validation_error
from smsconsole.sandbox.render import message_json
from smsconsole.sandbox.responses import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    account_url,
    created,
    empty_response,
    json_body,
    json_object,
    json_response,
    link_header,
    sandbox_of,
)
from smsconsole.sandbox.runtime import Sandbox
from smsconsole.sandbox.state import Message

MAX_BATCH = 50
MAX_MEDIA_TOTAL = 1_500_000  # §5.1: 1.5 MB of media per message (2016 docs)
_FILTERS = (
    "from",
    "to",
    "direction",
    "state",
    "deliveryState",
    "fromDateTime",
    "toDateTime",
    "sortOrder",
)


def _accept(request: Request, sandbox: Sandbox, raw: object) -> Message:
    fields = validation.parse_message(raw)
    from_ = fields["from"]
    if sandbox.world.owned_number(from_) is None:
        raise ApiError(
            401,
            "number-access-denied",
            f"User {sandbox.config.user_id} does not have permission to use number {from_}",
            details={"number": from_},
        )
    _check_media_size(request, sandbox, fields["media"])
    if sandbox.limiter is not None:
        sandbox.limiter.check_send("message", fields["from"])
    return sandbox.engine.send_message(fields)


def _check_media_size(request: Request, sandbox: Sandbox, media: list[str]) -> None:
    prefix = f"{account_url(request)}/media/"
    total = 0
    for url in media:
        if url.startswith(prefix):
            stored = sandbox.world.media.get(url[len(prefix) :])
            if stored is None:
                raise ApiError(403, "media-invalid-url", f"The media '{url}' does not exist")
            total += len(stored.content)
    if total > MAX_MEDIA_TOTAL:
        raise ApiError(
            403, "media-size-overflow", "The total size of the media must be 1.5 MB or less"
        )


async def send_messages(request: Request) -> Response:
    """POST messages: an object -> 201 + Location; an array -> 202 + per-item results."""
    sandbox = sandbox_of(request)
    body = await json_body(request)
    if not isinstance(body, list):
        message = _accept(request, sandbox, body)
        return created(request, f"messages/{message.id}")
    if len(body) > MAX_BATCH:
        raise ApiError(
            403,
            "multi-message-limit",
            f"No more than {MAX_BATCH} messages may be sent in one request",
            category="limit",
        )
    results: list[dict[str, Any]] = []
    for item in body:
        try:
            message = _accept(request, sandbox, item)
        except ApiError as error:
            results.append({"result": "error", "error": _error_item(error)})
        else:
            location = f"{account_url(request)}/messages/{message.id}"
            results.append({"result": "accepted", "location": location})
    return json_response(results, 202)


def _error_item(error: ApiError) -> dict[str, Any]:
    details = [{"name": name, "value": value} for name, value in error.details.items()]
    return {
        "category": error.category,
        "code": error.code,
        "message": error.message,
        "details": details,
    }


def _parse_time(value: str, field: str) -> datetime:
    # §5.3: "yyyy-MM-dd HH:mm:ss[.SSS]" with trailing parts optional, or ISO-8601.
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise validation_error(f"'{field}' is not a valid date-time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _matches(message: Message, filters: dict[str, str]) -> bool:
    checks = {
        "from": message.from_,
        "to": message.to,
        "direction": message.direction,
        "state": message.state,
        "deliveryState": message.delivery_state,
    }
    for key, actual in checks.items():
        if key in filters and (actual or "").lower() != filters[key].strip().lower():
            return False
    moment = _parse_time(message.time, "time")
    if "fromDateTime" in filters and moment < _parse_time(filters["fromDateTime"], "fromDateTime"):
        return False
    return not (
        "toDateTime" in filters and moment > _parse_time(filters["toDateTime"], "toDateTime")
    )


async def list_messages(request: Request) -> Response:
    """GET messages: newest first with a ``sortKeyLT`` cursor (``sortOrder=asc``: ``sortKeyGT``)."""
    query = request.query_params
    filters = {key: query[key] for key in _FILTERS if query.get(key)}
    for key in ("from", "to"):
        if key in filters:
            filters[key] = "+" + filters[key].strip().lstrip("+")  # a raw "+" arrives as a space
    try:
        size = quirks.as_int(query.get("size", str(DEFAULT_PAGE_SIZE)), "size")
    except ValueError as exc:
        raise validation_error(str(exc)) from exc
    if not 0 < size <= MAX_PAGE_SIZE:
        raise validation_error("size must be between 1 and 1000")
    ascending = filters.get("sortOrder", "desc").lower() == "asc"
    messages = [m for m in sandbox_of(request).world.messages.values() if _matches(m, filters)]
    messages.sort(key=lambda m: m.seq, reverse=not ascending)
    cursor_name = "sortKeyGT" if ascending else "sortKeyLT"
    cursor = query.get(cursor_name)
    if cursor is not None:
        bound = validation.read({cursor_name: cursor}, cursor_name, quirks.as_int) or 0
        messages = [m for m in messages if (m.seq > bound if ascending else m.seq < bound)]
    page = messages[:size]
    more = len(messages) > size
    link = link_header(
        request,
        filters,
        {"size": str(size)},
        {"size": str(size), cursor_name: str(page[-1].seq)} if more else None,
    )
    return json_response([message_json(m) for m in page], headers={"Link": link})


def _message(request: Request) -> Message:
    message_id = request.path_params["message_id"]
    message = sandbox_of(request).world.messages.get(message_id)
    if message is None:
        raise not_found("message", message_id)
    return message


async def get_message(request: Request) -> Response:
    """GET one message."""
    return json_response(message_json(_message(request)))


async def redact_message(request: Request) -> Response:
    """PATCH a message with exactly ``{"text": ""}`` (any other body is 400)."""
    message = _message(request)
    body = await json_object(request)
    if body != {"text": ""}:
        raise validation_error("Only the text property may be updated, and only to an empty string")
    message.text = ""
    sandbox_of(request).mark_dirty()
    return empty_response()
