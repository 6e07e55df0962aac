"""``/callbacks/messages`` and ``/callbacks/calls``: where the provider reports events.

Order of work for every request: authenticate, parse, commit to the store, and only then
answer 2xx — so an acknowledged callback is never lost (the provider does not retry one we
accepted, reference §9). A duplicate delivery is answered 2xx and stored once. Anything
malformed or unauthenticated is answered 4xx with a JSON reason and changes nothing. If the
store cannot commit, the answer is 503, so the provider tries the fallback URL.

A body may carry several events (a Messaging v2 array): each is committed in order, under
the same raw record, and the answer comes once all are. If the store fails part-way the
answer is 503 like any failed commit; the retry finds the events already committed as
duplicates and stores the rest. The JSON answer is ``{"outcome": "stored"}`` when any event
was new, else ``"duplicate"`` — for a body of one event, that event's outcome. A provider
that drives calls by the answer (Voice v2's BXML) gives its own answer instead
(``CallbackParser.callback_reply``), the same for a first and a repeated delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Final, TypeGuard

from starlette.background import BackgroundTasks
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from smsconsole.core.events import CallbackEvent, CallEvent, MessageEvent
from smsconsole.providers.base import (
    CallbackError,
    CallbackOutcome,
    CallbackParser,
    CallbackReply,
    Provider,
    ProviderError,
)
from smsconsole.server.auth import callback_allowed, redacted_headers
from smsconsole.server.dialing import follow_up
from smsconsole.server.responses import JSON, error
from smsconsole.settings.config import ServerSettings
from smsconsole.store.base import CallbackRecord, Store, StoreUnavailable

log = logging.getLogger(__name__)

MAX_BODY: Final = 64 * 1024
# Each event of a body is stored with its own copy of the raw body: the bound keeps one
# request from writing more than a few MB (every provider example carries one event).
MAX_EVENTS: Final = 100
FAILURE_LOOKUPS: Final = (0.0, 0.5, 2.0)  # the provider may log the error just after the event


async def callback_endpoint(request: Request) -> Response:
    """Receive one provider callback (POST JSON or GET query string)."""
    settings = request.app.state.settings.server
    if not callback_allowed(
        request.headers, settings.callback_username, settings.callback_password
    ):
        refused = error(401, "missing or wrong callback credentials")
        refused.headers["WWW-Authenticate"] = 'Basic realm="smsconsole callbacks"'
        return refused
    parser: CallbackParser = request.app.state.callbacks
    try:
        parsed, body_text = await _parse(request, parser)
    except CallbackError as problem:
        log.warning("refused callback on %s: %s", request.url.path, problem)
        return error(400, str(problem))
    except _Unsupported as problem:
        return error(problem.status, str(problem))
    path: str = request.scope["path"]  # not request.url: it parses the whole URL again
    record = CallbackRecord(
        method=request.method,
        path=path,
        headers=redacted_headers(request.headers),
        body=body_text,
    )
    store: Store = request.app.state.store
    outcomes: list[CallbackOutcome] = []
    try:
        for event in parsed:
            result = await store.ingest(record, event, parser.dedupe_key(event))
            outcomes.append(result.value)
    except StoreUnavailable as problem:
        # One line, not a traceback: on a full disk every callback lands here, and /readyz
        # already says the store is not writable.
        log.error("could not commit a callback on %s (%d of %d events committed): %s",
                  path, len(outcomes), len(parsed), problem)  # fmt: skip
        return error(503, "the store could not commit this callback; try again")
    provider: Provider | None = request.app.state.provider
    tasks = _follow_ups(store, provider, settings, parsed, outcomes)
    reply = _reply(parser, parsed, outcomes)
    if reply is None:
        overall = "stored" if "stored" in outcomes else "duplicate"
        return JSON({"outcome": overall}, background=tasks)
    if not reply.body:
        return Response(status_code=204, background=tasks)
    return Response(reply.body, media_type=reply.media_type, background=tasks)


def _reply(
    parser: CallbackParser, parsed: Sequence[CallbackEvent], outcomes: Sequence[CallbackOutcome]
) -> CallbackReply | None:
    """The provider's answer: that of the first event that has one (a body whose events
    want an answer, a Voice v2 webhook, carries one event)."""
    for event, outcome in zip(parsed, outcomes, strict=True):
        reply = parser.callback_reply(event, outcome)
        if reply is not None:
            return reply
    return None


def _follow_ups(
    store: Store,
    provider: Provider | None,
    settings: ServerSettings,
    parsed: Sequence[CallbackEvent],
    outcomes: Sequence[CallbackOutcome],
) -> BackgroundTasks | None:
    """What follows the body's events, run after the answer, one event after another.

    The next step of a call placed here, for each newly stored call event; asking why our
    message failed, for each failed outbound message (as before, on a repeated delivery
    too). It talks to the provider, so it waits for the answer: the provider waits on this
    answer (and answers our follow-up only once it has it). An inbound text, the common
    callback, has none: no task is built for it.
    """
    tasks = BackgroundTasks()
    for event, outcome in zip(parsed, outcomes, strict=True):
        if outcome == "stored" and isinstance(event, CallEvent):
            tasks.add_task(follow_up, provider, settings, event)
        elif provider is not None and _failed_outbound(event):
            tasks.add_task(_learn_failure, store, provider, event.message_id)
    return tasks if tasks.tasks else None


def _failed_outbound(event: CallbackEvent) -> TypeGuard[MessageEvent]:
    return isinstance(event, MessageEvent) and event.direction == "out" and event.state == "error"


async def _learn_failure(store: Store, provider: Provider, message_id: str) -> None:
    """Ask the provider why our message failed, and keep its words with the message."""
    for delay in FAILURE_LOOKUPS:
        await asyncio.sleep(delay)
        try:
            reason = await provider.message_failure(message_id)
            if reason is not None:
                await store.failure_reason(message_id, *reason)
                return
        except (ProviderError, StoreUnavailable) as problem:
            log.warning("could not learn why message %s failed: %s", message_id, problem)
            return


class _Unsupported(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def _parse(request: Request, parser: CallbackParser) -> tuple[Sequence[CallbackEvent], str]:
    if request.method == "GET":
        parsed = parser.parse_query(request.query_params.multi_items())
        text = request.url.query
    else:
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise _Unsupported(
                415, f"expected Content-Type: application/json, got {content_type!r}"
            )
        body = await _bounded_body(request)
        parsed = parser.parse_json_body(body)
        text = body.decode("utf-8")
    if not parsed:
        raise CallbackError("the callback carries no event")
    if len(parsed) > MAX_EVENTS:
        raise _Unsupported(
            413, f"the body carries {len(parsed)} events, over the {MAX_EVENTS}-event limit"
        )
    return parsed, text


async def _bounded_body(request: Request) -> bytes:
    too_large = _Unsupported(413, f"the body is over the {MAX_BODY}-byte limit")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect:
        # The provider gave up (its timeout); nothing was stored, and no one hears the answer.
        log.info("callback sender disconnected before its body arrived")
        raise _Unsupported(400, "the sender disconnected before the body arrived") from None
    return b"".join(chunks)
