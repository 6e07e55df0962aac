"""One authenticated HTTP exchange with Catapult v1, with the retry rules applied.

:class:`Session` owns the ``httpx.AsyncClient``: Basic auth, the User-Agent, turning every
failure into :class:`~.errors.CatapultError`, retrying only what is safe
(see :mod:`.client` for the rules), reading ``Location`` and JSON bodies.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from smsconsole import __version__
from smsconsole.providers.catapult.errors import (
    DEADLINE_EXCEEDED,
    CatapultError,
    error_from_response,
    parse_error_body,
)
from smsconsole.providers.catapult.models import convert, convert_list, id_from_location
from smsconsole.providers.catapult.paging import (
    Page,
    iterate_pages,
    next_page_url,
    parse_link_header,
)
from smsconsole.providers.catapult.retry import RetryPolicy, wait_before_retrying_answer

T = TypeVar("T")

Params = Mapping[str, str]
QueryValue = str | int | bool | datetime | None

USER_AGENT = f"smsconsole/{__version__}"

# The request never left this machine, so sending it again cannot duplicate anything.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The exchange broke somewhere after the request started: the server may have acted on it.
# A DecodingError (a garbled Content-Encoding) means it did answer, with a status we lost.
_MAYBE_SENT = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.DecodingError,
)


class Session:
    """The HTTP engine under :class:`~.client.CatapultClient`.

    Args:
        base_url: scheme, host and optional port (and path prefix) of the API.
        user_id: the account's user id (``u-…``).
        api_token: API token (Basic auth user name).
        api_secret: API secret (Basic auth password).
        transport: an httpx transport to use instead of the network (tests, sandbox).
        retry: bounds on retrying.
        sleep: awaited to wait between attempts.
        clock: the current time in epoch seconds (for ``X-RateLimit-Reset``).
        timeout: seconds for each network phase of a request.
        deadline: seconds one request may take in all. httpx's ``timeout`` bounds each phase
            (connect, each read…), so a server that trickles its answer, or stops answering
            between reads, can exceed it many times over; the deadline cannot be. A read
            (``GET``) gets it once for all its attempts and waits; a write, for each attempt
            (a write is retried only when refused for rate, which is safe to wait out). A
            media upload (a raw body) is bounded by ``timeout`` alone: its size sets its time.
    """

    def __init__(
        self,
        *,
        base_url: str,
        user_id: str,
        api_token: str,
        api_secret: str,
        transport: httpx.AsyncBaseTransport | None,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]],
        clock: Callable[[], float],
        timeout: float,
        deadline: float,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_path = f"/v1/users/{quote_segment(user_id)}"
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._deadline = deadline
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=httpx.BasicAuth(api_token, api_secret),
            headers={"User-Agent": USER_AGENT},
            transport=transport,
            timeout=timeout,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: object = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        creates: bool = False,
    ) -> httpx.Response:
        """Send a request, retrying what is safe, and answer the 2xx response.

        Args:
            method: HTTP method.
            path: absolute path (``/v1/…``) or absolute URL on the base URL's origin.
            params: query parameters (already strings, no ``None``).
            json_body: a JSON body, sent when not ``None``.
            content: a raw body (media upload).
            headers: extra headers.
            creates: the request creates a resource; only affects the wording of an
                outcome-unknown error (no create is ever resent after it may have arrived).

        Raises:
            CatapultError: for an error answer or a network failure, once retries are spent.
        """
        body = None if json_body is None else json.dumps(json_body).encode()
        all_headers = dict(headers or {})
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        shown = httpx.URL(path).path
        loop = asyncio.get_running_loop()
        read = method == "GET"
        ends = loop.time() + self._deadline
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            if not read:
                ends = loop.time() + self._deadline
            try:
                async with asyncio.timeout_at(ends if content is None else None):
                    response = await self._http.request(
                        method, path, params=params, content=body or content, headers=all_headers
                    )
            except TimeoutError:
                raise self._deadline_passed(method, shown, attempt, creates) from None
            except httpx.RequestError as exc:
                error, wait = self._transport_failure(exc, method, shown, attempt, creates)
            else:
                if response.is_success:
                    return response
                error = error_from_response(
                    response.status_code, response.content, method=method, path=shown
                )
                if _bare_5xx_on_write(method, response):
                    error.outcome_unknown = True
                    error.message += f". {_unknown_outcome_advice(creates)}"
                wait = wait_before_retrying_answer(
                    error,
                    method=method,
                    attempt=attempt,
                    policy=self._retry,
                    reset_header=response.headers.get("X-RateLimit-Reset"),
                    now=self._clock(),
                )
            error.attempts = attempt
            if wait is None or not self._retry.allows(attempt, waited, wait):
                raise error
            if read and loop.time() + wait >= ends:
                raise error
            waited += wait
            await self._sleep(wait)

    def _deadline_passed(
        self, method: str, path: str, attempt: int, creates: bool
    ) -> CatapultError:
        message = f"Catapult did not answer within {self._deadline:g} s"
        unknown = method != "GET"
        if unknown:
            message += f". {_unknown_outcome_advice(creates)}"
        return CatapultError(
            message,
            category="network",
            code=DEADLINE_EXCEEDED,
            method=method,
            path=path,
            outcome_unknown=unknown,
            attempts=attempt,
        )

    def _transport_failure(
        self, exc: httpx.RequestError, method: str, path: str, attempt: int, creates: bool
    ) -> tuple[CatapultError, float | None]:
        code = _kebab(type(exc).__name__)
        detail = str(exc) or code
        retry, unknown = None, False
        if isinstance(exc, _NEVER_SENT):
            message, retry = f"Could not reach Catapult ({detail})", self._retry.backoff(attempt)
        elif not isinstance(exc, _MAYBE_SENT):
            message = f"The request to Catapult failed ({detail})"
        elif method == "GET":
            message = f"The exchange with Catapult failed ({detail})"
            retry = self._retry.backoff(attempt)
        else:
            message = (
                f"The exchange failed ({detail}) after the request may have reached "
                f"Catapult. {_unknown_outcome_advice(creates)}"
            )
            unknown = True
        error = CatapultError(
            message,
            category="network",
            code=code,
            method=method,
            path=path,
            outcome_unknown=unknown,
        )
        return error, retry

    async def get_list(self, path: str, params: Params | None, type_: type[T]) -> list[T]:
        """GET a JSON array (no paging) and decode its items as ``type_``."""
        response = await self.request("GET", path, params=params)
        return decode(lambda: convert_list(read_json(response, path), type_), response, path)

    async def get_model(self, path: str, type_: type[T]) -> T:
        """GET one resource and decode it as ``type_``."""
        response = await self.request("GET", path)
        return decode(lambda: convert(read_json(response, path), type_), response, path)

    async def post(self, path: str, json_body: object) -> None:
        """POST an update (§1.1: updates are POSTs to the resource; the answer is empty)."""
        await self.request("POST", path, json_body=json_body)

    async def create(self, path: str, json_body: object, params: Params | None = None) -> str:
        """POST a create and answer the new resource's id, from ``Location`` (§1.4, §1.5).

        Raises:
            CatapultError: also when the answer has no usable ``Location``.
        """
        response = await self.request(
            "POST", path, params=params, json_body=json_body, creates=True
        )
        return location_id(response, path)

    async def get_page(self, path: str, params: Params | None, type_: type[T]) -> Page[T]:
        """GET one page of a list: the decoded items and the ``rel="next"`` URL."""
        response = await self.request("GET", path, params=params)
        items = decode(lambda: convert_list(read_json(response, path), type_), response, path)
        next_url = parse_link_header(response.headers.get("Link")).get("next")
        return Page(items=items, next_url=next_url)

    def iterate(self, path: str, params: Params | None, type_: type[T]) -> AsyncIterator[T]:
        """Every item of a list, following ``rel="next"`` links with the same filters."""
        carried = dict(params or {})
        return iterate_pages(
            lambda: self.get_page(path, carried, type_),
            lambda url: self.get_next_page(url, carried, type_),
        )

    async def get_next_page(self, link_url: str, params: Params, type_: type[T]) -> Page[T]:
        """GET the page a ``rel="next"`` link points at, keeping the first request's filters."""
        return await self.get_page(next_page_url(link_url, self.base_url, params), None, type_)


