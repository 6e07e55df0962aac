"""The Voice v2 API routes: create, read, list, update calls and replace their BXML
(docs/bandwidth-v2.md §4.2–§4.5, §4.7, §6.1, §6.3).

Every refusal is the voice error body ``{"type", "description", "id"}`` (§4.7): 401 for bad
credentials or another account id, 404 for an unknown call, 405 for another method, 409 for
modifying an ended (or, for redirects, a still-ringing outbound) call, 415 for a wrong
content type, 400 for anything that does not validate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth import bxml
from smsconsole.sandbox.bandwidth.account import VOICE
from smsconsole.sandbox.bandwidth.bxml import Hook
from smsconsole.sandbox.bandwidth.http import authorized, json_response, sandbox_of
from smsconsole.sandbox.bandwidth.voice_calls import (
    MASK,
    Call,
    call_state_json,
    call_url,
)
from smsconsole.sandbox.bandwidth.voice_engine import VoiceEngine

MAX_JSON_BYTES = 64 * 1024
METHODS = ("GET", "POST")
Handler = Callable[[Request], Awaitable[Response]]


class VoiceError(Exception):
    """A refused request: answered ``status`` with the voice error body."""

    def __init__(
        self, status: int, description: str, type_: str = "validation", id_: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.type = type_
        self.id = id_

    def response(self) -> Response:
        """The error as a response."""
        body = {"type": self.type, "description": self.description, "id": self.id}
        return json_response(body, self.status)


def engine_of(request: Request) -> VoiceEngine:
    """The voice engine of the sandbox serving ``request``."""
    sandbox_of(request)  # learns the base URL
    engine: VoiceEngine = request.app.state.voice.engine
    return engine


def _endpoint(handlers: dict[str, Handler]) -> Handler:
    """One path's methods: authentication, 405, and errors rendered as voice errors."""

    async def endpoint(request: Request) -> Response:
        handler = handlers.get(request.method)
        try:
            if not authorized(request):
                raise VoiceError(
                    401, "The credentials provided were invalid", "authentication-error"
                )
            if handler is None:
                raise VoiceError(405, "Method Not Allowed")
            return await handler(request)
        except VoiceError as error:
            return error.response()

    return endpoint


