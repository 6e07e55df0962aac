"""Simulation routes of Messaging v2, outside the API (DESIGN.md "Sandbox").

No authentication; JSON in and out; errors are ``{"error": "..."}`` with a 4xx status, as in
the v1 sandbox (``sandbox/simulation.py``):

* ``POST /sandbox/inbound/messages`` ``{"from","to","text","media"?}`` → 201 ``{"id"}``: a
  remote party texts ``to``; ``message-received`` goes to the messaging application of its
  location (404: not a number of the account; 409: its location has no messaging application).
* ``GET /sandbox/outbox``: messages the account sent, with their text, newest last.
* ``GET|POST /sandbox/messaging/faults`` ``{"duplicate": bool, "reorder": bool}``: deliver
  every callback twice, and/or each message's callbacks newest first (for tests of a client's
  deduplication and ordering). Reset turns both off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth.http import json_response
from smsconsole.sandbox.bandwidth.messaging_http import bounded_body
from smsconsole.sandbox.bandwidth.messaging_records import outbox_json
from smsconsole.sandbox.bandwidth.messaging_request import MAX_MEDIA, MAX_TEXT, MessagingError
from smsconsole.sandbox.bandwidth.messaging_service import messaging_of

Handler = Callable[[Request], Awaitable[Response]]
NUMBER = re.compile(r"\+?[0-9]{7,15}")
MAX_BODY = 64 * 1024


class SimulationError(Exception):
    """A simulation request that cannot be honoured (answered 4xx ``{"error": ...}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _sim(handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        messaging_of(request)  # learns the base URL
        try:
            return await handler(request)
        except SimulationError as error:
            return json_response({"error": str(error)}, error.status)

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    try:
        raw = await bounded_body(request, MAX_BODY)
    except MessagingError as exc:
        raise SimulationError(exc.status, exc.description) from exc
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as exc:
        raise SimulationError(400, "the body must be JSON") from exc
    if not isinstance(body, dict):
        raise SimulationError(400, "the body must be a JSON object")
    return body


def _e164(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not NUMBER.fullmatch(value.strip()):
        raise SimulationError(400, f"'{key}' must be an E.164 number")
    return "+" + value.strip().lstrip("+")


async def inbound_message(request: Request) -> Response:
    """``POST /sandbox/inbound/messages`` → 201 ``{"id"}``."""
    service = messaging_of(request)
    body = await _body(request)
    from_, to = _e164(body, "from"), _e164(body, "to")
    text = body.get("text", "")
    media = body.get("media") or []
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise SimulationError(400, f"'text' must be a string of at most {MAX_TEXT} characters")
    if (
        not isinstance(media, list)
        or len(media) > MAX_MEDIA
        or not all(isinstance(url, str) and len(url) <= 4096 for url in media)
    ):
        raise SimulationError(400, f"'media' must be a list of at most {MAX_MEDIA} URLs")
    account = service.sandbox.account
    if to not in account.numbers:
        raise SimulationError(404, f"{to} is not a number of this account")
    app = account.messaging_app_for(to)
    if app is None:
        raise SimulationError(409, f"the location of {to} has no messaging application")
    message = service.receive(from_, to, app.id, text, media)

    async def announce() -> None:
        service.announce(message)

    response = json_response({"id": message.id}, 201)
    response.background = BackgroundTask(announce)  # the callback follows the answer
    return response


async def outbox(request: Request) -> Response:
    """``GET /sandbox/outbox``: sent messages, oldest first (newest last)."""
    messages = [m for m in messaging_of(request).messages.values() if m.direction == "out"]
    messages.sort(key=lambda m: m.seq)
    return json_response([outbox_json(m) for m in messages])


async def faults(request: Request) -> Response:
    """``GET|POST /sandbox/messaging/faults``: the delivery switches (POST changes some)."""
    service = messaging_of(request)
    if request.method == "POST":
        body = await _body(request)
        unknown = set(body) - {"duplicate", "reorder"}
        if unknown:
            raise SimulationError(400, f"unknown switch {sorted(unknown)[0]!r}")
        for key, value in body.items():
            if not isinstance(value, bool):
                raise SimulationError(400, f"'{key}' must be true or false")
        service.faults.duplicate = body.get("duplicate", service.faults.duplicate)
        service.faults.reorder = body.get("reorder", service.faults.reorder)
    return json_response({"duplicate": service.faults.duplicate, "reorder": service.faults.reorder})


def routes() -> list[BaseRoute]:
    """The messaging simulation routes."""
    return [
        Route("/sandbox/inbound/messages", _sim(inbound_message), methods=["POST"]),
        Route("/sandbox/outbox", _sim(outbox), methods=["GET"]),
        Route("/sandbox/messaging/faults", _sim(faults), methods=["GET", "POST"]),
    ]