def query(values: Mapping[str, QueryValue]) -> dict[str, str]:
    """Query parameters as wire strings: ``None`` dropped, booleans ``true``/``false``,
    date-times as ``yyyy-MM-dd HH:mm:ss[.SSS]`` in UTC (§5.3; a naive one is taken as UTC)."""
    params: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[key] = "true" if value else "false"
        elif isinstance(value, datetime):
            params[key] = _query_time(value)
        else:
            params[key] = str(value)
    return params


def _query_time(value: datetime) -> str:
    when = value.astimezone(UTC) if value.tzinfo else value
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    # Milliseconds are kept (§5.3 allows `.SSS`): dropping them would move a toDateTime
    # bound earlier and silently leave out the messages of that last second.
    return f"{text}.{when.microsecond // 1000:03d}" if when.microsecond else text


def read_json(response: httpx.Response, path: str) -> Any:
    """Decode a JSON body; an empty body (§1.4: creates and updates) decodes to ``None``.

    Raises:
        CatapultError: ``invalid-response`` when the body is not JSON.
    """
    if not response.content.strip():
        return None
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise _invalid(response, path, f"Catapult sent a body that is not JSON ({exc})") from exc


def decode(build: Callable[[], T], response: httpx.Response, path: str) -> T:
    """Run a model conversion, turning a shape mismatch into a :class:`CatapultError`."""
    try:
        return build()
    except (msgspec.ValidationError, ValueError) as exc:
        raise _invalid(response, path, f"Catapult sent an unexpected answer ({exc})") from exc


