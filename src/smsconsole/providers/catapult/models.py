"""Typed Catapult v1 resources, read leniently, and the payloads we write.

Read models are frozen ``msgspec.Struct`` s decoded with ``strict=False`` so the string forms
of numbers and booleans (``"2000"``, ``"true"``, reference §1.3) coerce, and unknown fields are
ignored. Field sets follow the reference tables (§2-§7, §11). Prices stay strings (§1.7).

Write payloads (:class:`OutboundMessage`, :class:`Audio`) omit unset fields, so we never send
``null`` (§1.3), and use the camelCase wire names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import msgspec

from smsconsole.providers.catapult.errors import details_pairs, text_of
from smsconsole.providers.catapult.quirks import as_str, as_time

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# Read models (ApplicationSettings is also the create/update payload; Application extends it)


class ApplicationSettings(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """The writable fields of an application (§2): a create, or the changes of an update.

    Fields left ``None`` are not sent, so an update keeps their current value. A create needs
    ``name`` and at least one of ``incoming_call_url``/``incoming_message_url``; timeouts are
    milliseconds (≤ 10000); ``callback_http_method`` is ``GET`` or ``POST``.
    """

    name: str | None = None
    incoming_call_url: str | None = None
    incoming_call_url_callback_timeout: int | None = None
    incoming_call_fallback_url: str | None = None
    incoming_message_url: str | None = None
    incoming_message_url_callback_timeout: int | None = None
    incoming_message_fallback_url: str | None = None
    callback_http_method: str | None = None
    auto_answer: bool | None = None


class Application(ApplicationSettings, frozen=True, kw_only=True):
    """An application: the callback URLs for inbound calls and messages (§2).

    Attributes:
        id: the application's id (``a-…``).
        incoming_sms_url: legacy alias of ``incoming_message_url`` (§1.11).
        message_api_version: present in one SDK's model only; purpose undocumented.
    """

    id: str
    incoming_sms_url: str | None = None
    message_api_version: str | None = None


class AvailableNumber(msgspec.Struct, frozen=True, rename="camel"):
    """A number found by an available-numbers search (§3.1, §3.2)."""

    number: str
    national_number: str | None = None
    pattern_match: str | None = None
    city: str | None = None
    rate_center: str | None = None
    state: str | None = None
    lata: str | None = None
    price: str | None = None


class OrderedNumber(msgspec.Struct, frozen=True, rename="camel"):
    """A number bought by search-and-order (§3.3); ``id`` comes from ``location``."""

    number: str
    location: str
    id: str = ""
    national_number: str | None = None
    city: str | None = None
    state: str | None = None
    price: str | None = None


class PhoneNumber(msgspec.Struct, frozen=True, rename="camel"):
    """A number on the account (§4)."""

    id: str
    number: str
    national_number: str | None = None
    name: str | None = None
    application_id: str | None = None
    application: str | None = None
    fallback_number: str | None = None
    city: str | None = None
    state: str | None = None
    price: str | None = None
    created_time: datetime | None = None
    number_state: str | None = None


class Message(msgspec.Struct, frozen=True, rename="camel"):
    """An SMS/MMS as Catapult stores it (§5.2). ``delivery_code`` is always a string."""

    id: str
    message_id: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    direction: str | None = None
    text: str | None = None
    media: tuple[str, ...] = ()
    state: str | None = None
    time: datetime | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    tag: str | None = None
    receipt_requested: str | None = None
    delivery_state: str | None = None
    delivery_code: str | None = None
    delivery_description: str | None = None
    segment_count: int | None = None
    skip_mms_carrier_validation: bool | None = msgspec.field(
        default=None, name="skipMMSCarrierValidation"
    )


class ErrorBody(msgspec.Struct, frozen=True):
    """A v1 error object as embedded in a batch-send result (§1.9, §5.1)."""

    category: str = ""
    code: str = ""
    message: str = ""
    details: tuple[tuple[str, str], ...] = ()


class BatchResult(msgspec.Struct, frozen=True):
    """The outcome of one message of a batch send, in the order sent (§5.1).

    Attributes:
        result: ``"accepted"`` or ``"error"`` as Catapult wrote it.
        message_id: the new message's id (last segment of ``location``) when accepted.
        location: the new message's URL when accepted.
        error: why this one message was refused, when it was.
    """

    result: str
    message_id: str | None = None
    location: str | None = None
    error: ErrorBody | None = None

    @property
    def accepted(self) -> bool:
        """Whether Catapult accepted this message."""
        return self.result.lower() == "accepted" and self.message_id is not None


class Call(msgspec.Struct, frozen=True, rename="camel"):
    """A voice call (§7.2)."""

    id: str
    direction: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    state: str | None = None
    start_time: datetime | None = None
    active_time: datetime | None = None
    end_time: datetime | None = None
    chargeable_duration: int | None = None
    call_timeout: int | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    bridge_id: str | None = None
    conference_id: str | None = None
    recording_enabled: bool | None = None
    recording_file_format: str | None = None
    recording_max_duration: int | None = None
    transcription_enabled: bool | None = None
    events: str | None = None
    recordings: str | None = None
    transcriptions: str | None = None
    sip_headers: dict[str, str] | None = None
    tag: str | None = None
    transfer_to: str | None = None
    transfer_caller_id: str | None = None


class Gather(msgspec.Struct, frozen=True, rename="camel"):
    """A digit collection on a call (§7.6)."""

    id: str
    state: str | None = None
    reason: str | None = None
    digits: str | None = None
    created_time: datetime | None = None
    completed_time: datetime | None = None
    call: str | None = None


class Recording(msgspec.Struct, frozen=True, rename="camel"):
    """A call recording (§7.7); ``media`` is the URL of the audio file."""

    id: str
    call: str | None = None
    media: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    state: str | None = None


class Media(msgspec.Struct, frozen=True, rename="camel"):
    """A file in the account's media store (§11)."""

    media_name: str
    content_length: int | None = None
    content: str | None = None


