"""The Messaging v2 service: messages, media files, and each message's lifecycle (§2.4).

Outbound, per destination in the order given: ``message-sending`` (MMS only), then after a
while ``message-delivered`` or ``message-failed`` with an ``errorCode`` (the rule is in
``messaging_records.py``). Inbound: one ``message-received``. Status events go to the messaging
application's ``outbound_url`` with ``outbound_creds``, inbound ones to its ``inbound_url``
with ``inbound_creds``; an application without that URL gets nothing.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections.abc import Callable
from urllib.parse import quote, unquote, urlsplit

from starlette.requests import Request

from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.messaging_delivery import Callback, CallbackDelivery, Faults
from smsconsole.sandbox.bandwidth.messaging_records import (
    MEDIA_UNAVAILABLE,
    Destination,
    MediaFile,
    Message,
    destination_failure,
    error_description,
    event_json,
    now,
)
from smsconsole.sandbox.bandwidth.messaging_request import SendRequest
from smsconsole.sandbox.bandwidth.runtime import V2Sandbox
from smsconsole.sandbox.engine import segment_count

ID_ALPHABET = string.ascii_lowercase + string.digits
QUEUED_DELAY = 0.2  # seconds from the 202 to the first event
SENT_DELAY = 0.5  # seconds from ``sending`` to the outcome
MEDIA_PAGE = 1000  # files per ``GET …/media`` answer (§2.3)


class MessagingService:
    """Messages and media of the account, and the callbacks they cause."""

    def __init__(self, sandbox: V2Sandbox) -> None:
        self.sandbox = sandbox
        self.delivery = CallbackDelivery(sandbox)
        self.messages: dict[str, Message] = {}
        self.media: dict[str, MediaFile] = {}
        self.media_page = MEDIA_PAGE
        self._seq = 0
        self._random = random.Random(sandbox.config.seed)
        # Called with each accepted outbound message once its lifecycle starts (contacts).
        self.observers: list[Callable[[Message], None]] = []

    @property
    def faults(self) -> Faults:
        """The test switches of callback delivery."""
        return self.delivery.faults

    def reset(self) -> None:
        """Forget every message, file and queued callback (the account was reset)."""
        self.messages.clear()
        self.media.clear()
        self.delivery.reset()

    async def start(self) -> None:
        """Nothing to start: lifecycles are spawned per message."""

    async def stop(self) -> None:
        """Nothing to stop: the sandbox cancels the lifecycles and deliveries."""

    def next_seq(self) -> int:
        """An increasing number (message and file order)."""
        self._seq += 1
        return self._seq

    def new_id(self) -> str:
        """A message id in Bandwidth's usual form: epoch milliseconds + 16 of ``[a-z0-9]``."""
        suffix = "".join(self._random.choice(ID_ALPHABET) for _ in range(16))
        return f"{int(time.time() * 1000)}{suffix}"

    def media_url(self, name: str) -> str:
        """The URL a stored file is downloaded from (``content`` in the media list)."""
        account = self.sandbox.config.account_id
        return f"{self.sandbox.base_url}/api/v2/users/{account}/media/{quote(name, safe='/')}"

    # -- outbound ----------------------------------------------------------------------------
    def send(self, request: SendRequest) -> Message:
        """Record an accepted message; its lifecycle starts with :meth:`begin`."""
        message = Message(
            id=self.new_id(),
            direction="out",
            owner=request.from_,
            application_id=request.application_id,
            from_=request.from_,
            to=list(request.to),
            text=request.text,
            media=list(request.media),
            at=now(),
            seq=self.next_seq(),
            segment_count=segment_count(request.text, list(request.media)),
            tag=request.tag,
            priority=request.priority,
            expiration=request.expiration,
            destinations=[Destination(to) for to in request.to],
        )
        self.messages[message.id] = message
        return message

    def begin(self, message: Message) -> None:
        """Start the message's lifecycle in the background (after its answer was sent)."""
        self.sandbox.spawn(self._outbound(message, self.faults.reorder))
        for observer in self.observers:
            observer(message)

    def _missing_media(self, message: Message) -> bool:
        own = f"{self.sandbox.base_url}/api/v2/users/{self.sandbox.config.account_id}/media/"
        for url in message.media:
            if url.startswith(own):
                name = unquote(urlsplit(url).path.split("/media/", 1)[1])
                if name not in self.media:
                    return True
        return False

    async def _outbound(self, message: Message, reorder: bool) -> None:
        held: list[Callback] = []

        def emit(callback: Callback | None) -> None:
            if callback is None:
                return
            if reorder:
                held.append(callback)
            else:
                self.delivery.send(message.id, callback)

        await self._sleep(QUEUED_DELAY)
        if message.media:
            for destination in message.destinations:
                destination.status = "SENDING"
                emit(self._status(message, destination, "message-sending"))
        await self._sleep(SENT_DELAY)
        expired = message.expiration is not None and message.expiration <= now()
        missing = self._missing_media(message)
        for destination in message.destinations:
            code = destination_failure(destination.to)
            if expired:
                code = 4360
            elif missing:
                code = MEDIA_UNAVAILABLE
            if code is None:
                destination.status = "DELIVERED"
                emit(self._status(message, destination, "message-delivered"))
            else:
                destination.status = "FAILED"
                destination.error_code = code
                emit(self._status(message, destination, "message-failed"))
        for callback in reversed(held):
            self.delivery.send(message.id, callback)

    def _status(self, message: Message, destination: Destination, kind: str) -> Callback | None:
        app = self.sandbox.account.applications.get(message.application_id)
        if app is None or not app.outbound_url:
            return None
        if kind == "message-failed":
            code = destination.error_code
            event = event_json(message, kind, destination.to, error_description(code), code)
        else:
            words = {
                "message-sending": "Message is sending to carrier",
                "message-delivered": "ok",
            }[kind]
            event = event_json(message, kind, destination.to, words)
        return Callback.of(app.outbound_url, app.outbound_creds, event)

    # -- inbound -----------------------------------------------------------------------------
    def receive(
        self, from_: str, to: str, application_id: str, text: str, media: list[str]
    ) -> Message:
        """A remote party texts ``to`` (a number of the account on a messaging application)."""
        message = Message(
            id=self.new_id(),
            direction="in",
            owner=to,
            application_id=application_id,
            from_=from_,
            to=[to],
            text=text,
            media=list(media),
            at=now(),
            seq=self.next_seq(),
            segment_count=segment_count(text, list(media)),
            destinations=[Destination(to, status="RECEIVED")],
        )
        self.messages[message.id] = message
        return message

    def announce(self, message: Message) -> None:
        """Send ``message-received`` to the application's inbound URL (in the background)."""
        app = self.sandbox.account.applications.get(message.application_id)
        if app is None or not app.inbound_url:
            return
        event = event_json(message, "message-received", message.owner, "Incoming message received")
        self.delivery.send(message.id, Callback.of(app.inbound_url, app.inbound_creds, event))

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(self.sandbox.delay(seconds))


def messaging_of(request: Request) -> MessagingService:
    """The service serving this request (and the sandbox learns its base URL)."""
    sandbox_of(request)
    service: MessagingService = request.app.state.messaging
    return service
