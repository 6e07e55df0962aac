"""Validation of v1 request bodies and queries, raising the documented v1 errors.

Lenient like the provider (reference §1.3): ``null`` is "not supplied", numbers and booleans
may be strings, enums any case. Each ``parse_*`` returns canonical values or raises
:class:`~smsconsole.sandbox.errors.ApiError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from smsconsole.providers.catapult import quirks
from smsconsole.sandbox.errors import (
    ApiError,
    blank_property,
    missing_property,
    validation_error,
)
from smsconsole.sandbox.world import LocalCriteria, known_city, known_zip

T = TypeVar("T")

MAX_TEXT = 2048
MAX_TIMEOUT_MS = 10000
RECEIPTS = ("none", "all", "error")
METHODS = ("GET", "POST")

_APP_URLS = ("incomingCallUrl", "incomingMessageUrl")
_APP_FALLBACKS = {
    "incomingCallFallbackUrl": "incomingCallUrl",
    "incomingMessageFallbackUrl": "incomingMessageUrl",
}
_APP_TIMEOUTS = ("incomingCallUrlCallbackTimeout", "incomingMessageUrlCallbackTimeout")
_ALIASES = {
    "incomingSmsUrl": "incomingMessageUrl",
    "incomingSmsUrlCallbackTimeout": "incomingMessageUrlCallbackTimeout",
    "incomingSmsFallbackUrl": "incomingMessageFallbackUrl",
}


def read(body: Mapping[str, Any], key: str, reader: Callable[[object, str], T]) -> T | None:
    """Read an optional field leniently; a bad value is a 400 ``validation-error``."""
    value = body.get(key)
    if value is None:
        return None
    try:
        return reader(value, key)
    except ValueError as exc:
        raise validation_error(str(exc)) from exc


def read_enum(body: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    """Read an optional enum in any case (§1.3)."""
    return read(body, key, lambda value, field: quirks.as_enum(value, field, allowed))


def require_text(body: Mapping[str, Any], resource: str, key: str) -> str:
    """A required, non-blank string field (missing-property / blank-property)."""
    value = read(body, key, quirks.as_str)
    if value is None:
        raise missing_property(resource, key)
    if not value.strip():
        raise blank_property(resource, key)
    return value


def is_http_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_timeout(value: int | None, field: str) -> None:
    """Callback timeouts must be >0 and <=10000 ms (§2, §5.1)."""
    if value is not None and not 0 < value <= MAX_TIMEOUT_MS:
        raise validation_error(f"{field} must be greater than 0 and less than or equal to 10000")


def parse_application(body: Mapping[str, Any], current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate an application create (``current`` None) or partial update; return its fields.

    The result holds canonical v1 names and types; the legacy ``incomingSms*`` aliases are
    accepted (§2). On update, absent and ``null`` fields keep their values (§1.3).
    """
    body = {_ALIASES.get(key, key): value for key, value in quirks.drop_nulls(body).items()}
    fields: dict[str, Any] = dict(current or {})
    if current is None or "name" in body:
        fields["name"] = require_text(body, "application", "name")
    for key in (*_APP_URLS, *_APP_FALLBACKS):
        value = read(body, key, quirks.as_str)
        if value is not None:
            fields[key] = value
    for key in _APP_TIMEOUTS:
        timeout = read(body, key, quirks.as_int)
        check_timeout(timeout, key)
        if timeout is not None:
            fields[key] = timeout
    method = read_enum(body, "callbackHttpMethod", METHODS)
    if method is not None:
        fields["callbackHttpMethod"] = method.lower()  # §1.11: returned lower-case
    auto_answer = read(body, "autoAnswer", quirks.as_bool)
    if auto_answer is not None:
        fields["autoAnswer"] = auto_answer
    _check_application_urls(fields)
    fields.setdefault("callbackHttpMethod", "post")
    fields.setdefault("autoAnswer", True)
    return fields


def _check_application_urls(fields: dict[str, Any]) -> None:
    for key in (*_APP_URLS, *_APP_FALLBACKS):
        if key in fields and fields[key] == "":
            if key in _APP_FALLBACKS:
                raise validation_error(f"The {key} must not be blank")
            del fields[key]  # "" clears a primary URL
    if not any(fields.get(key) for key in _APP_URLS):
        raise validation_error(
            "An application must have at least one callback URL "
            "(incomingCallUrl or incomingMessageUrl)"
        )
    for fallback, primary in _APP_FALLBACKS.items():
        if fallback in fields and not fields.get(primary):
            raise validation_error(f"The {fallback} can only be set together with {primary}")
    for key in (*_APP_URLS, *_APP_FALLBACKS):
        if key in fields and not is_http_url(fields[key]):
            raise validation_error(f"Invalid {key} URL")


