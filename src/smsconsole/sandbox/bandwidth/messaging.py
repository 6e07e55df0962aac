"""Messaging v2 (JSON) under `/api/v2/users/{accountId}/…`: messages, media, and the callbacks a
messaging application gets (docs/bandwidth-v2.md §2, §3).

Routes (each also under `/api/v2//users/…`, which PYSDK sends for a host ending in `/`):
``POST …/messages`` → 202 message; ``GET …/messages`` → 200 messagesList; the media routes of
``messaging_media.py``; any other path under the account → 404 in the Spring-style body of
§2.5. The simulation routes are in ``messaging_simulation.py``, the lifecycle in
``messaging_service.py``, callbacks in ``messaging_delivery.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth import messaging_media, messaging_simulation
from smsconsole.sandbox.bandwidth.http import json_response
from smsconsole.sandbox.bandwidth.messaging_http import (
    ALL_METHODS,
    ANY_PATH,
    PREFIXES,
    api_endpoint,
    json_body,
)
from smsconsole.sandbox.bandwidth.messaging_records import (
    Message,
    iso_ms,
    list_items,
    message_json,
    now,
)
from smsconsole.sandbox.bandwidth.messaging_request import (
    Search,
    matches_number,
    page_token,
    parse_search,
    parse_send,
)
from smsconsole.sandbox.bandwidth.messaging_service import MessagingService, messaging_of

__all__ = ["MessagingService", "messaging_of", "routes"]

MAX_SEND_BODY = 256 * 1024  # a maximal valid message is under 100 kB


async def create_message(request: Request) -> Response:
    """``POST …/messages`` → 202 with the message (§2.1); its callbacks follow the answer."""
    service = messaging_of(request)
    body = await json_body(request, MAX_SEND_BODY)
    message = service.send(parse_send(body, service.sandbox.account, now()))

    async def begin() -> None:
        service.begin(message)

    response = json_response(message_json(message), 202)
    response.background = BackgroundTask(begin)
    return response


def _matches(search: Search, message: Message, item: dict[str, Any]) -> bool:
    checks = (
        search.message_id is None or message.id == search.message_id,
        matches_number(search.source, item["sourceTn"]),
        matches_number(search.destination, item["destinationTn"]),
        search.status is None or item["messageStatus"] == search.status,
        search.direction is None or item["messageDirection"] == search.direction,
        search.kind is None or item["messageType"] == search.kind,
        search.error_code is None or item["errorCode"] == search.error_code,
        search.since is None or message.at >= search.since,
        search.until is None or message.at <= search.until,
    )
    return all(checks)


def _page_url(request: Request, token: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "pageToken"]
    query.append(("pageToken", token))
    base = str(request.url.replace(query=""))
    return f"{base.rstrip('?')}?{urlencode(query)}"


async def list_messages(request: Request) -> Response:
    """``GET …/messages`` → 200 messagesList (§2.2): one item per destination, no text."""
    service = messaging_of(request)
    search = parse_search(dict(request.query_params))
    account_id = service.sandbox.config.account_id
    found: list[tuple[Any, int, int, dict[str, Any]]] = []
    for message in service.messages.values():
        for index, item in enumerate(list_items(message, account_id)):
            if _matches(search, message, item):
                found.append((item[search.sort[0]], message.seq, index, item))
    found.sort(key=lambda row: row[:3], reverse=search.sort[1])
    page = [row[3] for row in found[search.offset : search.offset + search.limit]]
    info: dict[str, str] = {}
    if search.offset > 0:
        info["prevPageToken"] = page_token(max(0, search.offset - search.limit))
        info["prevPage"] = _page_url(request, info["prevPageToken"])
    if search.offset + search.limit < len(found):
        info["nextPageToken"] = page_token(search.offset + search.limit)
        info["nextPage"] = _page_url(request, info["nextPageToken"])
    keys = ("prevPage", "nextPage", "prevPageToken", "nextPageToken")
    ordered = {key: info[key] for key in keys if key in info}
    return json_response({"totalCount": len(found), "pageInfo": ordered, "messages": page})


async def _unknown_path(request: Request) -> Response:
    # §2.5: a path that does not exist gets Spring's body (type/description added for clients
    # that read only those).
    body = {
        "timestamp": iso_ms(now()),
        "status": 404,
        "error": "Not Found",
        "message": "Not Found",
        "path": request.url.path,
        "type": "not-found",
        "description": "Not Found",
    }
    return json_response(body, 404)


def routes() -> list[BaseRoute]:
    """The service's API routes and its simulation routes (`/sandbox/…`)."""
    api: list[BaseRoute] = []
    for prefix in PREFIXES:
        messages = api_endpoint({"POST": create_message, "GET": list_messages})
        api.append(Route(f"{prefix}/messages", messages, methods=ALL_METHODS))
    api.extend(messaging_media.routes())
    for prefix in PREFIXES:
        unknown = api_endpoint(dict.fromkeys(ALL_METHODS, _unknown_path))
        api.append(Route(f"{prefix}/{{rest:{ANY_PATH}}}", unknown, methods=ALL_METHODS))
    return [*api, *messaging_simulation.routes()]
