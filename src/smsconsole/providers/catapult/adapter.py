"""Catapult v1 behind the :class:`~smsconsole.providers.base.Provider` protocol.

:class:`CatapultProvider` does what the rest of smsconsole asks of a provider with a
:class:`~.client.CatapultClient`, and answers in the provider-neutral values of
:mod:`smsconsole.providers.base`; :class:`CatapultCallbacks` reads v1 callbacks and needs
no account. Failures stay :class:`~.errors.CatapultError`, a
:class:`~smsconsole.providers.base.ProviderError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from urllib.parse import quote, urlsplit, urlunsplit

from smsconsole.core.events import CallbackEvent, MessageEvent
from smsconsole.providers import base
from smsconsole.providers.base import (
    CallbackError,
    CallbackKind,
    CallbackOutcome,
    CallbackTarget,
    NumberSearch,
    OutgoingMessage,
    Patience,
    UnreadableRecord,
)
from smsconsole.providers.catapult import callbacks, models
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.providers.catapult.reconcile import message_event
from smsconsole.providers.catapult.retry import RetryPolicy


class CatapultCallbacks:
    """Reading Catapult v1 callbacks (reference §6, §8, §9) as core events."""

    def parse_json_body(self, body: bytes) -> list[CallbackEvent]:
        """The one event of a POSTed v1 callback (one JSON object)."""
        return [callbacks.parse_json_body(body)]

    def parse_query(self, pairs: Iterable[tuple[str, str]]) -> list[CallbackEvent]:
        """The one event of a v1 callback sent as a query string (``callbackHttpMethod``
        GET)."""
        return [callbacks.parse_query(pairs)]

    def dedupe_key(self, event: CallbackEvent) -> str:
        """The key under which every delivery of one event is stored once."""
        return callbacks.dedupe_key(event)

    def callback_reply(self, event: CallbackEvent, outcome: CallbackOutcome) -> None:
        """None: v1 reads nothing from the answer but its status (reference §9), so the
        server's JSON outcome serves."""


