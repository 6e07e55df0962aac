"""Media of Messaging v2 (§2.3): ``PUT``/``GET``/``DELETE …/media/{mediaId}`` and the list.

A media id may hold ``/`` (inbound media look like ``<id>/0/bw.png``) and the SDKs send it
percent-encoded (``%2F``), so the route takes the rest of the path. Uploads are stored with
the bytes and the ``Content-Type`` exactly as received: the SDKs themselves mislabel files
``application/json`` (§1.4), so no type is refused.
"""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth.http import json_response
from smsconsole.sandbox.bandwidth.messaging_http import (
    ALL_METHODS,
    ANY_PATH,
    PREFIXES,
    api_endpoint,
    bounded_body,
)
from smsconsole.sandbox.bandwidth.messaging_records import MediaFile
from smsconsole.sandbox.bandwidth.messaging_request import MessagingError
from smsconsole.sandbox.bandwidth.messaging_service import messaging_of

MAX_FILE = 3_932_160  # "files up to 3.75MB" (§2.3)
MAX_STORE = 64 * 1024 * 1024  # the sandbox keeps at most this much in memory
MAX_NAME = 1024


def _media_id(request: Request) -> str:
    name: str = request.path_params["media_id"]
    if not name or len(name) > MAX_NAME or any(ord(char) < 32 for char in name):
        raise MessagingError(400, "request-validation", "The media id is not valid")
    return name


def _not_found(name: str) -> MessagingError:
    return MessagingError(404, "object-not-found", f"Media '{name[:100]}' not found")


async def upload(request: Request) -> Response:
    """``PUT …/media/{mediaId}`` → 204; a second upload of a name replaces it."""
    service = messaging_of(request)
    name = _media_id(request)
    content = await bounded_body(request, MAX_FILE)
    stored = sum(len(f.content) for n, f in service.media.items() if n != name)
    if stored + len(content) > MAX_STORE:
        raise MessagingError(
            413, "request-entity-too-large", "The sandbox's media store is full: delete some media"
        )
    service.media[name] = MediaFile(
        name=name,
        content=content,
        content_type=request.headers.get("content-type") or "application/octet-stream",
        cache_control=request.headers.get("cache-control"),
        seq=service.next_seq(),
    )
    return Response(status_code=204)


async def download(request: Request) -> Response:
    """``GET …/media/{mediaId}`` → the bytes with the type (and Cache-Control) stored."""
    name = _media_id(request)
    file = messaging_of(request).media.get(name)
    if file is None:
        raise _not_found(name)
    headers = {"content-type": file.content_type}
    if file.cache_control:
        headers["cache-control"] = file.cache_control
    return Response(file.content, 200, headers)


async def delete(request: Request) -> Response:
    """``DELETE …/media/{mediaId}`` → 204."""
    name = _media_id(request)
    if messaging_of(request).media.pop(name, None) is None:
        raise _not_found(name)
    return Response(status_code=204)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"media:{offset}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, ValueError, UnicodeError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "media" or not number.isdigit() or len(number) > 9:
        raise MessagingError(400, "request-validation", "The Continuation-Token is not valid")
    return int(number)


async def listing(request: Request) -> Response:
    """``GET …/media`` → ``[{content, contentLength, mediaName}]``, a page at a time."""
    service = messaging_of(request)
    offset = _offset(request.headers.get("continuation-token"))
    files = sorted(service.media.values(), key=lambda f: f.seq)
    page = files[offset : offset + service.media_page]
    body = [
        {"content": service.media_url(f.name), "contentLength": len(f.content), "mediaName": f.name}
        for f in page
    ]
    headers = {}
    if offset + len(page) < len(files):
        headers["Continuation-Token"] = _token(offset + len(page))
    return json_response(body, 200, headers)


def routes() -> list[BaseRoute]:
    """The media routes (under both account prefixes)."""
    result: list[BaseRoute] = []
    for prefix in PREFIXES:
        result.append(Route(f"{prefix}/media", api_endpoint({"GET": listing}), methods=ALL_METHODS))
        one = api_endpoint({"GET": download, "PUT": upload, "DELETE": delete})
        result.append(Route(f"{prefix}/media/{{media_id:{ANY_PATH}}}", one, methods=ALL_METHODS))
    return result
