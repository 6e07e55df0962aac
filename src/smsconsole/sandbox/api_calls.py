"""``/v1/users/{u}/calls`` handlers (§7): create, list, get, update (answer, reject, hang up,
transfer, recording), audio, dtmf, gather, events and recordings."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.providers.catapult import quirks
from smsconsole.sandbox import validation
from smsconsole.sandbox.errors import ApiError, missing_property, not_found, validation_error
from smsconsole.sandbox.render import call_event_json, call_json, gather_json, recording_json
from smsconsole.sandbox.responses import (
    account_url,
    created,
    empty_response,
    json_object,
    json_response,
    paged,
    sandbox_of,
)
from smsconsole.sandbox.runtime import Sandbox
from smsconsole.sandbox.state import Call, Gather, iso_time

MAX_CALL_TIMEOUT = 300
_DTMF = re.compile(r"[A-D0-9#*,wW]{1,92}")
_STATES = ("active", "rejected", "completed", "transferring")


def _call(request: Request) -> Call:
    call_id = request.path_params["call_id"]
    call = sandbox_of(request).world.calls.get(call_id)
    if call is None:
        raise not_found("call", call_id)
    return call


def _invalid_state(call: Call) -> ApiError:
    return ApiError(
        403,
        "call-invalid-state",
        f"Unable to update call {call.id}. Invalid call state {call.state}",
    )


def _check_owned(sandbox: Sandbox, number: str) -> None:
    if sandbox.world.owned_number(number) is None:
        raise ApiError(
            401,
            "number-access-denied",
            f"User {sandbox.config.user_id} does not have permission to use number {number}",
        )


def _leg_options(body: dict[str, Any]) -> dict[str, Any]:
    options = validation.parse_callback_options(body)
    return {
        "callback_url": options.get("callbackUrl"),
        "callback_http_method": options.get("callbackHttpMethod"),
        "callback_timeout": options.get("callbackTimeout"),
        "fallback_url": options.get("fallbackUrl"),
        "tag": validation.read(body, "tag", quirks.as_str),
    }


async def create_call(request: Request) -> Response:
    """POST calls -> 201 + Location; the call rings until answered or ``callTimeout``."""
    sandbox = sandbox_of(request)
    body = quirks.drop_nulls(await json_object(request))
    from_ = validation.require_text(body, "call", "from")
    to = validation.require_text(body, "call", "to")
    _check_owned(sandbox, from_)
    call_timeout = validation.read(body, "callTimeout", quirks.as_int)
    if call_timeout is not None and not 0 < call_timeout <= MAX_CALL_TIMEOUT:
        raise validation_error("callTimeout must be between 1 and 300 seconds")
    options = _leg_options(body)
    options["call_timeout"] = call_timeout or 60
    options["recording_enabled"] = (
        validation.read(body, "recordingEnabled", quirks.as_bool) or False
    )
    options["recording_file_format"] = (
        validation.read_enum(body, "recordingFileFormat", ("wav", "mp3")) or "wav"
    )
    options["transcription_enabled"] = (
        validation.read(body, "transcriptionEnabled", quirks.as_bool) or False
    )
    if sandbox.limiter is not None:
        sandbox.limiter.check_send("call", from_)
    call = sandbox.engine.create_call({"from": from_, "to": to, "options": options})
    return created(request, f"calls/{call.id}")


async def list_calls(request: Request) -> Response:
    """GET calls with from/to/bridgeId/conferenceId filters, by startTime (default desc)."""
    query = request.query_params
    filters = {
        k: query[k] for k in ("from", "to", "bridgeId", "conferenceId", "sortOrder") if query.get(k)
    }
    calls = [
        call
        for call in sandbox_of(request).world.calls.values()
        if ("from" not in filters or call.from_ == "+" + filters["from"].strip().lstrip("+"))
        and ("to" not in filters or call.to == "+" + filters["to"].strip().lstrip("+"))
        and "bridgeId" not in filters
        and "conferenceId" not in filters
    ]
    ascending = filters.get("sortOrder", "desc").lower() == "asc"
    calls.sort(key=lambda c: c.seq, reverse=not ascending)
    base = account_url(request)
    return paged(request, [call_json(call, base) for call in calls], filters)


async def get_call(request: Request) -> Response:
    """GET one call."""
    return json_response(call_json(_call(request), account_url(request)))


async def update_call(request: Request) -> Response:
    """POST to a call: state changes, transfer (201 + new leg), recording on/off (§7.3)."""
    sandbox = sandbox_of(request)
    call = _call(request)
    body = quirks.drop_nulls(await json_object(request))
    state = validation.read_enum(body, "state", _STATES)
    engine = sandbox.engine
    if call.state not in ("started", "active", "transferring"):
        raise ApiError(
            403,
            "call-invalid-state",
            f"You can't update the call's state after being set to {call.state}",
        )
    if state == "transferring":
        if call.state != "active":
            raise _invalid_state(call)
        transfer_to = validation.read(body, "transferTo", quirks.as_str)
        if not transfer_to:
            raise missing_property("call", "transferTo")
        caller_id = validation.read(body, "transferCallerId", quirks.as_str)
        leg = engine.transfer(call, transfer_to, caller_id, _leg_options(body))
        return created(request, f"calls/{leg.id}")
    if state == "active":
        if call.direction != "in" or call.state != "started":
            raise _invalid_state(call)
        engine.answer(call)
    elif state == "rejected":
        if call.direction != "in" or call.state != "started":
            raise _invalid_state(call)
        engine.end(call, "CALL_REJECTED", state="rejected")
    elif state == "completed":
        ringing_out = call.direction == "out" and call.state == "started"
        engine.end(call, "ORIGINATOR_CANCEL" if ringing_out else "NORMAL_CLEARING")
    recording = validation.read(body, "recordingEnabled", quirks.as_bool)
    if recording is not None and state is None:
        _set_recording(sandbox, call, body, recording)
    return empty_response()


def _set_recording(sandbox: Sandbox, call: Call, body: dict[str, Any], enabled: bool) -> None:
    if call.state != "active":
        raise _invalid_state(call)
    file_format = validation.read_enum(body, "recordingFileFormat", ("wav", "mp3"))
    if file_format is not None:
        call.recording_file_format = file_format
    if enabled:
        sandbox.engine.start_recording(call)
    else:
        sandbox.engine.stop_recording(call)


async def play_audio(request: Request) -> Response:
    """POST calls/{id}/audio: ``sentence`` -> speak events, ``fileUrl`` -> playback (§7.4)."""
    sandbox = sandbox_of(request)
    call = _call(request)
    body = quirks.drop_nulls(await json_object(request))
    sentence = validation.read(body, "sentence", quirks.as_str)
    file_url = validation.read(body, "fileUrl", quirks.as_str)
    if sentence is None and file_url is None:
        raise missing_property("audio", "sentence")
    if sentence is not None and len(sentence) > 1000:
        raise validation_error("The sentence must be 1000 characters or less")
    validation.read_enum(body, "gender", ("female", "male"))
    tag = validation.read(body, "tag", quirks.as_str)
    kind, value = ("speak", sentence) if sentence is not None else ("playback", file_url or "")
    sandbox.engine.play(call, kind, value or "", tag)
    return empty_response()


async def send_dtmf(request: Request) -> Response:
    """POST calls/{id}/dtmf ``{"dtmfOut": "1W2#"}`` (§7.5)."""
    call = _call(request)
    body = quirks.drop_nulls(await json_object(request))
    digits = validation.read(body, "dtmfOut", quirks.as_str)
    if digits is None:
        raise missing_property("dtmf", "dtmfOut")
    if not _DTMF.fullmatch(digits):
        raise validation_error("dtmfOut must be 1 to 92 characters of 0-9 A-D # * , w W")
    if call.state != "active":
        raise _invalid_state(call)
    return empty_response()


async def create_gather(request: Request) -> Response:
    """POST calls/{id}/gather -> 201 + Location; 409 while another gather runs (§7.6)."""
    sandbox = sandbox_of(request)
    call = _call(request)
    body = quirks.drop_nulls(await json_object(request))
    max_digits = validation.read(body, "maxDigits", quirks.as_int)
    if max_digits is not None and not 0 < max_digits <= 30:
        raise validation_error("maxDigits must be between 1 and 30")
    inter_digit = validation.read(body, "interDigitTimeout", quirks.as_int)
    if inter_digit is not None and not 0 < inter_digit <= 30:
        raise validation_error("interDigitTimeout must be between 1 and 30")
    terminating = validation.read(body, "terminatingDigits", quirks.as_str)
    prompt = body.get("prompt")
    if prompt is not None and not isinstance(prompt, dict):
        raise validation_error("prompt must be an object")
    if call.state != "active":
        raise _invalid_state(call)
    if sandbox.engine.running_gather(call) is not None:
        raise ApiError(
            409, "call-duplicate-gather-error", f"A gather is already running on call {call.id}"
        )
    gather = Gather(
        id=sandbox.world.new_id("gtr"),
        call_id=call.id,
        created_time=iso_time(),
        max_digits=max_digits or 30,
        inter_digit_timeout=inter_digit or 5,
        terminating_digits="#" if terminating is None else terminating,
        tag=validation.read(body, "tag", quirks.as_str),
    )
    sandbox.engine.start_gather(call, gather, prompt)
    return created(request, f"calls/{call.id}/gather/{gather.id}")


def _gather(request: Request, call: Call) -> Gather:
    gather_id = request.path_params["gather_id"]
    gather = sandbox_of(request).world.gathers.get(gather_id)
    if gather is None or gather.call_id != call.id:
        raise ApiError(404, "resource-not-found", f"The gather '{gather_id}' could not be found")
    return gather


async def get_gather(request: Request) -> Response:
    """GET a gather."""
    call = _call(request)
    return json_response(gather_json(_gather(request, call), account_url(request)))


async def update_gather(request: Request) -> Response:
    """POST ``{"state": "completed"}`` stops a gather (reason ``cancelled``)."""
    sandbox = sandbox_of(request)
    call = _call(request)
    gather = _gather(request, call)
    body = quirks.drop_nulls(await json_object(request))
    if validation.read_enum(body, "state", ("completed",)) is None:
        raise missing_property("gather", "state")
    if gather.state != "completed":
        sandbox.engine.complete_gather(gather, "cancelled")
    return empty_response()


async def list_events(request: Request) -> Response:
    """GET calls/{id}/events."""
    return json_response([call_event_json(event) for event in _call(request).events])


async def get_event(request: Request) -> Response:
    """GET calls/{id}/events/{eventId}."""
    event_id = request.path_params["event_id"]
    for event in _call(request).events:
        if event.id == event_id:
            return json_response(call_event_json(event))
    raise ApiError(404, "resource-not-found", f"The event '{event_id}' could not be found")


async def list_call_recordings(request: Request) -> Response:
    """GET calls/{id}/recordings."""
    call = _call(request)
    base = account_url(request)
    records = [r for r in sandbox_of(request).world.recordings.values() if r.call_id == call.id]
    records.sort(key=lambda r: r.seq)
    return paged(request, [recording_json(r, base) for r in records], {})