def location_id(response: httpx.Response, path: str) -> str:
    """The new resource's id: last segment of the absolute ``Location`` header (§1.5).

    Raises:
        CatapultError: when ``Location`` is missing; the create did happen, so it is marked
            ``outcome_unknown`` to stop a blind repeat.
    """
    location = response.headers.get("Location", "")
    try:
        return id_from_location(location)
    except ValueError:
        error = _invalid(
            response,
            path,
            "Catapult accepted the request but sent no Location header, so the new id is "
            "unknown; list the resources to find it instead of repeating the request",
            advise=False,
        )
        error.code = "missing-location"
        raise error from None


def quote_segment(value: str) -> str:
    """Percent-encode one path segment; ``+`` becomes ``%2B`` (§4: numbers by E.164)."""
    return quote(value, safe="")


def _invalid(
    response: httpx.Response, path: str, message: str, *, advise: bool = True
) -> CatapultError:
    method = response.request.method
    # A 2xx to a write we cannot read (a batch's 202, a search-and-order's 201) still means
    # Catapult acted on it: messages went out, numbers were bought. Say so, to stop a repeat.
    unknown = method != "GET"
    if unknown and advise:
        message += f". {_unknown_outcome_advice(creates=True)}"
    return CatapultError(
        message,
        status=response.status_code,
        category="invalid-response",
        code="unexpected-body",
        method=method,
        path=path,
        outcome_unknown=unknown,
    )


def _unknown_outcome_advice(creates: bool) -> str:
    what = "created it (a message, call, number…)" if creates else "acted on it"
    return (
        f"The outcome is unknown: Catapult may or may not have {what}. Catapult v1 has no "
        "idempotency keys, so check first (for example, list recent messages or calls) "
        "before repeating the request"
    )


def _bare_5xx_on_write(method: str, response: httpx.Response) -> bool:
    # A 5xx carrying a v1 error body is Catapult saying it failed. A bare one (a proxy's
    # 502/504 page) says nothing about whether the write reached Catapult.
    if method == "GET" or response.status_code < 500:
        return False
    return response.status_code == 504 or parse_error_body(response.content) is None


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
