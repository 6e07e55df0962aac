"""Delivering Voice v2 webhooks (docs/bandwidth-v2.md §4.6) and logging every attempt.

Synchronous events (``initiate``, ``answer``, ``redirect``, ``gather``, ``transferAnswer``,
``transferComplete``) want BXML back: the primary URL is tried once, then the fallback URL
once; a non-2xx answer, a timeout or a connection error is a failure, and when both fail the
call ends with ``callback-error``. An answer that is not a ``<Response>`` document ends it
with ``invalid-bxml``, except an empty body, which is taken as an empty ``<Response/>`` (the
implicit ``<Hangup>`` follows). Asynchronous events (``disconnect``, ``transferDisconnect``)
ignore the answer and are retried once on a connection error.

``POST`` sends the event as a JSON object; ``GET`` sends its fields as query parameters.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from smsconsole.sandbox.bandwidth import bxml
from smsconsole.sandbox.bandwidth.bxml import Document, Hook
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox
from smsconsole.sandbox.bandwidth.voice_calls import iso_now

USER_AGENT = "BandwidthAPI/v2"


class CallFailure(Exception):
    """The call cannot go on: it ends with ``cause`` (§4.8) and ``message``."""

    def __init__(self, cause: str, message: str) -> None:
        super().__init__(message)
        self.cause = cause
        self.message = message


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt got: a status (None: no answer) or an error, and the body."""

    status: int | None
    error: str | None
    body: bytes = b""

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


def resolve(hook: Hook, base: str | None) -> Hook:
    """``hook`` with its URLs made absolute against ``base`` (the URL that served the BXML)."""
    if base is None:
        return hook
    fallback = _join(base, hook.fallback_url) if hook.fallback_url else None
    return Hook(
        _join(base, hook.url),
        hook.method,
        hook.username,
        hook.password,
        fallback,
        hook.fallback_method,
        hook.fallback_username,
        hook.fallback_password,
    )


def _join(base: str, url: str) -> str:
    try:
        return urljoin(base, url)
    except ValueError:  # left as it is: delivering to it fails (callback-error)
        return url


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class Webhooks:
    """Sends one call's events on behalf of the sandbox (its client, timeout cap and log)."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox

    def timeout(self, callback_timeout: float) -> float:
        """The call's ``callbackTimeout`` capped by the sandbox's ``callback_timeout_cap``."""
        return min(callback_timeout, self.sandbox.config.callback_timeout_cap)

    async def attempt(
        self,
        url: str,
        method: str,
        creds: tuple[str | None, str | None],
        event: dict[str, Any],
        seconds: float,
        attempt: int,
    ) -> Attempt:
        """One request, logged in ``sandbox.callback_log``."""
        entry: dict[str, Any] = {
            "service": "voice",
            "method": method,
            "url": url,
            "attempt": attempt,
            "status": None,
            "error": None,
            "body": "",
            "time": iso_now(),
        }
        self.sandbox.callback_log.append(entry)
        if not _web_url(url):
            entry["error"] = "only http and https URLs are called"
            return Attempt(None, entry["error"])
        headers = {"User-Agent": USER_AGENT}
        username, password = creds
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            if method == "GET":
                query = urlencode({k: _query_value(v) for k, v in event.items()})
                entry["body"] = query
                request = self.sandbox.client().build_request(
                    "GET", url, params=query, headers=headers, timeout=seconds
                )
            else:
                body = json.dumps(event)
                entry["body"] = body
                headers["Content-Type"] = "application/json"
                request = self.sandbox.client().build_request(
                    "POST", url, content=body, headers=headers, timeout=seconds
                )
            async with asyncio.timeout(seconds):  # the whole exchange, not each read
                response = await self.sandbox.client().send(request, stream=True)
                try:
                    content = await _read_bounded(response)
                finally:
                    await response.aclose()
        except asyncio.CancelledError:
            entry["error"] = "cancelled: the call was redirected or ended"
            raise
        except (httpx.TimeoutException, TimeoutError):
            entry["error"] = f"no answer within {seconds:g} s"
            return Attempt(None, entry["error"])
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return Attempt(None, entry["error"])
        except ValueError as exc:  # a body over the bound
            entry["error"] = str(exc)
            return Attempt(None, entry["error"])
        entry["status"] = response.status_code
        return Attempt(response.status_code, None, content)

    async def fetch_bxml(
        self,
        hook: Hook,
        event: dict[str, Any],
        callback_timeout: float,
        creds: tuple[str | None, str | None] | None = None,
        fallback_creds: tuple[str | None, str | None] | None = None,
    ) -> Document:
        """Deliver a synchronous event; the ``<Response>`` it is answered with.

        ``creds`` default to the hook's own username/password.

        Raises:
            CallFailure: ``callback-error`` (no 2xx from the URL nor its fallback) or
                ``invalid-bxml``.
        """
        timeout = self.timeout(callback_timeout)
        targets = [(hook.url, hook.method, creds or (hook.username, hook.password))]
        if hook.fallback_url:
            fallback = fallback_creds or (hook.fallback_username, hook.fallback_password)
            targets.append((hook.fallback_url, hook.fallback_method, fallback))
        last = ""
        for number, (url, method, target_creds) in enumerate(targets, start=1):
            result = await self.attempt(url, method, target_creds, event, timeout, number)
            if not result.ok:
                last = result.error or f"HTTP {result.status}"
                continue
            if not result.body.strip():
                return Document((), url)
            try:
                return bxml.parse(result.body, "Response", base_url=url)
            except bxml.BxmlError as exc:
                raise CallFailure("invalid-bxml", str(exc)) from exc
        raise CallFailure("callback-error", f"the {event.get('eventType')} webhook failed: {last}")

    async def notify(
        self,
        url: str,
        method: str,
        creds: tuple[str | None, str | None],
        event: dict[str, Any],
        callback_timeout: float,
    ) -> None:
        """Deliver an asynchronous event (answer ignored; one retry on a connection error)."""
        timeout = self.timeout(callback_timeout)
        result = await self.attempt(url, method, creds, event, timeout, 1)
        if result.status is None and result.error and "only http" not in result.error:
            await self.attempt(url, method, creds, event, timeout, 2)


def _web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


async def _read_bounded(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > bxml.MAX_BYTES:
            raise ValueError(f"the answer is larger than {bxml.MAX_BYTES // 1024} KB")
        chunks.append(chunk)
    return b"".join(chunks)
