"""One authenticated HTTP exchange with Bandwidth's current APIs, failures in their words.

The three APIs (Messaging v2, Voice v2, the Numbers API) share an account and its Basic
credentials but live on three hosts (docs/bandwidth-v2.md §1); :class:`Wire` takes absolute
URLs so one connection pool serves them all. Every failure becomes a :class:`BandwidthError`
(a :class:`~smsconsole.providers.base.ProviderError`) whose message is the API's own
``description`` (JSON, §2.5, §4.7) or ``Description`` (XML, §5.9).

Retries: a request that never left this machine (no connection) is sent again, as is a read
(``GET``) whose exchange broke or that was answered 429 / 5xx; a write whose exchange broke
after it was sent is not, and its error says the outcome is unknown. A read, all its attempts
and waits together, is bounded by ``timeout × DEADLINE_FACTOR`` (a provider that trickles its
answer cannot stretch it); a write, each attempt. An answer over :data:`MAX_ANSWER` bytes is
refused without being read whole.
"""

from __future__ import annotations

import asyncio
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Final

import httpx

from smsconsole import __version__
from smsconsole.providers.bandwidth import xmldoc
from smsconsole.providers.base import DEADLINE_EXCEEDED, Patience, ProviderError

USER_AGENT: Final = f"smsconsole/{__version__}"
SERVER_PATIENCE: Final = Patience(max_attempts=3, max_total_wait=4.0, timeout=10.0)
DEADLINE_FACTOR: Final = 3  # a request may take this many network phases in all
MAX_ANSWER: Final = 4 * 1024 * 1024  # no answer of these APIs comes near it

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_CATEGORY_BY_STATUS: Final = {
    400: "bad-request",
    401: "authentication",
    403: "authorization",
    404: "not-found",
    409: "conflict",
    415: "unsupported-content-type",
    429: "too-many-requests",
}
_HINTS: Final = {
    "authentication": "Check provider.account_id, provider.username and provider.password.",
    "authorization": "The API user lacks the role for this API (Messaging, Voice or Numbers).",
    "too-many-requests": "Bandwidth is rate limiting this account; wait a little and retry.",
    "network": "Check the network connection and the provider's URLs.",
}


class BandwidthError(ProviderError):
    """A failed request to Bandwidth's current APIs (fields as :class:`ProviderError`)."""

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no response"
        hint = _HINTS.get(self.category)
        text = f"{self.message} ({where}, {self.method} {self.path})"
        return f"{text}. {hint}" if hint else text


def error_from_answer(response: httpx.Response, method: str, path: str) -> BandwidthError:
    """The error an error answer carries, in the API's words where its body has them."""
    status = response.status_code
    category = _CATEGORY_BY_STATUS.get(status, "server-error" if status >= 500 else "error")
    code, words = "", ""
    body = response.content
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind.endswith("xml") or body.lstrip().startswith(b"<"):
        try:
            found = xmldoc.error_words(xmldoc.parse(body))
        except xmldoc.XmlError:
            found = None
        if found is not None:
            code, words = found
    else:
        try:
            data = json.loads(body) if body else None
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            kind_word, description = data.get("type"), data.get("description")
            code = kind_word if isinstance(kind_word, str) else ""
            words = description if isinstance(description, str) else ""
            fields = data.get("fieldErrors")
            if isinstance(fields, list):
                named = [
                    f"{item.get('fieldName')}: {item.get('description')}"
                    for item in fields
                    if isinstance(item, dict)
                ]
                if named:
                    words = f"{words}: {'; '.join(named)}" if words else "; ".join(named)
    if not words:
        words = f"Bandwidth answered {status} {response.reason_phrase}".rstrip()
    return BandwidthError(
        words[:1000], status=status, category=category, code=code[:100], method=method, path=path
    )


