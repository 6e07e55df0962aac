"""The Numbers API (XML; docs/bandwidth-v2.md §5): the account's structure, numbers and
applications, as the v2 provider needs them.

How smsconsole's "application" maps onto v2 (§5.1, §7.1): a number reaches applications
through the SIP peer ("location") it is on, so an smsconsole application is **a SIP peer with
its Messaging-V2 and Voice-V2 applications**, and its id is the peer's id. Creating one
creates the two v2 applications and a peer that uses them; assigning a number to it moves the
number onto that peer (``movetns``); detaching moves it to the site's default peer, which has
no applications. A number's id is its E.164 form: the Numbers API has no other.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from smsconsole.providers.bandwidth import xmldoc
from smsconsole.providers.bandwidth.wire import BandwidthError, Wire
from smsconsole.providers.bandwidth.xmldoc import element, text, texts

MESSAGING: Final = "Messaging-V2"
VOICE: Final = "Voice-V2"
ORDER_PATIENCE: Final = 120.0  # seconds an order or a disconnect may take to complete
POLL_FIRST, POLL_MAX = 0.1, 2.0
TOPOLOGY_SECONDS: Final = 30.0  # how long the sites and peers read are trusted
DONE: Final = frozenset({"COMPLETE", "PARTIAL", "FAILED"})


@dataclass(frozen=True)
class Peer:
    """A SIP peer of a site, and the v2 applications its numbers use."""

    id: str
    site_id: str
    name: str
    is_default: bool
    messaging_app_id: str | None = None
    voice_app_id: str | None = None

    @property
    def has_applications(self) -> bool:
        """Whether the peer is an smsconsole application (it uses a v2 application)."""
        return self.messaging_app_id is not None or self.voice_app_id is not None


@dataclass(frozen=True)
class V2Application:
    """One Messaging-V2 or Voice-V2 application as the Numbers API describes it."""

    id: str
    service_type: str
    name: str | None
    inbound_url: str | None = None
    initiated_url: str | None = None
    initiated_method: str | None = None
    callback_timeout: str | None = None


def ten_digits(e164: str) -> str:
    """The ten national digits the Numbers API writes a NANP number as."""
    return e164.removeprefix("+1") if e164.startswith("+1") else e164.lstrip("+")


def e164_of(digits: str) -> str:
    """The E.164 form of a number the Numbers API wrote (ten digits, or with its 1)."""
    digits = digits.strip().lstrip("+")
    return f"+1{digits}" if len(digits) == 10 else f"+{digits}"


class NumbersApi:
    """The account's part of the Numbers API (``<numbers_url>/accounts/{id}``)."""

    def __init__(self, wire: Wire, numbers_url: str, account_id: str) -> None:
        self._wire = wire
        self.root = numbers_url.rstrip("/")
        self.base = f"{self.root}/accounts/{quote(account_id, safe='')}"
        self._peers: list[Peer] | None = None
        self._read_at = 0.0
        # Which peer each number is on, as last looked up (every send and call asks).
        self._peer_ids: dict[str, tuple[str | None, float]] = {}

    # -- the account's structure --------------------------------------------------------------

    async def peers(self, *, fresh: bool = False) -> list[Peer]:
        """Every SIP peer of every site, with the applications each uses."""
        if (
            not fresh
            and self._peers is not None
            and time.monotonic() - self._read_at < TOPOLOGY_SECONDS
        ):
            return self._peers
        root, _ = await self._wire.xml("GET", f"{self.base}/sites")
        sites = [] if root is None else list(texts(root, ".//Site/Id"))
        peers: list[Peer] = []
        for site_id in sites:
            listed, _ = await self._wire.xml("GET", f"{self.base}/sites/{site_id}/sippeers")
            for item in [] if listed is None else listed.iterfind(".//SipPeer"):
                peer_id = text(item, "PeerId")
                if peer_id is None:
                    continue
                messaging, voice = await self._applications_of(site_id, peer_id)
                peers.append(
                    Peer(
                        id=peer_id,
                        site_id=site_id,
                        name=text(item, "PeerName") or peer_id,
                        is_default=(text(item, "IsDefaultPeer") or "").lower() == "true",
                        messaging_app_id=messaging,
                        voice_app_id=voice,
                    )
                )
        self._peers, self._read_at = peers, time.monotonic()
        return peers

    def forget(self) -> None:
        """Read the structure again next time (it was just changed)."""
        self._peers = None
        self._peer_ids.clear()

    async def _applications_of(self, site_id: str, peer_id: str) -> tuple[str | None, str | None]:
        products = f"{self._peer_path(site_id, peer_id)}/products"
        messaging = voice = None
        try:
            found, _ = await self._wire.xml("GET", f"{products}/messaging/applicationSettings")
            messaging = None if found is None else text(found, ".//HttpMessagingV2AppId")
        except BandwidthError as error:
            if error.status not in (400, 404):
                raise
        try:
            found, _ = await self._wire.xml("GET", f"{products}/origination/settings")
            voice = None if found is None else text(found, ".//HttpVoiceV2AppId")
        except BandwidthError as error:
            if error.status not in (400, 404):
                raise
        return messaging, voice

    async def peer(self, peer_id: str) -> Peer:
        """One peer by id (an smsconsole application id).

        Raises:
            BandwidthError: 404 when no site has it.
        """
        for fresh in (False, True):
            for peer in await self.peers(fresh=fresh):
                if peer.id == peer_id:
                    return peer
        raise BandwidthError(
            f"no SIP peer (smsconsole application) {peer_id!r} on this account",
            status=404,
            category="not-found",
            method="GET",
            path=f"{self.base}/sites/…/sippeers/{peer_id}",
        )

    async def default_peer(self, site_id: str | None = None) -> Peer:
        """The default peer of ``site_id`` (or of the first site): where numbers with no
        application live.

        Raises:
            BandwidthError: The account has no site, or the site no peer.
        """
        peers = await self.peers()
        candidates = [p for p in peers if site_id is None or p.site_id == site_id]
        for peer in candidates:
            if peer.is_default:
                return peer
        if candidates:
            return candidates[0]
        raise BandwidthError(
            "the account has no site with a SIP peer; create one in Bandwidth's dashboard",
            status=409,
            category="conflict",
            method="GET",
            path=f"{self.base}/sites",
        )

    def _peer_path(self, site_id: str, peer_id: str) -> str:
        return f"{self.base}/sites/{quote(site_id, safe='')}/sippeers/{quote(peer_id, safe='')}"

    # -- peers as smsconsole applications -----------------------------------------------------

    async def create_peer(self, site_id: str, name: str) -> str:
        """Create a (non-default) SIP peer on ``site_id``; answer its id."""
        body = element("SipPeer", {"PeerName": name, "IsDefaultPeer": False})
        root, response = await self._wire.xml("POST", f"{self.base}/sites/{site_id}/sippeers", body)
        self.forget()
        location: str = response.headers.get("location", "")
        peer_id = location.rstrip("/").rsplit("/", 1)[-1]
        if not peer_id and root is not None:
            peer_id = text(root, ".//PeerId") or ""
        if not peer_id:
            raise BandwidthError(
                "Bandwidth created the SIP peer but did not say its id",
                status=response.status_code,
                category="invalid-response",
                method="POST",
                path=f"{self.base}/sites/{site_id}/sippeers",
            )
        return peer_id

    async def delete_peer(self, peer: Peer) -> None:
        """Delete a SIP peer (it must hold no numbers)."""
        await self._wire.send("DELETE", self._peer_path(peer.site_id, peer.id))
        self.forget()

    async def use_applications(
        self, peer: Peer, *, messaging: str | None, voice: str | None
    ) -> None:
        """Point the peer's messaging and voice at these applications (None: at none)."""
        products = f"{self._peer_path(peer.site_id, peer.id)}/products"
        if messaging is not None:
            settings = element("ApplicationsSettings", {"HttpMessagingV2AppId": messaging})
        else:
            settings = element("ApplicationsSettings", text="REMOVE")
        await self._wire.xml("PUT", f"{products}/messaging/applicationSettings", settings)
        if voice is not None:
            origination = element(
                "SipPeerOriginationSettings",
                {"VoiceProtocol": "HTTP", "HttpSettings": {"HttpVoiceV2AppId": voice}},
            )
        else:
            origination = element("SipPeerOriginationSettings", {"VoiceProtocol": "SIP"})
        method = "PUT" if peer.voice_app_id is not None else "POST"
        await self._wire.xml(method, f"{products}/origination/settings", origination)
        self.forget()

    # -- v2 applications ----------------------------------------------------------------------

    async def application(self, app_id: str) -> V2Application:
        """One v2 application by id."""
        root, _ = await self._wire.xml("GET", f"{self.base}/applications/{quote(app_id, safe='')}")
        found = None if root is None else root.find(".//Application")
        if found is None:
            raise BandwidthError(
                f"Bandwidth answered no application for {app_id!r}",
                status=404,
                category="not-found",
                method="GET",
                path=f"{self.base}/applications/{app_id}",
            )
        return _application(found, app_id)

    async def create_application(self, fields: dict[str, object]) -> str:
        """Create a v2 application from its XML fields; answer its id."""
        body = element("Application", fields)
        root, response = await self._wire.xml("POST", f"{self.base}/applications", body)
        app_id = None if root is None else text(root, ".//ApplicationId")
        if app_id is None:
            app_id = response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1] or None
        if app_id is None:
            raise BandwidthError(
                "Bandwidth created the application but did not say its id",
                status=response.status_code,
                category="invalid-response",
                method="POST",
                path=f"{self.base}/applications",
            )
        return app_id

    async def patch_application(self, app_id: str, fields: dict[str, object]) -> None:
        """Change the given XML fields of a v2 application."""
        body = element("Application", fields)
        await self._wire.xml("PATCH", f"{self.base}/applications/{quote(app_id, safe='')}", body)

    async def delete_application(self, app_id: str) -> None:
        """Delete a v2 application."""
        await self._wire.send("DELETE", f"{self.base}/applications/{quote(app_id, safe='')}")

    # -- numbers ------------------------------------------------------------------------------

    async def in_service(self, page_size: int) -> list[str]:
        """Every number in service on the account, E.164, paging by ``TotalCount``."""
        numbers: list[str] = []
        page = 1
        while True:
            params = {"page": str(page), "size": str(page_size)}
            root, _ = await self._wire.xml("GET", f"{self.base}/inserviceNumbers", params=params)
            if root is None:
                return numbers
            found = [e164_of(tn) for tn in texts(root, ".//TelephoneNumbers/TelephoneNumber")]
            numbers.extend(found)
            total = text(root, "TotalCount")
            if not found or (total is not None and total.isdigit() and len(numbers) >= int(total)):
                return numbers
            if total is None and len(found) < page_size:
                return numbers
            page += 1

    async def is_in_service(self, e164: str) -> bool:
        """Whether the number is in service on the account (200) or not (404)."""
        try:
            await self._wire.send(
                "GET", f"{self.base}/inserviceNumbers/{ten_digits(e164)}", accept="application/xml"
            )
        except BandwidthError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def peer_tns(self, peer: Peer) -> list[str]:
        """The numbers on one peer, E.164."""
        root, _ = await self._wire.xml("GET", f"{self._peer_path(peer.site_id, peer.id)}/tns")
        return [] if root is None else [e164_of(tn) for tn in texts(root, ".//FullNumber")]

    async def peer_of(self, e164: str) -> Peer | None:
        """The peer a number is on (None when Bandwidth names none); remembered for
        :data:`TOPOLOGY_SECONDS`, or until :meth:`forget`."""
        known = self._peer_ids.get(e164)
        if known is not None and time.monotonic() - known[1] < TOPOLOGY_SECONDS:
            peer_id = known[0]
        else:
            root, _ = await self._wire.xml("GET", f"{self.root}/tns/{ten_digits(e164)}/sippeers")
            peer_id = None if root is None else (text(root, ".//Id") or text(root, ".//PeerId"))
            self._peer_ids[e164] = (peer_id, time.monotonic())
        return None if peer_id is None else await self.peer(peer_id)

    async def move(self, e164: str, peer: Peer) -> None:
        """Move a number onto ``peer`` (its applications then get its texts and calls)."""
        body = element("SipPeerTelephoneNumbers", {"FullNumber": ten_digits(e164)})
        await self._wire.xml("POST", f"{self._peer_path(peer.site_id, peer.id)}/movetns", body)

    async def search(self, params: dict[str, str]) -> list[ET.Element]:
        """``availableNumbers`` with details: the ``TelephoneNumberDetail`` elements."""
        root, _ = await self._wire.xml(
            "GET", f"{self.base}/availableNumbers", params={**params, "enableTNDetail": "true"}
        )
        return [] if root is None else list(root.iterfind(".//TelephoneNumberDetail"))

    async def order(self, e164: str, peer: Peer, name: str | None) -> None:
        """Order one number onto ``peer`` and wait (bounded) for the order to complete.

        Raises:
            BandwidthError: The order was refused, failed (the API's words), or did not
                complete within :data:`ORDER_PATIENCE` seconds.
        """
        body = element(
            "Order",
            {
                "Name": name or f"smsconsole {e164}",
                "SiteId": peer.site_id,
                "PeerId": peer.id,
                "ExistingTelephoneNumberOrderType": {
                    "TelephoneNumberList": {"TelephoneNumber": ten_digits(e164)}
                },
            },
        )
        status = await self._submit("orders", body, ".//Order/id", "the order of " + e164)
        if status.get("OrderStatus") != "COMPLETE" or e164 not in status.get("numbers", ""):
            raise BandwidthError(
                status.get("error") or f"the order of {e164} ended {status.get('OrderStatus')}",
                status=409,
                category="order-failed",
                code=status.get("code", ""),
                method="POST",
                path=f"{self.base}/orders",
            )
        self.forget()

    async def disconnect(self, e164: str) -> None:
        """Release a number and wait (bounded) for the disconnect to complete."""
        body = element(
            "DisconnectTelephoneNumberOrder",
            {
                "Name": f"smsconsole release {e164}",
                "DisconnectTelephoneNumberOrderType": {
                    "TelephoneNumberList": {"TelephoneNumber": ten_digits(e164)}
                },
            },
        )
        status = await self._submit("disconnects", body, ".//orderRequest/id", "releasing " + e164)
        if status.get("OrderStatus") == "FAILED":
            raise BandwidthError(
                status.get("error") or f"releasing {e164} failed",
                status=409,
                category="order-failed",
                code=status.get("code", ""),
                method="POST",
                path=f"{self.base}/disconnects",
            )
        self.forget()

    async def _submit(self, kind: str, body: ET.Element, id_path: str, what: str) -> dict[str, str]:
        """POST an order (``orders``/``disconnects``) and wait for it to be done."""
        root, response = await self._wire.xml("POST", f"{self.base}/{kind}", body)
        order_id = None if root is None else text(root, id_path)
        if order_id is None:
            location: str = response.headers.get("location", "")
            order_id = location.rstrip("/").rsplit("/", 1)[-1] or None
        if order_id is None:
            raise BandwidthError(
                f"Bandwidth accepted {what} but did not say its id: look at the numbers before"
                " trying again",
                status=response.status_code,
                category="invalid-response",
                outcome_unknown=True,
                method="POST",
                path=f"{self.base}/{kind}",
            )
        return await self._wait(f"{self.base}/{kind}/{quote(order_id, safe='')}", what)

    async def _wait(self, url: str, what: str) -> dict[str, str]:
        """Poll an order until it is done; its status, error and completed numbers."""
        ends = time.monotonic() + ORDER_PATIENCE
        pause = POLL_FIRST
        while True:
            root, _ = await self._wire.xml("GET", url)
            status = (None if root is None else text(root, "OrderStatus")) or "RECEIVED"
            if status in DONE and root is not None:
                words = xmldoc.error_words(root)
                completed = " ".join(
                    e164_of(tn) for tn in texts(root, ".//CompletedNumbers//FullNumber")
                )
                result = {"OrderStatus": status, "numbers": completed}
                if words is not None:
                    result["code"], result["error"] = words
                return result
            if time.monotonic() + pause > ends:
                raise BandwidthError(
                    f"{what} was still {status} after {ORDER_PATIENCE:g} s; it may complete "
                    "later: look at the numbers again before ordering anything else",
                    category="network",
                    code="order-pending",
                    outcome_unknown=True,
                    method="GET",
                    path=url,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, POLL_MAX)


def _application(found: ET.Element, app_id: str) -> V2Application:
    return V2Application(
        id=text(found, "ApplicationId") or app_id,
        service_type=text(found, "ServiceType") or "",
        name=text(found, "AppName"),
        inbound_url=text(found, "InboundCallbackUrl"),
        initiated_url=text(found, "CallInitiatedCallbackUrl"),
        initiated_method=text(found, "CallInitiatedMethod"),
        callback_timeout=text(found, "CallbackTimeout"),
    )
