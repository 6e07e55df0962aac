"""Who may talk to the server: the provider (Basic auth) and consoles (a bearer token).

Catapult v1 signs nothing; the only protection it offers callbacks is HTTP Basic
credentials in the callback URL's userinfo (reference §9). Every comparison is constant-time.

A console the SSH server starts is given a token of its own, minted for that session and
revoked when it ends, so the server's token never leaves the server.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from typing import Final

from starlette.datastructures import Headers, QueryParams


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def basic_credentials(headers: Headers) -> tuple[str, str] | None:
    """The (user, password) of an ``Authorization: Basic`` header, or None."""
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def callback_allowed(headers: Headers, username: str, password: str) -> bool:
    """Whether the request carries the configured callback credentials."""
    given = basic_credentials(headers)
    if given is None or not password:
        return False
    # Compare both halves even when the first differs, so timing says nothing.
    user_ok = _same(given[0], username)
    password_ok = _same(given[1], password)
    return user_ok and password_ok


class SessionTokens:
    """Tokens valid while the session they were minted for lives (one per SSH console)."""

    def __init__(self) -> None:
        self._live: set[str] = set()

    def mint(self) -> str:
        """A new random token, valid until :meth:`revoke`."""
        token = secrets.token_urlsafe(32)
        self._live.add(token)
        return token

    def revoke(self, token: str) -> None:
        """End ``token``: requests carrying it are refused from now on."""
        self._live.discard(token)

    def allows(self, given: str) -> bool:
        """Whether ``given`` is a live token (compared with each, in constant time)."""
        found = False
        for token in list(self._live):
            found |= _same(given, token)
        return found


def bearer_allowed(
    headers: Headers,
    query: QueryParams | None,
    token: str,
    sessions: SessionTokens | None = None,
) -> bool:
    """Whether the request carries the console token (header, or ``?token=`` on /ws).

    Args:
        headers: The request's headers.
        query: The query string, where a ``?token=`` is accepted (/ws); None elsewhere.
        token: The server's token; empty accepts none.
        sessions: Per-session tokens accepted as well.
    """
    scheme, _, given = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and given:
        presented = given.strip()
    elif query is not None and "token" in query:
        presented = query["token"]
    else:
        return False
    # Both checks run, so timing does not tell which kind of token was close.
    server_ok = bool(token) and _same(presented, token)
    session_ok = sessions is not None and sessions.allows(presented)
    return server_ok or session_ok


# The callback log keeps a request's headers for inspection, not in full at any size.
MAX_HEADER_VALUE: Final = 1024
MAX_HEADERS_TOTAL: Final = 8192
TRUNCATED: Final = "[truncated]"


def redacted_headers(headers: Headers) -> dict[str, str]:
    """The request's headers for the callback log, without credentials or cookies.

    Each value is cut at ``MAX_HEADER_VALUE`` characters and the whole at
    ``MAX_HEADERS_TOTAL``; a cut says how much it dropped (headers dropped whole are
    counted under the name ``[truncated]``).
    """
    hidden = {"authorization", "cookie", "proxy-authorization"}
    kept: dict[str, str] = {}
    total = dropped = 0
    for name, value in headers.items():
        if name.lower() in hidden:
            continue
        if len(value) > MAX_HEADER_VALUE:
            value = (
                f"{value[:MAX_HEADER_VALUE]}…[truncated {len(value) - MAX_HEADER_VALUE} characters]"
            )
        if total + len(name) + len(value) > MAX_HEADERS_TOTAL:
            dropped += 1
            continue
        total += len(name) + len(value)
        kept[name] = value
    if dropped:
        kept[TRUNCATED] = f"{dropped} more headers"
    return kept
