"""Voice simulation routes outside the API (DESIGN.md "Sandbox"): calls from remote parties and
what the far end of a call does.

No authentication; JSON in and out; errors are ``{"error": ...}`` with a 4xx status, as in
the v1 sandbox's ``simulation.py``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth.http import json_response, sandbox_of
from smsconsole.sandbox.bandwidth.simulation import (
    SimulationError,
    e164_field,
    json_body,
    sim_endpoint,
)
from smsconsole.sandbox.bandwidth.voice_engine import DTMF, VoiceEngine


def _engine(request: Request) -> VoiceEngine:
    sandbox_of(request)  # learns the base URL for callUrl
    engine: VoiceEngine = request.app.state.voice.engine
    return engine


async def inbound_call(request: Request) -> Response:
    """POST /sandbox/inbound/calls ``{"from","to"}`` -> 201 ``{"id"}``: ``initiate`` follows."""
    engine = _engine(request)
    body = await json_body(request)
    from_, to = e164_field(body, "from"), e164_field(body, "to")
    account = engine.sandbox.account
    if to not in account.numbers:
        raise SimulationError(404, f"{to} is not a number of this account")
    app = account.voice_app_for(to)
    if app is None:
        raise SimulationError(409, f"{to} has no voice application (on its SIP peer)")
    if not app.initiated_url:
        raise SimulationError(409, f"the voice application {app.id} has no initiate URL")
    call = engine.receive_inbound(from_, to, app)
    return json_response({"id": call.id}, 201)


async def remote_action(request: Request) -> Response:
    """POST /sandbox/calls/{id}/remote ``{"action": answer|hangup|dtmf|busy|reject,
    "digits"?}`` -> ``{"id","state"}``: what the far end (the remote party) does."""
    engine = _engine(request)
    call = engine.calls.get(request.path_params["call_id"])
    if call is None:
        raise SimulationError(404, "no such call")
    body = await json_body(request)
    action = body.get("action")
    digits = body.get("digits", "")
    if not isinstance(action, str) or not isinstance(digits, str):
        raise SimulationError(400, "'action' (and 'digits') must be strings")
    if not call.live:
        raise SimulationError(409, f"call {call.id} is {call.state}")
    if action in ("answer", "busy", "reject"):
        if not call.far_end_ringing:
            raise SimulationError(409, f"'{action}' only applies to an outbound call ringing")
        if action == "answer":
            engine.far_end_answers(call)
        else:
            engine.end(call, "busy" if action == "busy" else "rejected")
    elif action == "hangup":
        if call.far_end_ringing:
            engine.end(call, "rejected")  # the called party declines before picking up
        elif call.unanswered_inbound:
            engine.end(call, "cancel")  # the caller gives up while it rings
        else:
            engine.end(call, "hangup")
    elif action == "dtmf":
        if not digits or len(digits) > 64 or any(d not in DTMF for d in digits):
            raise SimulationError(400, "'digits' must be 1 to 64 of 0-9, * and #")
        if call.answer_time is None:
            raise SimulationError(409, "dtmf needs an answered call")
        engine.press(call, digits)
    else:
        raise SimulationError(400, f"unknown action {action!r}")
    return json_response({"id": call.id, "state": call.state})


def simulation_routes() -> list[BaseRoute]:
    """``/sandbox/inbound/calls`` and ``/sandbox/calls/{call_id}/remote``."""
    return [
        Route("/sandbox/inbound/calls", sim_endpoint(inbound_call), methods=["POST"]),
        Route("/sandbox/calls/{call_id}/remote", sim_endpoint(remote_action), methods=["POST"]),
    ]
