"""The addresses the provider calls back, built from the server's settings."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from smsconsole.core.formatting import MASK, masked_url
from smsconsole.settings.config import ServerSettings


def public_base(server: ServerSettings) -> str:
    """Where the provider reaches this server: ``public_url``, else ``http://host:port``."""
    if server.public_url:
        return server.public_url.rstrip("/")
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
    return f"http://{host}:{server.port}"


def callback_url(server: ServerSettings, kind: Literal["messages", "calls"]) -> str:
    """The callback URL for ``kind``, with the callback credentials in its userinfo.

    Catapult v1 authenticates callbacks only this way: it sends the URL's userinfo as HTTP
    Basic credentials (reference §9). Both parts are percent-encoded.
    """
    parts = urlsplit(f"{public_base(server)}/callbacks/{kind}")
    userinfo = (
        f"{quote(server.callback_username, safe='')}:{quote(server.callback_password, safe='')}"
    )
    netloc = f"{userinfo}@{parts.netloc}" if server.callback_password else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def masked_urls(record: dict[str, Any]) -> dict[str, Any]:
    """An application as an answer shows it: every ``*_url`` with its password masked."""
    return {
        key: masked_url(value) if key.endswith("_url") and isinstance(value, str) else value
        for key, value in record.items()
    }


def unmasked(url: str, current: str | None) -> str | None:
    """The URL to send the provider for ``url`` as a client sent it back.

    A client only ever saw masked URLs; sending one back unchanged means "keep the password":
    it is taken from ``current`` (the provider's URL) when both have the same user, host and
    path. Answers None when ``url`` is masked but ``current`` cannot say what it hid.
    """
    parts = urlsplit(url)
    if parts.password != MASK:
        return url
    if current is None or masked_url(current) != url:
        return None
    return current