def callback_url(target: CallbackTarget, kind: CallbackKind) -> str:
    """The callback URL for ``kind``, with the callback credentials in its userinfo.

    Catapult v1 authenticates callbacks only this way: it sends the URL's userinfo as HTTP
    Basic credentials (reference §9). Both parts are percent-encoded.
    """
    parts = urlsplit(f"{target.base_url.rstrip('/')}/callbacks/{kind}")
    userinfo = f"{quote(target.username, safe='')}:{quote(target.password, safe='')}"
    netloc = f"{userinfo}@{parts.netloc}" if target.password else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class CatapultProvider(CatapultCallbacks):
    """A Catapult v1 account as a :class:`~smsconsole.providers.base.Provider`.

    Args:
        client: The v1 client to work through.
        owned: Whether :meth:`aclose` closes ``client`` (the factory's own client), or leaves
            it to whoever made it (a test's).
    """

    def __init__(self, client: CatapultClient, *, owned: bool = True) -> None:
        self.client = client
        self._owned = owned

    @classmethod
    def open(
        cls,
        base_url: str,
        *,
        user_id: str,
        api_token: str,
        api_secret: str,
        patience: Patience | None = None,
    ) -> CatapultProvider:
        """A provider with its own client for the account."""
        if patience is None:
            client = CatapultClient(
                base_url, user_id=user_id, api_token=api_token, api_secret=api_secret
            )
        else:
            client = CatapultClient(
                base_url,
                user_id=user_id,
                api_token=api_token,
                api_secret=api_secret,
                retry=RetryPolicy(
                    max_attempts=patience.max_attempts, max_total_wait=patience.max_total_wait
                ),
                timeout=patience.timeout,
            )
        return cls(client)

    async def aclose(self) -> None:
        """Close the client, if it is this provider's own."""
        if self._owned:
            await self.client.aclose()

    def callback_url(self, target: CallbackTarget, kind: CallbackKind) -> str:
        """v1 callback URLs carry the credentials in their userinfo (§9)."""
        return callback_url(target, kind)

    # -- messages -----------------------------------------------------------------------------

    async def message_failure(self, message_id: str) -> tuple[str, str] | None:
        """§5.4: a message event in state ``error`` carries no reason; the reason is a user
        error (§1.9) whose ``messageId`` detail names the message. The newest page is read."""
        page = await self.client.list_errors(size=25)
        for logged in page.items:
            if any(d.name == "messageId" and d.value == message_id for d in logged.details):
                return (logged.code or logged.category or "", logged.message or "")
        return None

    async def send_message(self, message: OutgoingMessage, *, callback_url: str) -> str:
        """Send an SMS/MMS (§5.1) asking for every delivery receipt (none with media)."""
        return await self.client.send_message(
            models.OutboundMessage(
                from_=message.from_,
                to=message.to,
                text=message.text or None,
                media=message.media or None,
                # §5.1: receipts cannot be requested together with media.
                receipt_requested=None if message.media else "all",
                callback_url=callback_url,
                callback_http_method="POST",
            )
        )

    async def upload_media(self, name: str, content: bytes, content_type: str) -> str:
        """Store a file in the account's media store (§11); answer its URL."""
        return await self.client.upload_media(name, content, content_type)

    # -- calls --------------------------------------------------------------------------------

    async def create_call(
        self, from_: str, to: str, *, callback_url: str, tag: str | None = None
    ) -> str:
        """Place an outbound call (§7.1); ``tag`` comes back in each of its events (§8)."""
        return await self.client.create_call(from_, to, callback_url=callback_url, tag=tag)

    async def answer_call(self, call_id: str, *, callback_url: str) -> None:
        """Answer an inbound call (§7.3); v1 reports to the application's URL, so
        ``callback_url`` is not needed."""
        await self.client.answer_call(call_id)

    async def reject_call(self, call_id: str) -> None:
        """Reject an inbound call (§7.3)."""
        await self.client.reject_call(call_id)

    async def hang_up_call(self, call_id: str) -> None:
        """End a call (§7.3)."""
        await self.client.hang_up_call(call_id)

    async def speak_sentence(
        self,
        call_id: str,
        sentence: str,
        *,
        gender: str | None = None,
        locale: str | None = None,
        voice: str | None = None,
    ) -> None:
        """Speak text on a call (§7.4)."""
        await self.client.speak_sentence(
            call_id, sentence, gender=gender, locale=locale, voice=voice
        )

    async def transfer_call(self, call_id: str, to: str, *, callback_url: str) -> str:
        """Transfer a call (§7.3); answer the new leg's id."""
        return await self.client.transfer_call(call_id, to, callback_url=callback_url)

    # -- reconciling --------------------------------------------------------------------------

    async def messages_since(
        self, since: datetime, *, page_size: int
    ) -> AsyncIterator[MessageEvent | UnreadableRecord]:
        """``GET /messages`` from ``since``, each read through the callback parser (§5.2)."""
        async for message in self.client.iter_messages(from_date_time=since, size=page_size):
            try:
                yield message_event(message)
            except CallbackError as error:
                yield UnreadableRecord(message.id, str(error))

    # -- numbers ------------------------------------------------------------------------------

    async def list_numbers(
        self, *, application_id: str | None = None, page_size: int = 100
    ) -> list[base.PhoneNumber]:
        """Every number on the account (§4), following ``Link`` pages."""
        numbers = self.client.iter_phone_numbers(application_id=application_id, size=page_size)
        return [phone_number(number) async for number in numbers]

    async def get_number(self, number_id_or_e164: str) -> base.PhoneNumber:
        """One number by id (``n-…``) or E.164 (§4)."""
        return phone_number(await self.client.get_phone_number(number_id_or_e164))

    async def search_numbers(self, criteria: NumberSearch) -> list[base.AvailableNumber]:
        """Search local (§3.1) or toll-free (§3.2) numbers."""
        if criteria.toll_free:
            found = await self.client.search_toll_free_numbers(
                quantity=criteria.quantity, pattern=criteria.pattern
            )
        else:
            found = await self.client.search_local_numbers(
                state=criteria.state,
                city=criteria.city,
                zip_code=criteria.zip_code,
                area_code=criteria.area_code,
                local_number=criteria.local_number,
                in_local_calling_area=criteria.in_local_calling_area,
                pattern=criteria.pattern,
                quantity=criteria.quantity,
            )
        return [available_number(offer) for offer in found]

    async def find_offer(self, e164: str, *, toll_free: bool) -> base.AvailableNumber | None:
        """The offer of one number: a pattern of all ten national digits matches the number
        itself (§3.1 patterns)."""
        digits = e164.removeprefix("+1")
        if toll_free:
            found = await self.client.search_toll_free_numbers(pattern=digits, quantity=1)
        else:
            found = await self.client.search_local_numbers(
                area_code=digits[:3], pattern=digits, quantity=1
            )
        for offer in found:
            if offer.number == e164:
                return available_number(offer)
        return None

    async def order_number(
        self, e164: str, *, application_id: str | None = None, name: str | None = None
    ) -> str:
        """Buy one available number with ``POST /phoneNumbers`` (§4)."""
        return await self.client.order_phone_number(e164, application_id=application_id, name=name)

    async def assign_number(self, number_id: str, application_id: str | None) -> None:
        """Set the number's ``applicationId`` (§4: empty detaches)."""
        if application_id is None:
            await self.client.detach_application(number_id)
        else:
            await self.client.assign_application(number_id, application_id)

    async def release_number(self, number_id: str) -> None:
        """``DELETE`` the number (§4)."""
        await self.client.release_phone_number(number_id)

    # -- applications -------------------------------------------------------------------------

    async def list_applications(self) -> list[base.Application]:
        """Every application (§2), following ``Link`` pages."""
        return [application(app) async for app in self.client.iter_applications()]

    async def get_application(self, application_id: str) -> base.Application:
        """One application (§2)."""
        return application(await self.client.get_application(application_id))

    async def create_application(self, settings: base.ApplicationSettings) -> str:
        """Create an application (§2); answer its id (``a-…``)."""
        return await self.client.create_application(application_settings(settings))

    async def update_application(
        self, application_id: str, changes: base.ApplicationSettings
    ) -> None:
        """Change the fields set in ``changes`` (§2)."""
        await self.client.update_application(application_id, application_settings(changes))

    async def delete_application(self, application_id: str) -> None:
        """Delete an application (§2)."""
        await self.client.delete_application(application_id)


