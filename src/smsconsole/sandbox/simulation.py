"""Simulation endpoints outside ``/v1`` (DESIGN.md "Sandbox"): what the far end does.

No authentication; JSON in and out; errors are ``{"error": "..."}`` with a 4xx status.
Events they cause are delivered after the response, like those of the v1 API.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response

from smsconsole.sandbox.delivery import hold_events
from smsconsole.sandbox.render import message_json
from smsconsole.sandbox.responses import base_url, json_response, sandbox_of

Handler = Callable[[Request], Awaitable[Response]]


class SimulationError(Exception):
    """A simulation request that cannot be honoured (answered 4xx ``{"error": ...}``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def sim_endpoint(handler: Handler) -> Handler:
    """Wrap a simulation handler: JSON errors, callback events released after the response."""

    async def endpoint(request: Request) -> Response:
        sandbox = sandbox_of(request)
        sandbox.engine.base_url = base_url(request)
        with hold_events() as held:
            try:
                response = await handler(request)
            except SimulationError as error:
                response = json_response({"error": str(error)}, error.status)
        if held:
            response.background = BackgroundTask(sandbox.delivery.release, list(held))
        return response

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise SimulationError(400, "the body must be JSON") from exc
    if not isinstance(body, dict):
        raise SimulationError(400, "the body must be a JSON object")
    return body


def _e164(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip().lstrip("+").isdigit():
        raise SimulationError(400, f"'{key}' must be an E.164 number")
    return "+" + value.strip().lstrip("+")


def _our_number(request: Request, number: str) -> None:
    if sandbox_of(request).world.owned_number(number) is None:
        raise SimulationError(404, f"{number} is not a number of this account")


async def inbound_message(request: Request) -> Response:
    """POST /sandbox/inbound/messages ``{"from","to","text","media"?}`` -> 201 ``{"id"}``."""
    body = await _body(request)
    from_, to = _e164(body, "from"), _e164(body, "to")
    _our_number(request, to)
    text = body.get("text", "")
    media = body.get("media") or []
    if not isinstance(text, str):
        raise SimulationError(400, "'text' must be a string")
    if not isinstance(media, list) or not all(isinstance(m, str) for m in media):
        raise SimulationError(400, "'media' must be a list of URLs")
    message = sandbox_of(request).engine.receive_message(from_, to, text, media)
    return json_response({"id": message.id}, 201)


async def inbound_call(request: Request) -> Response:
    """POST /sandbox/inbound/calls ``{"from","to"}`` -> 201 ``{"id"}``."""
    body = await _body(request)
    from_, to = _e164(body, "from"), _e164(body, "to")
    _our_number(request, to)
    call = sandbox_of(request).engine.receive_call(from_, to)
    return json_response({"id": call.id}, 201)


async def remote_action(request: Request) -> Response:
    """POST /sandbox/calls/{id}/remote ``{"action": answer|hangup|dtmf|busy|reject, "digits"?}``."""
    sandbox = sandbox_of(request)
    call = sandbox.world.calls.get(request.path_params["call_id"])
    if call is None:
        raise SimulationError(404, "no such call")
    body = await _body(request)
    action = body.get("action")
    digits = body.get("digits", "")
    if not isinstance(action, str) or not isinstance(digits, str):
        raise SimulationError(400, "'action' (and 'digits') must be strings")
    try:
        sandbox.engine.remote(call, action, digits)
    except ValueError as exc:
        raise SimulationError(409, str(exc)) from exc
    return json_response({"id": call.id, "state": call.state})


async def take_number(request: Request) -> Response:
    """POST /sandbox/numbers/taken ``{"number"}``: another account buys an available number.

    It leaves the inventory for good without becoming ours, as when someone else orders a
    number between our search and our order.
    """
    sandbox = sandbox_of(request)
    number = _e164(await _body(request), "number")
    if number not in sandbox.inventory:
        raise SimulationError(404, f"{number} is not available (never offered, or taken)")
    sandbox.take(number)
    return json_response({"taken": number})


async def owned_numbers(request: Request) -> Response:
    """GET /sandbox/numbers: the account's numbers (enabled), E.164, in the order bought."""
    records = sandbox_of(request).world.numbers.values()
    return json_response([r.number for r in records if r.number_state == "enabled"])


async def outbox(request: Request) -> Response:
    """GET /sandbox/outbox: messages the account sent, newest last."""
    messages = [m for m in sandbox_of(request).world.messages.values() if m.direction == "out"]
    messages.sort(key=lambda m: m.seq)
    return json_response([message_json(m) for m in messages])


async def callbacks_log(request: Request) -> Response:
    """GET /sandbox/callbacks: every delivery attempt, oldest first."""
    return json_response(sandbox_of(request).delivery.log)


async def reset(request: Request) -> Response:
    """POST /sandbox/reset: a fresh world."""
    sandbox_of(request).reset()
    return json_response({"reset": True})
