"""Parse Bandwidth Voice v2 webhooks (docs/bandwidth-v2.md §4.6) into core call events. Pure.

A voice webhook is **one** JSON object (a ``POST`` body), or the same properties as a query
string when the URL's ``*Method`` is ``GET``. Every event must carry ``eventType``, ``callId``
and ``eventTime`` (they are also its dedupe key, §4.6); a body that is not one object, or an
event that lacks one of those or a field its type always carries, or has a field of the wrong
kind, is refused with ``CallbackError`` naming the field. A type we do not map becomes
``UnknownEvent`` with the payload kept whole.

Mapping (§7.1), so that v2 events mean what the v1 ones mean to the core:

* ``initiate`` → ``IncomingCallEvent`` (``call_state="started"``); ``from``/``to`` required.
* ``answer`` → ``AnswerEvent`` (``call_state="active"``).
* ``disconnect`` → ``HangupEvent``. The v2 cause words (§4.8) are put in the core's v1
  words where one exists — ``hangup`` → ``NORMAL_CLEARING``, ``busy`` → ``USER_BUSY``,
  ``timeout`` → ``NO_ANSWER``, ``cancel`` → ``ORIGINATOR_CANCEL``, ``rejected`` →
  ``CALL_REJECTED`` (so ``HangupEvent.rejected`` holds and the core records a rejection) —
  and otherwise upper-cased with ``-`` as ``_`` (``invalid-bxml`` → ``INVALID_BXML``, and
  any future word the same way). ``call_state`` is ``rejected`` for a rejection, ``error``
  for the error causes of §4.8, else ``completed``.
* ``redirect`` → ``AnswerEvent`` (``call_state="active"``) when it carries ``answerTime``, else
  ``RedirectEvent``: v2 sends no ``answer`` for an inbound call (§4.10), so the provider's
  answer ends with a ``<Redirect>`` whose webhook, after the call is answered, tells the core;
  an answer repeated for an active call changes nothing.
* ``gather`` → ``GatherEvent(state="completed")`` with ``digits`` (``""`` on a timeout) and
  ``terminating_digit`` (``None`` when ``""``); ``reason`` is ``terminating-digit`` when one
  was pressed, else unknown (v2 does not say whether max digits or a timeout ended it).
* ``transferAnswer`` → ``AnswerEvent`` of the B-leg (``callId`` is the new leg).
* ``transferComplete`` → ``TransferCompleteEvent`` of the A-leg, ``from``/``to`` being the
  far leg's (``transferCallerId``/``transferTo``, else the event's own), ``call_state``
  ``completed``; its ``cause`` has no place in the core event and is not kept.
* ``transferDisconnect`` → ``HangupEvent`` of the B-leg, cause mapped as for ``disconnect``.
* ``parentCallId`` (the A-leg of a B-leg event) has no core field and is not kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, TypedDict

import msgspec

from smsconsole.core import events
from smsconsole.core.events import CallbackEvent
from smsconsole.providers.bandwidth.callbacks import Fields
from smsconsole.providers.base import CallbackError, decode_json_body, json_kind

__all__ = ["CallbackError", "parse_voice_body", "parse_voice_query", "voice_dedupe_key"]

# §4.8 words the core (v1, and the TUI's cause words) already has a name for.
_CORE_CAUSES: Final[dict[str, str]] = {
    "hangup": "NORMAL_CLEARING",
    "busy": "USER_BUSY",
    "timeout": "NO_ANSWER",
    "cancel": "ORIGINATOR_CANCEL",
    "rejected": events.REJECTED_CAUSE,
}
# §4.8 causes that mean the call failed rather than ended.
_ERROR_CAUSES: Final = frozenset(
    {
        "callback-error",
        "invalid-bxml",
        "application-error",
        "account-limit",
        "node-capacity-exceeded",
        "error",
        "unknown",
    }
)


class _Common(TypedDict):
    call_id: str
    call_uri: str | None
    time: datetime
    tag: str | None


def _common(f: Fields) -> _Common:
    return {
        "call_id": f.required("callId"),
        "call_uri": f.string("callUrl"),
        "time": f.time("eventTime"),
        "tag": f.string("tag"),
    }


def _diversion(f: Fields, value: object) -> events.Diversion | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise f.error("diversion", "must be an object, not " + json_kind(value))
    d = Fields(value, "the diversion", prefix="diversion.")
    return events.Diversion(
        original_to=d.string("origTo"),
        reason=d.string("reason"),
        screen=d.string("screen"),
        privacy=d.string("privacy"),
        counter=d.whole("counter"),
        limit=d.whole("limit"),
    )


def _incoming(f: Fields, payload: dict[str, Any]) -> CallbackEvent:
    return events.IncomingCallEvent(
        **_common(f),
        from_=f.required("from"),
        to=f.required("to"),
        call_state="started",
        application_id=f.string("applicationId"),
        diversion=_diversion(f, payload.get("diversion")),
    )


def _answer(f: Fields, payload: dict[str, Any]) -> CallbackEvent:
    return events.AnswerEvent(
        **_common(f), from_=f.string("from"), to=f.string("to"), call_state="active"
    )


def _hangup(f: Fields, payload: dict[str, Any]) -> CallbackEvent:
    word = f.string("cause")
    cause: str | None = None
    state: events.CallState = "completed"
    if word is not None:
        word = word.strip().lower()
        cause = _CORE_CAUSES.get(word, word.upper().replace("-", "_"))
        if cause == events.REJECTED_CAUSE:
            state = "rejected"
        elif word in _ERROR_CAUSES:
            state = "error"
    return events.HangupEvent(
        **_common(f), from_=f.string("from"), to=f.string("to"), cause=cause, call_state=state
    )


def _redirect(f: Fields, payload: dict[str, Any]) -> CallbackEvent:
    if f.string("answerTime") is not None:
        return events.AnswerEvent(
            **_common(f), from_=f.string("from"), to=f.string("to"), call_state="active"
        )
    return events.RedirectEvent(**_common(f), from_=f.string("from"), to=f.string("to"))


def _gather(f: Fields, payload: dict[str, Any]) -> CallbackEvent:
    terminating = f.string("terminatingDigit")
    return events.GatherEvent(
        **_common(f),
        digits=f.string("digits") or "",
        terminating_digit=terminating,
        reason="terminating-digit" if terminating is not None else None,
        state="completed",
    )


def _transfer_complete(f: Fields, payload: dict[str, Any]) -> CallbackEvent:
    caller, callee = f.string("transferCallerId"), f.string("transferTo")
    return events.TransferCompleteEvent(
        **_common(f),
        from_=caller if caller is not None else f.string("from"),
        to=callee if callee is not None else f.string("to"),
        call_state="completed",
    )


# Keyed by the lower-cased eventType (v2 writes camelCase; reading any case costs nothing).
_PARSERS: Final[dict[str, Callable[[Fields, dict[str, Any]], CallbackEvent]]] = {
    "initiate": _incoming,
    "answer": _answer,
    "disconnect": _hangup,
    "redirect": _redirect,
    "gather": _gather,
    "transferanswer": _answer,
    "transfercomplete": _transfer_complete,
    "transferdisconnect": _hangup,
}


def _parse(payload: dict[str, Any]) -> CallbackEvent:
    f = Fields(payload, "the voice event")
    event_type = f.required("eventType").strip()
    f = Fields(payload, "the " + event_type[:40] + " event")
    f.required("callId")
    time = f.time("eventTime")
    parser = _PARSERS.get(event_type.lower())
    if parser is None:
        return events.UnknownEvent(event_type=event_type, raw=payload, time=time)
    # Checked for their kind on every type, whether or not the core event keeps them.
    for name in ("transferCallerId", "transferTo", "parentCallId"):
        f.string(name)
    return parser(f, payload)


def parse_voice_body(body: bytes) -> CallbackEvent:
    """Parse the body of a Voice v2 webhook: one JSON object (§4.6).

    Raises:
        CallbackError: The body is not UTF-8, not JSON, nested too deeply or not an object
            (``field`` is ``None``); or it lacks ``eventType``/``callId``/``eventTime`` or a
            field its type always carries, or has a field of the wrong kind (``field``
            names it).
    """
    payload = decode_json_body(body)
    if not isinstance(payload, dict):
        raise CallbackError(
            f"the body must be one JSON object (a Voice v2 event), not {json_kind(payload)}"
        )
    return _parse(payload)


def parse_voice_query(pairs: Iterable[tuple[str, str]]) -> CallbackEvent:
    """Parse a Voice v2 webhook sent by ``GET``, from its decoded query parameters.

    A parameter given more than once becomes a list, which no field accepts: it is refused
    with ``CallbackError`` naming it rather than one of the values being picked silently.

    Raises:
        CallbackError: As ``parse_voice_body``.
    """
    payload: dict[str, Any] = {}
    for key, value in pairs:
        if key not in payload:
            payload[key] = value
        elif isinstance(payload[key], list):
            payload[key].append(value)
        else:
            payload[key] = [payload[key], value]
    return _parse(payload)


def voice_dedupe_key(event: CallbackEvent) -> str:
    """A key equal for every delivery of the same voice event and different between events.

    Keyed on (``eventType``, ``callId``, ``eventTime``) (§4.6, §7.1): the core event's kind
    stands for the type, the time is compared as an instant whatever form it came in, and
    nothing else (``endTime``, ``errorMessage`` …) counts. An unknown event uses its own
    ``eventType`` and ``callId``. Any other event (not from this parser) is keyed on its
    whole content.

    Returns:
        ``<type>:<call id>:<digest>``, at most about 140 characters.
    """
    identity: object
    if isinstance(event, events.UnknownEvent):
        call_id = event.raw.get("callId")
        subject = call_id if isinstance(call_id, str) else "-"
        identity = [event.event_type, subject, event.time]
    elif isinstance(event, events.CallEvent) and event.time is not None:
        subject = event.call_id
        identity = [type(event).__struct_config__.tag, subject, event.time]
    else:
        identity, subject = event, "-"
    encoded = msgspec.json.encode(identity, order="deterministic")
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    return f"{type(event).__struct_config__.tag}:{subject[:96]}:{digest}"
