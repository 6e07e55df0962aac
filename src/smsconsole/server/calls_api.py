"""``/api/calls``: the call log, and call control through the provider."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from smsconsole.core.calls import Call
from smsconsole.server.dialing import place_call
from smsconsole.server.http import (
    authorized,
    json_object,
    on_provider,
    paged,
    phone_field,
    provider,
    store,
    text_field,
)
from smsconsole.server.responses import JSON, ApiError
from smsconsole.server.urls import callback_url

MAX_SENTENCE = 1000  # reference §7.4


@authorized
async def list_calls(request: Request) -> JSON:
    """Calls, newest activity first."""
    return await paged(request, store(request).calls)


async def _call(request: Request) -> Call:
    call = await store(request).call(request.path_params["call_id"])
    if call is None or call.provider_id is None:
        raise ApiError(404, "no such call")
    return call


@authorized
async def control(request: Request) -> JSON:
    """Answer, reject or hang up a call."""
    action = request.path_params["action"]
    if action not in ("answer", "reject", "hangup"):
        raise ApiError(
            404, f"unknown call action {action!r} (answer, reject, hangup, speak, transfer)"
        )
    call = await _call(request)
    client = provider(request)
    provider_id = call.provider_id
    assert provider_id is not None  # _call checked
    if action == "answer":
        url = callback_url(client, request.app.state.settings.server, "calls")
        await on_provider("answering the call", client.answer_call(provider_id, callback_url=url))
    elif action == "reject":
        await on_provider("rejecting the call", client.reject_call(provider_id))
    else:
        await on_provider("hanging up", client.hang_up_call(provider_id))
    return JSON({"call": call, "requested": action}, status_code=202)


@authorized
async def speak(request: Request) -> JSON:
    """Speak a sentence to the far end of a call."""
    call = await _call(request)
    body = await json_object(request)
    sentence = (text_field(body, "sentence", required=True) or "").strip()
    if not sentence:
        raise ApiError(400, "'sentence' must not be empty")
    if len(sentence) > MAX_SENTENCE:
        raise ApiError(400, f"'sentence' is over {MAX_SENTENCE} characters")
    assert call.provider_id is not None  # _call checked
    await on_provider(
        "speaking to the caller",
        provider(request).speak_sentence(
            call.provider_id,
            sentence,
            gender=text_field(body, "gender"),
            locale=text_field(body, "locale"),
            voice=text_field(body, "voice"),
        ),
    )
    return JSON({"call": call, "requested": "speak"}, status_code=202)


@authorized
async def transfer(request: Request) -> JSON:
    """Transfer a call to another number; answers the new leg's provider id."""
    call = await _call(request)
    body = await json_object(request)
    to = phone_field(request, body, "to")
    assert call.provider_id is not None  # _call checked
    client = provider(request)
    new_leg = await on_provider(
        "transferring the call",
        client.transfer_call(
            call.provider_id,
            to,
            callback_url=callback_url(client, request.app.state.settings.server, "calls"),
        ),
    )
    return JSON({"call": call, "requested": "transfer", "new_call_id": new_leg}, status_code=202)


def routes() -> list[BaseRoute]:
    """The ``/api/calls`` routes."""
    return [
        Route("/api/calls", list_calls, methods=["GET"]),
        Route("/api/calls", place_call, methods=["POST"]),
        Route("/api/calls/{call_id}/speak", speak, methods=["POST"]),
        Route("/api/calls/{call_id}/transfer", transfer, methods=["POST"]),
        Route("/api/calls/{call_id}/{action}", control, methods=["POST"]),
    ]
