"""The provider seam: what smsconsole asks of a telephony provider, in its own words.

The server, the command line and the demo talk to a provider only through :class:`Provider`
and the values here, never through a provider's wire models; :mod:`.factory` opens the one
the configuration names. A provider's package (``providers/catapult/`` for Catapult v1)
implements the protocol over its own client, so adding a provider adds a package and a line
in the factory, and touches nothing else.

The values are frozen ``msgspec.Struct`` s: they cross the boundary into JSON answers (the
``/api`` speaks their snake_case field names) and into the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

import msgspec

from smsconsole.core.events import CallbackEvent, MessageEvent

CallbackKind = Literal["messages", "calls"]
# What the store made of one delivered event: new, or a delivery of one it already has.
CallbackOutcome = Literal["stored", "duplicate"]

# The code of a provider error raised when a request's total deadline passed (a stalled or
# trickling provider); the API answers it 504.
DEADLINE_EXCEEDED = "deadline-exceeded"


class ProviderError(Exception):
    """A failed provider request, in the provider's words.

    Attributes:
        message: The provider's explanation (or ours, when no answer arrived).
        status: HTTP status of the provider's answer, or ``None`` when no answer arrived.
        category: The provider's error category (``bad-request``, ``not-found``, ``limit``…),
            or ``network`` / ``invalid-response`` for failures on our side of the wire.
        code: The provider's error code (``missing-property``, ``deadline-exceeded``…).
        details: The provider's details as ``(name, value)`` pairs.
        outcome_unknown: ``True`` when the request may have taken effect although it failed
            (the connection broke after it was sent): check before repeating it.
        method: HTTP method of the failed request.
        path: Path of the failed request (no host, no credentials).
        attempts: How many times the request was sent before giving up.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        category: str = "",
        code: str = "",
        details: Sequence[tuple[str, str]] = (),
        outcome_unknown: bool = False,
        method: str = "",
        path: str = "",
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.category = category
        self.code = code
        self.details: tuple[tuple[str, str], ...] = tuple(details)
        self.outcome_unknown = outcome_unknown
        self.method = method
        self.path = path
        self.attempts = attempts

    @property
    def details_dict(self) -> dict[str, str]:
        """The ``details`` pairs as a dict (a later duplicate name wins)."""
        return dict(self.details)

    @property
    def timed_out(self) -> bool:
        """Whether the provider did not answer within the request's deadline."""
        return self.code == DEADLINE_EXCEEDED

    @property
    def unreachable(self) -> bool:
        """Whether the provider could not be reached at all (no answer, a network failure)."""
        return self.status is None and self.category == "network"

    @property
    def credentials_refused(self) -> bool:
        """Whether the provider refused the account's credentials."""
        return self.category in ("authorization", "authentication")


class CallbackError(ValueError):
    """A callback payload that cannot be read; answer it with a 4xx and store nothing.

    Attributes:
        field: The payload field at fault (the provider's name), or ``None`` for the body as
            a whole.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


_JSON_KINDS: dict[type, str] = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
    dict: "an object",
    list: "an array",
}


def decode_json_body(body: bytes) -> object:
    """A callback's body decoded from JSON; what cannot be read is a ``CallbackError``."""
    try:
        decoded: object = msgspec.json.decode(body)
    except UnicodeDecodeError as exc:
        raise CallbackError(
            f"the body is not valid UTF-8: {exc.reason} at byte {exc.start}"
        ) from exc
    except RecursionError as exc:
        raise CallbackError("the body is not valid JSON: nested too deeply") from exc
    except msgspec.DecodeError as exc:
        raise CallbackError(f"the body is not valid JSON: {exc}") from exc
    return decoded


def json_kind(value: object) -> str:
    """What a decoded JSON value is, in words for an error ("a string", "an array", …)."""
    return _JSON_KINDS.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Patience:
    """How long a caller waits on the provider before giving up on a request.

    Attributes:
        max_attempts: How many times one request may be sent in total (1 = never retry).
        max_total_wait: The most seconds spent waiting between attempts of one request.
        timeout: Seconds allowed for each network phase of one request.
    """

    max_attempts: int
    max_total_wait: float
    timeout: float


@dataclass(frozen=True)
class CallbackTarget:
    """Where the provider reaches this server, and the credentials it must present there.

    Attributes:
        base_url: This server's public address (``https://console.example.com``).
        username: The Basic-auth user the server expects on callbacks.
        password: The Basic-auth password; empty means callbacks carry no credentials.
    """

    base_url: str
    username: str
    password: str


