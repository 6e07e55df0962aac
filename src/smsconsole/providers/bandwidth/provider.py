"""Bandwidth's current API behind the :class:`~smsconsole.providers.base.Provider` protocol.

Messaging v2 and Voice v2 are JSON, the Numbers API XML (docs/bandwidth-v2.md §7.1 maps each
method). Where v2 differs from what the protocol promises, it is said here and in the product:

* A message's status callbacks go to its messaging application's ``OutboundCallbackUrl``,
  not to a per-message URL: ``send_message``'s ``callback_url`` is not sent (the application
  created by the setup points at this server already).
* The message list carries no texts (§2.2): a backfill recovers the states of sent
  messages; an inbound text the server missed is not recovered by it, but arrives through
  Bandwidth's callback retries (24 h, §3.1). Such records are skipped with that reason.
* Calls are driven with BXML (§4.9, §4.10): answering an inbound call ringing under
  ``<Ring answerCall="false">`` replaces its BXML with a short ``<Pause>`` (which answers) and
  a ``<Redirect>`` to this server (so the answer is reported, as a ``redirect`` carrying
  ``answerTime``: v2 sends no ``answer`` for an inbound call); speaking and transferring
  replace it too. A transfer's new leg has no id until its first event (§7.1), so
  ``transfer_call`` answers ``""``.
* Orders and disconnects are asynchronous (§5.3, §5.8): ``order_number`` and
  ``release_number`` wait, bounded, for them to complete.

Callback credentials: v2 sends the Basic credentials configured on the application or the
request, never a URL's userinfo (§1.2, §3.1). :meth:`callback_url` still writes them into the
URL, as for v1, so that the neutral settings carry them; every place a URL goes to Bandwidth
takes them out again into the fields v2 has for them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from xml.sax.saxutils import escape, quoteattr

from smsconsole.core import events
from smsconsole.core.events import MessageEvent
from smsconsole.core.phone import format_national
from smsconsole.providers import base
from smsconsole.providers.bandwidth.numbers import (
    MESSAGING,
    VOICE,
    NumbersApi,
    Peer,
    e164_of,
    ten_digits,
)
from smsconsole.providers.bandwidth.parser import BandwidthCallbacks
from smsconsole.providers.bandwidth.wire import SERVER_PATIENCE, BandwidthError, Wire
from smsconsole.providers.bandwidth.xmldoc import text
from smsconsole.providers.base import (
    CallbackKind,
    CallbackTarget,
    NumberSearch,
    OutgoingMessage,
    Patience,
    UnreadableRecord,
)

HOLD_SECONDS: Final = 86400  # a <Pause> that holds an answered call until the console acts
WINDOW: Final = timedelta(days=14)  # the message list searches at most 14 days at a time
_SEARCH_KEYS: Final = re.compile(r"^[A-Za-z0-9]{1,10}$")

_LIST_STATES: Final[dict[str, tuple[events.MessageState, events.DeliveryState | None]]] = {
    "QUEUED": ("queued", None),
    "ACCEPTED": ("queued", None),
    "SENDING": ("sending", None),
    "SENT": ("sent", None),
    "DELIVERED": ("sent", "delivered"),
    "FAILED": ("error", "not-delivered"),
    "UNDELIVERED": ("error", "not-delivered"),
}


@dataclass(frozen=True)
class Credentials:
    """The Basic credentials a callback URL carried in its userinfo, and the plain URL."""

    url: str
    username: str | None
    password: str | None


def split_credentials(url: str) -> Credentials:
    """Take the userinfo out of a callback URL (v2 sends credentials in fields of their own)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return Credentials(url, None, None)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    plain = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return Credentials(plain, unquote(parts.username or ""), unquote(parts.password or ""))


def _creds(found: Credentials) -> dict[str, object] | None:
    if not found.password:
        return None
    return {"UserId": found.username or "", "Password": found.password}


