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

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth.http import json_response
from smsconsole.sandbox.bandwidth.messaging_records import outbox_json
from smsconsole.sandbox.bandwidth.messaging_request import MAX_MEDIA, MAX_TEXT
from smsconsole.sandbox.bandwidth.messaging_service import messaging_of
from smsconsole.sandbox.bandwidth.simulation import (
    SimulationError,
    e164_field,
    json_body,
    sim_endpoint,
)


async def inbound_message(request: Request) -> Response:
    """``POST /sandbox/inbound/messages`` → 201 ``{"id"}``."""
    service = messaging_of(request)
    body = await json_body(request)
    from_, to = e164_field(body, "from"), e164_field(body, "to")
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
        body = await json_body(request)
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
        Route("/sandbox/inbound/messages", sim_endpoint(inbound_message), methods=["POST"]),
        Route("/sandbox/outbox", sim_endpoint(outbox), methods=["GET"]),
        Route("/sandbox/messaging/faults", sim_endpoint(faults), methods=["GET", "POST"]),
    ]
