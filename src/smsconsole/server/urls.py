"""The addresses the provider calls back, built from the server's settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from smsconsole.core.formatting import MASK, masked_url
from smsconsole.providers.base import CallbackKind, CallbackTarget, Provider
from smsconsole.settings.config import ServerSettings


def public_base(server: ServerSettings) -> str:
    """Where the provider reaches this server: ``public_url``, else ``http://host:port``."""
    if server.public_url:
        return server.public_url.rstrip("/")
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
    return f"http://{host}:{server.port}"


def callback_target(server: ServerSettings) -> CallbackTarget:
    """Where the provider reaches this server, and the callback credentials it must present."""
    return CallbackTarget(
        base_url=public_base(server),
        username=server.callback_username,
        password=server.callback_password,
    )


def callback_url(provider: Provider, server: ServerSettings, kind: CallbackKind) -> str:
    """The callback URL for ``kind`` to give ``provider``, carrying the callback credentials
    the way that provider sends them (Catapult v1: in the URL's userinfo)."""
    return provider.callback_url(callback_target(server), kind)


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