class Wire:
    """The HTTP engine under the v2 provider.

    Args:
        username: Basic-auth user (an API user of the account).
        password: Basic-auth password.
        patience: bounds on each attempt, the attempts and the waits between them.
        transport: an httpx transport instead of the network (tests).
    """

    def __init__(
        self,
        *,
        username: str,
        password: str,
        patience: Patience = SERVER_PATIENCE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._patience = patience
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(username, password),
            headers={"User-Agent": USER_AGENT},
            timeout=patience.timeout,
            transport=transport,
            trust_env=False,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        accept: str = "application/json",
    ) -> httpx.Response:
        """Send a request, retrying what is safe; answer the 2xx response.

        Raises:
            BandwidthError: an error answer, or a network failure once retries are spent.
        """
        headers = {"Accept": accept}
        if content_type is not None:
            headers["Content-Type"] = content_type
        path = httpx.URL(url).path
        read = method == "GET"
        deadline = self._patience.timeout * DEADLINE_FACTOR
        loop = asyncio.get_running_loop()
        ends = loop.time() + deadline
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            retry = False
            if not read:
                ends = loop.time() + deadline
            try:
                async with asyncio.timeout_at(ends):
                    response = await self._bounded(
                        self._http.build_request(
                            method, url, params=params, content=content, headers=headers
                        ),
                        method,
                        path,
                    )
            except TimeoutError:
                error = BandwidthError(
                    f"Bandwidth did not answer within {deadline:g} s",
                    category="network",
                    code=DEADLINE_EXCEEDED,
                    method=method,
                    path=path,
                    outcome_unknown=not read,
                )
                retry = read
            except httpx.RequestError as exc:
                never_sent = isinstance(exc, _NEVER_SENT)
                error = BandwidthError(
                    f"Could not reach Bandwidth ({exc or type(exc).__name__})"
                    if never_sent
                    else f"The exchange with Bandwidth failed ({exc or type(exc).__name__})",
                    category="network",
                    code=re.sub(r"(?<!^)(?=[A-Z])", "-", type(exc).__name__).lower(),
                    method=method,
                    path=path,
                    outcome_unknown=not (never_sent or read),
                )
                retry = never_sent or read
            else:
                if response.is_success:
                    return response
                error = error_from_answer(response, method, path)
                retry = read and (response.status_code == 429 or response.status_code >= 500)
            error.attempts = attempt
            wait = min(0.25 * 2 ** (attempt - 1), 2.0)
            if (
                not retry
                or attempt >= self._patience.max_attempts
                or waited + wait > self._patience.max_total_wait
                or (read and loop.time() + wait >= ends)
            ):
                if error.outcome_unknown:
                    error.message += "; it may have taken effect: check before repeating it"
                raise error
            waited += wait
            await asyncio.sleep(wait)

    async def _bounded(self, request: httpx.Request, method: str, path: str) -> httpx.Response:
        """Send ``request``; its answer, read up to :data:`MAX_ANSWER` bytes."""
        response = await self._http.send(request, stream=True)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise BandwidthError(
                        f"Bandwidth's answer is over {MAX_ANSWER} bytes; refused unread",
                        status=response.status_code,
                        category="invalid-response",
                        method=method,
                        path=path,
                        outcome_unknown=method != "GET" and response.is_success,
                    )
        finally:
            await response.aclose()
        # The body is decoded already: the headers that described its encoding go.
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=bytes(body), request=request
        )

    async def json(
        self,
        method: str,
        url: str,
        body: object = None,
        *,
        params: Mapping[str, str] | None = None,
    ) -> object:
        """Send JSON (when ``body`` is not None) and answer the decoded JSON (None if empty).

        Raises:
            BandwidthError: as :meth:`send`, and when a 2xx body is not JSON.
        """
        content = None if body is None else json.dumps(body).encode()
        response = await self.send(
            method,
            url,
            params=params,
            content=content,
            content_type=None if content is None else "application/json",
        )
        if not response.content.strip():
            return None
        try:
            return json.loads(response.content)
        except (ValueError, RecursionError):
            raise _unreadable(response, method, url, "not JSON, or nested too deeply") from None

    async def xml(
        self,
        method: str,
        url: str,
        body: ET.Element | None = None,
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[ET.Element | None, httpx.Response]:
        """Send an XML document (when given); answer the root of the XML answer (None when
        the answer is empty, e.g. 204) and the response (for ``Location``).

        Raises:
            BandwidthError: as :meth:`send`, and when a 2xx body is not XML.
        """
        response = await self.send(
            method,
            url,
            params=params,
            content=None if body is None else xmldoc.to_bytes(body),
            content_type="application/xml",
            accept="application/xml",
        )
        if not response.content.strip():
            return None, response
        try:
            return xmldoc.parse(response.content), response
        except xmldoc.XmlError as problem:
            raise _unreadable(response, method, url, str(problem)) from None


def _unreadable(response: httpx.Response, method: str, url: str, why: str) -> BandwidthError:
    return BandwidthError(
        f"Bandwidth's answer could not be read: {why}",
        status=response.status_code,
        category="invalid-response",
        method=method,
        path=httpx.URL(url).path,
    )