class BandwidthProvider(BandwidthCallbacks):
    """A Bandwidth account on its current API, as a :class:`~smsconsole.providers.base.Provider`.

    Args:
        wire: The authenticated HTTP engine.
        account_id: The account id (in every path).
        messaging_url: Messaging v2 base (``…/api/v2``).
        voice_url: Voice v2 base (``…/api/v2``).
        numbers_url: Numbers API base (``…/api``).
    """

    def __init__(
        self,
        wire: Wire,
        *,
        account_id: str,
        messaging_url: str,
        voice_url: str,
        numbers_url: str,
    ) -> None:
        self._wire = wire
        account = quote(account_id, safe="")
        self.messaging = f"{messaging_url.rstrip('/')}/users/{account}"
        self.voice = f"{voice_url.rstrip('/')}/accounts/{account}"
        self.numbers = NumbersApi(wire, numbers_url, account_id)

    @classmethod
    def open(
        cls,
        *,
        account_id: str,
        username: str,
        password: str,
        messaging_url: str,
        voice_url: str,
        numbers_url: str,
        patience: Patience | None = None,
    ) -> BandwidthProvider:
        """A provider with its own connections to the account."""
        wire = Wire(username=username, password=password, patience=patience or SERVER_PATIENCE)
        return cls(
            wire,
            account_id=account_id,
            messaging_url=messaging_url,
            voice_url=voice_url,
            numbers_url=numbers_url,
        )

    async def aclose(self) -> None:
        """Close the connections."""
        await self._wire.aclose()

    def callback_url(self, target: CallbackTarget, kind: CallbackKind) -> str:
        """``<base>/callbacks/<kind>`` with the credentials in its userinfo (taken out again
        into v2's credential fields wherever the URL is given to Bandwidth)."""
        parts = urlsplit(f"{target.base_url.rstrip('/')}/callbacks/{kind}")
        userinfo = f"{quote(target.username, safe='')}:{quote(target.password, safe='')}"
        netloc = f"{userinfo}@{parts.netloc}" if target.password else parts.netloc
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    # -- messages -----------------------------------------------------------------------------

    async def send_message(self, message: OutgoingMessage, *, callback_url: str) -> str:
        """``POST /users/{a}/messages`` (§2.1) through the messaging application of the
        sending number's peer; answer the message id."""
        peer = await self._peer_of_ours(message.from_)
        if peer.messaging_app_id is None:
            raise _refused(
                f"{message.from_} is on no messaging application: assign it to an application"
                " first",
                "POST",
                f"{self.messaging}/messages",
            )
        body: dict[str, Any] = {
            "applicationId": peer.messaging_app_id,
            "to": [message.to],
            "from": message.from_,
        }
        if message.text:
            body["text"] = message.text
        if message.media:
            body["media"] = list(message.media)
        url = f"{self.messaging}/messages"
        return _id_in(await self._wire.json("POST", url, body), "id", "the message", url)

    async def upload_media(self, name: str, content: bytes, content_type: str) -> str:
        """``PUT /users/{a}/media/{name}`` (§2.3); answer the media URL."""
        url = f"{self.messaging}/media/{quote(name, safe='')}"
        await self._wire.send("PUT", url, content=content, content_type=content_type)
        return url

    async def message_failure(self, message_id: str) -> tuple[str, str] | None:
        """The error code of a failed message from the message list (§2.2); the
        ``message-failed`` callback already carried its words."""
        answer = await self._wire.json(
            "GET", f"{self.messaging}/messages", params={"messageId": message_id}
        )
        listed = answer.get("messages") if isinstance(answer, dict) else None
        for item in listed if isinstance(listed, list) else []:
            code = item.get("errorCode") if isinstance(item, dict) else None
            if isinstance(code, int) and code:
                return str(code), f"Bandwidth error {code}"
        return None

    async def messages_since(
        self, since: datetime, *, page_size: int
    ) -> AsyncIterator[MessageEvent | UnreadableRecord]:
        """The message list from ``since`` on, in 14-day windows (§2.2), as state events."""
        start = since.astimezone(UTC)
        now = datetime.now(UTC)
        seen: set[str] = set()
        while start < now:
            end = min(start + WINDOW, now)
            params = {
                "fromDateTime": _iso(start),
                "toDateTime": _iso(end),
                "limit": str(page_size),
            }
            while True:
                answer = await self._wire.json("GET", f"{self.messaging}/messages", params=params)
                page = answer if isinstance(answer, dict) else {}
                items = page.get("messages")
                for item in items if isinstance(items, list) else []:
                    yield listed_message(item)
                info = page.get("pageInfo")
                token = info.get("nextPageToken") if isinstance(info, dict) else None
                if not isinstance(token, str) or not token or not items:
                    break
                if token in seen:
                    raise BandwidthError(
                        "Bandwidth's message list gave a page token it had given before; the"
                        " listing stopped there rather than go round forever",
                        status=200,
                        category="invalid-response",
                        method="GET",
                        path=f"{self.messaging}/messages",
                    )
                seen.add(token)
                params = {**params, "pageToken": token}
            start = end

    # -- calls --------------------------------------------------------------------------------

    async def create_call(
        self, from_: str, to: str, *, callback_url: str, tag: str | None = None
    ) -> str:
        """``POST /accounts/{a}/calls`` (§4.2) through the voice application of the calling
        number's peer; its webhooks come to ``callback_url``."""
        peer = await self._peer_of_ours(from_)
        if peer.voice_app_id is None:
            raise _refused(
                f"{from_} is on no voice application: assign it to an application first",
                "POST",
                f"{self.voice}/calls",
            )
        found = split_credentials(callback_url)
        body: dict[str, Any] = {
            "from": from_,
            "to": to,
            "applicationId": peer.voice_app_id,
            "answerUrl": found.url,
            "answerMethod": "POST",
            "disconnectUrl": found.url,
            "disconnectMethod": "POST",
        }
        if found.password:
            body["username"], body["password"] = found.username or "", found.password
        if tag is not None:
            body["tag"] = tag
        url = f"{self.voice}/calls"
        return _id_in(await self._wire.json("POST", url, body), "callId", "the call", url)

    async def answer_call(self, call_id: str, *, callback_url: str) -> None:
        """Replace the ringing BXML (§4.10) with a short ``<Pause>``, which answers the call,
        then a ``<Redirect>`` to ``callback_url``: its ``redirect`` carries ``answerTime``,
        which the server reads as the answer, and the server's reply holds the call."""
        found = split_credentials(callback_url)
        redirect = f"<Redirect redirectUrl={quoteattr(found.url)}{_creds_attributes(found)}/>"
        verbs = f'<Pause duration="1"/>{redirect}'
        await self._bxml(call_id, verbs, hold=False)

    async def reject_call(self, call_id: str) -> None:
        """``state: completed`` on an unanswered inbound call rejects it (§4.4)."""
        await self._wire.json("POST", self._call(call_id), {"state": "completed"})

    async def hang_up_call(self, call_id: str) -> None:
        """``state: completed`` ends a live call (§4.4)."""
        await self._wire.json("POST", self._call(call_id), {"state": "completed"})

    async def speak_sentence(
        self,
        call_id: str,
        sentence: str,
        *,
        gender: str | None = None,
        locale: str | None = None,
        voice: str | None = None,
    ) -> None:
        """Replace the call's BXML with ``<SpeakSentence>`` and then a hold (§4.9)."""
        attributes = "".join(
            f" {name}={quoteattr(value)}"
            for name, value in (("voice", voice), ("gender", gender), ("locale", locale))
            if value
        )
        spoken = escape(sentence)
        await self._bxml(call_id, f"<SpeakSentence{attributes}>{spoken}</SpeakSentence>")

    async def transfer_call(self, call_id: str, to: str, *, callback_url: str) -> str:
        """Replace the call's BXML with a ``<Transfer>`` to ``to`` (§4.9); the new leg's id
        arrives with its first event, so the answer is ``""``."""
        found = split_credentials(callback_url)
        creds = _creds_attributes(found)
        url = quoteattr(found.url)
        verb = (
            f"<Transfer transferCompleteUrl={url}{creds}>"
            f"<PhoneNumber transferAnswerUrl={url} transferDisconnectUrl={url}{creds}>"
            f"{escape(to)}</PhoneNumber></Transfer>"
        )
        await self._bxml(call_id, verb, hold=False)
        return ""

    def _call(self, call_id: str) -> str:
        return f"{self.voice}/calls/{quote(call_id, safe='')}"

    async def _bxml(self, call_id: str, verbs: str, *, hold: bool = True) -> None:
        """``PUT /calls/{id}/bxml`` (§4.5): the call runs ``verbs`` now (then a hold)."""
        document = f'<?xml version="1.0" encoding="UTF-8"?><Bxml>{verbs}'
        if hold:
            document += f'<Pause duration="{HOLD_SECONDS}"/>'
        document += "</Bxml>"
        await self._wire.send(
            "PUT",
            f"{self._call(call_id)}/bxml",
            content=document.encode("utf-8"),
            content_type="application/xml",
        )

    # -- numbers ------------------------------------------------------------------------------

    async def _peer_of_ours(self, e164: str) -> Peer:
        peer = await self.numbers.peer_of(e164)
        if peer is None:
            raise _refused(f"{e164} is not a number of this account", "GET", "/tns")
        return peer

    async def list_numbers(
        self, *, application_id: str | None = None, page_size: int = 100
    ) -> list[base.PhoneNumber]:
        """The account's numbers in service (§5.4), each with the application (peer) it is
        on; with ``application_id``, only that peer's."""
        peers = await self.numbers.peers(fresh=True)
        on_peer: dict[str, Peer] = {}
        for peer in peers:
            if application_id is not None and peer.id != application_id:
                continue
            for number in await self.numbers.peer_tns(peer):
                on_peer[number] = peer
        if application_id is not None:
            return [_number(n, on_peer[n]) for n in sorted(on_peer)]
        listed = await self.numbers.in_service(page_size)
        return [_number(n, on_peer.get(n)) for n in listed]

    async def get_number(self, number_id_or_e164: str) -> base.PhoneNumber:
        """One number (its id is its E.164 form): in service, and on which peer."""
        e164 = (
            e164_of(number_id_or_e164)
            if not number_id_or_e164.startswith("+")
            else (number_id_or_e164)
        )
        if not await self.numbers.is_in_service(e164):
            raise BandwidthError(
                f"{e164} is not in service on this account",
                status=404,
                category="not-found",
                method="GET",
                path=f"{self.numbers.base}/inserviceNumbers/{ten_digits(e164)}",
            )
        return _number(e164, await self.numbers.peer_of(e164))

    async def search_numbers(self, criteria: NumberSearch) -> list[base.AvailableNumber]:
        """``availableNumbers`` (§5.2) with the criteria in v2's words."""
        return [_offer(item) for item in await self.numbers.search(search_params(criteria))]

    async def find_offer(self, e164: str, *, toll_free: bool) -> base.AvailableNumber | None:
        """There is no exact-number search: search its NPA-NXX-X block (toll-free: its
        wildcard) and look for it."""
        digits = ten_digits(e164)
        if toll_free:
            params = {"tollFreeWildCardPattern": digits[:3] + "*", "quantity": "5000"}
        else:
            params = {"npaNxxx": digits[:7], "quantity": "5000"}
        for item in await self.numbers.search(params):
            offer = _offer(item)
            if offer.number == e164:
                return offer
        return None

    async def order_number(
        self, e164: str, *, application_id: str | None = None, name: str | None = None
    ) -> str:
        """Order the number onto the application's peer (or the default one) and wait for
        the order to complete; answer its id (its E.164 form)."""
        if application_id is not None:
            peer = await self.numbers.peer(application_id)
        else:
            peer = await self.numbers.default_peer()
        await self.numbers.order(e164, peer, name)
        return e164

    async def assign_number(self, number_id: str, application_id: str | None) -> None:
        """Move the number onto the application's peer (``None``: the site's default peer,
        which has no applications)."""
        e164 = number_id if number_id.startswith("+") else e164_of(number_id)
        current = await self.numbers.peer_of(e164)
        if application_id is None:
            target = await self.numbers.default_peer(None if current is None else current.site_id)
        else:
            target = await self.numbers.peer(application_id)
        if current is not None and current.id == target.id:
            return
        await self.numbers.move(e164, target)
        self.numbers.forget()

    async def release_number(self, number_id: str) -> None:
        """Disconnect the number (§5.8) and wait for it to complete."""
        e164 = number_id if number_id.startswith("+") else e164_of(number_id)
        await self.numbers.disconnect(e164)

    # -- applications -------------------------------------------------------------------------

    async def list_applications(self) -> list[base.Application]:
        """Every SIP peer that uses a v2 application, as an smsconsole application."""
        peers = await self.numbers.peers(fresh=True)
        return [await self._application(peer) for peer in peers if peer.has_applications]

    async def get_application(self, application_id: str) -> base.Application:
        """One smsconsole application: a SIP peer and its two v2 applications."""
        peer = await self.numbers.peer(application_id)
        if not peer.has_applications:
            raise BandwidthError(
                f"SIP peer {application_id!r} uses no v2 application",
                status=404,
                category="not-found",
                method="GET",
                path=f"{self.numbers.base}/sites/{peer.site_id}/sippeers/{peer.id}",
            )
        return await self._application(peer)

    async def _application(self, peer: Peer) -> base.Application:
        messaging = voice = None
        if peer.messaging_app_id is not None:
            messaging = await self.numbers.application(peer.messaging_app_id)
        if peer.voice_app_id is not None:
            voice = await self.numbers.application(peer.voice_app_id)
        timeout = None if voice is None else voice.callback_timeout
        named = messaging or voice
        return base.Application(
            id=peer.id,
            name=(named.name if named is not None else None) or peer.name,
            incoming_message_url=None if messaging is None else messaging.inbound_url,
            incoming_call_url=None if voice is None else voice.initiated_url,
            incoming_call_url_callback_timeout=(
                int(float(timeout) * 1000) if timeout and _number_text(timeout) else None
            ),
            callback_http_method=(
                None
                if voice is None or voice.initiated_method is None
                else voice.initiated_method.lower()
            ),
            auto_answer=False,  # v2 rings until the console answers (§4.10)
        )

    async def create_application(self, settings: base.ApplicationSettings) -> str:
        """Create the Messaging-V2 and Voice-V2 applications and a SIP peer using them
        (§5.5-§5.7); answer the peer's id."""
        name = settings.name or "smsconsole"
        messaging = voice = None
        if settings.incoming_message_url:
            messaging = await self.numbers.create_application(
                _messaging_fields(name, settings.incoming_message_url)
            )
        if settings.incoming_call_url:
            voice = await self.numbers.create_application(
                _voice_fields(name, settings.incoming_call_url, settings.callback_http_method)
            )
        site = (await self.numbers.default_peer()).site_id
        peer_id = await self.numbers.create_peer(site, name)
        peer = Peer(id=peer_id, site_id=site, name=name, is_default=False)
        await self.numbers.use_applications(peer, messaging=messaging, voice=voice)
        return peer_id

    async def update_application(
        self, application_id: str, changes: base.ApplicationSettings
    ) -> None:
        """Change the peer's v2 applications (creating the one a new URL needs)."""
        peer = await self.numbers.peer(application_id)
        messaging, voice = peer.messaging_app_id, peer.voice_app_id
        current = await self._application(peer)
        name = changes.name or current.name or peer.name
        if changes.incoming_message_url or (changes.name and messaging):
            url = changes.incoming_message_url or current.incoming_message_url or ""
            fields: dict[str, object] = _messaging_fields(name, url) if url else {"AppName": name}
            if messaging is None:
                messaging = await self.numbers.create_application(fields)
            else:
                fields.pop("ServiceType", None)
                await self.numbers.patch_application(messaging, fields)
        if changes.incoming_call_url or changes.callback_http_method or (changes.name and voice):
            url = changes.incoming_call_url or current.incoming_call_url or ""
            method = changes.callback_http_method or current.callback_http_method
            fields = _voice_fields(name, url, method) if url else {"AppName": name}
            if voice is None:
                voice = await self.numbers.create_application(fields)
            else:
                fields.pop("ServiceType", None)
                await self.numbers.patch_application(voice, fields)
        if (messaging, voice) != (peer.messaging_app_id, peer.voice_app_id):
            await self.numbers.use_applications(peer, messaging=messaging, voice=voice)

    async def delete_application(self, application_id: str) -> None:
        """Move the peer's numbers to the default peer, then delete the peer and then its two
        v2 applications (a refused peer deletion leaves the application whole)."""
        peer = await self.numbers.peer(application_id)
        if peer.is_default:
            raise _refused("the site's default SIP peer is not deleted", "DELETE", "/sippeers")
        home = await self.numbers.default_peer(peer.site_id)
        for number in await self.numbers.peer_tns(peer):
            await self.numbers.move(number, home)
        await self.numbers.delete_peer(peer)
        for app_id in (peer.messaging_app_id, peer.voice_app_id):
            if app_id is not None:
                await self.numbers.delete_application(app_id)