class ApplicationSettings(msgspec.Struct, frozen=True, omit_defaults=True):
    """The writable fields of an application: a create, or the changes of an update.

    Fields left ``None`` are not changed by an update. A create needs ``name`` and at least
    one incoming URL; ``callback_http_method`` is ``GET`` or ``POST``.
    """

    name: str | None = None
    incoming_call_url: str | None = None
    incoming_message_url: str | None = None
    callback_http_method: str | None = None
    auto_answer: bool | None = None


class Application(msgspec.Struct, frozen=True, kw_only=True):
    """An application: where the provider sends a number's incoming calls and messages.

    Timeouts are milliseconds; a fallback URL is tried when its URL does not answer.
    """

    id: str
    name: str | None = None
    incoming_call_url: str | None = None
    incoming_call_url_callback_timeout: int | None = None
    incoming_call_fallback_url: str | None = None
    incoming_message_url: str | None = None
    incoming_message_url_callback_timeout: int | None = None
    incoming_message_fallback_url: str | None = None
    callback_http_method: str | None = None
    auto_answer: bool | None = None


class AvailableNumber(msgspec.Struct, frozen=True):
    """A number the provider offers to buy, with its location and monthly price.

    ``price`` is the provider's text (``"0.35"``); read it with
    :func:`smsconsole.providers.provisioning.price_of`.
    """

    number: str
    national_number: str | None = None
    pattern_match: str | None = None
    city: str | None = None
    rate_center: str | None = None
    state: str | None = None
    lata: str | None = None
    price: str | None = None


class PhoneNumber(msgspec.Struct, frozen=True):
    """A number on the account; ``application_id`` is the application it points at."""

    id: str
    number: str
    national_number: str | None = None
    name: str | None = None
    application_id: str | None = None
    fallback_number: str | None = None
    city: str | None = None
    state: str | None = None
    price: str | None = None
    created_time: datetime | None = None
    number_state: str | None = None


@dataclass(frozen=True)
class NumberSearch:
    """Criteria for numbers to buy: local, or toll-free.

    The provider validates the combination (for local numbers, typically one of state, ZIP
    or area code; city needs state; local number needs area code) and its answer is shown
    in its own words.
    """

    toll_free: bool = False
    state: str | None = None
    city: str | None = None
    zip_code: str | None = None
    area_code: str | None = None
    local_number: str | None = None
    in_local_calling_area: bool | None = None
    pattern: str | None = None
    quantity: int | None = None

    @property
    def has_local_criteria(self) -> bool:
        """Whether any criterion that only a local search takes is set."""
        local = (self.state, self.city, self.zip_code, self.area_code, self.local_number)
        return any(value is not None for value in local) or self.in_local_calling_area is not None

    @property
    def is_empty(self) -> bool:
        """Whether no criterion at all is set (toll-free counts as one)."""
        return not (self.toll_free or self.has_local_criteria or self.pattern)


@dataclass(frozen=True)
class OutgoingMessage:
    """A text (SMS) or, with media URLs, an MMS to send from one of our numbers."""

    from_: str
    to: str
    text: str | None = None
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnreadableRecord:
    """A record the provider listed that reads as no event (it is skipped, and logged)."""

    id: str
    reason: str


@dataclass(frozen=True)
class CallbackReply:
    """The answer a provider expects to a callback, in place of the server's JSON outcome.

    Attributes:
        body: The answer's text (a Voice v2 BXML document); empty for an answer with no
            body at all.
        media_type: The body's media type (``application/xml``); empty with an empty body.
    """

    body: str = ""
    media_type: str = ""


@runtime_checkable
class CallbackParser(Protocol):
    """Reading the provider's callback requests as core events. Pure: no I/O, no account.

    The server parses callbacks even when it has no provider account configured.
    """

    def parse_json_body(self, body: bytes) -> Sequence[CallbackEvent]:
        """The events a POSTed callback body carries, in order: at least one.

        (A Catapult v1 body carries one; a Messaging v2 body is an array of events.)

        Raises:
            CallbackError: The body is not a callback the provider sends, or carries no event.
        """
        ...

    def parse_query(self, pairs: Iterable[tuple[str, str]]) -> Sequence[CallbackEvent]:
        """The events a callback sent as a query string (GET) carries, in order: at least one.

        Raises:
            CallbackError: The query is not a callback the provider sends.
        """
        ...

    def dedupe_key(self, event: CallbackEvent) -> str:
        """A key equal for every delivery of the same event and different between events."""
        ...

    def callback_reply(
        self, event: CallbackEvent, outcome: CallbackOutcome
    ) -> CallbackReply | None:
        """What to answer the callback that brought ``event`` once it is committed.

        ``None``: the server's own JSON answer, ``{"outcome": ...}``. A provider whose calls
        are driven by the answer (Voice v2's BXML) says what the call does next. The answer
        must not depend on whether this delivery was the first (``outcome``): a retried
        delivery is owed the answer the first one got.
        """
        ...


