"""``/api``: what a console or a script needs, as JSON with bearer-token auth.

Lists are ``{"items": [...], "next": <cursor or null>}``; errors are ``{"error": "..."}``.
This module holds the inbox (conversations, messages, sending, search, contacts, the
logs); calls and numbers have modules of their own.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from smsconsole.core.records import Page
from smsconsole.providers.base import OutgoingMessage, ProviderError
from smsconsole.server import calls_api, checks, numbers_api
from smsconsole.server.http import (
    authorized,
    json_object,
    limit_param,
    number_param,
    on_provider,
    paged,
    phone_field,
    provider,
    provider_failure,
    provider_id,
    query_text,
    settings,
    store,
    text_field,
    text_list,
)
from smsconsole.server.inputs import MAX_INT64
from smsconsole.server.responses import JSON, ApiError
from smsconsole.server.sync import catch_up, sync_numbers
from smsconsole.server.urls import callback_url
from smsconsole.store.base import Store

MAX_TEXT: Final = 2048  # reference §5.1
MAX_MEDIA_BYTES: Final = 1_500_000  # reference §5.1: MMS media total at most 1.5 MB


@authorized
async def list_conversations(request: Request) -> JSON:
    """Conversations, newest activity first, with unread counts."""
    return await paged(request, store(request).conversations)


@authorized
async def list_messages(request: Request) -> JSON:
    """A conversation's messages, newest first."""
    conversation = request.path_params["conversation_id"]

    async def fetch(before: str | None, limit: int) -> Page[Any]:
        return await store(request).messages(conversation, before, limit)

    return await paged(request, fetch, cursor_param="before")


@authorized
async def mark_read(request: Request) -> JSON:
    """Mark a conversation read, for every attached console."""
    conversation = (await store(request).mark_read(request.path_params["conversation_id"])).value
    if conversation is None:
        raise ApiError(404, "no such conversation")
    return JSON(conversation)


@authorized
async def mark_all_read(request: Request) -> JSON:
    """Mark every conversation read in one request, for every attached console."""
    ids = (await store(request).mark_all_read()).value
    return JSON({"read": ids})


@authorized
async def archive(request: Request) -> JSON:
    """Archive a conversation until its next message, for every attached console."""
    conversation = (await store(request).archive(request.path_params["conversation_id"])).value
    if conversation is None:
        raise ApiError(404, "no such conversation")
    return JSON(conversation)


@authorized
async def send_message(request: Request) -> JSON:
    """Send a message from one of our numbers; 201 with the stored message.

    The message is recorded as ``queued`` before the provider is asked, so a failure is kept
    in the thread with the provider's words. When the exchange broke after the provider may
    have taken the message, it stays one message in state ``unknown`` (504 when the provider
    did not answer in time, else 502) until the provider's callbacks settle it.
    """
    body = await json_object(request)
    from_ = phone_field(request, body, "from")
    to = phone_field(request, body, "to")
    text = text_field(body, "text", multiline=True) or ""
    media = text_list(body, "media")
    if not text.strip() and not media:
        raise ApiError(400, "'text' is required (or 'media' for an MMS)")
    if len(text) > MAX_TEXT:
        raise ApiError(
            400, f"'text' is {len(text)} characters; the provider takes at most {MAX_TEXT}"
        )
    await _require_our_number(request, from_)
    client = provider(request)
    kept = store(request)
    message = (await kept.create_outbound(from_, to, text, media)).value
    outbound = OutgoingMessage(from_=from_, to=to, text=text or None, media=tuple(media))
    try:
        provider_id = await client.send_message(
            outbound, callback_url=callback_url(client, settings(request).server, "messages")
        )
    except ProviderError as error:
        if error.outcome_unknown:
            raise await _unknown_outcome(kept, message.id, error) from error
        failed = (
            await kept.outbound_failed(message.id, error.code or error.category, error.message)
        ).value
        problem = provider_failure(error, "the provider refused the message")
        raise ApiError(problem.status, problem.reason, message=failed, **problem.extra) from error
    accepted = (await kept.outbound_accepted(message.id, provider_id)).value
    return JSON(accepted, status_code=201)


async def _unknown_outcome(kept: Store, message_id: str, error: ProviderError) -> ApiError:
    # v1 has no idempotency key: sending again could deliver the text twice. Say so, and
    # keep the one record the provider's callbacks will find.
    unknown = (await kept.outbound_unknown(message_id)).value
    problem = provider_failure(error, "sending the message")
    reason = (
        "the outcome is unknown: the provider may or may not have sent the message "
        f"({error.message.split('. ', 1)[0]}). It is kept as 'unknown' and its callbacks will "
        "settle it; sending it again could deliver it twice"
    )
    return ApiError(
        504 if problem.status == 504 else 502,
        reason,
        message=unknown,
        outcome="unknown",
        **problem.extra,
    )