class UserErrorDetail(msgspec.Struct, frozen=True):
    """One ``{id, name, value}`` detail of a user error (§1.9)."""

    name: str
    value: str = ""
    id: str | None = None


class UserError(msgspec.Struct, frozen=True):
    """An asynchronous failure logged on the account, e.g. a failed callback (§1.9)."""

    id: str
    time: datetime | None = None
    category: str | None = None
    code: str | None = None
    message: str | None = None
    details: tuple[UserErrorDetail, ...] = ()


# ---------------------------------------------------------------------------------------------
# Write payloads


class Audio(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """Audio to speak or play: the body of ``/audio``, a ``whisperAudio`` or a gather prompt (§7.4).

    Give either ``sentence`` (text to speech) or ``file_url``.
    """

    sentence: str | None = None
    file_url: str | None = None
    gender: str | None = None
    locale: str | None = None
    voice: str | None = None
    loop_enabled: bool | None = None
    tag: str | None = None
    volume: int | None = None
    bargeable: bool | None = None


class OutboundMessage(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """A message to send (§5.1); also one item of a batch."""

    from_: str = msgspec.field(name="from")
    to: str
    text: str | None = None
    media: tuple[str, ...] | None = None
    receipt_requested: str | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    tag: str | None = None


def to_wire(payload: msgspec.Struct) -> dict[str, Any]:
    """Encode a write payload as a JSON-ready dict without unset (``None``) fields."""
    encoded = msgspec.to_builtins(payload)
    assert isinstance(encoded, dict)
    return encoded


# ---------------------------------------------------------------------------------------------
# Lenient decoding


def convert(raw: object, type_: type[T]) -> T:
    """Decode one decoded-JSON object into ``type_``, leniently.

    Raises:
        msgspec.ValidationError: when the object cannot be read as ``type_``.
    """
    fix = _FIXES.get(type_)
    if fix is not None and isinstance(raw, dict):
        try:
            raw = fix(raw)
        except ValueError as exc:
            raise msgspec.ValidationError(str(exc)) from exc
    return msgspec.convert(raw, type=type_, strict=False)


def convert_list(raw: object, type_: type[T]) -> list[T]:
    """Decode a decoded-JSON array into a list of ``type_``.

    Raises:
        msgspec.ValidationError: when ``raw`` is not an array or an item cannot be read.
    """
    if not isinstance(raw, list):
        raise msgspec.ValidationError(f"Expected an array, got {type(raw).__name__}")
    return [convert(item, type_) for item in raw]


def id_from_location(location: str) -> str:
    """The id in a ``Location`` URL: its last path segment, percent-decoded (§1.5).

    Raises:
        ValueError: when the URL has no path segment to take.
    """
    path = urlsplit(location.strip()).path.rstrip("/")
    last = unquote(path.rsplit("/", 1)[-1]) if path else ""
    if not last:
        raise ValueError(f"no resource id in Location {location!r}")
    return last


def convert_ordered_numbers(raw: object) -> list[OrderedNumber]:
    """Decode a search-and-order answer; each id comes from its ``location`` (§3.3).

    Raises:
        msgspec.ValidationError: when an item lacks ``number`` or ``location``.
    """
    numbers = convert_list(raw, OrderedNumber)
    try:
        return [msgspec.structs.replace(n, id=id_from_location(n.location)) for n in numbers]
    except ValueError as exc:
        raise msgspec.ValidationError(str(exc)) from exc


def convert_batch_results(raw: object) -> list[BatchResult]:
    """Decode the 202 answer of a batch send into one result per message (§5.1).

    Raises:
        msgspec.ValidationError: when the answer is not an array of result objects.
    """
    if not isinstance(raw, list):
        raise msgspec.ValidationError(f"Expected an array, got {type(raw).__name__}")
    return [_batch_result(item) for item in raw]


def _batch_result(item: object) -> BatchResult:
    if not isinstance(item, dict):
        raise msgspec.ValidationError(f"Expected a result object, got {item!r}")
    location = item.get("location")
    message_id = None
    if isinstance(location, str) and location:
        try:
            message_id = id_from_location(location)
        except ValueError as exc:
            raise msgspec.ValidationError(str(exc)) from exc
    error = None
    raw_error = item.get("error")
    if isinstance(raw_error, dict):
        error = ErrorBody(
            category=text_of(raw_error.get("category")),
            code=text_of(raw_error.get("code")),
            message=text_of(raw_error.get("message") or raw_error.get("code")),
            details=details_pairs(raw_error.get("details")),
        )
    return BatchResult(
        result=text_of(item.get("result")) or ("error" if error else "accepted"),
        message_id=message_id,
        location=location if isinstance(location, str) else None,
        error=error,
    )


def _fix_message(raw: dict[str, Any]) -> dict[str, Any]:
    # §1.11: deliveryCode is a string on the wire but may arrive as a number.
    code = raw.get("deliveryCode")
    if code is not None:
        raw = {**raw, "deliveryCode": as_str(code, "deliveryCode")}
    return raw


def _fix_user_error(raw: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(raw)
    if raw.get("time") is not None:
        # §1.7: the user-error resource has shown epoch milliseconds instead of ISO text.
        fixed["time"] = as_time(raw["time"], "time")
    details = raw.get("details")
    if isinstance(details, list):
        fixed["details"] = [
            {**item, "value": text_of(item.get("value")), "id": item.get("id")}
            for item in details
            if isinstance(item, dict)
        ]
    return fixed


_FIXES: dict[type[Any], Callable[[dict[str, Any]], dict[str, Any]]] = {
    Message: _fix_message,
    UserError: _fix_user_error,
}