# -- v2 records as provider-neutral values ---------------------------------------------------


def listed_message(item: object) -> MessageEvent | UnreadableRecord:
    """A message-list item (§2.2) as the state event a callback would have carried; an
    inbound item is skipped, saying why (the list has no texts)."""
    if not isinstance(item, dict):
        return UnreadableRecord("?", "a message-list item is not an object")
    message_id = item.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        return UnreadableRecord("?", "a message-list item has no messageId")
    if item.get("messageDirection") == "INBOUND":
        return UnreadableRecord(
            message_id,
            "Bandwidth's message list has no texts, so a missed inbound text is not recovered "
            "from it; Bandwidth retries its callback for 24 hours",
        )
    status = item.get("messageStatus")
    mapped = _LIST_STATES.get(status) if isinstance(status, str) else None
    source, destination = item.get("sourceTn"), item.get("destinationTn")
    if mapped is None or not isinstance(source, str) or not isinstance(destination, str):
        return UnreadableRecord(message_id, f"a message-list item of status {status!r}")
    state, delivery = mapped
    code = item.get("errorCode")
    segments = item.get("segmentCount")
    return MessageEvent(
        event_type="mms" if item.get("messageType") == "mms" else "sms",
        direction="out",
        message_id=message_id,
        from_=source,
        to=destination,
        state=state,
        delivery_state=delivery,
        delivery_code=str(code) if state == "error" and isinstance(code, int) else None,
        segment_count=segments if isinstance(segments, int) else None,
        time=_time(item.get("receiveTime")),
    )