@runtime_checkable
class Provider(CallbackParser, Protocol):
    """One telephony account at one provider: everything smsconsole asks of it.

    Every request that fails raises :class:`ProviderError`.
    """

    # -- callbacks ----------------------------------------------------------------------------

    def callback_url(self, target: CallbackTarget, kind: CallbackKind) -> str:
        """The URL to give the provider so that it calls ``target`` back for ``kind`` events,
        carrying the target's credentials the way this provider sends them."""
        ...

    # -- messages -----------------------------------------------------------------------------

    async def send_message(self, message: OutgoingMessage, *, callback_url: str) -> str:
        """Send a message, asking for its status at ``callback_url``; answer its provider id."""
        ...

    async def upload_media(self, name: str, content: bytes, content_type: str) -> str:
        """Store a file for an MMS under ``name`` (replacing any); answer its URL."""
        ...

    async def message_failure(self, message_id: str) -> tuple[str, str] | None:
        """Why a message the provider accepted failed later: its error code and words
        (``None`` when it has not said)."""
        ...

    # -- calls --------------------------------------------------------------------------------

    async def create_call(
        self, from_: str, to: str, *, callback_url: str, tag: str | None = None
    ) -> str:
        """Place an outbound call reporting to ``callback_url``; answer its provider id.

        ``tag`` is echoed back in every event of the call.
        """
        ...

    async def answer_call(self, call_id: str, *, callback_url: str) -> None:
        """Answer an inbound call that is ringing; where the provider asks what to do next,
        it asks ``callback_url`` (this server's call callbacks)."""
        ...

    async def reject_call(self, call_id: str) -> None:
        """Reject an inbound call that has not been answered."""
        ...

    async def hang_up_call(self, call_id: str) -> None:
        """End a live call."""
        ...

    async def speak_sentence(
        self,
        call_id: str,
        sentence: str,
        *,
        gender: str | None = None,
        locale: str | None = None,
        voice: str | None = None,
    ) -> None:
        """Speak text to the far end of a call."""
        ...

    async def transfer_call(self, call_id: str, to: str, *, callback_url: str) -> str:
        """Transfer a call to ``to``; answer the provider id of the new call leg."""
        ...

    # -- reconciling --------------------------------------------------------------------------

    def messages_since(
        self, since: datetime, *, page_size: int
    ) -> AsyncIterator[MessageEvent | UnreadableRecord]:
        """Every message the provider has from ``since`` on, as the event a callback would
        have carried (or, for a record that reads as none, why not)."""
        ...

    # -- numbers ------------------------------------------------------------------------------

    async def list_numbers(
        self, *, application_id: str | None = None, page_size: int = 100
    ) -> list[PhoneNumber]:
        """The account's numbers, optionally only those pointing at ``application_id``."""
        ...

    async def get_number(self, number_id_or_e164: str) -> PhoneNumber:
        """One of the account's numbers, by its id or its E.164 number."""
        ...

    async def search_numbers(self, criteria: NumberSearch) -> list[AvailableNumber]:
        """Numbers to buy matching ``criteria``."""
        ...

    async def find_offer(self, e164: str, *, toll_free: bool) -> AvailableNumber | None:
        """The provider's offer of one specific number, or ``None`` if it does not offer it."""
        ...

    async def order_number(
        self, e164: str, *, application_id: str | None = None, name: str | None = None
    ) -> str:
        """Buy one offered number, pointing it at ``application_id``; answer its id."""
        ...

    async def assign_number(self, number_id: str, application_id: str | None) -> None:
        """Point a number's calls and messages at an application (``None`` detaches it)."""
        ...

    async def release_number(self, number_id: str) -> None:
        """Give a number back to the provider, for good."""
        ...

    # -- applications -------------------------------------------------------------------------

    async def list_applications(self) -> list[Application]:
        """Every application on the account."""
        ...

    async def get_application(self, application_id: str) -> Application:
        """One application by id."""
        ...

    async def create_application(self, settings: ApplicationSettings) -> str:
        """Create an application and answer its id."""
        ...

    async def update_application(self, application_id: str, changes: ApplicationSettings) -> None:
        """Change the fields set in ``changes``; the others keep their value."""
        ...

    async def delete_application(self, application_id: str) -> None:
        """Delete an application."""
        ...

    # -- lifetime -----------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connections to the provider."""
        ...
