"""Lenient reading of Catapult v1 values, as the provider and its SDKs actually send them.

Reference §1.3: ``null`` means "not supplied"; numbers and booleans may arrive as strings
(``"true"``, ``"2000"``); enums arrive in any case (``"GET"``, ``"get"``); .NET clients write
query booleans as ``True``/``False``. Every function here is pure and raises ``ValueError``
with a message naming the offending field, so both the callback parser and the sandbox can
turn it into a precise error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def drop_nulls(body: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``body`` without the keys whose value is ``None`` (§1.3: null = not supplied)."""
    return {key: value for key, value in body.items() if value is not None}


def as_bool(value: object, field: str) -> bool:
    """Read a boolean sent as a JSON boolean or as a string in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"'{field}' must be true or false, not {value!r}")


def as_int(value: object, field: str) -> int:
    """Read an integer sent as a JSON number or as a decimal string."""
    if isinstance(value, bool):
        raise ValueError(f"'{field}' must be a whole number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
    raise ValueError(f"'{field}' must be a whole number, not {value!r}")


def as_str(value: object, field: str) -> str:
    """Read a string; numbers are accepted in their decimal form (``deliveryCode`` is both)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"'{field}' must be a string, not {value!r}")


def as_enum(value: object, field: str, allowed: Iterable[str]) -> str:
    """Read an enum value in any case; answer it in the canonical spelling of ``allowed``."""
    if isinstance(value, str):
        canonical = {choice.lower(): choice for choice in allowed}
        found = canonical.get(value.strip().lower())
        if found is not None:
            return found
    choices = ", ".join(sorted(allowed))
    raise ValueError(f"'{field}' must be one of {choices}, not {value!r}")


def as_time(value: object, field: str) -> datetime:
    """Read a time as an aware UTC datetime.

    Accepts ISO-8601 with or without milliseconds, with ``Z`` or an offset (a time without
    one is UTC, §1.7), the ``yyyy-MM-dd HH:mm:ss`` form (§1.3), and epoch milliseconds as a
    number or a string of digits (§1.7: single call events and user errors show them).
    """
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _EPOCH + timedelta(milliseconds=value)
        if isinstance(value, str):
            text = value.strip()
            if text.isascii() and text.lstrip("-").isdigit():
                return _EPOCH + timedelta(milliseconds=int(text))
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        pass
    raise ValueError(f"'{field}' is not a valid ISO-8601 time: {value!r}")