# -- reading bodies ---------------------------------------------------------------------------
def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _bounded_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise VoiceError(400, f"The request body is larger than {limit // 1024} KB")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_body(request: Request) -> dict[str, Any]:
    kind = _content_type(request)
    if kind != "application/json" and not kind.endswith("+json"):
        shown = request.headers.get("content-type", "")
        raise VoiceError(415, f"Content type '{shown}' not supported")
    raw = await _bounded_body(request, MAX_JSON_BYTES)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise VoiceError(400, "The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise VoiceError(400, "The request body must be a JSON object")
    return body


def _string(body: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise VoiceError(400, f"Invalid {key}: must not be null")
        return None
    if not isinstance(value, str):
        raise VoiceError(400, f"Invalid {key}: must be a string")
    if len(value) > limit:
        raise VoiceError(400, f"Invalid {key}: must be at most {limit} characters")
    return value


def _url(body: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = _string(body, key, 2048, required=required)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise VoiceError(400, f"Invalid {key}: only http and https are allowed.")
    return value


def _method(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return "POST"
    if not isinstance(value, str) or value.upper() not in METHODS:
        raise VoiceError(400, f"Invalid {key}: must be GET or POST")
    return value.upper()


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise VoiceError(400, f"Invalid {key}: must be a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise VoiceError(400, f"Invalid {key}: must be between {low:g} and {high:g}")
    return value


# -- create -----------------------------------------------------------------------------------
async def create_call(request: Request) -> Response:
    """``POST …/calls`` → 201 ``createCallResponse`` + ``Location`` (§4.2)."""
    engine = engine_of(request)
    account = engine.sandbox.account
    body = await _json_body(request)
    to = _string(body, "to", 256, required=True)
    assert to is not None
    if not (bxml.is_e164(to) or (to.startswith("sip:") and "@" in to)):
        raise VoiceError(400, "Invalid to: must be an E164 telephone number or a SIP URI")
    from_ = _string(body, "from", 32, required=True)
    assert from_ is not None
    if not bxml.is_e164(from_):
        raise VoiceError(400, "Invalid from: must be an E164 telephone number")
    if from_ not in account.numbers:
        raise VoiceError(400, f"Invalid from: {from_} is not a number of this account")
    app_id = _string(body, "applicationId", 256, required=True)
    app = account.applications.get(app_id or "")
    if app is None or app.service_type != VOICE:
        raise VoiceError(400, f"Invalid applicationId: {app_id} is not a Voice-V2 application")
    answer_url = _url(body, "answerUrl", required=True)
    assert answer_url is not None
    answer_method = _method(body, "answerMethod")
    fallback_url = _url(body, "answerFallbackUrl")
    fallback_method = _method(body, "answerFallbackMethod")
    disconnect_url = _url(body, "disconnectUrl")
    disconnect_method = _method(body, "disconnectMethod")
    username = _string(body, "username", 1024)
    password = _string(body, "password", 1024)
    fallback_username = _string(body, "fallbackUsername", 1024)
    fallback_password = _string(body, "fallbackPassword", 1024)
    tag = _string(body, "tag", 4096)
    call_timeout = _number(body, "callTimeout", 30, 1, 300)
    callback_timeout = _number(body, "callbackTimeout", 15, 1, 25)
    priority = body.get("priority", 5)
    if priority is None:
        priority = 5
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 5:
        raise VoiceError(400, "Invalid priority: must be an integer from 1 to 5")
    answer = Hook(
        answer_url,
        answer_method,
        username,
        password,
        fallback_url,
        fallback_method,
        fallback_username,
        fallback_password,
    )
    disconnect = None
    if disconnect_url is not None:
        disconnect = Hook(disconnect_url, disconnect_method, username, password)
    call = engine.create_outbound(
        from_=from_,
        to=to,
        application_id=app.id,
        callback_timeout=callback_timeout,
        call_timeout=call_timeout,
        answer_hook=answer,
        disconnect_hook=disconnect,
        tag=tag or None,
        priority=priority,
    )
    url = call_url(engine.sandbox.base_url, call)
    echo: dict[str, Any] = {
        "applicationId": app.id,
        "accountId": call.account_id,
        "callId": call.id,
        "to": to,
        "from": from_,
        "enqueuedTime": call.enqueued_time,
        "callUrl": url,
        "callTimeout": call_timeout,
        "callbackTimeout": callback_timeout,
        "tag": tag,
        "answerMethod": answer_method,
        "answerUrl": answer_url,
        "answerFallbackMethod": fallback_method,
        "answerFallbackUrl": fallback_url,
        "disconnectMethod": disconnect_method,
        "disconnectUrl": disconnect_url,
        "username": username,
        "password": MASK if password is not None else None,
        "fallbackUsername": fallback_username,
        "fallbackPassword": MASK if fallback_password is not None else None,
        "priority": priority,
    }
    echo = {key: value for key, value in echo.items() if value is not None}
    return json_response(echo, 201, {"Location": url})


# -- read -------------------------------------------------------------------------------------
def _call(request: Request) -> Call:
    call_id = request.path_params["call_id"]
    call = engine_of(request).calls.get(call_id)
    if call is None:
        raise VoiceError(404, f"Call [{call_id}] not found")
    return call


async def get_call(request: Request) -> Response:
    """``GET …/calls/{callId}`` → 200 ``callState`` (§4.3)."""
    return json_response(call_state_json(_call(request)))


async def list_calls(request: Request) -> Response:
    """``GET …/calls`` → 200 list of ``callState``, oldest first (filters ``to``, ``from``,
    ``disconnectCause``, ``pageSize``; no paging beyond the first page)."""
    engine = engine_of(request)
    query = request.query_params
    size_text = query.get("pageSize", "1000")
    if not size_text.isdigit() or not 1 <= int(size_text) <= 10000:
        raise VoiceError(400, "Invalid pageSize: must be an integer from 1 to 10000")
    calls = list(engine.calls.values())
    filters = (("to", "to"), ("from", "from_"), ("disconnectCause", "disconnect_cause"))
    for key, attribute in filters:
        if key in query:
            calls = [c for c in calls if getattr(c, attribute) == query[key]]
    return json_response([call_state_json(c) for c in calls[: int(size_text)]])


# -- update -----------------------------------------------------------------------------------
def _modifiable(call: Call, *, redirecting: bool) -> None:
    # An ended call, or (to redirect or replace its BXML) an outbound call not yet answered.
    if not call.live or (redirecting and call.far_end_ringing):
        raise VoiceError(409, f"Call [{call.id}] cannot be modified in its current state", id_="")


async def update_call(request: Request) -> Response:
    """``POST …/calls/{callId}``: redirect (``state: active``) or end (``completed``) (§4.4).

    ``redirectMethod``/``redirectFallbackMethod`` are ignored with ``completed``: the Python
    SDK always sends them (§6.1).
    """
    engine = engine_of(request)
    call = _call(request)
    body = await _json_body(request)
    state = body.get("state")
    if state is None:
        state = "active"
    if state not in ("active", "completed"):
        raise VoiceError(400, "Invalid state: must be active or completed")
    redirect_method = _method(body, "redirectMethod")
    fallback_method = _method(body, "redirectFallbackMethod")
    redirect_url = _url(body, "redirectUrl")
    fallback_url = _url(body, "redirectFallbackUrl")
    username = _string(body, "username", 1024)
    password = _string(body, "password", 1024)
    fallback_username = _string(body, "fallbackUsername", 1024)
    fallback_password = _string(body, "fallbackPassword", 1024)
    tag = _string(body, "tag", 4096)
    if state == "completed":
        if redirect_url is not None or tag is not None:
            raise VoiceError(400, "redirectUrl and tag are not allowed when state is completed")
        _modifiable(call, redirecting=False)
        engine.complete(call)
        return Response(status_code=200)
    if redirect_url is None:
        raise VoiceError(400, "Invalid redirectUrl: required when state is active")
    _modifiable(call, redirecting=True)
    hook = Hook(
        redirect_url,
        redirect_method,
        username,
        password,
        fallback_url,
        fallback_method,
        fallback_username,
        fallback_password,
    )
    engine.redirect(call, hook, tag)
    return Response(status_code=200)


async def update_bxml(request: Request) -> Response:
    """``PUT …/calls/{callId}/bxml``: a ``<Bxml>`` document replaces what the call runs → 204."""
    engine = engine_of(request)
    call = _call(request)
    kind = _content_type(request)
    if kind not in ("application/xml", "text/xml"):
        shown = request.headers.get("content-type", "")
        raise VoiceError(415, f"Content type '{shown}' not supported")
    raw = await _bounded_body(request, bxml.MAX_BYTES)
    try:
        document = bxml.parse(raw, "Bxml")
    except bxml.BxmlError as exc:
        raise VoiceError(400, f"Invalid BXML: {exc}") from exc
    _modifiable(call, redirecting=True)
    engine.replace(call, document)
    return Response(status_code=204)


def api_routes() -> list[BaseRoute]:
    """The Voice v2 API paths, also under ``/api/v2//`` (a trailing-slash SDK host)."""
    paths: dict[str, dict[str, Handler]] = {
        "/accounts/{account_id}/calls": {"POST": create_call, "GET": list_calls},
        "/accounts/{account_id}/calls/{call_id}": {"GET": get_call, "POST": update_call},
        "/accounts/{account_id}/calls/{call_id}/bxml": {"PUT": update_bxml},
    }
    every = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [
        Route(prefix + path, _endpoint(handlers), methods=every)
        for prefix in ("/api/v2", "/api/v2/")
        for path, handlers in paths.items()
    ]