async def _require_our_number(request: Request, number: str) -> None:
    kept = store(request)
    ours = {record.number for record in await kept.numbers()}
    if number not in ours and request.app.state.provider is not None:
        await on_provider("listing our numbers", sync_numbers(kept, provider(request)))
        ours = {record.number for record in await kept.numbers()}
    if number not in ours:
        raise ApiError(400, f"'from': {number} is not one of this account's numbers")


@authorized
async def upload_media(request: Request) -> JSON:
    """Upload an MMS attachment to the provider's media store; answers its URL."""
    name = query_text(request, "name").strip()
    if "/" in name:
        raise ApiError(400, "'name' (a file name without '/') is required")
    name = provider_id(name, "name")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_MEDIA_BYTES:
        raise ApiError(413, f"the file is over the MMS limit of {MAX_MEDIA_BYTES} bytes")
    content = await request.body()
    if len(content) > MAX_MEDIA_BYTES:
        raise ApiError(413, f"the file is over the MMS limit of {MAX_MEDIA_BYTES} bytes")
    content_type = request.headers.get("content-type", "application/octet-stream")
    url = await on_provider(
        "uploading the media", provider(request).upload_media(name, content, content_type)
    )
    return JSON({"url": url, "size": len(content)}, status_code=201)


@authorized
async def search(request: Request) -> JSON:
    """Full-text search over every message."""
    query = query_text(request, "q")
    if not query.strip():
        raise ApiError(400, "'q' is required")
    hits = await store(request).search(query, limit_param(request))
    return JSON({"items": hits, "next": None})


@authorized
async def list_contacts(request: Request) -> JSON:
    """Every named number."""
    return JSON({"items": await store(request).contacts(), "next": None})


@authorized
async def put_contact(request: Request) -> JSON:
    """Name a number (an empty name removes the name)."""
    body = await json_object(request)
    name = (text_field(body, "name", required=True) or "").strip()
    number = phone_field(request, {"number": request.path_params["number"]}, "number")
    return JSON((await store(request).set_contact(number, name)).value)


@authorized
async def list_callbacks(request: Request) -> JSON:
    """The raw callback log, newest first."""
    return await paged(request, store(request).callbacks)


@authorized
async def list_events(request: Request) -> JSON:
    """The event log after ``since``, as the feed replays it: ``{"seq", "event"}`` items
    whose events are the stored bytes, spliced in as they are (not decoded here)."""
    since = number_param(request, "since", 0, low=0, high=MAX_INT64)
    limit = limit_param(request)
    events = await store(request).events_since(since, limit)
    return JSON(Page(events, str(events[-1].seq) if len(events) == limit else None))


@authorized
async def status(request: Request) -> JSON:
    """Where the event log stands: a console loads state, then follows the feed from ``seq``;
    and which provider API the server speaks (``api``)."""
    kept = store(request)
    return JSON(
        {
            "seq": await kept.latest_seq(),
            "provider": request.app.state.provider is not None,
            "api": settings(request).provider.api,
            "default_region": settings(request).phone.default_region,
        }
    )


@authorized
async def sync(request: Request) -> JSON:
    """Sync our numbers and record the messages missed while the server was down."""
    report = await on_provider(
        "catching up with the provider",
        catch_up(store(request), provider(request), settings(request)),
    )
    return JSON(report)


def routes() -> list[BaseRoute]:
    """Every ``/api`` route."""
    return [
        Route("/api/conversations", list_conversations),
        Route("/api/conversations/{conversation_id}/messages", list_messages),
        Route("/api/conversations/read", mark_all_read, methods=["POST"]),
        Route("/api/conversations/{conversation_id}/read", mark_read, methods=["POST"]),
        Route("/api/conversations/{conversation_id}/archive", archive, methods=["POST"]),
        Route("/api/messages", send_message, methods=["POST"]),
        Route("/api/media", upload_media, methods=["POST"]),
        Route("/api/search", search),
        Route("/api/contacts", list_contacts),
        Route("/api/contacts/{number}", put_contact, methods=["PUT"]),
        Route("/api/callbacks", list_callbacks),
        Route("/api/events", list_events),
        Route("/api/status", status),
        Route("/api/sync", sync, methods=["POST"]),
        *calls_api.routes(),
        *numbers_api.routes(),
        *checks.routes(),
    ]
