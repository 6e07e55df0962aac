"""The one exception the Catapult client raises, and parsing of v1 error bodies.

Every failure — an error answer from Catapult, a dropped connection, an unreadable response —
surfaces as :class:`CatapultError`, so callers handle one type and branch on its fields.
This module is pure (no HTTP client): the sandbox reuses :func:`parse_error_body`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from smsconsole.providers.base import DEADLINE_EXCEEDED, ProviderError

__all__ = [
    "DEADLINE_EXCEEDED",
    "CatapultError",
    "details_pairs",
    "error_from_response",
    "parse_error_body",
    "text_of",
]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a pair, unencodable alone

# Reference §1.9: the category each status carries when the body does not say.
_CATEGORY_BY_STATUS = {
    400: "bad-request",
    401: "authorization",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    429: "too-many-requests",
}

_HINTS = {
    "authorization": "Check the user id, API token and API secret.",
    "authentication": "Check the user id, API token and API secret.",
    "limit": "Catapult is rate limiting this account; wait a little and try again.",
    "too-many-requests": "Catapult is rate limiting this account; wait a little and try again.",
    "credit": "The account balance is too low; top it up.",
    "network": "Check the network connection and the Catapult base URL.",
}


class CatapultError(ProviderError):
    """A failed Catapult v1 request: a :class:`~smsconsole.providers.base.ProviderError`
    whose text adds what to do next for the v1 categories.

    The fields are v1's: ``category`` (``bad-request``, ``limit``, ``not-found``…, or
    ``network`` / ``invalid-response`` for failures on our side of the wire), ``code``
    (``missing-property``, ``message-rate-limit``…) and ``details`` (v1's ``details`` list
    as ``(name, value)`` pairs). v1 has no idempotency keys, so when ``outcome_unknown`` the
    caller must check (e.g. list recent messages) before repeating the request.
    """

    def __str__(self) -> str:
        kind = "/".join(part for part in (self.category, self.code) if part)
        where = f"HTTP {self.status}" if self.status is not None else "no response"
        context = ", ".join(part for part in (where, kind) if part)
        text = f"{self.message} ({context})"
        if self.method or self.path:
            text += f" on {self.method} {self.path}".rstrip()
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        hint = _HINTS.get(self.category)
        if hint and not self.outcome_unknown and self.code != "multi-message-limit":
            text += f". {hint}"
        return text

    def __repr__(self) -> str:
        return (
            f"CatapultError(status={self.status!r}, category={self.category!r}, "
            f"code={self.code!r}, message={self.message!r}, "
            f"outcome_unknown={self.outcome_unknown!r})"
        )


def parse_error_body(body: bytes) -> dict[str, object] | None:
    """Read a v1 error body ``{category, code, message, details}``.

    Args:
        body: the raw response body.

    Returns:
        The decoded object when it looks like a v1 error (has a ``category`` or ``code``),
        otherwise ``None`` (empty, not JSON, or some other shape such as a proxy's page).
    """
    if not body.strip():
        return None
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(decoded, dict) and ("category" in decoded or "code" in decoded):
        return decoded
    return None


def details_pairs(raw: object) -> tuple[tuple[str, str], ...]:
    """Turn v1 ``details`` (a list of ``{name, value}``, or a plain object) into pairs."""
    if isinstance(raw, Mapping):
        return tuple((text_of(name), text_of(value)) for name, value in raw.items())
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and "name" in item:
                pairs.append((text_of(item["name"]), text_of(item.get("value"))))
    return tuple(pairs)


def error_from_response(
    status: int, body: bytes, *, method: str = "", path: str = ""
) -> CatapultError:
    """Build the :class:`CatapultError` for an error answer.

    Tolerates a body without ``message`` (the code stands in, §1.9 notes the sample 429 has
    none) and a body that is not JSON at all (its first characters become the message).
    """
    parsed = parse_error_body(body)
    if parsed is None:
        category = _CATEGORY_BY_STATUS.get(status, "server-error" if status >= 500 else "")
        snippet = body.decode("utf-8", errors="replace").strip()[:200]
        message = f"Catapult answered HTTP {status}" + (f": {snippet}" if snippet else "")
        return CatapultError(message, status=status, category=category, method=method, path=path)
    category = text_of(parsed.get("category")) or _CATEGORY_BY_STATUS.get(status, "")
    code = text_of(parsed.get("code"))
    message = text_of(parsed.get("message")) or code or f"Catapult answered HTTP {status}"
    return CatapultError(
        message,
        status=status,
        category=category,
        code=code,
        details=details_pairs(parsed.get("details")),
        method=method,
        path=path,
    )


def text_of(value: object) -> str:
    """A v1 value as text for an error field: ``None`` is empty, numbers in decimal.

    Half of a surrogate pair (JSON may escape one alone) becomes U+FFFD: such a str cannot
    be encoded, so it could not be stored, logged or shown.
    """
    if value is None:
        return ""
    return _LONE_SURROGATE.sub("\ufffd", value if isinstance(value, str) else str(value))