def search_params(criteria: NumberSearch) -> dict[str, str]:
    """The ``availableNumbers`` query for the criteria (§5.2).

    Raises:
        BandwidthError: A v1 pattern with wildcards, which v2 cannot search (400, before
            any request).
    """
    params: dict[str, str] = {"quantity": str(criteria.quantity or 10)}
    if criteria.toll_free:
        pattern = (criteria.pattern or "8**").replace("?", "*")
        params["tollFreeWildCardPattern"] = pattern[:3]
        return params
    if criteria.area_code and criteria.local_number:
        block = (criteria.area_code + criteria.local_number)[:7]
        params["npaNxxx" if len(block) == 7 else "npaNxx"] = (
            block[:7] if len(block) == 7 else (block[:6])
        )
    elif criteria.area_code:
        params["areaCode"] = criteria.area_code
    if criteria.city:
        params["city"] = criteria.city
    if criteria.state:
        params["state"] = criteria.state
    if criteria.zip_code:
        params["zip"] = criteria.zip_code
    if criteria.in_local_calling_area is not None:
        params["LCA"] = "true" if criteria.in_local_calling_area else "false"
    if criteria.pattern:
        if not _SEARCH_KEYS.match(criteria.pattern):
            raise BandwidthError(
                "Bandwidth v2 searches no wildcard patterns: give letters or digits the number"
                " should contain (a vanity search), or an area code and local number",
                status=400,
                category="bad-request",
                method="GET",
                path="/availableNumbers",
            )
        params["localVanity"] = criteria.pattern
    return params


