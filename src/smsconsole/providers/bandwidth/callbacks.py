"""Parse Bandwidth Messaging v2 callbacks (docs/bandwidth-v2.md §3) into core events. Pure.

A v2 delivery is a JSON **array** of event objects (§3.1), each with ``type``, ``time``,
``to``, ``description`` and a ``message`` object (§3.2); every element becomes one event, in
order. A body that is not an array of objects, or an event of a known type that lacks what
that type always carries, is rejected with ``CallbackError`` naming the field (the whole
delivery is then refused: v2 retries it, so nothing is half-stored). A type we do not know
becomes ``UnknownEvent`` with the element kept whole.

Mapping (§7.1), with the decisions where the reference leaves room:

* ``message-received`` → inbound message, state ``received``.
* ``message-sending`` → outbound, state ``sending``; ``message-sent`` (SPEC only) → ``sent``.
* ``message-delivered`` → outbound, state ``sent``, delivery ``delivered``, the
  ``description`` as the receipt's words (v2 gives no code for a delivery).
* ``message-failed`` → outbound, state ``error``, delivery ``not-delivered``, ``errorCode``
  (required) as the code and ``description`` as its words.
* ``message-read`` and the RBM-only inbound responses have no core equivalent: unknown.
* The core message has one recipient: the event's own ``to`` (the owned recipient of an
  inbound copy, the one recipient an outbound status concerns, §3.2). ``message.to`` is
  checked but the other members of a group are not carried.
* A message with media, or with several recipients (a group, which v2 sends as MMS), is an
  ``mms``; otherwise an ``sms``.
* ``message.direction`` must agree with the type (§3.3: an outbound status mistaken for an
  inbound text makes a reply loop), so it is required and checked.
* Required are what the core event cannot do without: ``type``, ``time``, ``to``,
  ``message`` with ``id``, ``direction`` and ``from``, and ``errorCode`` on a failure. The
  other fields SPEC marks required (``description``, ``message.owner``, ``message.to`` …) are
  read when sent and checked for their kind, but their absence loses nothing we keep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from smsconsole.core import events
from smsconsole.core.events import CallbackEvent
from smsconsole.providers.base import CallbackError, decode_json_body, json_kind

__all__ = ["CallbackError", "dedupe_key", "parse_messaging_body"]

# Large enough for any segment count or error code; small enough for the event log's
# 64-bit integers.
_MAX_WHOLE: Final = 2**31 - 1


class Fields:
    """Typed access to one JSON object's fields; every failure is a ``CallbackError``.

    ``null`` means "not supplied", and so does a blank optional string (as in v1).
    """

    def __init__(self, payload: Mapping[str, Any], where: str, prefix: str = "") -> None:
        self._payload = payload
        self._where = where
        self._prefix = prefix

    def error(self, name: str, problem: str) -> CallbackError:
        """The error for field ``name``: ``'<field>' <problem> in event <n> of <count>``."""
        wire = self._prefix + name
        # Concatenated, never formatted: ``problem`` may quote the sender's own text.
        return CallbackError(f"'{wire}' " + problem + f" in {self._where}", wire)

    def _get(self, name: str, *, required: bool) -> object | None:
        value = self._payload.get(name)
        if isinstance(value, str) and not value.strip() and name != "text":
            value = None
        if value is None and required:
            raise self.error(name, "is missing or empty")
        return value

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, required=required)
        if value is None or isinstance(value, str):
            return value
        raise self.error(name, "must be a string, not " + json_kind(value))

    def required(self, name: str) -> str:
        value = self.string(name, required=True)
        assert value is not None  # string() raises for a missing required field
        return value

    def whole(self, name: str, *, required: bool = False) -> int | None:
        """A non-negative whole number, sent as a JSON number or a decimal string."""
        value = self._get(name, required=required)
        if value is None:
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            text = value.strip()
            number = int(text) if len(text) <= 10 else None
        if number is None or not 0 <= number <= _MAX_WHOLE:
            raise self.error(name, "must be a whole number, not " + repr(value)[:40])
        return number

    def time(self, name: str) -> datetime:
        """A required ISO-8601 time with its zone (v2 writes ``Z``), as a UTC instant."""
        text = self.required(name)
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            parsed = None
        if parsed is None or parsed.utcoffset() is None:
            problem = "must be an ISO-8601 time with a zone (Z), not " + repr(text)[:40]
            raise self.error(name, problem)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59-23:59 is past the last instant there is
            raise self.error(name, "is out of range: " + repr(text)[:40]) from None

    def strings(self, name: str, *, single_ok: bool = False) -> tuple[str, ...]:
        """A list of strings (blank ones dropped); a lone string too where ``single_ok``."""
        value = self._get(name, required=False)
        if value is None:
            return ()
        if single_ok and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(name, "must be a list of strings")
        return tuple(item.strip() for item in value if item.strip())

    def message(self) -> Fields:
        value = self._get("message", required=True)
        if not isinstance(value, dict):
            raise self.error("message", "must be an object, not " + json_kind(value))
        return Fields(value, self._where, prefix="message.")


def _message(
    f: Fields,
    state: events.MessageState,
    *,
    delivery_state: events.DeliveryState | None = None,
    failed: bool = False,
) -> events.MessageEvent:
    m = f.message()
    direction = m.required("direction").strip().lower()
    expected: events.Direction = "in" if state == "received" else "out"
    if direction != expected:
        problem = "must be '" + expected + "' for this type, not " + repr(direction)[:40]
        raise m.error("direction", problem)
    recipients = m.strings("to", single_ok=True)
    media = m.strings("media")
    code = f.whole("errorCode", required=failed)
    described = f.string("description")
    return events.MessageEvent(
        event_type="mms" if media or len(recipients) > 1 else "sms",
        direction=expected,
        message_id=m.required("id"),
        from_=m.required("from"),
        to=f.required("to"),
        text=m.string("text") or "",
        media=media,
        state=state,
        delivery_state=delivery_state,
        delivery_code=str(code) if code is not None else None,
        delivery_description=described if delivery_state is not None else None,
        segment_count=m.whole("segmentCount"),
        application_id=m.string("applicationId"),
        time=f.time("time"),
        tag=m.string("tag"),
    )


# Keyed by the lower-cased type (v2 writes them lower-case; reading any case costs nothing).
_PARSERS: Final[dict[str, Callable[[Fields], CallbackEvent]]] = {
    "message-received": lambda f: _message(f, "received"),
    "message-sending": lambda f: _message(f, "sending"),
    "message-sent": lambda f: _message(f, "sent"),
    "message-delivered": lambda f: _message(f, "sent", delivery_state="delivered"),
    "message-failed": lambda f: _message(f, "error", delivery_state="not-delivered", failed=True),
}


def _event(element: dict[str, Any], where: str) -> CallbackEvent:
    f = Fields(element, where)
    event_type = f.required("type").strip()
    parser = _PARSERS.get(event_type.lower())
    if parser is None:
        return events.UnknownEvent(event_type=event_type, raw=element)
    return parser(f)


def parse_messaging_body(body: bytes) -> list[CallbackEvent]:
    """Parse the body of a Messaging v2 callback: a JSON array of events (§3.1).

    Returns:
        One event per element, in order (an empty array gives none).

    Raises:
        CallbackError: The body is not UTF-8, not JSON, nested too deeply, not an array, or
            an element is not an object (``field`` is ``None``); or an element of a known
            type lacks a field it always carries or has one of the wrong kind (``field``
            names it, the message says which element).
    """
    payload = decode_json_body(body)
    if not isinstance(payload, list):
        raise CallbackError(
            f"the body must be a JSON array of events (Messaging v2), not {json_kind(payload)}"
        )
    parsed: list[CallbackEvent] = []
    for number, element in enumerate(payload, start=1):
        where = f"event {number} of {len(payload)}"
        if not isinstance(element, dict):
            raise CallbackError(f"{where} must be a JSON object, not {json_kind(element)}")
        parsed.append(_event(element, where))
    return parsed


def dedupe_key(event: CallbackEvent) -> str:
    """A key equal for every delivery of the same event and different between events.

    v2 delivers at least once and retries for 24 h (§3.1). A message event is keyed on what
    identifies it (§3.3, §7.1): its type (as state and delivery state), the message id, the
    recipient and the error code — not its time or words, so a retry that restamped them
    still collides. An unknown event is keyed on its whole content, whatever the key order.

    Returns:
        ``<type>:<subject id>:<digest>``, at most about 140 characters.
    """
    if isinstance(event, events.MessageEvent):
        identity: object = [
            event.direction,
            event.state,
            event.delivery_state,
            event.delivery_code,
            event.message_id,
            event.to,
        ]
        subject = event.message_id
    else:
        identity, subject = event, "-"
    encoded = msgspec.json.encode(identity, order="deterministic")
    digest = hashlib.sha256(encoded).hexdigest()[:32]
    return f"{type(event).__struct_config__.tag}:{subject[:96]}:{digest}"
