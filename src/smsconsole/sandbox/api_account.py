"""``/v1`` handlers for the account, user errors, media and recordings (§1.9, §7.7, §11)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.sandbox.errors import ApiError, not_found
from smsconsole.sandbox.render import recording_json, user_error_json
from smsconsole.sandbox.responses import (
    account_url,
    empty_response,
    json_response,
    paged,
    sandbox_of,
)
from smsconsole.sandbox.state import Media

MAX_MEDIA_BYTES = 65 * 1024 * 1024


async def get_account(request: Request) -> Response:
    """GET account -> balance (a string) and type."""
    world = sandbox_of(request).world
    return json_response({"balance": world.balance, "accountType": "pre-pay"})


async def list_errors(request: Request) -> Response:
    """GET errors, newest first (paged)."""
    errors = sorted(sandbox_of(request).world.errors.values(), key=lambda e: -e.seq)
    return paged(request, [user_error_json(error) for error in errors], {})


async def get_error(request: Request) -> Response:
    """GET one user error."""
    error = sandbox_of(request).world.errors.get(request.path_params["error_id"])
    if error is None:
        raise ApiError(
            404,
            "resource-not-found",
            f"The error '{request.path_params['error_id']}' could not be found",
        )
    return json_response(user_error_json(error))


def _media_not_found(name: str) -> ApiError:
    return ApiError(404, "media-not-found", f"The media '{name}' could not be found")


async def list_media(request: Request) -> Response:
    """GET media -> ``[{mediaName, contentLength, content}]``."""
    base = account_url(request)
    items = [
        {
            "mediaName": media.name,
            "contentLength": len(media.content),
            "content": f"{base}/media/{media.name}",
        }
        for media in sandbox_of(request).world.media.values()
    ]
    return paged(request, items, {})


async def put_media(request: Request) -> Response:
    """PUT media/{name}: raw bytes, 200 empty."""
    sandbox = sandbox_of(request)
    content = await request.body()
    if len(content) > MAX_MEDIA_BYTES:
        raise ApiError(403, "media-size-overflow", "Media files must be 65 MB or smaller")
    name = request.path_params["name"]
    content_type = request.headers.get("content-type", "application/octet-stream")
    sandbox.world.media[name] = Media(name=name, content=content, content_type=content_type)
    sandbox.mark_dirty()
    return empty_response()


async def get_media(request: Request) -> Response:
    """GET media/{name}: the bytes with their content type."""
    name = request.path_params["name"]
    media = sandbox_of(request).world.media.get(name)
    if media is None:
        raise _media_not_found(name)
    return Response(media.content, 200, media_type=media.content_type)


async def delete_media(request: Request) -> Response:
    """DELETE media/{name}."""
    sandbox = sandbox_of(request)
    name = request.path_params["name"]
    if sandbox.world.media.pop(name, None) is None:
        raise _media_not_found(name)
    sandbox.mark_dirty()
    return empty_response()


async def list_recordings(request: Request) -> Response:
    """GET recordings of the account (paged)."""
    base = account_url(request)
    records = sorted(sandbox_of(request).world.recordings.values(), key=lambda r: -r.seq)
    return paged(request, [recording_json(r, base) for r in records], {})


async def get_recording(request: Request) -> Response:
    """GET one recording; 404 ``recording-not-found``."""
    recording_id = request.path_params["recording_id"]
    recording = sandbox_of(request).world.recordings.get(recording_id)
    if recording is None:
        raise not_found("recording", recording_id)
    return json_response(recording_json(recording, account_url(request)))