def parse_callback_options(body: Mapping[str, Any]) -> dict[str, Any]:
    """Per-message/per-call callback options: URL, method, timeout, fallback (§5.1, §7.1)."""
    options: dict[str, Any] = {}
    for key in ("callbackUrl", "fallbackUrl"):
        url = read(body, key, quirks.as_str)
        if url:
            if not is_http_url(url):
                raise ApiError(400, "callback-invalid-url", f"The {key} '{url}' is not valid")
            options[key] = url
    method = read_enum(body, "callbackHttpMethod", METHODS)
    if method is not None:
        options["callbackHttpMethod"] = method.lower()
    timeout = read(body, "callbackTimeout", quirks.as_int)
    check_timeout(timeout, "callbackTimeout")
    if timeout is not None:
        options["callbackTimeout"] = timeout
    return options


def parse_media(body: Mapping[str, Any]) -> list[str]:
    """``media`` is a list of URLs, or a single URL (§5.1)."""
    value = body.get("media")
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise validation_error("The media property must be a list of URLs")
    for url in items:
        if not is_http_url(url):
            raise ApiError(403, "media-invalid-url", f"The media URL '{url}' is not valid")
    return list(items)


def parse_message(body: object) -> dict[str, Any]:
    """Validate one message of a send request (§5.1) — ownership is checked by the caller."""
    if not isinstance(body, dict):
        raise validation_error("A message must be a JSON object")
    body = quirks.drop_nulls(body)
    fields: dict[str, Any] = {
        "from": require_text(body, "message", "from"),
        "to": require_text(body, "message", "to"),
    }
    media = parse_media(body)
    text = read(body, "text", quirks.as_str)
    if not media:
        text = require_text(body, "message", "text")
    text = text or ""
    if len(text) > MAX_TEXT:
        raise validation_error("The message text must be 2,048 characters or less")
    receipt = read_enum(body, "receiptRequested", RECEIPTS)
    if media and receipt not in (None, "none"):
        raise validation_error("Delivery receipts cannot be requested for MMS (media) messages")
    fields.update(text=text, media=media, receiptRequested=receipt)
    fields["tag"] = read(body, "tag", quirks.as_str)
    fields.update(parse_callback_options(body))
    return fields


def parse_quantity(raw: str | None, *, default: int, maximum: int, code: str) -> int:
    """``quantity``: >0 (validation-error) and <= maximum (``code``) (§3.1, §3.3)."""
    if raw is None:
        return default
    try:
        quantity = quirks.as_int(raw, "quantity")
    except ValueError as exc:
        raise validation_error(str(exc)) from exc
    if quantity <= 0:
        raise validation_error("Quantity must be greater than zero")
    if quantity > maximum:
        raise ApiError(400, code, f"The maximum quantity of numbers is {maximum}")
    return quantity


def _search_error(message: str) -> ApiError:
    return ApiError(400, "invalid-available-number-search", message)


def parse_local_criteria(query: Mapping[str, str]) -> LocalCriteria:
    """Check the search combinations of §3.1 in the documented wording."""
    city, state, zip_code = query.get("city"), query.get("state"), query.get("zip")
    area, local = query.get("areaCode"), query.get("localNumber")
    area_or_local = bool(area or local)
    if city and zip_code:
        raise _search_error("A query cannot combine City with ZIP Code")
    if city and area_or_local:
        raise _search_error("A query cannot combine City with Area Code or Local Number")
    if zip_code and state and area_or_local:
        raise _search_error(
            "A query cannot combine ZIP Code and State with Area Code or Local Number"
        )
    if zip_code and area_or_local:
        raise _search_error("A query cannot combine ZIP Code with Area Code or Local Number")
    if zip_code and state:
        raise _search_error("A query cannot combine ZIP Code with State")
    if state and area_or_local:
        raise _search_error("A query cannot combine State with Area Code or Local Number")
    if city and not state:
        raise _search_error("For searching by City the State is also required")
    if not (state or zip_code or area):
        raise _search_error("Specify a State ZIP Code or Area Code")
    if area is not None and not (len(area) == 3 and area.isdigit()):
        raise _search_error("An Area Code must be 3 digits")
    if local is not None:
        if len(local) < 3 or not local.isdigit():
            raise _search_error("Local Number must contains at least 3 digits")
        if len(local) > 4:
            raise _search_error("localNumber must contain a maximum of 4 digits")
    if zip_code is not None and not known_zip(zip_code):
        raise ApiError(400, "invalid-zip-code", f"ZIP {zip_code} did not map to a location")
    if city and state and not known_city(city, state):
        raise ApiError(
            403, "invalid-rate-center", f"The city {city} in the state {state} was not found"
        )
    in_area = read(query, "inLocalCallingArea", quirks.as_bool) or False
    return LocalCriteria(state, city, zip_code, area, local, in_area)