def _offer(item: Any) -> base.AvailableNumber:
    digits = text(item, "FullNumber") or ""
    e164 = e164_of(digits)
    return base.AvailableNumber(
        number=e164,
        national_number=format_national(e164),
        city=text(item, "City"),
        rate_center=text(item, "RateCenter"),
        state=text(item, "State"),
        lata=text(item, "LATA"),
    )


def _number(e164: str, peer: Peer | None) -> base.PhoneNumber:
    return base.PhoneNumber(
        id=e164,
        number=e164,
        national_number=format_national(e164),
        application_id=peer.id if peer is not None and peer.has_applications else None,
        number_state="enabled",
    )


def _id_in(answer: object, key: str, what: str, url: str) -> str:
    """The new resource's id in a create's JSON answer.

    Raises:
        BandwidthError: The answer has none (the request took effect: say so).
    """
    found = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(found, str) or not found:
        raise BandwidthError(
            f"Bandwidth accepted {what} but did not say its id",
            category="invalid-response",
            outcome_unknown=True,
            method="POST",
            path=urlsplit(url).path,
        )
    return found


def _messaging_fields(name: str, url: str) -> dict[str, object]:
    found = split_credentials(url)
    return {
        "ServiceType": MESSAGING,
        "AppName": name,
        "InboundCallbackUrl": found.url,
        "OutboundCallbackUrl": found.url,
        "InboundCallbackCreds": _creds(found),
        "OutboundCallbackCreds": _creds(found),
        "RequestedCallbackTypes": {
            "CallbackType": ["message-delivered", "message-failed", "message-sending"]
        },
    }


def _voice_fields(name: str, url: str, method: str | None) -> dict[str, object]:
    found = split_credentials(url)
    verb = (method or "POST").upper()
    return {
        "ServiceType": VOICE,
        "AppName": name,
        "CallInitiatedCallbackUrl": found.url,
        "CallInitiatedMethod": verb,
        "CallStatusCallbackUrl": found.url,
        "CallStatusMethod": verb,
        "CallbackCreds": _creds(found),
    }


def _creds_attributes(found: Credentials) -> str:
    """BXML ``username``/``password`` attributes for the credentials (none without them)."""
    if not found.password:
        return ""
    return f" username={quoteattr(found.username or '')} password={quoteattr(found.password)}"


def _refused(message: str, method: str, path: str) -> BandwidthError:
    return BandwidthError(message, status=400, category="bad-request", method=method, path=path)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _number_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