# -- v1 resources as provider-neutral values -------------------------------------------------


def application_settings(settings: base.ApplicationSettings) -> models.ApplicationSettings:
    """The v1 payload of an application create or update."""
    return models.ApplicationSettings(
        name=settings.name,
        incoming_call_url=settings.incoming_call_url,
        incoming_message_url=settings.incoming_message_url,
        callback_http_method=settings.callback_http_method,
        auto_answer=settings.auto_answer,
    )


def application(app: models.Application) -> base.Application:
    """A v1 application; the legacy ``incomingSmsUrl`` (§1.11) stands in for a missing
    ``incomingMessageUrl``."""
    return base.Application(
        id=app.id,
        name=app.name,
        incoming_call_url=app.incoming_call_url,
        incoming_call_url_callback_timeout=app.incoming_call_url_callback_timeout,
        incoming_call_fallback_url=app.incoming_call_fallback_url,
        incoming_message_url=app.incoming_message_url or app.incoming_sms_url,
        incoming_message_url_callback_timeout=app.incoming_message_url_callback_timeout,
        incoming_message_fallback_url=app.incoming_message_fallback_url,
        callback_http_method=app.callback_http_method,
        auto_answer=app.auto_answer,
    )


def available_number(offer: models.AvailableNumber) -> base.AvailableNumber:
    """A v1 available number (§3)."""
    return base.AvailableNumber(
        number=offer.number,
        national_number=offer.national_number,
        pattern_match=offer.pattern_match,
        city=offer.city,
        rate_center=offer.rate_center,
        state=offer.state,
        lata=offer.lata,
        price=offer.price,
    )


def phone_number(number: models.PhoneNumber) -> base.PhoneNumber:
    """A v1 phone number (§4); its application is ``applicationId`` or the last segment of
    the ``application`` URL."""
    return base.PhoneNumber(
        id=number.id,
        number=number.number,
        national_number=number.national_number,
        name=number.name,
        application_id=application_id_of(number),
        fallback_number=number.fallback_number,
        city=number.city,
        state=number.state,
        price=number.price,
        created_time=number.created_time,
        number_state=number.number_state,
    )


def application_id_of(number: models.PhoneNumber) -> str | None:
    """The id of the application a number points at (§4: ``applicationId`` or the URL)."""
    if number.application_id:
        return number.application_id
    if number.application:
        return number.application.rstrip("/").rsplit("/", 1)[-1] or None
    return None
