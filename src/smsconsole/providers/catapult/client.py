"""Async client for the Bandwidth Catapult v1 REST API.

Usage::

    async with CatapultClient(user_id="u-…", api_token="t-…", api_secret="…") as client:
        message_id = await client.send_message(OutboundMessage(from_="+1…", to="+1…", text="hi"))
        async for app in client.iter_applications(size=100):
            ...

Every failure raises :class:`~.errors.CatapultError`.

Retry rules, and why. Catapult v1 has **no idempotency keys** (reference §9): sending a create
twice creates two messages, two calls, two numbers. So a request is sent again only when we
know the first one did not take effect, or when repeating it is harmless:

* **Refused for rate (always safe, any method):** ``429`` waits until ``X-RateLimit-Reset``
  (epoch milliseconds, §1.10) and retries; ``403`` category ``limit`` with a rate code
  (``message-rate-limit…``, ``call-rate-limit``) backs off and retries. ``multi-message-limit``
  (more than 50 in a batch) is never retried: waiting cannot fix it.
* **Never sent (always safe):** ``ConnectError``/``ConnectTimeout``/``PoolTimeout`` back off
  and retry.
* **Reads:** a ``5xx``, timeout or dropped connection on a ``GET`` backs off and retries.
* **Writes:** a ``5xx`` is not retried. A timeout or dropped connection after the request may
  have been sent (``ReadTimeout``, ``ReadError``, ``WriteError``, ``RemoteProtocolError``…) is
  not retried and raises with ``outcome_unknown=True`` telling the user to check (e.g. list
  recent messages) before repeating; so does a bare ``5xx`` (no v1 error body, e.g. a proxy's
  ``502``/``504``), which does not say whether the write reached Catapult, and a ``2xx`` we
  cannot read (no ``Location``, a garbled batch or order answer), since Catapult did act.

All retries are bounded by :class:`~.retry.RetryPolicy` (attempts and total
wait); waiting goes through the injected ``sleep`` so tests never really wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

import httpx

from smsconsole.providers.catapult.calls import CallControl
from smsconsole.providers.catapult.errors import CatapultError
from smsconsole.providers.catapult.models import (
    Application,
    ApplicationSettings,
    BatchResult,
    Media,
    Message,
    OutboundMessage,
    UserError,
    convert_batch_results,
    to_wire,
)
from smsconsole.providers.catapult.numbers import NumberManagement
from smsconsole.providers.catapult.paging import Page
from smsconsole.providers.catapult.retry import RetryPolicy
from smsconsole.providers.catapult.session import Session, decode, query, quote_segment, read_json

DEFAULT_BASE_URL = "https://api.catapult.inetwork.com"
# A few seconds: v1 answers in well under one; longer means stalled, and the operator waits.
DEFAULT_DEADLINE = 8.0
MAX_BATCH = 50  # §5.1: more than 50 messages in one request → 403 multi-message-limit.


class CatapultClient(CallControl, NumberManagement):
    """An async Catapult v1 client for one account.

    Args:
        base_url: the API origin (default the production host); the sandbox passes its own.
        user_id: the account's user id (``u-…``).
        api_token: the API token (``t-…``).
        api_secret: the API secret.
        transport: an httpx transport to use instead of the network (tests).
        retry: bounds on retrying (see the module docstring for what is retried).
        sleep: awaited to wait between attempts (inject a recorder in tests).
        clock: the current time, epoch seconds (compared with ``X-RateLimit-Reset``).
        timeout: seconds allowed for each network phase of one request.
        deadline: seconds allowed for one request in all: a read with its retries, a write's
            attempt (see :class:`~.session.Session`).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        user_id: str,
        api_token: str,
        api_secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.user_id = user_id
        self._session = Session(
            base_url=base_url,
            user_id=user_id,
            api_token=api_token,
            api_secret=api_secret,
            transport=transport,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            clock=clock,
            timeout=timeout,
            deadline=deadline,
        )
        self._user = self._session.user_path

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying connections."""
        await self._session.aclose()

    # -- applications (§2) --------------------------------------------------------------------

    async def list_applications(
        self, *, page: int = 0, size: int | None = None
    ) -> Page[Application]:
        """One page of applications (``page`` is 0-based; ``size`` ≤ 1000)."""
        params = query({"page": page, "size": size})
        return await self._session.get_page(f"{self._user}/applications", params, Application)

    def iter_applications(self, *, size: int = 100) -> AsyncIterator[Application]:
        """Every application, following ``Link`` pages."""
        return self._session.iterate(
            f"{self._user}/applications", query({"size": size}), Application
        )

    async def get_application(self, application_id: str) -> Application:
        """One application by id."""
        return await self._session.get_model(
            f"{self._user}/applications/{quote_segment(application_id)}", Application
        )

    async def create_application(self, settings: ApplicationSettings) -> str:
        """Create an application and answer its id (``a-…``).

        ``settings.name`` is required, and at least one incoming URL (§2).
        """
        return await self._session.create(f"{self._user}/applications", to_wire(settings))

    async def update_application(self, application_id: str, changes: ApplicationSettings) -> None:
        """Change the fields set in ``changes``; the others keep their value (§2, §1.3)."""
        path = f"{self._user}/applications/{quote_segment(application_id)}"
        await self._session.post(path, to_wire(changes))

    async def delete_application(self, application_id: str) -> None:
        """Delete an application."""
        path = f"{self._user}/applications/{quote_segment(application_id)}"
        await self._session.request("DELETE", path)

    # -- messages (§5) ------------------------------------------------------------------------

    async def send_message(self, message: OutboundMessage) -> str:
        """Send one SMS/MMS and answer its id (``m-…``)."""
        return await self._session.create(f"{self._user}/messages", to_wire(message))

    async def send_messages(self, messages: Sequence[OutboundMessage]) -> list[BatchResult]:
        """Send up to 50 messages in one request; one result per message, in order.

        Raises:
            CatapultError: ``multi-message-limit`` before sending when given more than 50
                (§5.1), or when the whole request fails. An empty batch sends nothing.
        """
        path = f"{self._user}/messages"
        if len(messages) > MAX_BATCH:
            raise CatapultError(
                f"A batch holds at most {MAX_BATCH} messages, not {len(messages)}; "
                f"split it into batches of at most {MAX_BATCH}",
                category="limit",
                code="multi-message-limit",
                method="POST",
                path=path,
            )
        if not messages:
            return []
        body = [to_wire(message) for message in messages]
        response = await self._session.request("POST", path, json_body=body, creates=True)
        return decode(lambda: convert_batch_results(read_json(response, path)), response, path)

    async def get_message(self, message_id: str) -> Message:
        """One message by id."""
        return await self._session.get_model(
            f"{self._user}/messages/{quote_segment(message_id)}", Message
        )

    async def list_messages(
        self,
        *,
        from_: str | None = None,
        to: str | None = None,
        from_date_time: datetime | str | None = None,
        to_date_time: datetime | str | None = None,
        direction: str | None = None,
        state: str | None = None,
        delivery_state: str | None = None,
        sort_order: str | None = None,
        size: int | None = None,
        sort_key_lt: str | None = None,
    ) -> Page[Message]:
        """One page of messages. Pass ``page.next_query("sortKeyLT")`` as ``sort_key_lt``
        for the next one (§1.8: cursor paging; an empty page ends the list)."""
        params = query(
            {
                "from": from_,
                "to": to,
                "fromDateTime": from_date_time,
                "toDateTime": to_date_time,
                "direction": direction,
                "state": state,
                "deliveryState": delivery_state,
                "sortOrder": sort_order,
                "size": size,
                "sortKeyLT": sort_key_lt,
            }
        )
        return await self._session.get_page(f"{self._user}/messages", params, Message)

    def iter_messages(
        self,
        *,
        from_: str | None = None,
        to: str | None = None,
        from_date_time: datetime | str | None = None,
        to_date_time: datetime | str | None = None,
        direction: str | None = None,
        state: str | None = None,
        delivery_state: str | None = None,
        sort_order: str | None = None,
        size: int = 100,
    ) -> AsyncIterator[Message]:
        """Every message matching the filters, following the ``sortKeyLT`` cursor."""
        params = query(
            {
                "from": from_,
                "to": to,
                "fromDateTime": from_date_time,
                "toDateTime": to_date_time,
                "direction": direction,
                "state": state,
                "deliveryState": delivery_state,
                "sortOrder": sort_order,
                "size": size,
            }
        )
        return self._session.iterate(f"{self._user}/messages", params, Message)

    # -- media (§11) --------------------------------------------------------------------------

    def media_url(self, name: str) -> str:
        """The URL of a file in the account's media store, to put in an MMS's ``media``."""
        return f"{self._session.base_url}{self._user}/media/{quote_segment(name)}"

    async def upload_media(
        self, name: str, content: bytes, content_type: str = "application/octet-stream"
    ) -> str:
        """Store a file (≤ 65 MB) under ``name``, replacing any, and answer its media URL."""
        path = f"{self._user}/media/{quote_segment(name)}"
        headers = {"Content-Type": content_type}
        await self._session.request("PUT", path, content=content, headers=headers)
        return self.media_url(name)

    async def list_media(self) -> list[Media]:
        """Every file in the media store."""
        return [media async for media in self._session.iterate(f"{self._user}/media", None, Media)]

    async def download_media(self, name: str) -> bytes:
        """The bytes of a stored file."""
        response = await self._session.request("GET", f"{self._user}/media/{quote_segment(name)}")
        return response.content

    async def delete_media(self, name: str) -> None:
        """Delete a stored file."""
        await self._session.request("DELETE", f"{self._user}/media/{quote_segment(name)}")

    # -- account errors (§1.9) ----------------------------------------------------------------

    async def list_errors(self, *, page: int = 0, size: int | None = None) -> Page[UserError]:
        """One page of asynchronous failures logged on the account (e.g. failed callbacks)."""
        params = query({"page": page, "size": size})
        return await self._session.get_page(f"{self._user}/errors", params, UserError)

    def iter_errors(self, *, size: int = 100) -> AsyncIterator[UserError]:
        """Every logged user error, following ``Link`` pages."""
        return self._session.iterate(f"{self._user}/errors", query({"size": size}), UserError)

    async def get_error(self, error_id: str) -> UserError:
        """One logged user error by id (``ue-…``)."""
        return await self._session.get_model(
            f"{self._user}/errors/{quote_segment(error_id)}", UserError
        )
