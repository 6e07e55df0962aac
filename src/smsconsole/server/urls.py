"""The addresses the provider calls back, built from the server's settings."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from smsconsole.config import ServerSettings


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
