"""Placing calls: ``POST /api/calls``, and what the server does as a call it placed goes on.

Two ways to call someone from the console:

* ``ring_me``: call the operator's own phone (``[phone] personal_number``) from one of our
  numbers; when it answers, transfer it to the other party, so the operator talks to them
  from that phone and they see our number.
* ``speak``: call the other party; when they answer, say a sentence (text to speech), and hang
  up once it is said.

What to do next travels with the call in its ``tag``, which the provider echoes in every
event of the call (reference §7.1, §8): the server keeps no state of its own for it, and a
restart in between loses nothing. A call costs money, so nothing is placed without
``"confirm": true``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Final

from starlette.requests import Request

from smsconsole.core import events
from smsconsole.providers.base import Provider, ProviderError
from smsconsole.server.http import (
    authorized,
    json_object,
    on_provider,
    phone_field,
    provider,
    settings,
    store,
    text_field,
)
from smsconsole.server.responses import JSON, ApiError
from smsconsole.server.urls import callback_url
from smsconsole.settings.config import ServerSettings, Settings
from smsconsole.store.base import Store

log = logging.getLogger(__name__)

MODES: Final = ("ring_me", "speak")
MAX_SENTENCE: Final = 1000  # reference §7.4
FOLLOW_UP_SECONDS: Final = 5.0
TAG_KEY: Final = "smsconsole"


@authorized
async def place_call(request: Request) -> JSON:
    """Place a call from one of our numbers (``ring_me`` or ``speak``); 202 with its id."""
    body = await json_object(request)
    mode = body.get("mode")
    if mode not in MODES:
        raise ApiError(400, "'mode' must be 'ring_me' (ring your phone, then connect you) or "
                       "'speak' (call them and say 'sentence')")  # fmt: skip
    from_ = phone_field(request, body, "from")
    to = phone_field(request, body, "to")
    if body.get("confirm") is not True:
        raise ApiError(400, 'a call costs money: place it again with "confirm": true')
    if mode == "ring_me":
        personal = _personal_number(settings(request))
        if personal == to:
            raise ApiError(400, "'to' is your own phone (phone.personal_number)")
        dial, tag = personal, {TAG_KEY: "connect", "to": to}
    else:
        sentence = (text_field(body, "sentence", required=True, multiline=True) or "").strip()
        if not sentence:
            raise ApiError(400, "'sentence' must not be empty")
        if len(sentence) > MAX_SENTENCE:
            raise ApiError(400, f"'sentence' is over {MAX_SENTENCE} characters")
        dial, tag = to, {TAG_KEY: "say", "sentence": sentence}
    await _require_ours(store(request), from_)
    client = provider(request)
    call_id = await on_provider(
        "placing the call",
        client.create_call(
            from_,
            dial,
            callback_url=callback_url(client, settings(request).server, "calls"),
            tag=json.dumps(tag),
        ),
    )
    return JSON({"mode": mode, "from": from_, "to": to, "dialed": dial, "call_id": call_id},
                status_code=202)  # fmt: skip


def _personal_number(configured: Settings) -> str:
    number = configured.phone.personal_number
    if not number:
        raise ApiError(
            409,
            "no personal number is configured: set phone.personal_number in the server's "
            "config (or SMSCONSOLE_PHONE_PERSONAL_NUMBER) to the phone to ring",
        )
    return number


async def _require_ours(kept: Store, number: str) -> None:
    if number not in {record.number for record in await kept.numbers()}:
        raise ApiError(400, f"'from': {number} is not one of this account's numbers")


def _plan(tag: str | None) -> dict[str, Any] | None:
    """What a call placed here should do next, read from its tag (None: not ours)."""
    if not tag:
        return None
    try:
        plan = json.loads(tag)
    except ValueError:
        return None
    return plan if isinstance(plan, dict) and TAG_KEY in plan else None


async def follow_up(
    client: Provider | None, server: ServerSettings, event: events.CallbackEvent
) -> None:
    """Take the next step of a call placed here: connect it, speak, or hang up.

    Called once per stored (not duplicate) call event; a failure is logged, never raised:
    the callback that brought the event is answered either way.
    """
    if client is None or not isinstance(event, events.CallEvent):
        return
    plan = _plan(event.tag)
    if plan is None:
        return
    try:
        async with asyncio.timeout(FOLLOW_UP_SECONDS):
            await _step(client, server, event, plan)
    except (ProviderError, TimeoutError) as problem:
        log.warning("could not take the next step of call %s: %s", event.call_id, problem)


async def _step(
    client: Provider, server: ServerSettings, event: events.CallEvent, plan: dict[str, Any]
) -> None:
    step, call_id = plan[TAG_KEY], event.call_id
    if isinstance(event, events.AnswerEvent):
        if step == "connect" and isinstance(plan.get("to"), str):
            await client.transfer_call(
                call_id, plan["to"], callback_url=callback_url(client, server, "calls")
            )
        elif step == "say" and isinstance(plan.get("sentence"), str):
            await client.speak_sentence(call_id, plan["sentence"])
    elif isinstance(event, events.SpeakEvent) and step == "say" and event.status == "done":
        await client.hang_up_call(call_id)
